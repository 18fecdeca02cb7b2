//! The talent bureau's return (one row per county) and the housing bureau's sheet.

use super::clerk::{count_text, Case};
use super::grid::{addr, skipped_lines, Cell, Grid};
use super::quirks::{city_stem, decorate_header, fmt_num, person, phone, thousands};
use super::rng::Rng;
use super::truth::TalentFig;
use super::{Return, SynthReference};
use std::collections::{BTreeMap, BTreeSet};

/// Talent columns written by the talent bureau (rental housing is the housing bureau's).
pub(crate) const TALENT_KEYS: [&str; 4] = [
    "high_level_talent_total",
    "new_high_level_talent",
    "school_requested",
    "school_arranged",
];
pub(crate) const HOUSING_KEY: &str = "rental_housing_units";

fn spelling(rng: &mut Rng, r: &SynthReference, key: &str) -> String {
    match r.talent_spellings.get(key) {
        Some(v) if !v.is_empty() => {
            let s = rng.pick(v).clone();
            decorate_header(rng, &s)
        }
        _ => key.to_string(),
    }
}

fn bureau_spelling(rng: &mut Rng, r: &SynthReference, bureau: &str) -> String {
    if rng.chance(0.5) {
        bureau.to_string()
    } else {
        format!("{}{}", city_stem(&r.city), bureau)
    }
}

fn county_spelling(rng: &mut Rng, r: &SynthReference, c: usize) -> String {
    let k = &r.counties[c];
    let i = rng.below(k.aliases.len() + 1);
    if i == 0 {
        k.name.clone()
    } else {
        k.aliases[i - 1].clone()
    }
}

fn count_cell(rng: &mut Rng, v: i64, csv: bool) -> Cell {
    let x = v as f64;
    match rng.below(10) {
        0 if v >= 1000 => Cell::Text(thousands(x)),
        1 if !csv && v >= 2 => {
            let a = rng.range(1, v - 1);
            Cell::Formula(format!("={}+{}", a, v - a), fmt_num(x))
        }
        2 => Cell::NumFmt(x, "0"),
        _ => Cell::Num(x),
    }
}

/// A count cell: the clerk style sometimes writes `1.2万` or `35人` (recorded in `cases`).
fn clerk_count_cell(
    rng: &mut Rng,
    v: i64,
    csv: bool,
    clerk: bool,
    word: &str,
    at: (u32, u16),
    cases: &mut Vec<Case>,
) -> Cell {
    if clerk {
        if let Some((cell, class)) = count_text(rng, v, word) {
            cases.push(Case::cell(class, addr(at.0, at.1)));
            return cell;
        }
    }
    count_cell(rng, v, csv)
}

fn short(bureau: &str) -> String {
    bureau.strip_prefix('市').unwrap_or(bureau).to_string()
}

/// The talent bureau's return for month m.
pub(crate) fn talent_return(
    rng: &mut Rng,
    r: &SynthReference,
    year: i32,
    m: u32,
    figs: &[TalentFig],
    clerk: bool,
) -> Return {
    let csv = rng.chance(0.2);
    let mut cases = Vec::new();
    let mut reasons: BTreeMap<u32, &'static str> = BTreeMap::new();
    let mut keys: Vec<&str> = TALENT_KEYS.to_vec();
    if rng.chance(0.4) {
        rng.shuffle(&mut keys);
    }
    let mut cols: Vec<Option<&str>> = keys.iter().map(|k| Some(*k)).collect();
    let county_at = if rng.chance(0.8) {
        0
    } else {
        rng.below(cols.len() + 1)
    };
    cols.insert(county_at, Some("county"));
    if rng.chance(0.3) {
        cols.insert(0, None); // 序号
    }
    let ncols = cols.len() as u16;
    let mut g = Grid::new(rng.pick_str(&["人才", "Sheet1", "人才及要素保障"]));
    let mut row = 0u32;
    g.text(row, 0, &format!("{year}年{m}月人才及要素保障情况表"));
    g.merge(row, 0, row, ncols - 1);
    row += 1;
    g.text(
        row,
        0,
        &format!("填报单位：{}", bureau_spelling(rng, r, &r.talent_bureau)),
    );
    if rng.chance(0.5) {
        g.text(row, ncols - 1, &format!("统计截至：{year}年{m}月"));
    }
    row += 1;
    if rng.chance(0.3) {
        row += 1;
    }
    for (c, k) in cols.iter().enumerate() {
        let h = match k {
            None => "序号".to_string(),
            Some(k) => spelling(rng, r, k),
        };
        g.text(row, c as u16, &h);
    }
    row += 1;
    let mut order: Vec<usize> = (0..r.counties.len()).collect();
    if rng.chance(0.2) {
        rng.shuffle(&mut order);
    }
    let first = row;
    for (i, cty) in order.iter().enumerate() {
        let f = &figs[*cty];
        for (c, k) in cols.iter().enumerate() {
            let cell = match *k {
                None => Cell::Num((i + 1) as f64),
                Some("county") => Cell::Text(county_spelling(rng, r, *cty)),
                Some(k) => {
                    let (v, word) = match k {
                        "high_level_talent_total" => (f.total, "人"),
                        "new_high_level_talent" => (f.new_ytd, "人"),
                        "school_requested" => (f.requested, "个"),
                        _ => (f.arranged, "个"),
                    };
                    let at = (row, c as u16);
                    clerk_count_cell(rng, v, csv, clerk, word, at, &mut cases)
                }
            };
            g.set(row, c as u16, cell);
        }
        row += 1;
    }
    let last = row - 1;
    if rng.chance(0.8) {
        let label_col = cols.iter().position(|k| *k == Some("county")).unwrap_or(0) as u16;
        reasons.insert(row, "total");
        g.text(row, label_col, "合计");
        for (c, k) in cols.iter().enumerate() {
            let total: i64 = match *k {
                None | Some("county") => continue,
                Some("high_level_talent_total") => figs.iter().map(|f| f.total).sum(),
                Some("new_high_level_talent") => figs.iter().map(|f| f.new_ytd).sum(),
                Some("school_requested") => figs.iter().map(|f| f.requested).sum(),
                Some(_) => figs.iter().map(|f| f.arranged).sum(),
            };
            let c = c as u16;
            let cell = if csv {
                Cell::Num(total as f64)
            } else {
                Cell::Formula(
                    format!("=SUM({}:{})", addr(first, c), addr(last, c)),
                    total.to_string(),
                )
            };
            g.set(row, c, cell);
        }
        row += 1;
    }
    if rng.chance(0.5) {
        row += 1;
        reasons.insert(row, "footer");
        g.text(row, 0, &format!("填报人：{}", person(rng)));
        g.text(row, 2.min(ncols - 1), &format!("联系电话：{}", phone(rng)));
    }
    let stem = short(&r.talent_bureau);
    let ym = format!("{year}-{m:02}");
    let file_name = match rng.below(3) {
        0 => format!("{stem}{ym}"),
        1 => format!("{ym}{stem}人才及要素保障情况表"),
        _ => format!("附件2-{stem}"),
    };
    let data: BTreeSet<u32> = (first..=last).collect();
    let skipped = skipped_lines(&g, first, &data, &reasons);
    let mut ret = Return::new(
        file_name,
        vec![g],
        csv,
        rng.chance(0.8),
        r.counties.len(),
        Vec::new(),
    );
    ret.skipped = skipped;
    ret.cases = cases;
    ret
}

/// The housing bureau's sheet for month m (序号, county, rental housing units year-to-date).
pub(crate) fn housing_return(
    rng: &mut Rng,
    r: &SynthReference,
    year: i32,
    m: u32,
    figs: &[TalentFig],
    clerk: bool,
) -> Return {
    let csv = rng.chance(0.2);
    let mut cases = Vec::new();
    let mut reasons: BTreeMap<u32, &'static str> = BTreeMap::new();
    let mut g = Grid::new(rng.pick_str(&["Sheet1", "保租房"]));
    let mut row = 0u32;
    let title = if rng.chance(0.5) {
        "保障性租赁住房筹建情况".to_string()
    } else {
        format!("{year}年{m}月产业园区保障性租赁住房筹建情况")
    };
    g.text(row, 0, &title);
    g.merge(row, 0, row, 2);
    row += 1;
    g.text(
        row,
        0,
        &format!("填报单位：{}", bureau_spelling(rng, r, &r.housing_bureau)),
    );
    g.text(row, 2, &format!("统计截至：{year}年{m}月"));
    row += 1;
    let hcounty = spelling(rng, r, "county");
    let hunits = spelling(rng, r, HOUSING_KEY);
    g.text(row, 0, "序号");
    g.text(row, 1, &hcounty);
    g.text(row, 2, &hunits);
    row += 1;
    let first = row;
    for (i, f) in figs.iter().enumerate() {
        g.set(row, 0, Cell::Num((i + 1) as f64));
        g.set(row, 1, Cell::Text(county_spelling(rng, r, i)));
        let cell = clerk_count_cell(rng, f.housing, csv, clerk, "套", (row, 2), &mut cases);
        g.set(row, 2, cell);
        row += 1;
    }
    if rng.chance(0.5) {
        let total: i64 = figs.iter().map(|f| f.housing).sum();
        reasons.insert(row, "total");
        g.text(row, 0, "合计");
        let cell = if csv {
            Cell::Num(total as f64)
        } else {
            Cell::Formula(
                format!("=SUM({}:{})", addr(first, 2), addr(row - 1, 2)),
                total.to_string(),
            )
        };
        g.set(row, 2, cell);
    }
    let stem = short(&r.housing_bureau);
    let file_name = if rng.chance(0.5) {
        format!("{stem}保租房{year}-{m:02}")
    } else {
        format!("{year}年{m}月保障性租赁住房-{stem}")
    };
    let data: BTreeSet<u32> = (first..first + figs.len() as u32).collect();
    let skipped = skipped_lines(&g, first, &data, &reasons);
    let mut ret = Return::new(
        file_name,
        vec![g],
        csv,
        rng.chance(0.8),
        figs.len(),
        Vec::new(),
    );
    ret.skipped = skipped;
    ret.cases = cases;
    ret
}
