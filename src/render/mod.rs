//! Render: what people read, under `<out>/reports/<YYYY-MM>/` (DESIGN §5) — charts (SVG and
//! PNG), ranked tables (xlsx, csv, markdown), `report.html`, and one validation workbook per
//! filer. Everything is declared by the pipeline's `[report]` section and drawn from the
//! period's results; text that came from a return is neutralised (xlsx, csv) or escaped (HTML).

pub mod charts;
pub mod feedback;
pub mod font;
pub mod report;
pub mod tables;

use crate::assess::MetricValue;
use crate::error::OutputError;
use crate::issue::Issue;
use crate::normalise::Accounting;
use crate::period::Period;
use crate::pipeline::Pipeline;
use crate::run::MetricsJson;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Which report a period gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportKind {
    /// 月通报
    Monthly,
    /// 季度点评 (March, June, September) when the pipeline declares a quarterly title.
    Quarterly,
    /// 年度考核 (December)
    Annual,
}

/// Data quality of one filer in the period (for the report and the feedback workbooks).
#[derive(Debug, Clone, Serialize)]
pub struct FilerQuality {
    pub filer: String,
    /// The period's files of this filer.
    pub files: Vec<String>,
    pub accounting: Accounting,
    pub errors: usize,
    pub warnings: usize,
    /// Owes a return and sent none for the period.
    pub missing: bool,
    /// The month whose return is used when it was carried forward.
    pub carried_from: Option<String>,
}

/// Everything the renderers draw from.
pub struct ReportData<'a> {
    pub pipeline: &'a Pipeline,
    pub period: Period,
    pub kind: ReportKind,
    /// The report's Chinese title, e.g. "江门市招商引资工作月通报（2025年6月）".
    pub title: String,
    /// The period's results (metrics, ranking, stages, accounting, missing returns…).
    pub result: &'a MetricsJson,
    /// Metric values at the end of each month of the year up to and including the period.
    pub history: &'a [(Period, Vec<MetricValue>)],
    /// The figures of the declared tables and charts, as the assessment computed them.
    pub figures: &'a crate::assess::ReportFigures,
    /// Every located problem in the period's files.
    pub issues: &'a [Issue],
    /// Per filer (reference order, then others), its files and data quality.
    pub filers: &'a [FilerQuality],
}

impl ReportData<'_> {
    /// A metric value of the period.
    pub fn metric(&self, id: &str, scope: &str, scope_value: &str) -> Option<&MetricValue> {
        self.result
            .metrics
            .iter()
            .find(|m| m.id == id && m.scope == scope && m.scope_value == scope_value)
    }

    /// The metric values of the previous month of the same year, if any.
    pub fn previous(&self) -> Option<&[MetricValue]> {
        self.history
            .iter()
            .rev()
            .find(|(p, _)| *p < self.period)
            .map(|(_, v)| v.as_slice())
    }
}

/// The kind and title of a period's report.
pub fn report_kind(pipeline: &Pipeline, period: Period) -> (ReportKind, String) {
    let r = pipeline.report.as_ref();
    let when = format!("（{}年{}月）", period.year, period.month);
    if period.month == 12 {
        let t = r
            .map(|r| r.annual_title.clone())
            .unwrap_or_else(|| pipeline.title.clone());
        return (ReportKind::Annual, format!("{t}（{}年度）", period.year));
    }
    if let Some(q) = r.and_then(|r| r.quarterly_title.clone()) {
        if period.month.is_multiple_of(3) {
            return (ReportKind::Quarterly, format!("{q}{when}"));
        }
    }
    let t = r
        .map(|r| r.monthly_title.clone())
        .unwrap_or_else(|| pipeline.title.clone());
    (ReportKind::Monthly, format!("{t}{when}"))
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("Failed to draw chart `{chart}`: {message}")]
    Chart { chart: String, message: String },
    #[error("Failed to write workbook `{}`", path.display())]
    Xlsx {
        path: PathBuf,
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// What was rendered, for the summary and the manifest.
#[derive(Debug, Default, Clone, Serialize)]
pub struct RenderSummary {
    pub charts: Vec<String>,
    pub tables: Vec<String>,
    pub feedback: Vec<String>,
    pub report: Option<String>,
    /// Characters the bundled font lacks (each reported once).
    pub missing_glyphs: Vec<char>,
}

/// Renders everything for the period into `dir` (`<out>/reports/<YYYY-MM>`).
pub fn render(data: &ReportData, dir: &Path) -> Result<RenderSummary, RenderError> {
    let mut summary = RenderSummary::default();
    // Charts, tables and the filers' feedback are independent: drawn and written at once.
    let (charts, (tables, feedback)) = rayon::join(
        || charts::render_charts(data, &dir.join("charts")),
        || {
            rayon::join(
                || tables::write_tables(data, &dir.join("tables")),
                || feedback::write_feedback(data, &dir.join("validation")),
            )
        },
    );
    let charts = charts?;
    summary.charts = charts.iter().map(|c| c.id.clone()).collect();
    summary.tables = tables?;
    summary.feedback = feedback?;
    summary.report = Some(report::write_report(data, &charts, dir)?);
    summary.missing_glyphs = font::take_missing();
    Ok(summary)
}

/// Neutralises text for spreadsheets: a cell beginning with = + - @ (or a tab or carriage
/// return) is prefixed with an apostrophe-free guard so it is written as text, never a formula.
pub fn neutralise(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// Escapes text for HTML (element content and attribute values).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A number for people: thousands kept plain, at most `decimals` decimals, trailing zeros cut.
pub fn fmt_num(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A share as a percentage: 0.8123 -> "81.2%".
pub fn fmt_pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralise_and_escape() {
        assert_eq!(
            neutralise("=HYPERLINK(\"http://x\",\"y\")"),
            "'=HYPERLINK(\"http://x\",\"y\")"
        );
        assert_eq!(neutralise("-1+2"), "'-1+2");
        assert_eq!(neutralise("正常项目"), "正常项目");
        assert_eq!(
            escape_html("<script>alert('x')</script>&"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;"
        );
        assert_eq!(fmt_num(12.500, 2), "12.5");
        assert_eq!(fmt_pct(0.8123), "81.2%");
    }
}
