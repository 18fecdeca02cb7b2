//! The state of one period: the snapshots in effect, the deduplicated tables and the
//! assessment computed from them.

use crate::assess::{self, FunnelRow, IndicatorReport, MetricValue, RankingRow};
use crate::identity::{self, CarriedForward, Conflict};
use crate::normalise::SheetOutcome;
use crate::period::Period;
use crate::pipeline::Pipeline;
use crate::table::{RecordTable, Table};
use polars::prelude::{DataFrame, PolarsResult};
use std::collections::{BTreeMap, BTreeSet};

pub struct PeriodState {
    /// `<table>_current` by name.
    pub tables: BTreeMap<String, Table>,
    /// The same tables as polars frames: what the assessment computes over.
    pub frames: BTreeMap<String, DataFrame>,
    /// The figures of the report's declared tables and charts.
    pub report: assess::ReportFigures,
    /// The rows of the snapshots in effect (one frame per return type that is not merged), by
    /// table name.
    pub row_frames: Vec<(String, DataFrame)>,
    pub metrics: Vec<MetricValue>,
    pub ranking: Vec<RankingRow>,
    pub stages: Vec<FunnelRow>,
    pub conflicts: Vec<Conflict>,
    pub missing_returns: Vec<String>,
    pub carried_forward: Vec<CarriedForward>,
    /// The reference-list scorecard, when the pipeline declares one.
    pub indicators: Option<IndicatorReport>,
}

/// Per (return type, year) and filer, the first month each record key was listed: a filer
/// that listed a record later (its new county, 项目流转) wins over one that listed it first.
/// For a record present in period P, the first month over the whole year is on or before P, so
/// one map serves every period of the year.
#[derive(Default)]
pub struct FirstListed(BTreeMap<(String, i32), BTreeMap<String, BTreeMap<String, Period>>>);

impl FirstListed {
    /// `superseded`: (file, return id, filer) of returns read but not counted (another return
    /// of the filer for that month is in effect); their rows list nothing.
    pub fn new(
        pipeline: &Pipeline,
        outcomes: &[SheetOutcome],
        superseded: &BTreeSet<(String, String, String)>,
    ) -> FirstListed {
        use rayon::prelude::*;
        // The keys of every sheet, in parallel (normalising names is the costly part).
        let keyed: Vec<(&SheetOutcome, Vec<String>)> = outcomes
            .par_iter()
            .filter_map(|o| {
                let rid = o.return_id.as_deref()?;
                let rt = pipeline.return_type(rid)?;
                let filer = o.filer.as_ref()?;
                if !superseded.is_empty()
                    && superseded.contains(&(o.file.clone(), rid.to_string(), filer.name.clone()))
                {
                    return None;
                }
                // Every row under its id and under its fallback key: a ledger that gains or
                // loses its id column keeps its first months (issue 8, item 8).
                let keys = if o.keys.len() == o.records.len() {
                    o.keys
                        .iter()
                        .flat_map(|(id, pair)| id.iter().chain(pair.iter()).cloned())
                        .collect()
                } else {
                    o.records
                        .iter()
                        .flat_map(|rec| {
                            let (id, pair) = identity::record_keys(rt, rec);
                            id.into_iter().chain(pair)
                        })
                        .collect()
                };
                Some((o, keys))
            })
            .collect();
        let mut out = FirstListed::default();
        for (o, keys) in keyed {
            let (Some(rid), Some(f)) = (&o.return_id, &o.filer) else {
                continue;
            };
            let h = out
                .0
                .entry((rid.clone(), o.period.year))
                .or_default()
                .entry(f.name.clone())
                .or_default();
            for k in keys {
                let e = h.entry(k).or_insert(o.period);
                if o.period < *e {
                    *e = o.period;
                }
            }
        }
        out
    }
}

/// The period's current tables (by name), the rows of its snapshots in effect (per return
/// type that is not merged), its conflicts and the snapshots' carried-forward returns.
struct Current<'a> {
    tables: BTreeMap<String, RecordTable<'a>>,
    row_tables: Vec<RecordTable<'a>>,
    conflicts: Vec<Conflict>,
    carried_forward: Vec<CarriedForward>,
}

fn current_tables<'a>(
    pipeline: &Pipeline,
    outcomes: &'a [SheetOutcome],
    period: Period,
    sha_by_file: &BTreeMap<String, String>,
    first_listed: &FirstListed,
    build: identity::Build,
) -> Current<'a> {
    let snapshots = identity::snapshots_for(outcomes, period);
    let carried_forward: Vec<CarriedForward> = snapshots
        .iter()
        .filter(|s| s.carried_forward(period))
        .map(|s| CarriedForward {
            filer: s.filer.clone(),
            return_id: s.return_id.clone(),
            from_period: s.return_period.to_string(),
        })
        .collect();
    let mut current = Current {
        tables: BTreeMap::new(),
        row_tables: Vec::new(),
        conflicts: Vec::new(),
        carried_forward,
    };
    for rt in &pipeline.returns {
        let snaps: Vec<_> = snapshots
            .iter()
            .filter(|s| s.return_id == rt.id)
            .cloned()
            .collect();
        let empty = BTreeMap::new();
        let history = first_listed
            .0
            .get(&(rt.id.clone(), period.year))
            .unwrap_or(&empty);
        let ct = identity::current_table(rt, &snaps, period, sha_by_file, history, build);
        current.conflicts.extend(ct.conflicts);
        if !rt.merge_columns {
            current.row_tables.push(ct.rows);
        }
        current.tables.insert(ct.current.name.clone(), ct.current);
    }
    current
}

fn frames_of(tables: &BTreeMap<String, RecordTable>) -> PolarsResult<BTreeMap<String, DataFrame>> {
    tables
        .iter()
        .map(|(name, t)| Ok((name.clone(), t.to_frame()?)))
        .collect()
}

/// The metric values at the end of each of `periods`, and nothing else: what the cumulative
/// chart needs of the months that are neither written nor compared with. The months' tables
/// are built in parallel and their metrics computed together (one query per table and scope
/// for all of them).
pub fn period_metrics(
    pipeline: &Pipeline,
    outcomes: &[SheetOutcome],
    periods: &[Period],
    sha_by_file: &BTreeMap<String, String>,
    first_listed: &FirstListed,
) -> PolarsResult<Vec<Vec<MetricValue>>> {
    use rayon::prelude::*;
    let frames: Vec<BTreeMap<String, DataFrame>> = periods
        .par_iter()
        .map(|p| {
            let current = current_tables(
                pipeline,
                outcomes,
                *p,
                sha_by_file,
                first_listed,
                identity::Build::CurrentOnly,
            );
            frames_of(&current.tables)
        })
        .collect::<PolarsResult<_>>()?;
    let months: Vec<(Period, &BTreeMap<String, DataFrame>)> =
        periods.iter().copied().zip(&frames).collect();
    assess::compute_metrics_of(pipeline, &months)
}

/// Identity and assessment of `period` from every sheet read (earlier months included).
pub fn period_state(
    pipeline: &Pipeline,
    outcomes: &[SheetOutcome],
    period: Period,
    sha_by_file: &BTreeMap<String, String>,
    first_listed: &FirstListed,
) -> PolarsResult<PeriodState> {
    let current = current_tables(
        pipeline,
        outcomes,
        period,
        sha_by_file,
        first_listed,
        identity::Build::Everything,
    );
    let missing_returns = identity::missing_returns(pipeline, outcomes, period);
    // From here on the tables are frames: the assessment, the store and the report read them.
    let frames = frames_of(&current.tables)?;
    let row_frames = current
        .row_tables
        .iter()
        .map(|t| Ok((t.name.clone(), t.to_frame()?)))
        .collect::<PolarsResult<Vec<_>>>()?;
    let metrics = assess::compute_metrics(pipeline, &frames, period)?;
    let report = assess::report_figures(pipeline, &frames, period)?;
    let ranking = assess::rank_counties(pipeline, &metrics);
    let stages = match pipeline.funnel.as_ref().and_then(|f| frames.get(&f.table)) {
        Some(frame) => assess::funnel(pipeline, frame, period)?,
        None => Vec::new(),
    };
    let indicators = pipeline
        .scorecard
        .as_ref()
        .map(|sc| {
            assess::assess_indicators(
                pipeline,
                sc,
                frames.get(&sc.table),
                period,
                &missing_returns,
            )
        })
        .transpose()?;
    Ok(PeriodState {
        report,
        indicators,
        frames,
        tables: current
            .tables
            .into_iter()
            .map(|(name, t)| (name, t.into_table()))
            .collect(),
        row_frames,
        metrics,
        ranking,
        stages,
        conflicts: current.conflicts,
        missing_returns,
        carried_forward: current.carried_forward,
    })
}
