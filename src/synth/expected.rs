//! expected.json: the figures the pipeline must find, computed from the truth model (never by
//! parsing the written files), plus the per-month row accounting recorded while writing.

use super::clerk::YearPlan;
use super::quirks::{month_end, round_to};
use super::truth::{Owner, Truth};
use super::SynthReference;
use chrono::Datelike;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub(crate) struct RejectedCell {
    pub file: String,
    pub sheet: String,
    pub cell: String,
    pub rule: &'static str,
}

/// A row a reader must skip (clerk style lists them in expected.json).
#[derive(Clone, Debug)]
pub(crate) struct SkippedRow {
    pub file: String,
    pub sheet: String,
    /// 1-based spreadsheet row.
    pub row: u32,
    pub reason: &'static str,
    pub text: String,
    /// In a first return replaced by a corrected one.
    pub superseded: bool,
}

/// Where a clerk habit was written.
#[derive(Clone, Debug)]
pub(crate) struct CaseRow {
    pub class: &'static str,
    pub file: String,
    pub sheet: String,
    pub cell: Option<String>,
    pub note: Option<String>,
}

/// What was written for one month.
#[derive(Clone, Debug, Default)]
pub(crate) struct MonthAccount {
    pub files: Vec<String>,
    pub accepted: usize,
    pub rejected: Vec<RejectedCell>,
    pub skipped: Vec<SkippedRow>,
    /// Valid rows of superseded first returns (read, but not in effect).
    pub superseded_accepted: usize,
    pub cases: Vec<CaseRow>,
}

/// The projects counted for period p: (project index, county it counts at). Each county's
/// latest return <= p (carried forward when p's is missing) plus the ledger bureau's own
/// projects; a project listed twice counts once, at the county of the later return.
pub(crate) fn in_effect(t: &Truth, p: u32) -> Vec<(usize, usize)> {
    let mut best: BTreeMap<usize, (u32, u8, usize)> = BTreeMap::new();
    for c in 0..t.n_counties {
        if let Some(e) = t.effective(c, p) {
            for i in t.county_list(c, e) {
                let key = (e, 1u8, c);
                let cur = best.entry(i).or_insert(key);
                if (key.0, key.1) > (cur.0, cur.1) {
                    *cur = key;
                }
            }
        }
    }
    for i in t.bureau_own(p) {
        best.entry(i).or_insert((p, 0, t.projects[i].county_at(p)));
    }
    let end = month_end(t.year, p);
    best.into_iter()
        .filter(|(i, _)| {
            let s = t.projects[*i].signed();
            s.year() == t.year && s <= end
        })
        .map(|(i, (_, _, c))| (i, c))
        .collect()
}

/// The project metrics of one period, by scope.
#[derive(Clone, Debug, Default)]
pub(crate) struct ProjectFigures {
    pub mfg_city: f64,
    pub mfg_county: Vec<f64>,
    pub mfg_chain: Vec<f64>,
    pub big_city: usize,
    pub big_county: Vec<usize>,
    pub big_chain: Vec<usize>,
    pub key_city: f64,
    pub key_county: Vec<f64>,
}

pub(crate) fn project_figures(r: &SynthReference, t: &Truth, p: u32) -> ProjectFigures {
    let (n, k) = (r.counties.len(), r.chains.len());
    let mfg = r.sectors.iter().position(|s| *s == r.manufacturing_sector);
    let mut f = ProjectFigures {
        mfg_county: vec![0.0; n],
        mfg_chain: vec![0.0; k],
        big_county: vec![0; n],
        big_chain: vec![0; k],
        key_county: vec![0.0; n],
        ..ProjectFigures::default()
    };
    for (i, c) in in_effect(t, p) {
        let pr = &t.projects[i];
        if Some(pr.sector) != mfg {
            continue;
        }
        let big = pr.amount_yi >= r.big_project_threshold_yi;
        f.mfg_city += pr.amount_yi;
        f.mfg_county[c] += pr.amount_yi;
        f.big_city += usize::from(big);
        f.big_county[c] += usize::from(big);
        if let Some(ch) = pr.chain {
            f.mfg_chain[ch] += pr.amount_yi;
            f.big_chain[ch] += usize::from(big);
            f.key_city += pr.amount_yi;
            f.key_county[c] += pr.amount_yi;
        }
    }
    f
}

fn amount(x: f64) -> Value {
    json!(round_to(x, 4))
}

fn share(num: f64, den: f64) -> Value {
    if den.abs() < 1e-12 {
        Value::Null
    } else {
        json!(round_to(num / den, 6))
    }
}

fn scoped(r: &SynthReference, city: Value, county: Vec<Value>, chain: Option<Vec<Value>>) -> Value {
    let mut o = Map::new();
    o.insert("city".into(), city);
    let mut cm = Map::new();
    for (k, v) in r.counties.iter().zip(county) {
        cm.insert(k.name.clone(), v);
    }
    o.insert("county".into(), Value::Object(cm));
    if let Some(chain) = chain {
        let mut hm = Map::new();
        for (k, v) in r.chains.iter().zip(chain) {
            hm.insert(k.name.clone(), v);
        }
        o.insert("chain".into(), Value::Object(hm));
    }
    Value::Object(o)
}

fn metrics(r: &SynthReference, t: &Truth, p: u32) -> Value {
    let f = project_figures(r, t, p);
    let mut m = Map::new();
    m.insert(
        "mfg_investment_yi".into(),
        scoped(
            r,
            amount(f.mfg_city),
            f.mfg_county.iter().map(|x| amount(*x)).collect(),
            Some(f.mfg_chain.iter().map(|x| amount(*x)).collect()),
        ),
    );
    m.insert(
        "big_projects_count".into(),
        scoped(
            r,
            json!(f.big_city),
            f.big_county.iter().map(|x| json!(x)).collect(),
            Some(f.big_chain.iter().map(|x| json!(x)).collect()),
        ),
    );
    m.insert(
        "key_chain_share".into(),
        scoped(
            r,
            share(f.key_city, f.mfg_city),
            f.key_county
                .iter()
                .zip(&f.mfg_county)
                .map(|(a, b)| share(*a, *b))
                .collect(),
            Some(f.mfg_chain.iter().map(|a| share(*a, f.mfg_city)).collect()),
        ),
    );
    let figs = &t.talent[(p - 1) as usize];
    let ints = |get: fn(&super::truth::TalentFig) -> i64| {
        scoped(
            r,
            json!(figs.iter().map(get).sum::<i64>()),
            figs.iter().map(|f| json!(get(f))).collect(),
            None,
        )
    };
    m.insert("high_level_talent_total".into(), ints(|f| f.total));
    m.insert("new_high_level_talent".into(), ints(|f| f.new_ytd));
    m.insert("rental_housing_units".into(), ints(|f| f.housing));
    let (req, arr): (i64, i64) = (
        figs.iter().map(|f| f.requested).sum(),
        figs.iter().map(|f| f.arranged).sum(),
    );
    m.insert(
        "school_placement_rate".into(),
        scoped(
            r,
            share(arr as f64, req as f64),
            figs.iter()
                .map(|f| share(f.arranged as f64, f.requested as f64))
                .collect(),
            None,
        ),
    );
    Value::Object(m)
}

fn period(year: i32, m: u32) -> String {
    format!("{year}-{m:02}")
}

/// Notes on the special cases, so that tests can aim at them.
fn special_cases(r: &SynthReference, t: &Truth) -> Value {
    let moved = t.moved.as_ref().map(|mv| {
        let p = &t.projects[mv.project];
        json!({"project_id": p.id, "project_name": p.name, "from": r.counties[mv.from].name,
               "to": r.counties[mv.to].name, "period": period(t.year, mv.month)})
    });
    let missing: Vec<Value> = t
        .missing
        .iter()
        .map(|(m, c)| json!({"period": period(t.year, *m), "county": r.counties[*c].name}))
        .collect();
    let mut repeats = Map::new();
    for (m, dups) in &t.dups {
        let v: Vec<Value> = dups
            .iter()
            .map(|d| {
                let p = &t.projects[d.project];
                json!({"project_id": p.id, "county": r.counties[p.county_at(*m)].name,
                       "matched_by": if d.id.is_some() { "project_id" } else { "name_investor" },
                       "county_amount_yi": p.amount_yi, "bureau_amount_yi": d.amount_yi.unwrap_or(p.amount_yi),
                       "conflict": d.amount_yi.is_some()})
            })
            .collect();
        repeats.insert(period(t.year, *m), Value::Array(v));
    }
    let own: Vec<Value> = t
        .projects
        .iter()
        .filter(|p| p.owner == Owner::Bureau)
        .map(|p| {
            json!({"project_id": p.id, "county": r.counties[p.home[0].1].name,
                        "first_period": period(t.year, p.first_month), "amount_yi": p.amount_yi})
        })
        .collect();
    json!({"moved_project": moved, "missing_returns": missing, "bureau_repeats": repeats,
           "bureau_own_projects": own})
}

/// The clerk style's additions to a period: every skipped row, the sheet-level warnings, the
/// superseded rows and where each clerk habit was written.
fn clerk_period(acc: &MonthAccount, period: &mut Map<String, Value>) {
    let skipped: Vec<Value> = acc
        .skipped
        .iter()
        .map(|x| {
            json!({"file": x.file, "sheet": x.sheet, "row": x.row, "reason": x.reason,
                   "text": x.text, "superseded": x.superseded})
        })
        .collect();
    period.insert("skipped_rows".into(), Value::Array(skipped));
    let warnings: Vec<Value> = acc
        .cases
        .iter()
        .filter(|c| c.class == "unit_missing_wan_values")
        .map(|c| {
            json!({"file": c.file, "sheet": c.sheet, "rule": "implausible_unit",
                   "column": c.note.clone().unwrap_or_default(),
                   "read_as": "万元"})
        })
        .collect();
    period.insert("sheet_warnings".into(), Value::Array(warnings));
    let cases: Vec<Value> = acc
        .cases
        .iter()
        .map(|c| json!({"class": c.class, "file": c.file, "sheet": c.sheet, "cell": c.cell, "note": c.note}))
        .collect();
    period.insert("clerk_cases".into(), Value::Array(cases));
    if let Some(Value::Object(rows)) = period.get_mut("rows") {
        rows.insert(
            "accepted_in_superseded".into(),
            json!(acc.superseded_accepted),
        );
    }
}

fn clerk_special(r: &SynthReference, t: &Truth, yp: &YearPlan) -> Value {
    json!({
        "folders": yp.folders,
        "unitless_wan_county": r.counties[yp.bare_county].name,
        "unitless_wan_periods": yp.bare_months.iter().map(|m| period(t.year, *m)).collect::<Vec<_>>(),
        "id_column_county": r.counties[yp.id_county].name,
        "id_column_in": "even months",
        "corrected_return": yp.corrected.map(|(m, c)| json!({"period": period(t.year, m), "county": r.counties[c].name})),
        "city_as_unit_periods": yp.city_row_months.iter().map(|m| period(t.year, *m)).collect::<Vec<_>>(),
        "talent_wan_county": r.counties[yp.talent_wan_county].name,
    })
}

pub(crate) fn expected_json(
    r: &SynthReference,
    t: &Truth,
    accounts: &BTreeMap<u32, MonthAccount>,
    clerk: Option<&YearPlan>,
) -> Value {
    let mut periods = Map::new();
    for m in 1..=t.months {
        let acc = accounts.get(&m).cloned().unwrap_or_default();
        let missing: Vec<Value> = (0..r.counties.len())
            .filter(|c| !t.files(m, *c))
            .map(|c| json!(r.counties[c].name))
            .collect();
        let rejected: Vec<Value> = acc
            .rejected
            .iter()
            .map(|x| json!({"file": x.file, "sheet": x.sheet, "cell": x.cell, "rule": x.rule}))
            .collect();
        let mut p = json!({
            "metrics": metrics(r, t, m),
            "missing_returns": missing,
            "rows": {"accepted": acc.accepted, "rejected": acc.rejected.len()},
            "rejected_cells": rejected,
            "files": acc.files,
        });
        if clerk.is_some() {
            if let Value::Object(o) = &mut p {
                clerk_period(&acc, o);
            }
        }
        periods.insert(period(t.year, m), p);
    }
    let mut special = special_cases(r, t);
    if let (Some(yp), Value::Object(o)) = (clerk, &mut special) {
        o.insert("clerk".into(), clerk_special(r, t, yp));
    }
    json!({"year": t.year, "city": r.city, "periods": periods, "special_cases": special})
}
