//! The `run` command: discover → read → normalise → identity → assess → store.

use crate::assess::{self, FunnelRow, MetricValue, RankingRow};
use crate::error::FileError;
use crate::identity::{self, CarriedForward, Conflict};
use crate::ingest::{self, InputFile};
use crate::issue::{Issue, Rule, Severity};
use crate::normalise::{self, Accounting, SheetOutcome};
use crate::period::Period;
use crate::pipeline::Pipeline;
use crate::record::Value;
use crate::store::{self, DatasetMeta};
use crate::table::{DType, Table};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub struct RunOptions {
    pub input: PathBuf,
    pub out: PathBuf,
    /// None: the latest period found.
    pub period: Option<Period>,
}

/// A file that could not be read at all.
#[derive(Debug, Clone, Serialize)]
pub struct UnreadableFile {
    pub file: String,
    pub reason: String,
    pub detail: String,
}

#[derive(Debug, Serialize)]
pub struct MetricsJson {
    pub pipeline: String,
    pub title: String,
    pub period: String,
    /// monthly (月通报) or annual (年度考核, for December).
    pub report_kind: String,
    pub metrics: Vec<MetricValue>,
    pub ranking: Vec<RankingRow>,
    pub stages: Vec<FunnelRow>,
    /// Rows of the period's own input files.
    pub accounting: Accounting,
    pub missing_returns: Vec<String>,
    pub carried_forward: Vec<CarriedForward>,
    pub conflicts: Vec<Conflict>,
    pub unreadable_files: Vec<UnreadableFile>,
    pub pipeline_hash: String,
    pub tool_version: String,
}

#[derive(Debug, Serialize)]
pub struct SheetManifest {
    pub sheet: String,
    #[serde(rename = "return")]
    pub return_id: Option<String>,
    pub filer: Option<String>,
    pub header_row: Option<u32>,
    pub accounting: Accounting,
}

#[derive(Debug, Serialize)]
pub struct InputManifest {
    pub file: String,
    pub period: String,
    pub sha256: Option<String>,
    pub bytes: Option<u64>,
    pub status: String,
    pub reason: Option<String>,
    pub accounting: Accounting,
    pub sheets: Vec<SheetManifest>,
}

#[derive(Debug, Default, Serialize, Clone)]
pub struct Timings {
    pub discover_ms: f64,
    pub read_ms: f64,
    pub normalise_ms: f64,
    pub identity_ms: f64,
    pub assess_ms: f64,
    pub store_ms: f64,
    pub total_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub tool_version: String,
    pub pipeline: String,
    pub pipeline_source: String,
    pub pipeline_hash: String,
    pub period: String,
    pub threads: usize,
    pub inputs: Vec<InputManifest>,
    pub ignored: Vec<BTreeMap<String, String>>,
    pub timings: Timings,
}

/// What a run produced, for the terminal summary and the exit status.
pub struct RunOutcome {
    pub period: Period,
    pub metrics: MetricsJson,
    pub files_read: usize,
    pub files_in_period: usize,
    pub issues: Vec<Issue>,
    pub report_dir: PathBuf,
    pub dataset_dir: PathBuf,
    pub timings: Timings,
}

impl RunOutcome {
    /// Exit status: 2 when a file could not be read, 1 under `strict` with rejected rows, else 0.
    pub fn exit_code(&self, strict: bool) -> i32 {
        if !self.metrics.unreadable_files.is_empty() {
            2
        } else if strict && self.metrics.accounting.rows_rejected > 0 {
            1
        } else {
            0
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("Failed to list the input folder `{}`", path.display())]
    Discover {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("No returns found under `{}` (expected <input>/<YYYY-MM>/<file>.xlsx)", path.display())]
    NoInputs { path: PathBuf },
    #[error(transparent)]
    Output(#[from] crate::error::OutputError),
}

fn ms(t: Instant) -> f64 {
    (t.elapsed().as_secs_f64() * 1e6).round() / 1e3
}

/// Reads and normalises files in parallel (one task per file, then one per sheet).
pub fn read_and_normalise(
    files: &[InputFile],
    pipeline: &Pipeline,
    timings: &mut Timings,
) -> Vec<(
    InputFile,
    Result<(ingest::Workbook, Vec<SheetOutcome>), FileError>,
)> {
    let t = Instant::now();
    let read: Vec<(InputFile, Result<ingest::Workbook, FileError>)> = files
        .par_iter()
        .map(|f| (f.clone(), ingest::read_file(f)))
        .collect();
    timings.read_ms = ms(t);
    let t = Instant::now();
    let out = read
        .into_par_iter()
        .map(|(f, wb)| {
            let res = wb.map(|wb| {
                let outcomes = normalise::normalise_workbook(&f, &wb, pipeline);
                (wb, outcomes)
            });
            (f, res)
        })
        .collect();
    timings.normalise_ms = ms(t);
    out
}

pub fn run(pipeline: &Pipeline, opts: &RunOptions) -> Result<RunOutcome, RunError> {
    let total = Instant::now();
    let mut timings = Timings::default();
    let t = Instant::now();
    let discovery = ingest::discover(&opts.input).map_err(|source| RunError::Discover {
        path: opts.input.clone(),
        source,
    })?;
    let period = match opts.period.or_else(|| discovery.periods().last().copied()) {
        Some(p) => p,
        None => {
            return Err(RunError::NoInputs {
                path: opts.input.clone(),
            })
        }
    };
    let files: Vec<InputFile> = discovery
        .files
        .iter()
        .filter(|f| f.period.year == period.year && f.period <= period)
        .cloned()
        .collect();
    timings.discover_ms = ms(t);

    let results = read_and_normalise(&files, pipeline, &mut timings);

    let t = Instant::now();
    let mut outcomes: Vec<SheetOutcome> = Vec::new();
    let mut sha_by_file = BTreeMap::new();
    let mut unreadable = Vec::new();
    let mut inputs = Vec::new();
    let mut issues: Vec<Issue> = Vec::new();
    for (f, res) in &results {
        match res {
            Ok((wb, sheets)) => {
                sha_by_file.insert(f.rel.clone(), wb.sha256.clone());
                let mut acc = Accounting::default();
                for s in sheets {
                    acc.add(&s.accounting);
                }
                inputs.push(InputManifest {
                    file: f.rel.clone(),
                    period: f.period.to_string(),
                    sha256: Some(wb.sha256.clone()),
                    bytes: Some(wb.bytes),
                    status: "ok".into(),
                    reason: None,
                    accounting: acc,
                    sheets: sheets
                        .iter()
                        .map(|s| SheetManifest {
                            sheet: s.sheet.clone(),
                            return_id: s.return_id.clone(),
                            filer: s.filer.as_ref().map(|f| f.name.clone()),
                            header_row: s.header_row,
                            accounting: s.accounting,
                        })
                        .collect(),
                });
                if f.period == period {
                    for s in sheets {
                        issues.extend(s.issues.iter().cloned());
                    }
                }
                outcomes.extend(sheets.iter().cloned());
            }
            Err(e) => {
                inputs.push(InputManifest {
                    file: f.rel.clone(),
                    period: f.period.to_string(),
                    sha256: None,
                    bytes: None,
                    status: "unreadable".into(),
                    reason: Some(e.reason_zh()),
                    accounting: Accounting::default(),
                    sheets: vec![],
                });
                if f.period == period {
                    unreadable.push(UnreadableFile {
                        file: f.rel.clone(),
                        reason: e.reason_zh(),
                        detail: e.chain(),
                    });
                    issues.push(Issue {
                        severity: Severity::Error,
                        rule: Rule::UnreadableFile,
                        file: f.rel.clone(),
                        sheet: None,
                        row: None,
                        cell: None,
                        column: None,
                        raw: None,
                        message: e.reason_zh(),
                        filer: normalise::filer::filer_from_file_name(&f.rel, pipeline)
                            .map(|f| f.name),
                    });
                }
            }
        }
    }
    for ig in &discovery.ignored {
        if ig.rel.starts_with(&period.to_string()) {
            issues.push(Issue {
                severity: Severity::Warning,
                rule: Rule::IgnoredFile,
                file: ig.rel.clone(),
                sheet: None,
                row: None,
                cell: None,
                column: None,
                raw: None,
                message: ig.reason.clone(),
                filer: None,
            });
        }
    }

    // Identity: snapshots in effect, carry-forward, dedup.
    let snapshots = identity::snapshots_for(&outcomes, period);
    let missing_returns = identity::missing_returns(pipeline, &outcomes, period);
    let carried_forward: Vec<CarriedForward> = snapshots
        .iter()
        .filter(|s| s.carried_forward(period))
        .map(|s| CarriedForward {
            filer: s.filer.clone(),
            return_id: s.return_id.clone(),
            from_period: s.return_period.to_string(),
        })
        .collect();
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let mut row_tables: Vec<Table> = Vec::new();
    let mut conflicts = Vec::new();
    for rt in &pipeline.returns {
        let snaps: Vec<_> = snapshots
            .iter()
            .filter(|s| s.return_id == rt.id)
            .cloned()
            .collect();
        // Per filer, the first month each record key was listed (for 项目流转).
        let mut history: BTreeMap<String, BTreeMap<String, Period>> = BTreeMap::new();
        for o in outcomes.iter().filter(|o| {
            o.return_id.as_deref() == Some(rt.id.as_str())
                && o.period.year == period.year
                && o.period <= period
        }) {
            let Some(f) = &o.filer else { continue };
            let h = history.entry(f.name.clone()).or_default();
            for rec in &o.records {
                if let Some(k) = identity::record_key(rt, rec) {
                    let e = h.entry(k).or_insert(o.period);
                    if o.period < *e {
                        *e = o.period;
                    }
                }
            }
        }
        let ct = identity::current_table(rt, &snaps, period, &sha_by_file, &history);
        conflicts.extend(ct.conflicts);
        if !rt.merge_columns {
            row_tables.push(ct.rows);
        }
        tables.insert(ct.current.name.clone(), ct.current);
    }
    timings.identity_ms = ms(t);

    // Assess.
    let t = Instant::now();
    let metrics = assess::compute_metrics(pipeline, &tables, period);
    let ranking = assess::rank_counties(pipeline, &metrics);
    let stages = pipeline
        .funnel
        .as_ref()
        .and_then(|f| tables.get(&f.table))
        .map(|t| assess::funnel(pipeline, t, period))
        .unwrap_or_default();
    let mut accounting = Accounting::default();
    for o in outcomes.iter().filter(|o| o.period == period) {
        accounting.add(&o.accounting);
    }
    timings.assess_ms = ms(t);

    // Store.
    let t = Instant::now();
    let meta = DatasetMeta {
        pipeline: &pipeline.id,
        pipeline_hash: &pipeline.hash,
        period,
    };
    for rt_table in &row_tables {
        store::write_table(&opts.out, rt_table, &meta)?;
    }
    for (name, table) in &tables {
        // `talent_current` is published as `talent` (one row per county, merged over filers).
        let mut t = table.clone();
        if let Some(rt) = pipeline
            .returns
            .iter()
            .find(|r| r.merge_columns && format!("{}_current", r.table) == *name)
        {
            t.name = rt.table.clone();
        }
        store::write_table(&opts.out, &t, &meta)?;
    }
    store::write_table(&opts.out, &rejects_table(&issues, period), &meta)?;
    let mut mt = Table::new(
        "metrics",
        METRIC_COLUMNS
            .iter()
            .map(|(n, d)| (n.to_string(), *d))
            .collect(),
    );
    for m in &metrics {
        mt.push(assess::metric_row(m, period));
    }
    store::write_table(&opts.out, &mt, &meta)?;

    let report_dir = opts.out.join("reports").join(period.to_string());
    let metrics_json = MetricsJson {
        pipeline: pipeline.id.clone(),
        title: pipeline.title.clone(),
        period: period.to_string(),
        report_kind: if period.month == 12 {
            "annual".into()
        } else {
            "monthly".into()
        },
        metrics,
        ranking,
        stages,
        accounting,
        missing_returns,
        carried_forward,
        conflicts,
        unreadable_files: unreadable,
        pipeline_hash: pipeline.hash.clone(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
    };
    store::write_json(&report_dir.join("metrics.json"), &metrics_json)?;
    store::write_json(&report_dir.join("issues.json"), &issues)?;
    timings.store_ms = ms(t);
    timings.total_ms = ms(total);
    let manifest = Manifest {
        tool_version: env!("CARGO_PKG_VERSION").into(),
        pipeline: pipeline.id.clone(),
        pipeline_source: pipeline.source.clone(),
        pipeline_hash: pipeline.hash.clone(),
        period: period.to_string(),
        threads: rayon::current_num_threads(),
        inputs,
        ignored: discovery
            .ignored
            .iter()
            .map(|i| {
                BTreeMap::from([
                    ("file".to_string(), i.rel.clone()),
                    ("reason".to_string(), i.reason.clone()),
                ])
            })
            .collect(),
        timings: timings.clone(),
    };
    store::write_json(&report_dir.join("manifest.json"), &manifest)?;

    Ok(RunOutcome {
        period,
        files_read: files.len(),
        files_in_period: files.iter().filter(|f| f.period == period).count(),
        metrics: metrics_json,
        issues,
        report_dir,
        dataset_dir: opts.out.join("dataset"),
        timings,
    })
}

pub const METRIC_COLUMNS: [(&str, DType); 11] = [
    ("period", DType::Text),
    ("metric_id", DType::Text),
    ("name", DType::Text),
    ("scope", DType::Text),
    ("scope_value", DType::Text),
    ("value", DType::Float),
    ("unit", DType::Text),
    ("target", DType::Float),
    ("target_to_date", DType::Float),
    ("completion", DType::Float),
    ("on_track", DType::Bool),
];

pub const REJECT_COLUMNS: [(&str, DType); 11] = [
    ("period", DType::Text),
    ("filer", DType::Text),
    ("source_file", DType::Text),
    ("sheet", DType::Text),
    ("source_row", DType::Int),
    ("cell", DType::Text),
    ("column", DType::Text),
    ("raw_value", DType::Text),
    ("rule", DType::Text),
    ("message", DType::Text),
    ("severity", DType::Text),
];

/// The `rejects` table: every error of the period's files (one row per problem).
pub fn rejects_table(issues: &[Issue], period: Period) -> Table {
    let mut t = Table::new(
        "rejects",
        REJECT_COLUMNS
            .iter()
            .map(|(n, d)| (n.to_string(), *d))
            .collect(),
    );
    let text = |s: &Option<String>| s.clone().map(Value::Text).unwrap_or(Value::Null);
    for i in issues.iter().filter(|i| i.severity == Severity::Error) {
        t.push(vec![
            Value::Text(period.to_string()),
            text(&i.filer),
            Value::Text(i.file.clone()),
            text(&i.sheet),
            i.row.map(|r| Value::Int(r as i64)).unwrap_or(Value::Null),
            text(&i.cell),
            text(&i.column),
            text(&i.raw),
            Value::Text(i.rule.as_str().into()),
            Value::Text(i.message.clone()),
            Value::Text(i.severity.as_str().into()),
        ]);
    }
    t
}

/// The input folder used when `--input` is not given.
pub fn default_input() -> &'static Path {
    Path::new("fixtures/returns")
}
