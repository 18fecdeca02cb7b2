//! Metric values for the city and each scope, with targets, 序时进度 and completion.

use crate::period::Period;
use crate::pipeline::{Aggregate, AggregateSpec, Metric, Pipeline, Progress, Scope};
use crate::record::Value;
use polars::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct MetricValue {
    pub id: String,
    pub name: String,
    pub scope: String,
    pub scope_value: String,
    pub value: Option<f64>,
    pub unit: String,
    pub target: Option<f64>,
    pub target_to_date: Option<f64>,
    pub completion: Option<f64>,
    pub on_track: Option<bool>,
    /// For ratios: the numerator and denominator behind the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numerator: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denominator: Option<f64>,
    /// For a graded metric (`grades` in the pipeline): the band the value falls in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
}

/// The expression of an aggregate over the rows that meet its conditions: the sum of a
/// number column (0 when the column is missing or holds no numbers), the count of rows, or the
/// count of distinct values of a column. None for an SQL aggregate (run by [`sql_values`]).
fn aggregate_expr(spec: &AggregateSpec, schema: &Schema, period: Period) -> Option<Expr> {
    let when = super::expr::all_hold(&spec.conditions, schema, period);
    Some(match &spec.aggregate {
        Aggregate::Sum(c) if schema.get(c) == Some(&DataType::Float64) => {
            polars::prelude::when(when)
                .then(col(c.as_str()))
                .otherwise(lit(0.0))
                .sum()
        }
        Aggregate::Sum(_) => lit(0.0),
        Aggregate::Count => when.cast(DataType::Float64).sum(),
        Aggregate::CountDistinct(c) if schema.get(c).is_some() => polars::prelude::when(when)
            .then(col(c.as_str()))
            .otherwise(lit(NULL))
            .drop_nulls()
            .n_unique()
            .cast(DataType::Float64),
        Aggregate::CountDistinct(_) => lit(0.0),
        Aggregate::Sql(_) => return None,
    })
}

/// An SQL aggregate over the rows that meet its conditions, for the whole table or per value
/// of `scope` (in the order of its values; a value without rows is 0).
fn sql_values(
    spec: &AggregateSpec,
    sql: &str,
    frame: &DataFrame,
    scope: super::expr::ScopeValues,
    period: Period,
) -> PolarsResult<Vec<f64>> {
    let rows = frame
        .clone()
        .lazy()
        .filter(super::expr::all_hold(
            &spec.conditions,
            frame.schema(),
            period,
        ))
        .collect()?;
    let out = crate::pipeline::sql::run(sql, &rows, scope.map(|s| s.0), period)?;
    let Some((_, values)) = scope else {
        let v = super::expr::numbers(&out, "__value")?.first().copied();
        return Ok(vec![v.unwrap_or(0.0)]);
    };
    let wanted = DataFrame::new(
        values.len(),
        vec![Column::new("__key".into(), values.to_vec())],
    )?;
    let joined = wanted
        .lazy()
        .join(
            out.lazy().with_column(col("__key").cast(DataType::String)),
            [col("__key")],
            [col("__key")],
            JoinArgs {
                maintain_order: MaintainOrderJoin::Left,
                ..JoinArgs::new(JoinType::Left)
            },
        )
        .collect()?;
    super::expr::numbers(&joined, "__value")
}

/// One aggregate of a metric, for the whole table or per scope value. Report tables add up
/// through this very function, so a table's total equals the metric over the same filter.
pub(crate) fn aggregate_values(
    spec: &AggregateSpec,
    frame: &DataFrame,
    scope: super::expr::ScopeValues,
    period: Period,
) -> PolarsResult<Vec<f64>> {
    Ok(aggregates_values(&[spec], frame, scope, period)?
        .pop()
        .unwrap_or_default())
}

/// Several aggregates over one frame, for the whole table or per scope value: one vector of
/// values per aggregate, in the order given. The aggregates that are polars expressions run
/// in one query (each polars query has a cost of its own, whatever its size); an SQL
/// aggregate runs in its own.
pub(crate) fn aggregates_values(
    specs: &[&AggregateSpec],
    frame: &DataFrame,
    scope: super::expr::ScopeValues,
    period: Period,
) -> PolarsResult<Vec<Vec<f64>>> {
    let exprs: Vec<Option<Expr>> = specs
        .iter()
        .map(|s| aggregate_expr(s, frame.schema(), period))
        .collect();
    let name = |i: usize| format!("__a{i}");
    let batched: Vec<Expr> = exprs
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.clone().map(|e| e.alias(name(i))))
        .collect();
    let out = if batched.is_empty() {
        None
    } else {
        Some(super::expr::per_scope(
            frame.clone().lazy(),
            scope,
            batched,
            lit(0.0),
        )?)
    };
    specs
        .iter()
        .zip(&exprs)
        .enumerate()
        .map(|(i, (spec, e))| match (e, &out, &spec.aggregate) {
            (Some(_), Some(out), _) => super::expr::numbers(out, &name(i)),
            (_, _, Aggregate::Sql(sql)) => sql_values(spec, sql, frame, scope, period),
            _ => Ok(Vec::new()),
        })
        .collect()
}

/// The values a column scope takes: the units for the unit's column, else the column's
/// vocabulary, else (a free-text column) the values present, sorted.
pub fn scope_values(
    pipeline: &Pipeline,
    frame: &DataFrame,
    scope: &Scope,
) -> PolarsResult<Vec<String>> {
    let scope = match scope {
        Scope::City => return Ok(Vec::new()),
        Scope::Unit => return Ok(pipeline.counties.clone()),
        Scope::Column(c) => c.as_str(),
    };
    for rt in &pipeline.returns {
        if let Some(c) = rt.columns.iter().find(|c| c.name == scope) {
            if let Some(v) = pipeline.vocabulary(&c.kind) {
                return Ok(v.values.clone());
            }
        }
    }
    if frame.schema().get(scope) != Some(&DataType::String) {
        return Ok(Vec::new());
    }
    let present = frame
        .clone()
        .lazy()
        .select([col(scope)])
        .drop_nulls(None)
        .unique(None, UniqueKeepStrategy::First)
        .sort([scope], SortMultipleOptions::default())
        .collect()?;
    texts(present.column(scope)?)
}

fn texts(c: &Column) -> PolarsResult<Vec<String>> {
    Ok(c.str()?.iter().flatten().map(str::to_string).collect())
}

/// A metric's numerators and denominators, one per scope value (one for the whole table).
#[derive(Clone)]
struct Sums {
    num: Vec<f64>,
    den: Vec<f64>,
}

/// The numerators and denominators of several metrics over every row (`None`) or per value
/// of `scope` (in the order of `values`; a value without rows sums to 0), in one query.
fn sums(
    ms: &[&Metric],
    frame: &DataFrame,
    scope: super::expr::ScopeValues,
    period: Period,
) -> PolarsResult<Vec<Sums>> {
    let specs: Vec<&AggregateSpec> = ms
        .iter()
        .flat_map(|m| std::iter::once(&m.value).chain(m.denominator.as_ref()))
        .collect();
    let mut values = aggregates_values(&specs, frame, scope, period)?.into_iter();
    Ok(ms
        .iter()
        .map(|m| {
            let num = values.next().unwrap_or_default();
            let den = match &m.denominator {
                Some(_) => values.next().unwrap_or_default(),
                None => vec![0.0; num.len()],
            };
            Sums { num, den }
        })
        .collect())
}

/// (value, numerator, denominator) of one scope value.
type Triple = (Option<f64>, Option<f64>, Option<f64>);

/// (value, numerator, denominator) from a metric's sums: a ratio is None when its
/// denominator is not positive.
fn value_of(m: &Metric, num: f64, den: f64) -> Triple {
    match &m.denominator {
        None => (Some(num), None, None),
        Some(_) => {
            let v = if den > 0.0 { Some(num / den) } else { None };
            (v, Some(num), Some(den))
        }
    }
}

/// The values of the metrics of one table at one scope: per metric, the city (`[None]`) or
/// each value of the scope column. `city` holds the metrics' sums over every row.
fn scope_results(
    pipeline: &Pipeline,
    ms: &[&Metric],
    frame: &DataFrame,
    scope: &Scope,
    city: &[Sums],
    period: Period,
) -> PolarsResult<Vec<Vec<(Option<String>, Triple)>>> {
    let Some(column) = scope.column(pipeline) else {
        return Ok(ms
            .iter()
            .zip(city)
            .map(|(m, c)| vec![(None, value_of(m, c.num[0], c.den[0]))])
            .collect());
    };
    let values = scope_values(pipeline, frame, scope)?;
    if frame.schema().get(column).is_none() {
        let none: Vec<_> = values
            .iter()
            .map(|v| (Some(v.clone()), (None, None, None)))
            .collect();
        return Ok(vec![none; ms.len()]);
    }
    let per = sums(ms, frame, Some((column, &values)), period)?;
    Ok(ms
        .iter()
        .zip(per.iter().zip(city))
        .map(|(m, (per, city))| {
            let den_at_city = m.denominator_scope.get(scope) == Some(&Scope::City);
            values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let den = if den_at_city { city.den[0] } else { per.den[i] };
                    (Some(v.clone()), value_of(m, per.num[i], den))
                })
                .collect()
        })
        .collect())
}

/// Computes every metric for the city and its scopes, as polars aggregations over the frames
/// of the period's tables (`projects_current`, `talent_current`, …): one query per table and
/// scope for all the metrics over it. `change_of` metrics are not among them: they need
/// other periods ([`change_metrics`]).
pub fn compute_metrics(
    pipeline: &Pipeline,
    frames: &BTreeMap<String, DataFrame>,
    period: Period,
) -> PolarsResult<Vec<MetricValue>> {
    let computed: Vec<&Metric> = pipeline
        .metrics
        .iter()
        .filter(|m| m.change_of.is_none() && frames.contains_key(&m.table))
        .collect();
    // Per metric (by its place in `computed`) and scope: its values.
    let mut results: BTreeMap<(usize, &Scope), Vec<(Option<String>, Triple)>> = BTreeMap::new();
    for (table, frame) in frames {
        let on: Vec<(usize, &Metric)> = computed
            .iter()
            .enumerate()
            .filter(|(_, m)| &m.table == table)
            .map(|(i, m)| (i, *m))
            .collect();
        if on.is_empty() {
            continue;
        }
        let all: Vec<&Metric> = on.iter().map(|(_, m)| *m).collect();
        let city = sums(&all, frame, None, period)?;
        let mut scopes: Vec<&Scope> = Vec::new();
        for m in &all {
            for s in &m.scopes {
                if !scopes.contains(&s) {
                    scopes.push(s);
                }
            }
        }
        for scope in scopes {
            let (idx, ms): (Vec<usize>, Vec<&Metric>) = on
                .iter()
                .filter(|(_, m)| m.scopes.contains(scope))
                .map(|(i, m)| (*i, *m))
                .unzip();
            let their_city: Vec<Sums> = on
                .iter()
                .zip(&city)
                .filter(|((_, m), _)| m.scopes.contains(scope))
                .map(|(_, c)| c.clone())
                .collect();
            let per = scope_results(pipeline, &ms, frame, scope, &their_city, period)?;
            for (i, r) in idx.into_iter().zip(per) {
                results.insert((i, scope), r);
            }
        }
    }
    let mut out = Vec::new();
    for (i, m) in computed.iter().enumerate() {
        for scope in &m.scopes {
            for (sv, v) in results.remove(&(i, scope)).unwrap_or_default() {
                out.push(metric_value(pipeline, m, scope, sv, v, period));
            }
        }
    }
    Ok(out)
}

/// A metric's value at one scope value, with its target, 序时进度 and completion.
fn metric_value(
    pipeline: &Pipeline,
    m: &Metric,
    scope: &Scope,
    sv: Option<String>,
    (value, numerator, denominator): Triple,
    period: Period,
) -> MetricValue {
    let target = pipeline.target(period.year, &m.id);
    let annual = match (scope, target) {
        (Scope::City, Some(tg)) => Some(tg.city),
        (Scope::Unit, Some(tg)) => sv.as_ref().and_then(|c| tg.county.get(c).copied()).or(
            if m.progress == Progress::Level {
                Some(tg.city)
            } else {
                None
            },
        ),
        _ => None,
    };
    let to_date = annual.map(|a| match m.progress {
        Progress::Cumulative => a * period.month as f64 / 12.0,
        Progress::Level => a,
    });
    let completion = match (value, annual) {
        (Some(v), Some(a)) if a != 0.0 => Some(v / a),
        _ => None,
    };
    let on_track = match (value, to_date) {
        (Some(v), Some(t)) => Some(v >= t - 1e-9 * t.abs().max(1.0)),
        _ => None,
    };
    MetricValue {
        id: m.id.clone(),
        name: m.name.clone(),
        scope: scope.name(pipeline).to_string(),
        scope_value: sv.unwrap_or_else(|| pipeline.city.clone()),
        value,
        unit: m.unit.clone(),
        target: annual,
        target_to_date: to_date,
        completion,
        on_track,
        numerator,
        denominator,
        grade: m.grade_of(value),
    }
}

/// Metric values by (id, scope, scope value): what [`change_metrics`] looks an earlier period
/// up in.
pub type MetricIndex = BTreeMap<(String, String, String), Option<f64>>;

pub fn metric_index(metrics: &[MetricValue]) -> MetricIndex {
    metrics
        .iter()
        .map(|m| {
            (
                (m.id.clone(), m.scope.clone(), m.scope_value.clone()),
                m.value,
            )
        })
        .collect()
}

/// The `change_of` metrics of `period`: for each scope value of the compared metric this
/// period, (now − then) ÷ then against its value in the earlier period (`earlier` gives that
/// period's values, None when there are none); empty when then is missing or not positive.
pub fn change_metrics(
    pipeline: &Pipeline,
    period: Period,
    now: &[MetricValue],
    earlier: &dyn Fn(Period) -> Option<MetricIndex>,
) -> Vec<MetricValue> {
    let mut out = Vec::new();
    for m in &pipeline.metrics {
        let Some(c) = &m.change_of else { continue };
        let then = earlier(c.against.period(period)).unwrap_or_default();
        for scope in &m.scopes {
            let name = scope.name(pipeline);
            for v in now.iter().filter(|v| v.id == c.metric && v.scope == name) {
                let before = then
                    .get(&(v.id.clone(), v.scope.clone(), v.scope_value.clone()))
                    .copied()
                    .flatten();
                let growth = match (v.value, before) {
                    (Some(a), Some(b)) if b > 0.0 => Some((a - b) / b),
                    _ => None,
                };
                let sv = (*scope != Scope::City).then(|| v.scope_value.clone());
                out.push(metric_value(
                    pipeline,
                    m,
                    scope,
                    sv,
                    (growth, v.value, before),
                    period,
                ));
            }
        }
    }
    out
}

/// A metric value as a table row (the `metrics` Parquet table); with `graded` (some metric of
/// the pipeline declares `grades`) the row ends with the value's grade.
pub fn metric_row(m: &MetricValue, period: Period, graded: bool) -> Vec<Value> {
    let num = |v: Option<f64>| v.map(Value::Number).unwrap_or(Value::Null);
    let mut row = vec![
        Value::Text(period.to_string()),
        Value::Text(m.id.clone()),
        Value::Text(m.name.clone()),
        Value::Text(m.scope.clone()),
        Value::Text(m.scope_value.clone()),
        num(m.value),
        Value::Text(m.unit.clone()),
        num(m.target),
        num(m.target_to_date),
        num(m.completion),
        m.on_track.map(Value::Bool).unwrap_or(Value::Null),
    ];
    if graded {
        row.push(m.grade.clone().map(Value::Text).unwrap_or(Value::Null));
    }
    row
}
