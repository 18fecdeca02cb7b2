//! Assess: the metrics, targets, ranking, stage funnel, changes and report figures of a period,
//! computed as polars queries over the frames of the deduplicated tables, as the pipeline file
//! declares them.

mod changes;
pub mod expr;
mod funnel;
mod indicators;
mod metrics;
mod ranking;
pub mod report;

pub use changes::{changes_table, compute_changes, Change};
pub use funnel::{funnel, FunnelRow};
pub use indicators::{
    assess_indicators, indicator_metrics, IndicatorReport, IndicatorRow, IndicatorSummary,
};
pub use metrics::{
    change_metrics, compute_metrics, compute_metrics_of, metric_index, metric_row, MetricIndex,
    MetricValue,
};
pub use ranking::{rank_counties, RankingRow};
pub use report::{report_figures, CrossTotals, GroupTotals, ReportFigures};

/// How a tags column's canonical values are joined in the stored text.
pub const TAG_SEPARATOR: char = '、';
