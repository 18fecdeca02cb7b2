//! Reference-list scorecards (`[scorecard]` + `[[indicators]]`, e.g. 创新型城市考核指标): per
//! indicator (and part) and year, the value of the unit that counts, progress from the base
//! towards the target (whichever side of the base the target lies), met / not met; summaries
//! per group, for the national indicators and overall; monitoring units that sent nothing.
//!
//! Every indicator, name and number comes from the pipeline file.

use super::MetricValue;
use crate::period::Period;
use crate::pipeline::{Goal, Indicator, Pipeline, Resolved, Scorecard};
use crate::table::Table;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The scorecard of one period (metrics.json `indicators`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IndicatorReport {
    /// The assessed year (the period's).
    pub year: i32,
    pub base_year: i32,
    pub target_year: i32,
    /// The years with values in the returns, up to the period's year (the period's year always).
    pub years: Vec<i32>,
    /// One row per indicator × part × year, in reference order then by year.
    pub rows: Vec<IndicatorRow>,
    /// Per year: each group (in reference order), the national indicators and all indicators.
    pub summary: Vec<IndicatorSummary>,
    /// Monitoring units that owe a return and sent none for the period.
    pub missing_units: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IndicatorRow {
    /// `4.国家级`, or `1` for a one-part indicator.
    pub key: String,
    pub no: u32,
    pub part: Option<String>,
    pub name: String,
    pub group: String,
    pub unit: String,
    pub national: bool,
    pub qualitative: bool,
    pub year: i32,
    /// The units whose value counts (summed when several).
    pub counts_from: Vec<String>,
    /// The value that counts (numeric indicators).
    pub value: Option<f64>,
    /// The rating that counts (qualitative indicators).
    pub rating: Option<String>,
    pub base: Option<f64>,
    pub target: Option<f64>,
    pub target_rating: Option<String>,
    /// (value − base) ÷ (target − base); when target = base, 1 if met else 0.
    pub progress: Option<f64>,
    pub met: Option<bool>,
    /// What each unit reported for this indicator and year (as written, normalised), by unit.
    pub reported: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IndicatorSummary {
    pub year: i32,
    /// `group` (one 一级指标), `national` (the * indicators) or `all`.
    pub scope: String,
    /// The group's name for scope `group`.
    pub group: Option<String>,
    /// Entries (indicator × part) in scope.
    pub indicators: usize,
    /// Of which with a value that counts.
    pub with_value: usize,
    /// Of which met.
    pub met: usize,
}

/// Progress from `base` towards `target`: 0 at the base, 1 at the target, whichever way the
/// target lies. When target = base there is no distance: 1 if met, else 0.
pub fn progress(value: f64, base: f64, target: f64) -> f64 {
    if (target - base).abs() <= tolerance(base, target) {
        if met(value, base, target) {
            1.0
        } else {
            0.0
        }
    } else {
        (value - base) / (target - base)
    }
}

/// Is `value` on the target's side of it? (≥ target when target ≥ base, ≤ when below.)
pub fn met(value: f64, base: f64, target: f64) -> bool {
    let eps = tolerance(value, target);
    if target >= base {
        value >= target - eps
    } else {
        value <= target + eps
    }
}

/// A rating meets its target when it is as good or better (index 0 = best).
pub fn rating_met(rating: usize, target: usize) -> bool {
    rating <= target
}

fn tolerance(a: f64, b: f64) -> f64 {
    1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// A value as filed: `2.5`, `２．５`, `2.50%`, `1,845`, `132人年` → the number (any unit word or
/// % after it is the indicator's own unit and is dropped).
pub fn parse_value(text: &str) -> Option<f64> {
    crate::normalise::value::parse_number_text(text).map(|n| n.value)
}

struct Reported {
    /// (indicator_no, part, year, unit) -> value text; the first row of a unit wins.
    values: BTreeMap<(u32, Option<String>, i32, String), String>,
    years: BTreeSet<i32>,
}

fn reported(sc: &Scorecard, table: Option<&Table>, year: i32) -> Reported {
    let mut out = Reported {
        values: BTreeMap::new(),
        years: BTreeSet::new(),
    };
    let Some(t) = table else {
        return out;
    };
    let (Some(no), Some(yr), Some(val), Some(filer)) = (
        t.col("indicator_no"),
        t.col("year"),
        t.col("value"),
        t.col("filer"),
    ) else {
        return out;
    };
    let part = t.col("part");
    for r in &t.rows {
        let (Some(n), Some(y), Some(v), Some(f)) = (
            r[no].as_number(),
            r[yr].as_number(),
            r[val].as_text(),
            r[filer].as_text(),
        ) else {
            continue;
        };
        let (n, y) = (n.round() as u32, y.round() as i32);
        if y > year || !sc.indicators.iter().any(|i| i.no == n) {
            continue;
        }
        out.years.insert(y);
        let p = part.and_then(|c| r[c].as_text()).map(str::to_string);
        out.values
            .entry((n, p, y, f.to_string()))
            .or_insert_with(|| v.to_string());
    }
    out
}

impl Reported {
    /// The value text a unit reported for an indicator entry and year. A one-part indicator
    /// takes a row with or without a part.
    fn get(&self, ind: &Indicator, year: i32, unit: &str) -> Option<&str> {
        let exact = self
            .values
            .get(&(ind.no, ind.part.clone(), year, unit.to_string()));
        let any = || {
            ind.part.is_none().then(|| {
                self.values
                    .iter()
                    .find(|((n, _, y, u), _)| *n == ind.no && *y == year && u == unit)
                    .map(|(_, v)| v)
            })?
        };
        exact.or_else(any).map(String::as_str)
    }
}

/// The scorecard of `period` from the deduplicated indicator table (one row per unit).
pub fn assess_indicators(
    pipeline: &Pipeline,
    sc: &Scorecard,
    table: Option<&Table>,
    period: Period,
    missing_returns: &[String],
) -> IndicatorReport {
    let rep = reported(sc, table, period.year);
    let mut years = rep.years.clone();
    years.insert(period.year);
    let ratings = sc
        .rating_vocabulary
        .as_ref()
        .and_then(|v| pipeline.vocabularies.get(v));
    let rate = |text: &str| -> Option<usize> {
        match ratings?.resolve(text) {
            Resolved::Value(i) => Some(i),
            _ => None,
        }
    };
    let mut rows = Vec::new();
    for ind in &sc.indicators {
        for &year in &years {
            let mut reported = BTreeMap::new();
            for u in &ind.monitors {
                if let Some(v) = rep.get(ind, year, u) {
                    reported.insert(u.clone(), v.to_string());
                }
            }
            // Other units that reported it (not monitors) are shown too.
            for (n, _, y, u) in rep.values.keys() {
                if *n == ind.no && *y == year && !reported.contains_key(u) {
                    if let Some(v) = rep.get(ind, year, u) {
                        reported.insert(u.clone(), v.to_string());
                    }
                }
            }
            let texts: Option<Vec<&str>> = ind
                .counts_from
                .iter()
                .map(|u| rep.get(ind, year, u))
                .collect();
            let mut row = IndicatorRow {
                key: ind.key(),
                no: ind.no,
                part: ind.part.clone(),
                name: ind.name.clone(),
                group: ind.group.clone(),
                unit: ind.unit.clone(),
                national: ind.national,
                qualitative: matches!(ind.goal, Goal::Rating(_)),
                year,
                counts_from: ind.counts_from.clone(),
                value: None,
                rating: None,
                base: ind.base,
                target: None,
                target_rating: None,
                progress: None,
                met: None,
                reported,
            };
            match ind.goal {
                Goal::Number(target) => {
                    row.target = Some(target);
                    let value: Option<f64> =
                        texts.and_then(|ts| ts.iter().map(|t| parse_value(t)).sum::<Option<f64>>());
                    if let (Some(v), Some(b)) = (value, ind.base) {
                        row.progress = Some(progress(v, b, target));
                        row.met = Some(met(v, b, target));
                    }
                    row.value = value;
                }
                Goal::Rating(target) => {
                    row.target_rating = sc.ratings.get(target).cloned();
                    // Several units rating one indicator: the worst rating counts.
                    let rating: Option<usize> = texts.and_then(|ts| {
                        ts.iter()
                            .map(|t| rate(t))
                            .collect::<Option<Vec<usize>>>()
                            .and_then(|v| v.into_iter().max())
                    });
                    if let Some(k) = rating {
                        row.rating = sc.ratings.get(k).cloned();
                        row.met = Some(rating_met(k, target));
                    }
                }
            }
            rows.push(row);
        }
    }
    let mut groups: Vec<&str> = Vec::new();
    for i in &sc.indicators {
        if !groups.contains(&i.group.as_str()) {
            groups.push(&i.group);
        }
    }
    let mut summary = Vec::new();
    for &year in &years {
        let count = |scope: &str, group: Option<&str>, keep: &dyn Fn(&IndicatorRow) -> bool| {
            let list: Vec<&IndicatorRow> =
                rows.iter().filter(|r| r.year == year && keep(r)).collect();
            IndicatorSummary {
                year,
                scope: scope.to_string(),
                group: group.map(str::to_string),
                indicators: list.len(),
                with_value: list
                    .iter()
                    .filter(|r| r.value.is_some() || r.rating.is_some())
                    .count(),
                met: list.iter().filter(|r| r.met == Some(true)).count(),
            }
        };
        for g in &groups {
            summary.push(count("group", Some(g), &|r| r.group == *g));
        }
        summary.push(count("national", None, &|r| r.national));
        summary.push(count("all", None, &|_| true));
    }
    let missing_units = missing_returns
        .iter()
        .filter(|u| sc.monitors.contains(u))
        .cloned()
        .collect();
    IndicatorReport {
        year: period.year,
        base_year: sc.base_year,
        target_year: sc.target_year,
        years: years.into_iter().collect(),
        rows,
        summary,
        missing_units,
    }
}

/// One `metrics` row per indicator × part of the assessed year: scope `indicator`, scope_value
/// the key (`4.国家级`), completion = progress, on_track = met. Qualitative indicators have no
/// numeric value or target.
pub fn indicator_metrics(report: &IndicatorReport) -> Vec<MetricValue> {
    report
        .rows
        .iter()
        .filter(|r| r.year == report.year)
        .map(|r| MetricValue {
            id: "indicator".into(),
            name: r.name.clone(),
            scope: "indicator".into(),
            scope_value: r.key.clone(),
            value: r.value,
            unit: r.unit.clone(),
            target: r.target,
            target_to_date: r.target,
            completion: r.progress,
            on_track: r.met,
            numerator: None,
            denominator: None,
            grade: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn progress_and_met_when_the_target_is_above_the_base() {
        assert!(close(progress(2.4, 2.3, 2.5), 0.5));
        assert!(!met(2.4, 2.3, 2.5));
        assert!(met(2.5, 2.3, 2.5));
        assert!(met(2.6, 2.3, 2.5));
        assert!(close(progress(2.6, 2.3, 2.5), 1.5));
        assert!(close(progress(2.2, 2.3, 2.5), -0.5));
        // Floating noise does not fail a value equal to its target.
        assert!(met(0.1 + 0.2, 0.0, 0.3));
    }

    #[test]
    fn progress_and_met_when_the_target_is_below_the_base() {
        // 万元GDP综合能耗-like: 0.40 -> 0.38.
        assert!(close(progress(0.39, 0.40, 0.38), 0.5));
        assert!(!met(0.39, 0.40, 0.38));
        assert!(met(0.38, 0.40, 0.38));
        assert!(met(0.37, 0.40, 0.38));
        assert!(close(progress(0.42, 0.40, 0.38), -1.0));
        assert!(!met(0.42, 0.40, 0.38));
    }

    #[test]
    fn a_target_equal_to_the_base_is_met_or_not() {
        assert_eq!(progress(32.63, 32.63, 32.63), 1.0);
        assert_eq!(progress(33.0, 32.63, 32.63), 1.0);
        assert_eq!(progress(30.0, 32.63, 32.63), 0.0);
        assert!(met(0.0, 0.0, 0.0));
    }

    #[test]
    fn ratings_meet_a_target_when_as_good_or_better() {
        // 0 = best (优秀), 1 = 良好, 2 = 一般, 3 = 较差; target 良好.
        assert!(rating_met(0, 1));
        assert!(rating_met(1, 1));
        assert!(!rating_met(2, 1));
        assert!(!rating_met(3, 1));
    }

    #[test]
    fn values_are_read_as_filed() {
        assert_eq!(parse_value("2.50%"), Some(2.5));
        assert_eq!(parse_value("２．５０％"), Some(2.5));
        assert_eq!(parse_value("1,845"), Some(1845.0));
        assert_eq!(parse_value("132人年"), Some(132.0));
        assert_eq!(parse_value("良好"), None);
    }
}
