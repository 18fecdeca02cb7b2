//! Metric values for the city and each scope, with targets, 序时进度 and completion.

use super::Matcher;
use crate::period::Period;
use crate::pipeline::{Aggregate, AggregateSpec, Metric, Pipeline, Progress};
use crate::record::Value;
use crate::table::Table;
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
}

fn aggregate(t: &Table, spec: &AggregateSpec, scope: Option<(usize, &str)>, period: Period) -> f64 {
    let mut acc = 0.0;
    let sum_col = match &spec.aggregate {
        Aggregate::Sum(c) => t.col(c),
        Aggregate::Count => None,
    };
    let matcher = Matcher::new(t, &spec.conditions, period);
    for r in &t.rows {
        if let Some((col, val)) = scope {
            if r[col].as_text() != Some(val) {
                continue;
            }
        }
        if !matcher.matches(r) {
            continue;
        }
        match &spec.aggregate {
            Aggregate::Sum(_) => acc += sum_col.and_then(|c| r[c].as_number()).unwrap_or(0.0),
            Aggregate::Count => acc += 1.0,
        }
    }
    acc
}

/// The values a scope takes: the counties for `county`, else the column's vocabulary.
pub fn scope_values(pipeline: &Pipeline, table: &Table, scope: &str) -> Vec<String> {
    if scope == "county" {
        return pipeline.counties.clone();
    }
    for rt in &pipeline.returns {
        if let Some(c) = rt.columns.iter().find(|c| c.name == scope) {
            if let Some(v) = pipeline.vocabulary(&c.kind) {
                return v.values.clone();
            }
        }
    }
    // A free-text scope column: the values present, sorted.
    let mut vals: Vec<String> = match table.col(scope) {
        Some(i) => table
            .rows
            .iter()
            .filter_map(|r| r[i].as_text().map(str::to_string))
            .collect(),
        None => Vec::new(),
    };
    vals.sort();
    vals.dedup();
    vals
}

fn evaluate(
    m: &Metric,
    t: &Table,
    scope: &str,
    value: Option<&str>,
    period: Period,
) -> (Option<f64>, Option<f64>, Option<f64>) {
    let sc = value.and_then(|v| t.col(scope).map(|c| (c, v)));
    if value.is_some() && sc.is_none() {
        return (None, None, None);
    }
    let num = aggregate(t, &m.value, sc, period);
    match &m.denominator {
        None => (Some(num), None, None),
        Some(d) => {
            let den_scope = m
                .denominator_scope
                .get(scope)
                .map(String::as_str)
                .unwrap_or(scope);
            let den_sc = if den_scope == "city" { None } else { sc };
            let den = aggregate(t, d, den_sc, period);
            let v = if den > 0.0 { Some(num / den) } else { None };
            (v, Some(num), Some(den))
        }
    }
}

/// Computes every metric for the city and its scopes. `tables` maps a table name
/// (`projects_current`, `talent_current`) to its rows.
pub fn compute_metrics(
    pipeline: &Pipeline,
    tables: &BTreeMap<String, Table>,
    period: Period,
) -> Vec<MetricValue> {
    let mut out = Vec::new();
    for m in &pipeline.metrics {
        let Some(t) = tables.get(&m.table) else {
            continue;
        };
        let target = pipeline.target(period.year, &m.id);
        for scope in &m.scopes {
            let values: Vec<Option<String>> = if scope == "city" {
                vec![None]
            } else {
                scope_values(pipeline, t, scope)
                    .into_iter()
                    .map(Some)
                    .collect()
            };
            for sv in values {
                let (value, numerator, denominator) = evaluate(m, t, scope, sv.as_deref(), period);
                let annual = match (scope.as_str(), target) {
                    ("city", Some(tg)) => Some(tg.city),
                    ("county", Some(tg)) => sv.as_ref().and_then(|c| tg.county.get(c).copied()).or(
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
                out.push(MetricValue {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    scope: scope.clone(),
                    scope_value: sv.unwrap_or_else(|| pipeline.city.clone()),
                    value,
                    unit: m.unit.clone(),
                    target: annual,
                    target_to_date: to_date,
                    completion,
                    on_track,
                    numerator,
                    denominator,
                });
            }
        }
    }
    out
}

/// A metric value as a table row (the `metrics` Parquet table).
pub fn metric_row(m: &MetricValue, period: Period) -> Vec<Value> {
    let num = |v: Option<f64>| v.map(Value::Number).unwrap_or(Value::Null);
    vec![
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
    ]
}
