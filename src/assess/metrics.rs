//! Metric values for the city and each scope, with targets, 序时进度 and completion.

use super::expr::{numbers, per_keys, Bounds, ScopeValues, PERIOD};
use crate::period::Period;
use crate::pipeline::{Aggregate, AggregateSpec, Metric, Pipeline, Progress, Scope};
use crate::record::Value;
use polars::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

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
fn aggregate_expr(spec: &AggregateSpec, schema: &Schema, bounds: &Bounds) -> Option<Expr> {
    let when = super::expr::all_hold_within(&spec.conditions, schema, bounds);
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
    scope: ScopeValues,
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
        let v = numbers(&out, "__value")?.first().copied();
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
    numbers(&joined, "__value")
}

/// The rows of one table for one period or several stacked, each row with its period in
/// [`PERIOD`] and the period's bounds beside it. Every aggregate groups by the period first,
/// so a query over several months gives each month what a query over that month alone gives
/// (the same group-by over the same rows in the same order), at the cost of one query.
pub(crate) struct Stacked {
    rows: LazyFrame,
    /// The table's own columns (without the period's).
    schema: SchemaRef,
    periods: Vec<Period>,
}

impl Stacked {
    /// One period's frame.
    pub(crate) fn one(frame: &DataFrame, period: Period) -> Stacked {
        Stacked {
            rows: frame.clone().lazy().with_columns(Bounds::columns(period)),
            schema: frame.schema().clone(),
            periods: vec![period],
        }
    }

    /// Several periods' frames of one table (of one schema), stacked in the order given.
    pub(crate) fn of(frames: &[(Period, &DataFrame)]) -> PolarsResult<Stacked> {
        if let [(p, f)] = frames {
            return Ok(Stacked::one(f, *p));
        }
        let schema = frames
            .first()
            .map(|(_, f)| f.schema().clone())
            .unwrap_or_default();
        let parts: Vec<LazyFrame> = frames
            .iter()
            .map(|(p, f)| (*f).clone().lazy().with_columns(Bounds::columns(*p)))
            .collect();
        let rows = concat(
            parts,
            UnionArgs {
                rechunk: true,
                ..UnionArgs::default()
            },
        )?
        .collect()?;
        Ok(Stacked {
            rows: rows.lazy(),
            schema,
            periods: frames.iter().map(|(p, _)| *p).collect(),
        })
    }

    /// The rows of the `i`-th period with the table's own columns: what an SQL aggregate
    /// runs over.
    fn period_rows(&self, i: usize) -> PolarsResult<DataFrame> {
        let own: Vec<Expr> = self.schema.iter_names().map(|n| col(n.clone())).collect();
        self.rows
            .clone()
            .filter(col(PERIOD).eq(lit(self.periods[i].to_string())))
            .select(own)
            .collect()
    }
}

/// What one query over a [`Stacked`] frame reports: per period, the whole table (None) or
/// these values of a scope column, in order.
type StackedScope<'a> = Option<(&'a str, &'a [Vec<String>])>;

/// One aggregate of a metric, for the whole table or per scope value. Report tables add up
/// through this very function, so a table's total equals the metric over the same filter.
pub(crate) fn aggregate_values(
    spec: &AggregateSpec,
    frame: &DataFrame,
    scope: ScopeValues,
    period: Period,
) -> PolarsResult<Vec<f64>> {
    let values = scope.map(|(_, v)| vec![v.to_vec()]);
    let scope = scope.zip(values.as_deref()).map(|((c, _), v)| (c, v));
    let mut per_period = stacked_values(&[spec], &Stacked::one(frame, period), scope)?;
    Ok(per_period
        .pop()
        .and_then(|mut v| v.pop())
        .unwrap_or_default())
}

/// Several aggregates over a stacked frame, per period, for the whole table or per scope
/// value: per aggregate (in the order given), per period, its values. The aggregates that are
/// polars expressions run in one query (each polars query has a cost of its own, whatever its
/// size), grouped by period and scope value; an SQL aggregate runs per period.
fn stacked_values(
    specs: &[&AggregateSpec],
    stacked: &Stacked,
    scope: StackedScope,
) -> PolarsResult<Vec<Vec<Vec<f64>>>> {
    let bounds = Bounds::per_row();
    let exprs: Vec<Option<Expr>> = specs
        .iter()
        .map(|s| aggregate_expr(s, &stacked.schema, &bounds))
        .collect();
    let name = |i: usize| format!("__a{i}");
    let batched: Vec<Expr> = exprs
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.clone().map(|e| e.alias(name(i))))
        .collect();
    // Per period, how many values it reports (1 for the whole table).
    let counts: Vec<usize> = match scope {
        None => vec![1; stacked.periods.len()],
        Some((_, values)) => values.iter().map(Vec::len).collect(),
    };
    let out = if batched.is_empty() {
        None
    } else {
        let periods: Vec<String> = stacked
            .periods
            .iter()
            .zip(&counts)
            .flat_map(|(p, &n)| std::iter::repeat_n(p.to_string(), n))
            .collect();
        let mut keys = vec![Column::new(PERIOD.into(), periods)];
        if let Some((column, values)) = scope {
            keys.push(Column::new(column.into(), values.concat()));
        }
        let wanted = DataFrame::new(counts.iter().sum(), keys)?;
        Some(per_keys(stacked.rows.clone(), wanted, batched, lit(0.0))?)
    };
    let split = |flat: Vec<f64>| -> Vec<Vec<f64>> {
        let mut rest = flat.into_iter();
        counts
            .iter()
            .map(|&n| rest.by_ref().take(n).collect())
            .collect()
    };
    specs
        .iter()
        .zip(&exprs)
        .enumerate()
        .map(|(i, (spec, e))| match (e, &out, &spec.aggregate) {
            (Some(_), Some(out), _) => Ok(split(numbers(out, &name(i))?)),
            (_, _, Aggregate::Sql(sql)) => (0..stacked.periods.len())
                .map(|k| {
                    let scope = scope.map(|(c, v)| (c, v[k].as_slice()));
                    sql_values(
                        spec,
                        sql,
                        &stacked.period_rows(k)?,
                        scope,
                        stacked.periods[k],
                    )
                })
                .collect(),
            _ => Ok(vec![Vec::new(); counts.len()]),
        })
        .collect()
}

/// The values a column scope takes in each period of a stacked frame: the units for the
/// unit's column, else the column's vocabulary, else (a free-text column) the values present
/// in that period, sorted.
fn scope_values(
    pipeline: &Pipeline,
    stacked: &Stacked,
    scope: &Scope,
) -> PolarsResult<Vec<Vec<String>>> {
    let n = stacked.periods.len();
    let scope = match scope {
        Scope::City => return Ok(vec![Vec::new(); n]),
        Scope::Unit => return Ok(vec![pipeline.counties.clone(); n]),
        Scope::Column(c) => c.as_str(),
    };
    for rt in &pipeline.returns {
        if let Some(c) = rt.columns.iter().find(|c| c.name == scope) {
            if let Some(v) = pipeline.vocabulary(&c.kind) {
                return Ok(vec![v.values.clone(); n]);
            }
        }
    }
    if stacked.schema.get(scope) != Some(&DataType::String) {
        return Ok(vec![Vec::new(); n]);
    }
    let present = stacked
        .rows
        .clone()
        .select([col(PERIOD), col(scope)])
        .drop_nulls(None)
        .unique(None, UniqueKeepStrategy::First)
        .sort([PERIOD, scope], SortMultipleOptions::default())
        .collect()?;
    let periods = present.column(PERIOD)?.str()?;
    let values = present.column(scope)?.str()?;
    let mut out = vec![Vec::new(); n];
    for (p, v) in periods.iter().zip(values.iter()) {
        let (Some(p), Some(v)) = (p, v) else { continue };
        if let Some(k) = stacked.periods.iter().position(|q| q.to_string() == p) {
            out[k].push(v.to_string());
        }
    }
    Ok(out)
}

/// A metric's numerators and denominators in one period, one per scope value (one for the
/// whole table).
#[derive(Clone)]
struct Sums {
    num: Vec<f64>,
    den: Vec<f64>,
}

/// The numerators and denominators of several metrics, per period, over every row (`None`)
/// or per value of `scope` (a value without rows sums to 0), in one query.
fn sums(ms: &[&Metric], stacked: &Stacked, scope: StackedScope) -> PolarsResult<Vec<Vec<Sums>>> {
    let specs: Vec<&AggregateSpec> = ms
        .iter()
        .flat_map(|m| std::iter::once(&m.value).chain(m.denominator.as_ref()))
        .collect();
    let mut values = stacked_values(&specs, stacked, scope)?.into_iter();
    Ok(ms
        .iter()
        .map(|m| {
            let num = values.next().unwrap_or_default();
            let den = match &m.denominator {
                Some(_) => values.next().unwrap_or_default(),
                None => num.iter().map(|n| vec![0.0; n.len()]).collect(),
            };
            num.into_iter()
                .zip(den)
                .map(|(num, den)| Sums { num, den })
                .collect()
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

/// A metric's values at one scope in one period: the city (`[None]`) or each scope value.
type ScopeResult = Vec<(Option<String>, Triple)>;

/// The values of the metrics of one table at one scope: per metric, per period, the city or
/// each value of the scope column. `city` holds the metrics' sums over every row.
fn scope_results(
    pipeline: &Pipeline,
    ms: &[&Metric],
    stacked: &Stacked,
    scope: &Scope,
    city: &[Vec<Sums>],
) -> PolarsResult<Vec<Vec<ScopeResult>>> {
    let Some(column) = scope.column(pipeline) else {
        return Ok(ms
            .iter()
            .zip(city)
            .map(|(m, c)| {
                c.iter()
                    .map(|c| vec![(None, value_of(m, c.num[0], c.den[0]))])
                    .collect()
            })
            .collect());
    };
    let values = scope_values(pipeline, stacked, scope)?;
    if stacked.schema.get(column).is_none() {
        let none: Vec<ScopeResult> = values
            .iter()
            .map(|vs| {
                vs.iter()
                    .map(|v| (Some(v.clone()), (None, None, None)))
                    .collect()
            })
            .collect();
        return Ok(vec![none; ms.len()]);
    }
    let per = sums(ms, stacked, Some((column, &values)))?;
    Ok(ms
        .iter()
        .zip(per.iter().zip(city))
        .map(|(m, (per, city))| {
            let den_at_city = m.denominator_scope.get(scope) == Some(&Scope::City);
            per.iter()
                .zip(city)
                .zip(&values)
                .map(|((per, city), values)| {
                    values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| {
                            let den = if den_at_city { city.den[0] } else { per.den[i] };
                            (Some(v.clone()), value_of(m, per.num[i], den))
                        })
                        .collect()
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
    Ok(compute_metrics_of(pipeline, &[(period, frames)])?
        .pop()
        .unwrap_or_default())
}

/// [`compute_metrics`] for several periods at once (the months a chart shows), one list per
/// period in the order given: per table, the periods' frames are stacked and each query
/// groups by period, so N months cost a table's queries once, not N times, and each month's
/// values are those it gets computed alone.
pub fn compute_metrics_of(
    pipeline: &Pipeline,
    months: &[(Period, &BTreeMap<String, DataFrame>)],
) -> PolarsResult<Vec<Vec<MetricValue>>> {
    let tables: BTreeSet<&String> = months.iter().flat_map(|(_, f)| f.keys()).collect();
    let computed: Vec<&Metric> = pipeline
        .metrics
        .iter()
        .filter(|m| m.change_of.is_none() && tables.contains(&m.table))
        .collect();
    // Per metric (by its place in `computed`), scope and period: its values.
    let mut results: BTreeMap<(usize, &Scope, Period), ScopeResult> = BTreeMap::new();
    for table in tables {
        let on: Vec<(usize, &Metric)> = computed
            .iter()
            .enumerate()
            .filter(|(_, m)| &m.table == table)
            .map(|(i, m)| (i, *m))
            .collect();
        if on.is_empty() {
            continue;
        }
        let frames: Vec<(Period, &DataFrame)> = months
            .iter()
            .filter_map(|(p, f)| f.get(table).map(|f| (*p, f)))
            .collect();
        let stacked = Stacked::of(&frames)?;
        let all: Vec<&Metric> = on.iter().map(|(_, m)| *m).collect();
        let city = sums(&all, &stacked, None)?;
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
            let their_city: Vec<Vec<Sums>> = on
                .iter()
                .zip(&city)
                .filter(|((_, m), _)| m.scopes.contains(scope))
                .map(|(_, c)| c.clone())
                .collect();
            let per = scope_results(pipeline, &ms, &stacked, scope, &their_city)?;
            for (i, per_period) in idx.into_iter().zip(per) {
                for (p, r) in stacked.periods.iter().zip(per_period) {
                    results.insert((i, scope, *p), r);
                }
            }
        }
    }
    Ok(months
        .iter()
        .map(|(period, _)| {
            let mut out = Vec::new();
            for (i, m) in computed.iter().enumerate() {
                for scope in &m.scopes {
                    for (sv, v) in results.remove(&(i, scope, *period)).unwrap_or_default() {
                        out.push(metric_value(pipeline, m, scope, sv, v, *period));
                    }
                }
            }
            out
        })
        .collect())
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn pipeline() -> Pipeline {
        let (source, text) = crate::pipeline::EMBEDDED_DEFAULT;
        Pipeline::from_text(source, text).expect("the embedded pipeline compiles")
    }

    /// A month's projects: amounts that do not add up exactly in binary (0.1, 0.7, …), signed
    /// on days of that month and of the month before, over a few counties and chains.
    fn projects(p: Period, rows: usize) -> DataFrame {
        let counties = ["蓬江区", "江海区", "新会区", "台山市"];
        let chains = [Some("新材料"), None, Some("大健康")];
        let day = |i: usize| {
            let first = p.first_day();
            let back = if i % 3 == 0 { 20 } else { 0 };
            first - chrono::Days::new(back) + chrono::Days::new((i % 20) as u64)
        };
        let amount: Vec<f64> = (0..rows).map(|i| 0.1 * (i % 7) as f64 + 10.7).collect();
        let county: Vec<&str> = (0..rows).map(|i| counties[i % 4]).collect();
        let chain: Vec<Option<&str>> = (0..rows).map(|i| chains[i % 3]).collect();
        let sector: Vec<&str> = (0..rows)
            .map(|i| if i % 5 == 4 { "服务业" } else { "制造业" })
            .collect();
        let signed: Vec<NaiveDate> = (0..rows).map(day).collect();
        df!(
            "planned_investment_yi" => amount,
            "county" => county,
            "chain" => chain,
            "sector" => sector,
            "signed_date" => signed,
        )
        .expect("a frame")
    }

    #[test]
    fn months_computed_together_equal_each_month_computed_alone() {
        let pipeline = pipeline();
        let periods: Vec<Period> = (1..=6).filter_map(|m| Period::new(2025, m)).collect();
        let frames: Vec<BTreeMap<String, DataFrame>> = periods
            .iter()
            .enumerate()
            .map(|(i, p)| {
                BTreeMap::from([("projects_current".to_string(), projects(*p, 40 + 37 * i))])
            })
            .collect();
        let months: Vec<(Period, &BTreeMap<String, DataFrame>)> =
            periods.iter().copied().zip(&frames).collect();
        let together = compute_metrics_of(&pipeline, &months).expect("computed together");
        assert_eq!(together.len(), periods.len());
        for ((p, f), t) in months.iter().zip(&together) {
            let alone = compute_metrics(&pipeline, f, *p).expect("computed alone");
            assert!(!alone.is_empty());
            // Exactly equal, to the last bit (MetricValue's f64 fields compare by value).
            assert_eq!(&alone, t, "{p}");
        }
        // The months differ (each row counts in its own month's bounds), so the check bites.
        let city = |ms: &[MetricValue]| {
            ms.iter()
                .find(|m| m.id == "mfg_investment_yi" && m.scope_value == pipeline.city)
                .and_then(|m| m.value)
        };
        assert_ne!(city(&together[0]), city(&together[5]));
    }
}
