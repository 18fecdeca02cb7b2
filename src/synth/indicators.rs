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
//! counting for it reports a different value. Two value cells of % indicators hold the
//! fraction (0.4123 for 41.23 %): one formatted as a percentage, read as the filer sees it
//! (`41.23%`) without a word; one in a plain cell (the format lost when values were pasted),
//! which the rule reads ×100 from the indicator's base and target, with a warning. The first
//! unit's return also holds four bad rows, mixed into its ordinary rows, that must be rejected
//! at the spoiled cell: an indicator number not in the list, a part no indicator has (`市级`),
//! a value of `待核实` and a year before the plan.
//!
//! Every name and number comes from [`IndicatorsReference`] (built from the pipeline);
//! expected.json is computed from the truth model, not by reading the files back.

use super::grid::{addr, write_xlsx, Cell, Grid};
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
    /// The plan's last year: no value is filed for a later year.
    pub target_year: i32,
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

/// The years values are filed for: from the year after the base year to `year`, within the plan.
fn filed_years(r: &IndicatorsReference, year: i32) -> std::ops::RangeInclusive<i32> {
    (r.base_year + 1)..=year.min(r.target_year)
}

fn truth(r: &IndicatorsReference, year: i32, rng: &mut Rng) -> Truth {
    let silent = r.units.last().map(|u| u.name.clone()).unwrap_or_default();
    let mut values = BTreeMap::new();
    for (i, ind) in r.indicators.iter().enumerate() {
        for y in filed_years(r, year) {
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

/// A row of a file: an indicator's true value, or a bad row.
#[derive(Clone, Debug)]
enum Line {
    Good(usize, i32),
    Bad(Bad),
}

/// The bad rows of the first unit's return, and the column each spoils.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Bad {
    /// An indicator number past the list's last one.
    UnknownNumber,
    /// A part word no indicator has, on a two-part indicator.
    UnknownPart,
    /// `待核实` as the value of a numeric indicator.
    PendingValue,
    /// The year before the base year.
    YearBeforePlan,
}

impl Bad {
    const ALL: [Bad; 4] = [
        Bad::UnknownNumber,
        Bad::UnknownPart,
        Bad::PendingValue,
        Bad::YearBeforePlan,
    ];

    /// (spoiled column, rule the row breaks).
    fn spoils(self) -> (&'static str, &'static str) {
        match self {
            Bad::UnknownNumber => ("indicator_no", "not_in_reference"),
            Bad::UnknownPart => ("part", "unknown_value"),
            Bad::PendingValue => ("value", "unparseable_number"),
            Bad::YearBeforePlan => ("year", "year_outside_plan"),
        }
    }
}

/// A part word that is no spelling of any part (`市级`), for the bad row.
fn unknown_part_word(r: &IndicatorsReference) -> Option<&'static str> {
    ["市级", "县级", "区级"].into_iter().find(|w| {
        !r.indicators
            .iter()
            .filter_map(|i| i.part.as_ref())
            .any(|p| p.name == *w || p.aliases.iter().any(|a| a == w))
    })
}

/// The value cells written as percentage-formatted numbers: (indicator, year, unit) of the
/// first % indicator whose base and target exceed 1 and of the first whose base and target lie
/// between 0 and 1, for the unit that counts, in the last filed year.
fn percent_cells(r: &IndicatorsReference, t: &Truth, year: i32) -> Vec<(usize, i32, String)> {
    let last = *filed_years(r, year).end();
    let mut out = Vec::new();
    for big in [true, false] {
        let found = r.indicators.iter().enumerate().find(|(_, ind)| {
            let (Some(b), Some(tg)) = (ind.base, ind.target) else {
                return false;
            };
            let fits = if big {
                b > 1.0 && tg > 1.0
            } else {
                b > 0.0 && tg > 0.0 && b < 1.0 && tg < 1.0
            };
            ind.unit == "%"
                && ind.target_rating.is_none()
                && fits
                && ind.counts_from.first().is_some_and(|u| *u != t.silent)
        });
        if let Some((i, ind)) = found {
            out.push((i, last, ind.counts_from[0].clone()));
        }
    }
    out
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
    let last_year = *filed_years(r, year).end();
    let percent = percent_cells(r, &t, year);
    let bad_unit = r
        .units
        .iter()
        .find(|u| u.name != t.silent)
        .map(|u| u.name.clone());
    let mut files = 0;
    let mut accepted = 0u64;
    // (file, cell, rule) of the rejected and of the assumed values.
    let mut rejected: Vec<(String, String, String)> = Vec::new();
    let mut assumed: Vec<(String, String, String)> = Vec::new();
    for (ui, unit) in r.units.iter().enumerate() {
        if unit.name == t.silent {
            continue;
        }
        let file = format!("{}{year}年创新型城市指标监测表.xlsx", unit.name);
        let rel = format!("{period}/{file}");
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
        let mut lines: Vec<Line> = Vec::new();
        for (i, ind) in r.indicators.iter().enumerate() {
            if !ind.monitors.contains(&unit.name) {
                continue;
            }
            for y in filed_years(r, year) {
                if t.values.contains_key(&(i, y, unit.name.clone())) {
                    lines.push(Line::Good(i, y));
                }
            }
        }
        if bad_unit.as_deref() == Some(unit.name.as_str()) {
            for b in Bad::ALL {
                let at = frng.below(lines.len() + 1);
                lines.insert(at, Line::Bad(b));
            }
        }
        // The indicators the bad rows are about: one this unit monitors where there is one.
        let monitored = |two_part: bool| {
            r.indicators
                .iter()
                .filter(|ind| ind.part.is_some() == two_part && ind.target_rating.is_none())
                .max_by_key(|ind| ind.monitors.contains(&unit.name))
        };
        let col_of = |name: &str| {
            cols.iter()
                .position(|c| *c == name)
                .map(|c| c as u16 + offset)
        };
        for line in &lines {
            let (ind, y, v, bad) = match line {
                Line::Good(i, y) => {
                    let v = &t.values[&(*i, *y, unit.name.clone())];
                    (&r.indicators[*i], *y, Some(v), None)
                }
                Line::Bad(b) => {
                    let ind = match b {
                        Bad::UnknownPart => monitored(true),
                        _ => monitored(false),
                    };
                    let Some(ind) = ind else { continue };
                    let y = if *b == Bad::YearBeforePlan {
                        r.base_year - 1
                    } else {
                        last_year
                    };
                    (ind, y, None, Some(*b))
                }
            };
            if bad == Some(Bad::UnknownPart) && unknown_part_word(r).is_none() {
                continue;
            }
            // The first percentage cell lost its format (values pasted into a plain cell):
            // only it is read ×100 by the rule, with a warning; the other keeps its format.
            let pct = match line {
                Line::Good(i, y) => percent
                    .iter()
                    .position(|p| *p == (*i, *y, unit.name.clone())),
                _ => None,
            };
            if group_col {
                g.text(row, 0, &ind.group);
            }
            for (c, col) in cols.iter().enumerate() {
                let cell = match (*col, bad) {
                    ("indicator_no", Some(Bad::UnknownNumber)) => {
                        let past = r.indicators.iter().map(|i| i.no).max().unwrap_or(0) + 2;
                        Some(number_cell(&mut frng, past as i64, ""))
                    }
                    ("indicator_no", _) => Some(number_cell(&mut frng, ind.no as i64, "")),
                    ("indicator_name", Some(Bad::UnknownNumber)) => None,
                    ("indicator_name", _) => Some(Cell::Text(ind.name.clone())),
                    ("part", Some(Bad::UnknownPart)) => {
                        unknown_part_word(r).map(|w| Cell::Text(w.into()))
                    }
                    ("part", _) => ind
                        .part
                        .as_ref()
                        .map(|p| Cell::Text(spelling(&mut frng, p))),
                    ("year", _) => Some(number_cell(&mut frng, y as i64, "年")),
                    ("value", Some(Bad::PendingValue)) => Some(Cell::Text("待核实".into())),
                    ("value", Some(_)) => Some(Cell::Num(ind.base.unwrap_or(1.0))),
                    ("value", None) => match v {
                        Some(Val::Num(x)) if pct == Some(0) && *x > 0.0 => {
                            Some(Cell::Num(*x / 100.0))
                        }
                        Some(Val::Num(x)) if pct.is_some() && *x > 0.0 => {
                            Some(Cell::NumFmt(*x / 100.0, "0.00%"))
                        }
                        Some(v) => Some(value_cell(&mut frng, r, ind, v)),
                        None => None,
                    },
                    ("unit", _) => (!ind.unit.is_empty()).then(|| Cell::Text(ind.unit.clone())),
                    ("note", _) => frng.chance(0.2).then(|| Cell::Text("初步统计数".into())),
                    _ => None,
                };
                if let Some(cell) = cell {
                    g.set(row, c as u16 + offset, cell);
                }
            }
            match bad {
                Some(b) => {
                    let (col, rule) = b.spoils();
                    if let Some(c) = col_of(col) {
                        rejected.push((rel.clone(), addr(row, c), rule.to_string()));
                    }
                }
                None => {
                    accepted += 1;
                    if pct == Some(0) {
                        if let Some(c) = col_of("value") {
                            assumed.push((rel.clone(), addr(row, c), "assumed_value".into()));
                        }
                    }
                }
            }
            row += 1;
        }
        g.text(row + 1, 0, "填报人：李某某");
        g.text(row + 1, 2, "联系电话：0750-0000000");
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
    let cells = |list: &[(String, String, String)]| -> J {
        J::Array(
            list.iter()
                .map(|(f, c, rule)| json!({"file": f, "cell": c, "rule": rule}))
                .collect(),
        )
    };
    top.insert("rows_rejected".into(), json!(rejected.len()));
    top.insert("rejected_cells".into(), cells(&rejected));
    top.insert("assumed_cells".into(), cells(&assumed));
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
    // The filed years, and the assessed year even past the plan (with no values).
    let years: Vec<i32> = filed_years(r, year)
        .chain((year > r.target_year).then_some(year))
        .collect();
    for y in years {
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
