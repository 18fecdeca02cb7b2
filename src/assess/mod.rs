//! Assess: the metrics, targets, ranking and stage funnel of a period, computed from the
//! deduplicated tables as the pipeline file declares them.

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
pub use metrics::{compute_metrics, metric_row, MetricValue};
pub use ranking::{rank_counties, RankingRow};
pub use report::{report_figures, CrossTotals, GroupTotals, ReportFigures};

use crate::period::Period;
use crate::pipeline::{CmpOp, Condition};
use crate::record::Value;
use crate::table::Table;

/// How a tags column's canonical values are joined in the stored text.
pub const TAG_SEPARATOR: char = '、';

/// Conditions resolved against a table's columns once, then tested row by row.
pub struct Matcher<'a> {
    conds: Vec<(Option<usize>, &'a Condition)>,
    year_start: chrono::NaiveDate,
    period_end: chrono::NaiveDate,
}

impl<'a> Matcher<'a> {
    pub fn new(t: &Table, conditions: &'a [Condition], period: Period) -> Matcher<'a> {
        let conds = conditions
            .iter()
            .map(|c| (t.col(crate::pipeline::condition_column(c)), c))
            .collect();
        Matcher {
            conds,
            year_start: Period {
                year: period.year,
                month: 1,
            }
            .first_day(),
            period_end: period.last_day(),
        }
    }

    pub fn matches(&self, r: &[Value]) -> bool {
        self.conds.iter().all(|(i, c)| {
            let v = i.map(|i| &r[i]).unwrap_or(&Value::Null);
            match c {
                Condition::Eq(_, want) => v.as_text() == Some(want.as_str()),
                Condition::Ne(_, want) => v.as_text() != Some(want.as_str()),
                Condition::Cmp(_, op, want) => match v.as_number() {
                    Some(x) => match op {
                        CmpOp::Ge => x >= *want,
                        CmpOp::Gt => x > *want,
                        CmpOp::Le => x <= *want,
                        CmpOp::Lt => x < *want,
                    },
                    None => false,
                },
                Condition::NotNull(_) => !v.is_null(),
                Condition::IsNull(_) => v.is_null(),
                Condition::IsTrue(_) => matches!(v, Value::Bool(true)),
                Condition::IsFalse(_) => matches!(v, Value::Bool(false)),
                Condition::Contains(_, tag) => v
                    .as_text()
                    .is_some_and(|t| t.split(TAG_SEPARATOR).any(|x| x == tag)),
                Condition::InYearToPeriod(_) => v
                    .as_date()
                    .is_some_and(|d| d >= self.year_start && d <= self.period_end),
            }
        })
    }
}

/// Does row `r` of `t` satisfy every condition?
pub fn row_matches(t: &Table, r: &[Value], conditions: &[Condition], period: Period) -> bool {
    Matcher::new(t, conditions, period).matches(r)
}
