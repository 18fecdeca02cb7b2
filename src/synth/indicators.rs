//! Generator of messy yearly *indicator* returns (reference-list scorecards such as
//! 创新型城市考核指标) with their ground truth.
//!
//! Every monitoring unit files one workbook in `<year>-12/` with a row per indicator (and part)
//! it monitors and per year from the year after the base year to `year`. Quirks: title and
//! `填报单位：<alias>` rows, shuffled columns, every header spelling, an ignored 一级指标 column,
//! unit aliases, indicator numbers and years as numbers, text (`2023年`) or full-width digits,
//! values as numbers, `2.50%` text, full-width text or with thousands separators, ratings and
//! parts in every accepted spelling, two-part indicators as two rows, footer rows. One unit
//! (the last monitoring unit) sends nothing; every unit that monitors an indicator without
//! counting for it reports a different value.
//!
//! Every name and number comes from [`IndicatorsReference`] (built from the pipeline);
//! expected.json is computed from the truth model, not by reading the files back.

use super::grid::{write_xlsx, Cell, Grid};
use super::quirks::{fullwidth, round_to, thousands};
use super::rng::Rng;
use super::NamedWithAliases;
use anyhow::{Context, Result};
use serde_json::{json, Map, Value as J};
use std::collections::BTreeMap;
use std::path::Path;

/// One indicator × part, as the pipeline declares it.
#[derive(Clone, Debug)]
pub struct SynthIndicator {
    pub key: String,
    pub no: u32,
    pub name: String,
    pub group: String,
    pub unit: String,
    /// The part (canonical and other spellings).
    pub part: Option<NamedWithAliases>,
    pub base: Option<f64>,
    pub target: Option<f64>,
    /// Index of the target rating (0 = best) for qualitative indicators.
    pub target_rating: Option<usize>,
    pub national: bool,
    pub monitors: Vec<String>,
    pub counts_from: Vec<String>,
}

/// The reference data the indicator generator draws every name from.
#[derive(Clone, Debug)]
pub struct IndicatorsReference {
    pub city: String,
    /// The return's name (sheet title).
    pub title: String,
    /// canonical column name -> header spellings.
    pub spellings: BTreeMap<String, Vec<String>>,
    /// Header words the return ignores (an extra column is written under one of them).
    pub ignored_headers: Vec<String>,
    /// The monitoring units, in reference order.
    pub units: Vec<NamedWithAliases>,
    pub indicators: Vec<SynthIndicator>,
    /// Ratings, best first.
    pub ratings: Vec<NamedWithAliases>,
    pub base_year: i32,
}

fn spelling(rng: &mut Rng, n: &NamedWithAliases) -> String {
    if n.aliases.is_empty() || rng.chance(0.5) {
        n.name.clone()
    } else {
        rng.pick(&n.aliases).clone()
    }
}

fn is_count(unit: &str) -> bool {
    matches!(unit, "家" | "个" | "人" | "件")
}

/// A true value: numbers around the way from base to target, or a rating.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    Num(f64),
    Rating(usize),
}

fn draw(rng: &mut Rng, r: &IndicatorsReference, ind: &SynthIndicator, share: f64) -> Val {
    if ind.target_rating.is_some() {
        return Val::Rating(rng.below(r.ratings.len()));
    }
    let (b, t) = (ind.base.unwrap_or(0.0), ind.target.unwrap_or(0.0));
    let f = rng.uniform(-0.3, 1.4);
    let raw = if (t - b).abs() < 1e-12 {
        b + rng.uniform(-0.05, 0.05) * b.abs().max(1.0)
    } else {
        b + (t - b) * f
    };
    let v = (raw * share).max(0.0);
    Val::Num(if is_count(&ind.unit) {
        v.round()
    } else {
        round_to(v, 2)
    })
}

/// The truth: per (indicator index, year, unit) the value the unit reports.
struct Truth {
    values: BTreeMap<(usize, i32, String), Val>,
    silent: String,
}

fn truth(r: &IndicatorsReference, year: i32, rng: &mut Rng) -> Truth {
    let silent = r.units.last().map(|u| u.name.clone()).unwrap_or_default();
    let mut values = BTreeMap::new();
    for (i, ind) in r.indicators.iter().enumerate() {
        for y in (r.base_year + 1)..=year {
            let n = ind.counts_from.len() as f64;
            for u in &ind.counts_from {
                values.insert((i, y, u.clone()), draw(rng, r, ind, 1.0 / n));
            }
            // A monitor that does not count reports a different figure.
            for u in ind.monitors.iter().filter(|u| !ind.counts_from.contains(u)) {
                let v = match draw(rng, r, ind, 1.0) {
                    Val::Num(x) => Val::Num(x + 1.0),
                    Val::Rating(k) => Val::Rating((k + 1) % r.ratings.len()),
                };
                values.insert((i, y, u.clone()), v);
            }
        }
    }
    Truth { values, silent }
}

fn value_cell(rng: &mut Rng, r: &IndicatorsReference, ind: &SynthIndicator, v: &Val) -> Cell {
    match v {
        Val::Rating(k) => Cell::Text(spelling(rng, &r.ratings[*k])),
        Val::Num(x) => {
            let plain = if is_count(&ind.unit) {
                format!("{x:.0}")
            } else {
                format!("{x:.2}")
            };
            match rng.below(6) {
                0 | 1 => Cell::Num(*x),
                2 if ind.unit == "%" => Cell::Text(format!("{plain}%")),
                3 => Cell::Text(fullwidth(&plain)),
                4 if *x >= 1000.0 => Cell::Text(thousands(*x)),
                5 if ind.unit == "%" => Cell::Text(format!("{}％", fullwidth(&plain))),
                _ => Cell::Text(plain),
            }
        }
    }
}

fn number_cell(rng: &mut Rng, n: i64, suffix: &str) -> Cell {
    match rng.below(3) {
        0 => Cell::Num(n as f64),
        1 => Cell::Text(fullwidth(&n.to_string())),
        _ => Cell::Text(format!("{n}{suffix}")),
    }
}

/// Writes `out/<year>-12/*.xlsx` and `out/expected.json`; returns (files, rows).
pub fn generate(r: &IndicatorsReference, year: i32, seed: u64, out: &Path) -> Result<(usize, u64)> {
    let rng = Rng::new(seed);
    let t = truth(r, year, &mut rng.fork("truth", 0));
    let period = format!("{year}-12");
    let dir = out.join(&period);
    fs_err::create_dir_all(&dir)?;
    let mut files = 0;
    let mut accepted = 0u64;
    for (ui, unit) in r.units.iter().enumerate() {
        if unit.name == t.silent {
            continue;
        }
        let mut frng = rng.fork("file", ui as u64);
        let mut cols: Vec<&str> = vec!["indicator_no", "indicator_name", "part", "year", "value"];
        for extra in ["unit", "note"] {
            if r.spellings.contains_key(extra) && frng.chance(0.7) {
                cols.push(extra);
            }
        }
        frng.shuffle(&mut cols);
        let group_col = !r.ignored_headers.is_empty() && frng.chance(0.5);
        let mut g = Grid::new("指标");
        g.text(0, 0, &format!("{}{}（{year}年）", r.city, r.title));
        g.text(1, 0, &format!("填报单位：{}", spelling(&mut frng, unit)));
        let mut row = if frng.chance(0.5) { 3 } else { 2 };
        let offset: u16 = if group_col { 1 } else { 0 };
        if group_col {
            g.text(row, 0, &r.ignored_headers[0]);
        }
        for (c, col) in cols.iter().enumerate() {
            let label = frng.pick(&r.spellings[*col]).clone();
            g.text(row, c as u16 + offset, &label);
        }
        row += 1;
        for (i, ind) in r.indicators.iter().enumerate() {
            if !ind.monitors.contains(&unit.name) {
                continue;
            }
            for y in (r.base_year + 1)..=year {
                let Some(v) = t.values.get(&(i, y, unit.name.clone())) else {
                    continue;
                };
                if group_col {
                    g.text(row, 0, &ind.group);
                }
                for (c, col) in cols.iter().enumerate() {
                    let cell = match *col {
                        "indicator_no" => Some(number_cell(&mut frng, ind.no as i64, "")),
                        "indicator_name" => Some(Cell::Text(ind.name.clone())),
                        "part" => ind
                            .part
                            .as_ref()
                            .map(|p| Cell::Text(spelling(&mut frng, p))),
                        "year" => Some(number_cell(&mut frng, y as i64, "年")),
                        "value" => Some(value_cell(&mut frng, r, ind, v)),
                        "unit" => (!ind.unit.is_empty()).then(|| Cell::Text(ind.unit.clone())),
                        "note" => frng.chance(0.2).then(|| Cell::Text("初步统计数".into())),
                        _ => None,
                    };
                    if let Some(cell) = cell {
                        g.set(row, c as u16 + offset, cell);
                    }
                }
                row += 1;
                accepted += 1;
            }
        }
        g.text(row + 1, 0, "填报人：李某某");
        g.text(row + 1, 2, "联系电话：0750-0000000");
        let file = format!("{}{year}年创新型城市指标监测表.xlsx", unit.name);
        write_xlsx(&[g], &dir.join(&file), year).with_context(|| format!("writing {file}"))?;
        files += 1;
    }
    let expected = expected(r, &t, year, accepted);
    let mut top = Map::new();
    top.insert("generator".into(), json!("indicators"));
    top.insert("year".into(), json!(year));
    top.insert("seed".into(), json!(seed));
    top.insert("period".into(), json!(period));
    for (k, v) in expected {
        top.insert(k, v);
    }
    fs_err::write(
        out.join("expected.json"),
        serde_json::to_string_pretty(&J::Object(top))? + "\n",
    )?;
    Ok((files, accepted))
}

/// The true figures: per indicator and year the value that counts, progress and met; the
/// summary per group, for the national indicators and overall; the unit that sent nothing.
fn expected(r: &IndicatorsReference, t: &Truth, year: i32, accepted: u64) -> Map<String, J> {
    let mut rows = Vec::new();
    // (year, group or None = national / all) -> (entries, with value, met)
    let mut summary: Vec<J> = Vec::new();
    for y in (r.base_year + 1)..=year {
        let mut per: Vec<(String, Option<String>, usize, usize, usize)> = Vec::new();
        let mut groups: Vec<&str> = Vec::new();
        for ind in &r.indicators {
            if !groups.contains(&ind.group.as_str()) {
                groups.push(&ind.group);
            }
        }
        for g in &groups {
            per.push(("group".into(), Some(g.to_string()), 0, 0, 0));
        }
        per.push(("national".into(), None, 0, 0, 0));
        per.push(("all".into(), None, 0, 0, 0));
        for (i, ind) in r.indicators.iter().enumerate() {
            let vals: Option<Vec<&Val>> = ind
                .counts_from
                .iter()
                .map(|u| {
                    (*u != t.silent)
                        .then(|| t.values.get(&(i, y, u.clone())))
                        .flatten()
                })
                .collect();
            let (value, rating, progress, met) = match (vals, ind.target_rating) {
                (None, _) => (J::Null, J::Null, J::Null, J::Null),
                (Some(vs), Some(target)) => {
                    let worst = vs
                        .iter()
                        .map(|v| match v {
                            Val::Rating(k) => *k,
                            Val::Num(_) => unreachable!(),
                        })
                        .max()
                        .unwrap();
                    (
                        J::Null,
                        json!(r.ratings[worst].name),
                        J::Null,
                        json!(worst <= target),
                    )
                }
                (Some(vs), None) => {
                    let mut sum = 0.0;
                    for v in vs {
                        if let Val::Num(x) = v {
                            sum += x;
                        }
                    }
                    let sum = round_to(sum, 6);
                    let (b, tg) = (ind.base.unwrap(), ind.target.unwrap());
                    let ok = if tg >= b { sum >= tg } else { sum <= tg };
                    let p = if tg == b {
                        if ok {
                            1.0
                        } else {
                            0.0
                        }
                    } else {
                        (sum - b) / (tg - b)
                    };
                    (json!(sum), J::Null, json!(p), json!(ok))
                }
            };
            let has = !value.is_null() || !rating.is_null();
            let is_met = met == json!(true);
            for (scope, g, n, w, m) in per.iter_mut() {
                let inside = match scope.as_str() {
                    "group" => g.as_deref() == Some(ind.group.as_str()),
                    "national" => ind.national,
                    _ => true,
                };
                if inside {
                    *n += 1;
                    *w += has as usize;
                    *m += is_met as usize;
                }
            }
            rows.push(json!({
                "key": ind.key, "year": y, "value": value, "rating": rating,
                "progress": progress, "met": met,
            }));
        }
        for (scope, g, n, w, m) in per {
            summary.push(json!({
                "year": y, "scope": scope, "group": g, "indicators": n, "with_value": w, "met": m,
            }));
        }
    }
    let mut out = Map::new();
    out.insert("rows".into(), J::Array(rows));
    out.insert("summary".into(), J::Array(summary));
    out.insert("missing_units".into(), json!([t.silent]));
    out.insert("rows_accepted".into(), json!(accepted));
    out
}
