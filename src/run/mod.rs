//! The `run` command: discover → read → normalise → identity → assess → store → render.

pub mod state;

use crate::assess::{self, FunnelRow, MetricValue, RankingRow};
use crate::error::FileError;
use crate::identity::{CarriedForward, Conflict};
use crate::ingest::{self, InputFile};
use crate::issue::{Issue, Rule, Severity};
use crate::normalise::{self, Accounting, SheetOutcome};
use crate::period::Period;
use crate::pipeline::Pipeline;
use crate::record::Value;
use crate::render::{self, FilerQuality, ReportData};
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
    pub render_ms: f64,
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
    pub rendered: render::RenderSummary,
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
    #[error("Failed to render the reports")]
    Render(#[from] crate::render::RenderError),
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

    // Identity and assessment of the period, and of each earlier month of its year (for the
    // cumulative chart and "what changed since last month").
    let state = state::period_state(pipeline, &outcomes, period, &sha_by_file);
    timings.identity_ms = ms(t);
    let t = Instant::now();
    let mut history: Vec<(Period, Vec<MetricValue>)> = (1..period.month)
        .filter_map(|m| Period::new(period.year, m))
        .map(|p| {
            (
                p,
                state::period_state(pipeline, &outcomes, p, &sha_by_file).metrics,
            )
        })
        .collect();
    history.push((period, state.metrics.clone()));
    let mut accounting = Accounting::default();
    for o in outcomes.iter().filter(|o| o.period == period) {
        accounting.add(&o.accounting);
    }
    let state::PeriodState {
        tables,
        row_tables,
        metrics,
        ranking,
        stages,
        conflicts,
        missing_returns,
        carried_forward,
    } = state;
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

    // Render.
    let t = Instant::now();
    let filers = filer_quality(pipeline, &outcomes, &issues, &metrics_json, period);
    let (kind, title) = render::report_kind(pipeline, period);
    let data = ReportData {
        pipeline,
        period,
        kind,
        title,
        result: &metrics_json,
        history: &history,
        tables: &tables,
        issues: &issues,
        filers: &filers,
    };
    let rendered = render::render(&data, &report_dir)?;
    timings.render_ms = ms(t);
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
        rendered: rendered.clone(),
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

/// Per filer: the period's files, their accounting and problems; owed returns that are missing.
fn filer_quality(
    pipeline: &Pipeline,
    outcomes: &[SheetOutcome],
    issues: &[Issue],
    m: &MetricsJson,
    period: Period,
) -> Vec<FilerQuality> {
    let mut names: Vec<String> = pipeline.filers.iter().map(|f| f.name.clone()).collect();
    for i in issues {
        if let Some(f) = &i.filer {
            if !names.contains(f) {
                names.push(f.clone());
            }
        }
    }
    let mut out = Vec::new();
    for name in names {
        let mine: Vec<&SheetOutcome> = outcomes
            .iter()
            .filter(|o| o.period == period && o.filer.as_ref().map(|f| &f.name) == Some(&name))
            .collect();
        let mut files: Vec<String> = mine.iter().map(|o| o.file.clone()).collect();
        files.extend(
            issues
                .iter()
                .filter(|i| i.filer.as_ref() == Some(&name))
                .map(|i| i.file.clone()),
        );
        files.sort();
        files.dedup();
        let missing = m.missing_returns.contains(&name);
        if files.is_empty() && !missing {
            continue;
        }
        let mut accounting = Accounting::default();
        for o in &mine {
            accounting.add(&o.accounting);
        }
        let count = |sev| {
            issues
                .iter()
                .filter(|i| i.filer.as_ref() == Some(&name) && i.severity == sev)
                .count()
        };
        let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
        out.push(FilerQuality {
            carried_from: m
                .carried_forward
                .iter()
                .find(|c| c.filer == name)
                .map(|c| c.from_period.clone()),
            filer: name,
            files,
            accounting,
            errors,
            warnings,
            missing,
        });
    }
    out
}
