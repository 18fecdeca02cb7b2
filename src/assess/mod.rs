//! Assess: the metrics, targets, ranking and stage funnel of a period, computed from the
//! deduplicated tables as the pipeline file declares them.

mod changes;
mod funnel;
mod metrics;
mod ranking;

pub use changes::{changes_table, compute_changes, Change};
pub use funnel::{funnel, FunnelRow};
pub use metrics::{compute_metrics, metric_row, MetricValue};
pub use ranking::{rank_counties, RankingRow};

use crate::period::Period;
use crate::pipeline::{CmpOp, Condition};
use crate::record::Value;
use crate::table::Table;

/// Does row `r` of `t` satisfy every condition?
pub fn row_matches(t: &Table, r: &[Value], conditions: &[Condition], period: Period) -> bool {
    conditions.iter().all(|c| {
        let get = |col: &str| t.col(col).map(|i| &r[i]).unwrap_or(&Value::Null);
        match c {
            Condition::Eq(col, v) => get(col).as_text() == Some(v.as_str()),
            Condition::Ne(col, v) => get(col).as_text() != Some(v.as_str()),
            Condition::Cmp(col, op, v) => match get(col).as_number() {
                Some(x) => match op {
                    CmpOp::Ge => x >= *v,
                    CmpOp::Gt => x > *v,
                    CmpOp::Le => x <= *v,
                    CmpOp::Lt => x < *v,
                },
                None => false,
            },
            Condition::NotNull(col) => !get(col).is_null(),
            Condition::IsNull(col) => get(col).is_null(),
            Condition::InYearToPeriod(col) => match get(col).as_date() {
                Some(d) => {
                    d >= Period {
                        year: period.year,
                        month: 1,
                    }
                    .first_day()
                        && d <= period.last_day()
                }
                None => false,
            },
        }
    })
}
