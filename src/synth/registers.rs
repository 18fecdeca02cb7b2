//! Generator of messy monthly *register* returns — one row per event and one row per
//! enterprise (科技招商-style scorecards) — with their ground truth.
//!
//! Every unit files, each month, one workbook with an event sheet and an enterprise sheet
//! listing everything of the year so far; the bureau files the same two sheets, repeating
//! about a quarter of the units' events (same name and date, spelled differently) and
//! enterprises (same credit code, full-width or lower case) and listing events of its own
//! without a unit. Quirks: title and `填报单位：<alias>` rows, shuffled columns, every header
//! spelling, 序号 column, unit aliases, full-width digits, dates as date cells, serials and
//! text in four forms, yes/no in every accepted spelling, tags with mixed separators and
//! aliases, 合计 and footer rows. Bad rows (month 2, one per rule, first three units): a credit
//! code with a wrong check digit, an unknown unit, an impossible date.
//!
//! Every name comes from [`RegistersReference`] (built from the pipeline); expected.json is
//! computed from the truth model, not by reading the files back.

use super::grid::{addr, write_xlsx, Cell, Grid};
use super::quirks::{date_text, days_in_month, excel_serial, fullwidth, ymd};
use super::rng::Rng;
use super::NamedWithAliases;
use anyhow::{Context, Result};
use chrono::NaiveDate;
use serde_json::{json, Map, Value as J};
use std::collections::BTreeMap;
use std::path::Path;

/// The reference data the register generator draws every name from.
#[derive(Clone, Debug)]
pub struct RegistersReference {
    pub city: String,
    pub units: Vec<NamedWithAliases>,
    pub bureau: NamedWithAliases,
    /// canonical column name -> header spellings, per return.
    pub event_spellings: BTreeMap<String, Vec<String>>,
    pub enterprise_spellings: BTreeMap<String, Vec<String>>,
    /// Return names (sheet titles).
    pub event_title: String,
    pub enterprise_title: String,
    pub organisers: Vec<NamedWithAliases>,
    pub event_kinds: Vec<NamedWithAliases>,
    pub tags: Vec<NamedWithAliases>,
    /// Metric ids of expected.json.
    pub events_metric: String,
    pub enterprises_metric: String,
    pub in_park_metric: String,
    pub in_incubator_metric: String,
}

#[derive(Clone, Debug)]
struct Event {
    unit: Option<usize>,
    name: String,
    date: NaiveDate,
    organiser: usize,
    kind: usize,
    place: String,
    signed: u32,
    repeated_by_bureau: bool,
}

#[derive(Clone, Debug)]
struct Enterprise {
    unit: usize,
    name: String,
    code: String,
    park: String,
    in_park: bool,
    in_incubator: bool,
    tags: Vec<usize>,
    date: NaiveDate,
    repeated_by_bureau: bool,
}

const CODE_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

fn credit_code(rng: &mut Rng) -> String {
    let mut s = String::from("91");
    for _ in 0..6 {
        s.push(char::from(b'0' + rng.below(10) as u8));
    }
    for _ in 0..9 {
        s.push(CODE_CHARS.chars().nth(rng.below(31)).unwrap());
    }
    let check = crate::normalise::codes::uscc_check_char(&s).expect("valid charset");
    s.push(check);
    s
}

fn spelling(rng: &mut Rng, n: &NamedWithAliases) -> String {
    if n.aliases.is_empty() || rng.chance(0.5) {
        n.name.clone()
    } else {
        rng.pick(&n.aliases).clone()
    }
}

fn date_cell(rng: &mut Rng, d: NaiveDate) -> Cell {
    match rng.below(7) {
        0 => Cell::Date(d, "yyyy-mm-dd"),
        1 => Cell::Date(d, "yyyy\"年\"m\"月\"d\"日\""),
        2 => Cell::Num(excel_serial(d)),
        k => Cell::Text(date_text(k - 3, d)),
    }
}

fn bool_cell(rng: &mut Rng, b: bool) -> Cell {
    let (t, f) = *rng.pick(&[
        ("是", "否"),
        ("Y", "N"),
        ("√", "×"),
        ("有", "无"),
        ("是", "否"),
    ]);
    if rng.chance(0.1) {
        return Cell::Num(if b { 1.0 } else { 0.0 });
    }
    Cell::Text(if b { t } else { f }.to_string())
}

struct Truth {
    events: Vec<Event>,
    enterprises: Vec<Enterprise>,
}

fn truth(r: &RegistersReference, year: i32, months: u32, rng: &mut Rng) -> Truth {
    let mut events = Vec::new();
    let mut enterprises = Vec::new();
    let mut code_rng = rng.fork("codes", 0);
    for m in 1..=months {
        for (u, unit) in r.units.iter().enumerate() {
            for k in 0..rng.range(0, 2) {
                let kind = rng.below(r.event_kinds.len());
                events.push(Event {
                    unit: Some(u),
                    name: format!(
                        "{year}年{}{}活动{m:02}-{k}",
                        unit.name, r.event_kinds[kind].name
                    ),
                    date: ymd(year, m, rng.range(1, days_in_month(year, m) as i64) as u32),
                    organiser: rng.below(r.organisers.len()),
                    kind,
                    place: format!("{}会议中心", unit.name),
                    signed: rng.range(0, 6) as u32,
                    repeated_by_bureau: rng.chance(0.25),
                });
            }
            for k in 0..rng.range(2, 6) {
                let tags: Vec<usize> = (0..r.tags.len()).filter(|_| rng.chance(0.4)).collect();
                enterprises.push(Enterprise {
                    unit: u,
                    name: format!("{}科创企业{m:02}{k}有限公司", unit.name),
                    code: credit_code(&mut code_rng),
                    park: format!(
                        "{}{}",
                        unit.name,
                        rng.pick_str(&["科技园", "创业园", "孵化基地"])
                    ),
                    in_park: rng.chance(0.8),
                    in_incubator: rng.chance(0.6),
                    tags,
                    date: ymd(year, m, rng.range(1, days_in_month(year, m) as i64) as u32),
                    repeated_by_bureau: rng.chance(0.2),
                });
            }
        }
        if m % 3 == 1 {
            let kind = rng.below(r.event_kinds.len());
            events.push(Event {
                unit: None,
                name: format!("{year}年{}{}专场{m:02}", r.city, r.event_kinds[kind].name),
                date: ymd(year, m, rng.range(1, days_in_month(year, m) as i64) as u32),
                organiser: 0,
                kind,
                place: format!("{}科技会堂", r.city),
                signed: rng.range(0, 8) as u32,
                repeated_by_bureau: true,
            });
        }
    }
    Truth {
        events,
        enterprises,
    }
}

/// A sheet of a register: title, 填报单位, header (shuffled, random spellings), rows, 合计/footer.
struct SheetBuilder {
    grid: Grid,
    cols: Vec<String>,
    row: u32,
    first_data: u32,
}

impl SheetBuilder {
    fn new(
        rng: &mut Rng,
        name: &str,
        title: &str,
        filer: &str,
        spellings: &BTreeMap<String, Vec<String>>,
        wanted: &[&str],
    ) -> SheetBuilder {
        let mut grid = Grid::new(name);
        grid.text(0, 0, title);
        grid.text(1, 0, &format!("填报单位：{filer}"));
        let mut row = 2;
        if rng.chance(0.5) {
            row += 1;
        }
        let mut cols: Vec<String> = wanted.iter().map(|s| s.to_string()).collect();
        for i in (1..cols.len()).rev() {
            let j = rng.below(i + 1);
            cols.swap(i, j);
        }
        let with_no = rng.chance(0.5);
        if with_no {
            cols.insert(0, "#no".into());
        }
        for (c, col) in cols.iter().enumerate() {
            let label = if col == "#no" {
                "序号".to_string()
            } else {
                rng.pick(&spellings[col]).clone()
            };
            grid.text(row, c as u16, &label);
        }
        SheetBuilder {
            grid,
            cols,
            row: row + 1,
            first_data: row + 1,
        }
    }

    /// Writes a row; returns the address of column `spoil` when given.
    fn push(&mut self, mut values: BTreeMap<&str, Cell>, spoil: Option<&str>) -> Option<String> {
        let n = self.row - self.first_data + 1;
        let mut at = None;
        for (c, col) in self.cols.iter().enumerate() {
            let cell = if col == "#no" {
                Some(Cell::Num(n as f64))
            } else {
                values.remove(col.as_str())
            };
            if Some(col.as_str()) == spoil {
                at = Some(addr(self.row, c as u16));
            }
            if let Some(cell) = cell {
                self.grid.set(self.row, c as u16, cell);
            }
        }
        self.row += 1;
        at
    }

    fn finish(mut self, total_col: Option<(&str, f64)>) -> Grid {
        if let Some((col, sum)) = total_col {
            self.grid.text(self.row, 0, "合计");
            if let Some(c) = self.cols.iter().position(|x| x == col).filter(|&c| c > 0) {
                self.grid.set(self.row, c as u16, Cell::Num(sum));
            }
            self.row += 1;
        }
        self.grid.text(self.row + 1, 0, "填报人：王某某");
        self.grid.text(self.row + 1, 2, "联系电话：0511-0000000");
        self.grid
    }
}

#[derive(Default)]
struct MonthAccount {
    accepted: u64,
    rejected: u64,
    cells: Vec<(String, String, String)>,
}

/// Writes `out/<YYYY-MM>/*.xlsx` for months 1..=`months` and `out/expected.json`.
pub fn generate(
    r: &RegistersReference,
    year: i32,
    months: u32,
    seed: u64,
    out: &Path,
) -> Result<(usize, usize)> {
    let rng = Rng::new(seed);
    let t = truth(r, year, months, &mut rng.fork("truth", 0));
    let ev_cols = [
        "event_name",
        "event_date",
        "county",
        "organiser",
        "event_kind",
        "place",
        "projects_signed",
    ];
    let en_cols = [
        "enterprise",
        "credit_code",
        "county",
        "park",
        "in_key_park",
        "in_incubator",
        "tags",
        "landed_date",
    ];
    let seps = ["、", ",", "，", "/", ";", "；", " "];
    let mut files = 0;
    let mut periods = Map::new();
    for m in 1..=months {
        let period = format!("{year}-{m:02}");
        let dir = out.join(&period);
        fs_err::create_dir_all(&dir)?;
        let month_end = ymd(year, m, days_in_month(year, m));
        let mut acc = MonthAccount::default();
        // Filers: every unit, then the bureau (None).
        let filers: Vec<Option<usize>> = (0..r.units.len())
            .map(Some)
            .chain(std::iter::once(None))
            .collect();
        for f in filers {
            let mut frng = rng.fork(&format!("file-{period}"), f.map_or(999, |u| u as u64));
            let (canon, alias) = match f {
                Some(u) => (&r.units[u].name, spelling(&mut frng, &r.units[u])),
                None => (&r.bureau.name, spelling(&mut frng, &r.bureau)),
            };
            let file = format!("{canon}{year}年{m}月科技招商报表.xlsx");
            let rel = format!("{period}/{file}");
            // Events.
            let mut sb = SheetBuilder::new(
                &mut frng,
                "活动",
                &format!("{}{year}年{m}月{}", r.city, r.event_title),
                &alias,
                &r.event_spellings,
                &ev_cols,
            );
            let mut signed_total = 0.0;
            for e in t.events.iter().filter(|e| e.date <= month_end) {
                let mine = match f {
                    Some(u) => e.unit == Some(u),
                    None => e.repeated_by_bureau,
                };
                if !mine {
                    continue;
                }
                let mut v: BTreeMap<&str, Cell> = BTreeMap::new();
                let name = if f.is_none() && frng.chance(0.5) {
                    fullwidth(&e.name)
                } else {
                    e.name.clone()
                };
                v.insert("event_name", Cell::Text(name));
                v.insert("event_date", date_cell(&mut frng, e.date));
                // A unit's own return may leave its column blank; the bureau names the unit.
                if let Some(u) = e.unit {
                    if f.is_none() || frng.chance(0.6) {
                        v.insert("county", Cell::Text(spelling(&mut frng, &r.units[u])));
                    }
                }
                v.insert(
                    "organiser",
                    Cell::Text(spelling(&mut frng, &r.organisers[e.organiser])),
                );
                v.insert(
                    "event_kind",
                    Cell::Text(spelling(&mut frng, &r.event_kinds[e.kind])),
                );
                v.insert("place", Cell::Text(e.place.clone()));
                v.insert(
                    "projects_signed",
                    if frng.chance(0.3) {
                        Cell::Text(fullwidth(&e.signed.to_string()))
                    } else {
                        Cell::Num(e.signed as f64)
                    },
                );
                signed_total += e.signed as f64;
                sb.push(v, None);
                acc.accepted += 1;
            }
            // Bad row: an impossible date (unit 0, month 2).
            if m == 2 && f == Some(0) {
                let mut v: BTreeMap<&str, Cell> = BTreeMap::new();
                v.insert("event_name", Cell::Text(format!("{year}年错误日期活动")));
                v.insert("event_date", Cell::Text(format!("{year}年13月5日")));
                v.insert("event_kind", Cell::Text(r.event_kinds[0].name.clone()));
                let at = sb.push(v, Some("event_date")).unwrap();
                acc.rejected += 1;
                acc.cells.push((rel.clone(), at, "unparseable_date".into()));
            }
            let ev_grid = sb.finish(Some(("projects_signed", signed_total)));
            // Enterprises.
            let mut sb = SheetBuilder::new(
                &mut frng,
                "企业",
                &format!("{}{year}年{m}月{}", r.city, r.enterprise_title),
                &alias,
                &r.enterprise_spellings,
                &en_cols,
            );
            for e in t.enterprises.iter().filter(|e| e.date <= month_end) {
                let mine = match f {
                    Some(u) => e.unit == u,
                    None => e.repeated_by_bureau,
                };
                if !mine {
                    continue;
                }
                let mut v: BTreeMap<&str, Cell> = BTreeMap::new();
                v.insert("enterprise", Cell::Text(e.name.clone()));
                let code = match frng.below(4) {
                    0 => fullwidth(&e.code),
                    1 => e.code.to_lowercase(),
                    _ => e.code.clone(),
                };
                v.insert("credit_code", Cell::Text(code));
                if f.is_none() || frng.chance(0.7) {
                    v.insert("county", Cell::Text(spelling(&mut frng, &r.units[e.unit])));
                }
                v.insert("park", Cell::Text(e.park.clone()));
                v.insert("in_key_park", bool_cell(&mut frng, e.in_park));
                v.insert("in_incubator", bool_cell(&mut frng, e.in_incubator));
                if !e.tags.is_empty() {
                    let parts: Vec<String> = e
                        .tags
                        .iter()
                        .map(|&i| spelling(&mut frng, &r.tags[i]))
                        .collect();
                    let sep = *frng.pick(&seps);
                    v.insert("tags", Cell::Text(parts.join(sep)));
                }
                v.insert("landed_date", date_cell(&mut frng, e.date));
                sb.push(v, None);
                acc.accepted += 1;
            }
            if m == 2 && (f == Some(1) || f == Some(2)) {
                let u = f.unwrap();
                let mut v: BTreeMap<&str, Cell> = BTreeMap::new();
                v.insert(
                    "enterprise",
                    Cell::Text(format!("{}问题企业有限公司", r.units[u].name)),
                );
                let good = credit_code(&mut frng);
                let (code, county, spoil, rule) = if u == 1 {
                    // Wrong check digit.
                    let last = good.chars().last().unwrap();
                    let wrong = CODE_CHARS.chars().find(|&c| c != last).unwrap();
                    (
                        format!("{}{wrong}", &good[..17]),
                        r.units[u].name.clone(),
                        "credit_code",
                        "invalid_code",
                    )
                } else {
                    (good, "不存在区".to_string(), "county", "unknown_county")
                };
                v.insert("credit_code", Cell::Text(code));
                v.insert("county", Cell::Text(county));
                v.insert("landed_date", Cell::Date(ymd(year, 2, 1), "yyyy-mm-dd"));
                let at = sb.push(v, Some(spoil)).unwrap();
                acc.rejected += 1;
                acc.cells.push((rel.clone(), at, rule.into()));
            }
            let en_grid = sb.finish(None);
            write_xlsx(&[ev_grid, en_grid], &dir.join(&file), year)
                .with_context(|| format!("writing {rel}"))?;
            files += 1;
        }
        periods.insert(period, expected_period(r, &t, month_end, &acc));
    }
    let expected = json!({
        "generator": "registers",
        "year": year,
        "months": months,
        "seed": seed,
        "periods": periods,
    });
    fs_err::write(
        out.join("expected.json"),
        serde_json::to_string_pretty(&expected)? + "\n",
    )?;
    Ok((files, t.enterprises.len()))
}

fn expected_period(r: &RegistersReference, t: &Truth, end: NaiveDate, acc: &MonthAccount) -> J {
    let counts = |keep: &dyn Fn(&Enterprise) -> bool| {
        let list: Vec<&Enterprise> = t
            .enterprises
            .iter()
            .filter(|e| e.date <= end && keep(e))
            .collect();
        let mut county = Map::new();
        for (u, unit) in r.units.iter().enumerate() {
            county.insert(
                unit.name.clone(),
                json!(list.iter().filter(|e| e.unit == u).count() as f64),
            );
        }
        let mut park: BTreeMap<String, f64> = BTreeMap::new();
        for e in &list {
            *park.entry(e.park.clone()).or_default() += 1.0;
        }
        json!({"city": list.len() as f64, "county": county, "park": park})
    };
    let events: Vec<&Event> = t.events.iter().filter(|e| e.date <= end).collect();
    let mut ev_county = Map::new();
    for (u, unit) in r.units.iter().enumerate() {
        ev_county.insert(
            unit.name.clone(),
            json!(events.iter().filter(|e| e.unit == Some(u)).count() as f64),
        );
    }
    let mut metrics = Map::new();
    metrics.insert(
        r.events_metric.clone(),
        json!({"city": events.len() as f64, "county": ev_county}),
    );
    metrics.insert(r.enterprises_metric.clone(), counts(&|_| true));
    metrics.insert(r.in_park_metric.clone(), counts(&|e| e.in_park));
    metrics.insert(r.in_incubator_metric.clone(), counts(&|e| e.in_incubator));
    let cells: Vec<J> = acc
        .cells
        .iter()
        .map(|(f, c, rule)| json!({"file": f, "cell": c, "rule": rule}))
        .collect();
    json!({
        "metrics": metrics,
        "missing_returns": [],
        "rows": {"accepted": acc.accepted, "rejected": acc.rejected},
        "rejected_cells": cells,
    })
}
