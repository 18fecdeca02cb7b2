//! The pipeline's row conditions as polars expressions over a table's frame.
//!
//! A condition on a column the frame lacks, or of another type than the condition needs,
//! holds as it would for a null value: `eq`, comparisons, `true`/`false`, `contains` and
//! `in_year` do not hold; `ne` and `is_null` do.

use super::TAG_SEPARATOR;
use crate::period::Period;
use crate::pipeline::{CmpOp, Condition};
use polars::prelude::*;

/// Every condition holds (an empty list holds for every row).
pub fn all_hold(conditions: &[Condition], schema: &Schema, period: Period) -> Expr {
    all_hold_within(conditions, schema, &Bounds::of(period))
}

/// Every condition holds, with the period's bounds taken from `bounds`.
pub fn all_hold_within(conditions: &[Condition], schema: &Schema, bounds: &Bounds) -> Expr {
    conditions
        .iter()
        .map(|c| holds(c, schema, bounds))
        .reduce(|a, b| a.and(b))
        .unwrap_or_else(|| lit(true))
}

/// The column that keys the rows of several periods stacked in one frame (`YYYY-MM`).
pub const PERIOD: &str = "__period";
/// In a stacked frame, the first day of the row's period's year.
const YEAR_START: &str = "__year_start";
/// In a stacked frame, the last day of the row's period.
const PERIOD_END: &str = "__period_end";

/// The bounds of the period a condition is evaluated for: one period's dates, or, over a
/// frame of several periods stacked, each row's own (the [`YEAR_START`] and [`PERIOD_END`]
/// columns).
pub struct Bounds {
    year_start: Expr,
    end: Expr,
}

impl Bounds {
    pub fn of(period: Period) -> Bounds {
        Bounds {
            year_start: lit(Period {
                year: period.year,
                month: 1,
            }
            .first_day()),
            end: lit(period.last_day()),
        }
    }

    /// The columns a frame of `period` gets when it is stacked with others: the period
    /// ([`PERIOD`]) and its bounds, which [`Bounds::per_row`] reads.
    pub fn columns(period: Period) -> [Expr; 3] {
        let b = Bounds::of(period);
        [
            lit(period.to_string()).alias(PERIOD),
            b.year_start.alias(YEAR_START),
            b.end.alias(PERIOD_END),
        ]
    }

    /// Each row's period, in a stacked frame.
    pub fn per_row() -> Bounds {
        Bounds {
            year_start: col(YEAR_START),
            end: col(PERIOD_END),
        }
    }
}

/// The column that holds the whole table's one scope value while it is aggregated.
const WHOLE_TABLE: &str = "__whole_table";

/// A scope column and the values it is reported for, in order (None: the whole table).
pub type ScopeValues<'a> = Option<(&'a str, &'a [String])>;

/// `aggs` over the rows of `frame` (one row), or per value of a scope column, one row per value
/// in the order given; a value without rows gets each aggregate's value over no rows (`fill`).
pub fn per_scope(
    frame: LazyFrame,
    scope: ScopeValues,
    aggs: Vec<Expr>,
    fill: Expr,
) -> PolarsResult<DataFrame> {
    let Some((column, values)) = scope else {
        // The whole table is a scope of one value, added up by the same group-by as any
        // other: polars sums a column differently in a select of one sum than in a select of
        // several (8341.669999999998 against 8341.67 on the same rows), while a group-by's sum
        // of a group does not depend on what else the query computes. So a report table's
        // 合计, summed alone, equals its metric, summed with the others.
        let whole = [String::new()];
        return per_scope(
            frame.with_column(lit("").alias(WHOLE_TABLE)),
            Some((WHOLE_TABLE, &whole)),
            aggs,
            fill,
        );
    };
    let wanted = DataFrame::new(
        values.len(),
        vec![Column::new(column.into(), values.to_vec())],
    )?;
    per_keys(frame, wanted, aggs, fill)
}

/// `aggs` over the rows of `frame` grouped by the columns of `wanted`, one row per row of
/// `wanted` in its order; a key without rows gets each aggregate's value over no rows (`fill`).
pub fn per_keys(
    frame: LazyFrame,
    wanted: DataFrame,
    aggs: Vec<Expr>,
    fill: Expr,
) -> PolarsResult<DataFrame> {
    let names: Vec<Expr> = aggs
        .iter()
        .map(|e| {
            let name = e.clone().meta().output_name()?;
            Ok(col(name).fill_null(fill.clone()))
        })
        .collect::<PolarsResult<_>>()?;
    let keys: Vec<Expr> = wanted
        .get_column_names()
        .into_iter()
        .map(|n| col(n.clone()))
        .collect();
    wanted
        .lazy()
        .join(
            frame.group_by(keys.clone()).agg(aggs),
            keys.clone(),
            keys,
            JoinArgs {
                maintain_order: MaintainOrderJoin::Left,
                ..JoinArgs::new(JoinType::Left)
            },
        )
        .select(names)
        .collect()
}

/// A column of an aggregated frame as numbers (a null as 0).
pub fn numbers(df: &DataFrame, name: &str) -> PolarsResult<Vec<f64>> {
    Ok(df
        .column(name)?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(0.0))
        .collect())
}

fn holds(c: &Condition, schema: &Schema, bounds: &Bounds) -> Expr {
    let name = crate::pipeline::condition_column(c);
    let dtype = schema.get(name);
    let x = col(name);
    let is = |want: &DataType| dtype == Some(want);
    match c {
        Condition::Eq(_, v) if is(&DataType::String) => x.eq(lit(v.as_str())).fill_null(lit(false)),
        Condition::Ne(_, v) if is(&DataType::String) => x.neq(lit(v.as_str())).fill_null(lit(true)),
        Condition::Cmp(_, op, v) if is(&DataType::Float64) => {
            let v = lit(*v);
            match op {
                CmpOp::Ge => x.gt_eq(v),
                CmpOp::Gt => x.gt(v),
                CmpOp::Le => x.lt_eq(v),
                CmpOp::Lt => x.lt(v),
            }
            .fill_null(lit(false))
        }
        Condition::NotNull(_) if dtype.is_some() => x.is_not_null(),
        Condition::IsNull(_) if dtype.is_some() => x.is_null(),
        Condition::IsTrue(_) if is(&DataType::Boolean) => x.eq(lit(true)).fill_null(lit(false)),
        Condition::IsFalse(_) if is(&DataType::Boolean) => x.eq(lit(false)).fill_null(lit(false)),
        // A tags column holds its canonical tags joined by 、: the tag is one of them.
        Condition::Contains(_, tag) if is(&DataType::String) => {
            let sep = TAG_SEPARATOR.to_string();
            concat_str([lit(sep.clone()), x, lit(sep.clone())], "", false)
                .str()
                .contains_literal(lit(format!("{sep}{tag}{sep}")))
                .fill_null(lit(false))
        }
        Condition::InYearToPeriod(_) if is(&DataType::Date) => x
            .clone()
            .gt_eq(bounds.year_start.clone())
            .and(x.lt_eq(bounds.end.clone()))
            .fill_null(lit(false)),
        // The column is missing or of another type: as for a null value.
        Condition::Ne(..) | Condition::IsNull(_) => lit(true),
        _ => lit(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn frame() -> DataFrame {
        df!(
            "chain" => [Some("新材料"), None, Some("其他")],
            "amount" => [Some(12.0), Some(3.0), None],
            "tags" => [Some("高新技术企业、专精特新"), Some("专精特新企业"), None],
            "signed" => [
                Some(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()),
                Some(NaiveDate::from_ymd_opt(2024, 12, 31).unwrap()),
                None,
            ],
        )
        .unwrap()
    }

    fn rows(conds: &[Condition]) -> Vec<bool> {
        let df = frame();
        let p = Period {
            year: 2025,
            month: 3,
        };
        let e = all_hold(conds, df.schema(), p);
        let out = df.lazy().with_column(e.alias("m")).collect().unwrap();
        out.column("m")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .map(|v| v.unwrap_or(false))
            .collect()
    }

    #[test]
    fn a_null_never_equals_and_always_differs() {
        assert_eq!(
            rows(&[Condition::Eq("chain".into(), "新材料".into())]),
            [true, false, false]
        );
        assert_eq!(
            rows(&[Condition::Ne("chain".into(), "其他".into())]),
            [true, true, false]
        );
    }

    #[test]
    fn comparisons_on_a_null_do_not_hold() {
        assert_eq!(
            rows(&[Condition::Cmp("amount".into(), CmpOp::Ge, 10.0)]),
            [true, false, false]
        );
    }

    #[test]
    fn a_tag_is_one_of_the_joined_tags_not_a_substring() {
        // 专精特新 is a tag of row 0; row 1's 专精特新企业 merely starts with it.
        assert_eq!(
            rows(&[Condition::Contains("tags".into(), "专精特新".into())]),
            [true, false, false]
        );
    }

    #[test]
    fn in_year_means_from_january_to_the_period_end() {
        assert_eq!(
            rows(&[Condition::InYearToPeriod("signed".into())]),
            [true, false, false]
        );
    }

    #[test]
    fn a_missing_column_holds_as_a_null_would() {
        assert_eq!(
            rows(&[Condition::Eq("nope".into(), "x".into())]),
            [false, false, false]
        );
        assert_eq!(
            rows(&[Condition::Ne("nope".into(), "x".into())]),
            [true, true, true]
        );
        assert_eq!(rows(&[]), [true, true, true]);
    }
}
