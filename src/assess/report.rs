//! The figures of the report's declared tables and charts, computed here as polars queries over
//! the period's frames so that render only lays them out (it never adds anything up). A group
//! table sums with the very expression a metric over the same filter uses, so its 合计 equals
//! the metric to the last bit.

use super::expr::{all_hold, numbers};
use super::metrics::aggregate_values;
use crate::period::Period;
use crate::pipeline::{Aggregate, AggregateSpec, ChartKind, Condition, Pipeline, TableKind};
use polars::prelude::*;
use std::collections::BTreeMap;

/// A group table's figures: one entry per key (the vocabulary's values in order, then other
/// values present, sorted, then the rows without a value when there are any).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupTotals {
    pub keys: Vec<Option<String>>,
    pub counts: Vec<u64>,
    pub sums: Vec<f64>,
    pub total_count: u64,
    pub total: f64,
}

/// A heat map's figures: the sum of `value` per (row key, column key) over the matching rows
/// with a finite value; keys as the values present (None: no value).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CrossTotals {
    pub cells: BTreeMap<(Option<String>, Option<String>), f64>,
}

/// Every declared table and chart that needs figures from the rows, by its id.
#[derive(Debug, Clone, Default)]
pub struct ReportFigures {
    pub groups: BTreeMap<String, GroupTotals>,
    /// A rows table: the matching rows, sorted (the sort column descending, then the name).
    pub rows: BTreeMap<String, DataFrame>,
    pub cross: BTreeMap<String, CrossTotals>,
}

pub fn report_figures(
    pipeline: &Pipeline,
    frames: &BTreeMap<String, DataFrame>,
    period: Period,
) -> PolarsResult<ReportFigures> {
    let mut out = ReportFigures::default();
    let Some(report) = &pipeline.report else {
        return Ok(out);
    };
    for t in &report.tables {
        match &t.kind {
            TableKind::Group {
                table,
                group,
                sum,
                conditions,
            } => {
                if let Some(f) = frames.get(table) {
                    let g = group_totals(pipeline, f, group, sum, conditions, period)?;
                    out.groups.insert(t.id.clone(), g);
                }
            }
            TableKind::Rows {
                table,
                conditions,
                columns,
                sort,
            } => {
                if let Some(f) = frames.get(table) {
                    let name = pipeline
                        .returns
                        .iter()
                        .find(|rt| rt.table == *table || format!("{}_current", rt.table) == *table)
                        .and_then(|rt| {
                            rt.identity
                                .fallback
                                .first()
                                .map(|&i| rt.columns[i].name.clone())
                        });
                    let rows = matching_rows(
                        f,
                        conditions,
                        columns,
                        sort.as_deref(),
                        name.as_deref(),
                        period,
                    )?;
                    out.rows.insert(t.id.clone(), rows);
                }
            }
            TableKind::Ranking
            | TableKind::Funnel
            | TableKind::Indicators
            | TableKind::IndicatorSummary => {}
        }
    }
    for c in &report.charts {
        if let ChartKind::Heatmap {
            table,
            rows,
            columns,
            value,
            conditions,
        } = &c.kind
        {
            if let Some(f) = frames.get(table) {
                let x = cross_totals(f, rows, columns, value, conditions, period)?;
                out.cross.insert(c.id.clone(), x);
            }
        }
    }
    Ok(out)
}

/// Sum of `sum` and count of rows per value of `group`, over the rows meeting `conditions`.
fn group_totals(
    pipeline: &Pipeline,
    frame: &DataFrame,
    group: &str,
    sum: &str,
    conditions: &[Condition],
    period: Period,
) -> PolarsResult<GroupTotals> {
    let schema = frame.schema();
    if schema.get(group) != Some(&DataType::String) {
        return Ok(GroupTotals::default());
    }
    let when = all_hold(conditions, schema, period);
    // Sums and counts through the metrics' own aggregation (same expression, same query).
    let spec = |aggregate| AggregateSpec {
        aggregate,
        conditions: conditions.to_vec(),
    };
    let (sum_spec, count_spec) = (
        spec(Aggregate::Sum(sum.to_string())),
        spec(Aggregate::Count),
    );
    // The vocabulary's values, then others present among the matching rows, sorted.
    let vocab: Vec<String> = pipeline
        .returns
        .iter()
        .flat_map(|rt| rt.columns.iter())
        .find(|c| c.name == group)
        .and_then(|c| pipeline.vocabulary(&c.kind))
        .map(|v| v.values.clone())
        .unwrap_or_default();
    let present = frame
        .clone()
        .lazy()
        .filter(when.clone())
        .select([col(group)])
        .drop_nulls(None)
        .unique(None, UniqueKeepStrategy::First)
        .sort([group], SortMultipleOptions::default())
        .collect()?;
    let mut keys = vocab;
    for k in present.column(group)?.str()?.iter().flatten() {
        if !keys.iter().any(|v| v == k) {
            keys.push(k.to_string());
        }
    }
    let by = Some((group, keys.as_slice()));
    let values =
        |spec: &AggregateSpec, frame: &DataFrame, by| aggregate_values(spec, frame, by, period);
    let nulls = frame
        .clone()
        .lazy()
        .filter(col(group).is_null())
        .collect()?;
    let mut g = GroupTotals {
        counts: values(&count_spec, frame, by)?
            .into_iter()
            .map(|n| n as u64)
            .collect(),
        sums: values(&sum_spec, frame, by)?,
        total_count: values(&count_spec, frame, None)?[0] as u64,
        total: values(&sum_spec, frame, None)?[0],
        keys: keys.iter().cloned().map(Some).collect(),
    };
    let null_n = values(&count_spec, &nulls, None)?[0] as u64;
    if null_n > 0 {
        g.keys.push(None);
        g.counts.push(null_n);
        g.sums.push(values(&sum_spec, &nulls, None)?[0]);
    }
    Ok(g)
}

/// The rows meeting `conditions`, with `columns`, sorted by `sort` descending (rows without a
/// number last), then by the name column.
fn matching_rows(
    frame: &DataFrame,
    conditions: &[Condition],
    columns: &[String],
    sort: Option<&str>,
    name: Option<&str>,
    period: Period,
) -> PolarsResult<DataFrame> {
    let schema = frame.schema();
    let mut by: Vec<Expr> = Vec::new();
    let mut descending = Vec::new();
    if let Some(s) = sort.filter(|s| schema.get(s) == Some(&DataType::Float64)) {
        by.push(col(s));
        descending.push(true);
    }
    if let Some(n) = name.filter(|n| schema.get(n).is_some()) {
        by.push(col(n).fill_null(lit("")));
        descending.push(false);
    }
    let present: Vec<Expr> = columns
        .iter()
        .filter(|c| schema.get(c.as_str()).is_some())
        .map(|c| col(c.as_str()))
        .collect();
    let mut lf = frame
        .clone()
        .lazy()
        .filter(all_hold(conditions, schema, period));
    if !by.is_empty() {
        lf = lf.sort_by_exprs(
            by,
            SortMultipleOptions::default()
                .with_order_descending_multi(descending)
                .with_nulls_last(true)
                .with_maintain_order(true),
        );
    }
    lf.select(present).collect()
}

/// Sum of `value` per (row key, column key) over the matching rows with a finite value.
pub fn cross_totals(
    frame: &DataFrame,
    rows: &str,
    columns: &str,
    value: &str,
    conditions: &[Condition],
    period: Period,
) -> PolarsResult<CrossTotals> {
    let schema = frame.schema();
    let (Some(_), Some(_), Some(DataType::Float64)) =
        (schema.get(rows), schema.get(columns), schema.get(value))
    else {
        return Ok(CrossTotals::default());
    };
    let key = |c: &str| col(c).cast(DataType::String).alias(c);
    let agg = frame
        .clone()
        .lazy()
        .filter(
            all_hold(conditions, schema, period).and(col(value).is_finite().fill_null(lit(false))),
        )
        .group_by_stable([key(rows), key(columns)])
        .agg([col(value).sum().alias("__sum")])
        .collect()?;
    let text = |c: &str| -> PolarsResult<Vec<Option<String>>> {
        Ok(agg
            .column(c)?
            .str()?
            .iter()
            .map(|v| {
                v.map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
            })
            .collect())
    };
    let (rk, ck, v) = (text(rows)?, text(columns)?, numbers(&agg, "__sum")?);
    let mut cells = BTreeMap::new();
    for ((r, c), v) in rk.into_iter().zip(ck).zip(v) {
        *cells.entry((r, c)).or_insert(0.0) += v;
    }
    Ok(CrossTotals { cells })
}
