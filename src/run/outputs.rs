//! What a run writes besides Parquet: metrics.json, manifest.json, and the helpers that
//! turn issues into the `rejects` table and per-filer data quality.

use crate::assess::{Change, FunnelRow, IndicatorReport, MetricValue, RankingRow};
use crate::identity::{CarriedForward, Conflict, DuplicateReturn};
use crate::issue::{Issue, Severity};
use crate::normalise::{Accounting, SheetOutcome};
use crate::period::Period;
use crate::pipeline::Pipeline;
use crate::record::Value;
use crate::render::{FilerQuality, RenderSummary};
use crate::table::{DType, Table};
use serde::Serialize;
use std::collections::BTreeMap;

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
    /// What changed since the previous month (see the `changes` table).
    pub changes: Vec<Change>,
    pub conflicts: Vec<Conflict>,
    /// Files of the period read but not counted: the filer sent another return of the same type
    /// for the month, which is in effect instead (`kept`), and why.
    pub duplicate_returns: Vec<DuplicateReturn>,
    pub unreadable_files: Vec<UnreadableFile>,
    /// The reference-list scorecard (only for a pipeline with `[[indicators]]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicators: Option<IndicatorReport>,
    pub pipeline_hash: String,
    pub tool_version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SheetManifest {
    pub sheet: String,
    #[serde(rename = "return")]
    pub return_id: Option<String>,
    pub filer: Option<String>,
    pub header_row: Option<u32>,
    pub accounting: Accounting,
    /// The sheet's 填报日期 (YYYY-MM-DD), when it states one.
    pub filed_on: Option<String>,
    /// The correction mark found in the file name or title (更正 …), if any.
    pub correction: Option<String>,
    /// When the filer sent another return of this type for the month that is in effect
    /// instead: that file. The sheet's rows were read (its accounting stands) but not counted.
    pub superseded_by: Option<String>,
    /// Every row skipped on purpose (blank, section, 合计, footer), with its first text and
    /// the reason (a run of blank rows is one entry).
    pub skipped: Vec<SkippedRow>,
}

/// A row skipped on purpose, as listed in the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct SkippedRow {
    pub row: Option<u32>,
    pub text: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
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
    /// Wall time of reading and normalising all files in parallel.
    pub read_wall_ms: f64,
    /// Of which, summed over the worker threads: opening and reading files (calamine, csv)…
    pub read_ms: f64,
    /// …and recognising headers, parsing and validating rows.
    pub normalise_ms: f64,
    pub identity_ms: f64,
    pub assess_ms: f64,
    pub store_ms: f64,
    pub render_ms: f64,
    pub total_ms: f64,
    /// Files whose parsed sheets came from the cache, and files read afresh.
    pub files_cached: usize,
    pub files_parsed: usize,
}

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub tool_version: String,
    /// Hash of the reading code this binary was built from (`build.rs`): part of every cache key.
    pub build_id: String,
    pub pipeline: String,
    pub pipeline_source: String,
    pub pipeline_hash: String,
    pub period: String,
    pub threads: usize,
    pub inputs: Vec<InputManifest>,
    pub ignored: Vec<BTreeMap<String, String>>,
    pub timings: Timings,
    pub rendered: RenderSummary,
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

/// The `metrics` table's last column when some metric of the pipeline declares `grades`.
pub const GRADE_COLUMN: (&str, DType) = ("grade", DType::Text);

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

/// Per filer: the period's files, their accounting and problems; owed returns that are missing.
pub fn filer_quality(
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
