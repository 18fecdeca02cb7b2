//! Lay a ledger's rows out on a grid with the file's quirks, tracking every data row's address.

use super::grid::{addr, skipped_lines, Cell, Grid, SkippedLine};
use super::ledger::{
    AmountVal, Col, CountyVal, DateStyle, DateVal, Row, Rule, Style, Unit, AMOUNT_KEY, DATE_KEYS,
};
use super::quirks::{
    date_text, excel_serial, fmt_num, fullwidth, month_text, person, phone, round_to, thousands,
};
use super::rng::Rng;
use super::SynthReference;
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};

/// A laid-out return: its sheets, how many data rows are valid, the bad rows' cells, the rows
/// a reader must skip, and (clerk style) where each clerk habit was written.
pub(crate) struct Rendered {
    pub sheets: Vec<Grid>,
    pub accepted: usize,
    pub rejected: Vec<(String, Rule)>,
    pub skipped: Vec<SkippedLine>,
    pub cases: Vec<super::clerk::Case>,
}

pub(crate) const NOTE_SHEET: &str = "填表说明";
pub(crate) const NOTE_TEXT: &str =
    "填表说明：1.金额单位以表头为准；2.日期按实际填写；3.本表为年度累计台账。";

fn pick_name(rng: &mut Rng, name: &str, aliases: &[String]) -> String {
    let k = rng.below(aliases.len() + 1);
    if k == 0 {
        name.to_string()
    } else {
        aliases[k - 1].clone()
    }
}

/// The amount cell of a value in 亿元, in the file's unit convention.
pub(crate) fn amount_cell(rng: &mut Rng, unit: Unit, yi: f64) -> Cell {
    let wan = round_to(yi * 10_000.0, 2);
    let split = |rng: &mut Rng, v: f64, dec: i32| {
        let f = 10f64.powi(dec);
        let units = (v * f).round() as i64;
        let a = if units > 1 {
            rng.range(1, units - 1)
        } else {
            units
        };
        let b = units - a;
        let (fa, fb) = (a as f64 / f, b as f64 / f);
        Cell::Formula(format!("={}+{}", fmt_num(fa), fmt_num(fb)), fmt_num(v))
    };
    match unit {
        Unit::HeaderYi | Unit::NoteYi => match rng.below(12) {
            0..=6 => Cell::Num(yi),
            7 => Cell::NumFmt(yi, "0.00"),
            8 => Cell::Formula(format!("={}", fmt_num(yi)), fmt_num(yi)),
            9 => split(rng, yi, 2),
            10 => Cell::Text(fullwidth(&fmt_num(yi))),
            _ => Cell::Text(format!("{}万元", fmt_num(wan))),
        },
        Unit::HeaderWan | Unit::NoteWan => match rng.below(12) {
            0..=5 => Cell::Num(wan),
            6 => Cell::NumFmt(wan, "#,##0"),
            7 => Cell::Text(thousands(wan)),
            8 => split(rng, wan, 0),
            9 => Cell::Text(fullwidth(&fmt_num(wan))),
            10 => Cell::Text(thousands(wan)),
            _ => Cell::Text(format!("{}亿元", fmt_num(yi))),
        },
        Unit::PerValue => {
            let s = match rng.below(5) {
                0 => format!("{}亿", fmt_num(yi)),
                1 => format!("{}亿元", fmt_num(yi)),
                2 => format!("{}万元", fmt_num(wan)),
                3 => format!("{}万元", thousands(wan)),
                _ => format!("{}万", fmt_num(wan)),
            };
            Cell::Text(if rng.chance(0.2) { fullwidth(&s) } else { s })
        }
    }
}

pub(crate) fn date_cell(rng: &mut Rng, style: DateStyle, d: NaiveDate) -> Cell {
    if d.day() == 1 && rng.chance(0.4) {
        return Cell::Text(month_text(d));
    }
    let style = if rng.chance(0.08) {
        match style {
            DateStyle::Text(_) => DateStyle::Text(rng.below(4)),
            other => other,
        }
    } else {
        style
    };
    match style {
        DateStyle::Cell(f) => Cell::Date(d, f),
        DateStyle::Serial => Cell::Num(excel_serial(d)),
        DateStyle::Text(k) => Cell::Text(date_text(k, d)),
    }
}

enum Line {
    Data(usize),
    Blank,
    Subtotal,
    /// A section row of the clerk style (`（一）制造业项目`).
    Section(String),
}

/// The amount of a valid row in the column's unit (for 合计/小计 rows).
fn col_amount(unit: Unit, row: &Row) -> f64 {
    match (&row.amount, unit) {
        (AmountVal::Yi(y), Unit::HeaderWan | Unit::NoteWan) => y * 10_000.0,
        (AmountVal::Yi(y), _) => *y,
        _ => 0.0,
    }
}

fn total_cell(st: &Style, first: u32, last: u32, col: u16, sum: f64) -> Cell {
    let sum = round_to(sum, 4);
    match st.unit {
        Unit::PerValue => Cell::Text(format!("{}亿", fmt_num(sum))),
        _ if st.csv || last < first => Cell::Num(sum),
        _ => Cell::Formula(
            format!("=SUM({}:{})", addr(first, col), addr(last, col)),
            fmt_num(sum),
        ),
    }
}

fn data_cell(
    rng: &mut Rng,
    r: &SynthReference,
    st: &Style,
    col: &Col,
    row: &Row,
    seq: usize,
) -> Option<Cell> {
    data_cell_plain(rng, r, st, col, row, seq)
}

pub(crate) fn data_cell_plain(
    rng: &mut Rng,
    r: &SynthReference,
    st: &Style,
    col: &Col,
    row: &Row,
    seq: usize,
) -> Option<Cell> {
    let text = |s: String| {
        if s.is_empty() {
            None
        } else {
            Some(Cell::Text(s))
        }
    };
    match col {
        Col::Seq => Some(Cell::Num(seq as f64)),
        Col::Remark => text(if rng.chance(0.15) {
            rng.pick(&["省重点项目", "已供地", "续建", "市重点"])
                .to_string()
        } else {
            String::new()
        }),
        Col::Extra(e) => text(if *e == "项目地址" {
            let c = match row.county {
                CountyVal::Known(c) => c,
                CountyVal::Unknown(_) => 0,
            };
            format!(
                "{}{}",
                r.counties[c].name,
                rng.pick(&["产业园", "工业园区", "科技园"])
            )
        } else {
            person(rng)
        }),
        Col::Key(k) => match *k {
            "project_id" => row.id.as_ref().and_then(|id| {
                text(if st.fullwidth_ids {
                    fullwidth(id)
                } else {
                    id.clone()
                })
            }),
            "project_name" => text(if rng.chance(0.05) {
                format!("{} ", row.name)
            } else {
                row.name.clone()
            }),
            "investor" => text(if rng.chance(0.1) {
                format!("{} ", row.investor)
            } else {
                row.investor.clone()
            }),
            "county" => text(match &row.county {
                CountyVal::Known(c) => {
                    pick_name(rng, &r.counties[*c].name, &r.counties[*c].aliases)
                }
                CountyVal::Unknown(s) => s.clone(),
            }),
            "chain" => text(match row.chain {
                Some(ch) => {
                    let k = &r.chains[ch];
                    if rng.chance(0.35) && !k.aliases.is_empty() {
                        rng.pick(&k.aliases).clone()
                    } else {
                        k.name.clone()
                    }
                }
                None => {
                    let mut opts: Vec<String> = r.non_key_chain_words.clone();
                    opts.push(String::new());
                    rng.pick(&opts).clone()
                }
            }),
            "sector" => text(r.sectors[row.sector].clone()),
            AMOUNT_KEY => match &row.amount {
                AmountVal::Yi(y) => Some(amount_cell(rng, st.unit, *y)),
                AmountVal::Text(s) => text(s.clone()),
                AmountVal::Error => Some(Cell::Formula("=NA()".to_string(), "#N/A".to_string())),
            },
            "stage" => {
                if rng.chance(0.1) {
                    None
                } else {
                    let s = &r.stages[row.stage];
                    text(pick_name(rng, &s.name, &s.aliases))
                }
            }
            "land_mu" => row.land_mu.map(Cell::Num),
            "expected_tax_wan" => row.tax_wan.map(Cell::Num),
            "expected_output_wan" => row.output_wan.map(Cell::Num),
            "origin" => text(row.origin.to_string()),
            "channel" => text(row.channel.to_string()),
            k => {
                let i = DATE_KEYS.iter().position(|d| *d == k)?;
                match &row.dates[i] {
                    DateVal::Blank => None,
                    DateVal::Day(d) => Some(date_cell(rng, st.date_style, *d)),
                    DateVal::Text(s) => text(s.clone()),
                }
            }
        },
    }
}

/// Lay the rows out. The caller has put them in the order the file lists them.
pub(crate) fn render(rng: &mut Rng, r: &SynthReference, st: &Style, rows: &[Row]) -> Rendered {
    let mut g = Grid::new(&st.sheet);
    let ncols = st.cols.len() as u16;
    let mut row: u32 = 0;
    if st.annex_row {
        g.text(row, 0, "附件1");
        row += 1;
    }
    g.text(row, 0, &st.title);
    g.merge(row, 0, row, ncols - 1);
    row += 1;
    if st.blank_after_title {
        row += 1;
    }
    g.text(row, 0, &format!("填报单位：{}", st.filer_text));
    if let Some(d) = &st.filer_date {
        g.text(row, (ncols / 3).max(3), d);
    }
    row += 1;
    if st.blank_before_header {
        row += 1;
    }
    let note = match &st.clerk {
        Some(c) => c.unit_note(st.unit),
        None => match st.unit {
            Unit::NoteWan => Some("单位：万元".to_string()),
            Unit::NoteYi => Some("单位：亿元".to_string()),
            _ => None,
        },
    };
    if let Some(u) = note {
        g.text(row, if st.note_right { ncols - 1 } else { 0 }, &u);
        row += 1;
    }
    // Header: one row, or two with group titles over the dates and the efficiency columns.
    let money_group = st.clerk.as_ref().and_then(|c| c.money_group());
    let group = |c: &Col| -> Option<&str> {
        if let (Some(gname), Col::Key(k)) = (money_group, c) {
            if super::clerk::MONEY_GROUP_KEYS.contains(k) {
                return Some(gname);
            }
        }
        match c {
            Col::Key(k) if DATE_KEYS.contains(k) => Some("项目进度时间节点"),
            Col::Key("land_mu" | "expected_tax_wan" | "expected_output_wan") => Some("用地及效益"),
            _ => None,
        }
    };
    if st.two_row {
        let mut i = 0usize;
        while i < st.cols.len() {
            let gname = group(&st.cols[i]);
            let mut j = i + 1;
            while gname.is_some() && j < st.cols.len() && group(&st.cols[j]) == gname {
                j += 1;
            }
            if gname.is_some() && j - i >= 2 {
                g.text(row, i as u16, gname.unwrap_or_default());
                g.merge(row, i as u16, row, (j - 1) as u16);
                for k in i..j {
                    g.text(row + 1, k as u16, &st.headers[k]);
                }
            } else {
                for k in i..j {
                    g.text(row, k as u16, &st.headers[k]);
                    g.merge(row, k as u16, row + 1, k as u16);
                }
            }
            i = j;
        }
        row += 2;
    } else {
        for (k, h) in st.headers.iter().enumerate() {
            g.text(row, k as u16, h);
        }
        row += 1;
    }

    // Data lines: rows (old ones first when there are 小计 rows), a blank row in the middle.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let both = rows.iter().any(|x| x.new_this_month) && rows.iter().any(|x| !x.new_this_month);
    let mut lines: Vec<Line> = Vec::new();
    if let Some(sections) = st.clerk.as_ref().and_then(|c| c.sections(rng, r, rows)) {
        for (label, members) in sections {
            lines.push(Line::Section(label));
            lines.extend(members.into_iter().map(Line::Data));
        }
    } else if st.subtotals && both {
        order.sort_by_key(|i| rows[*i].new_this_month);
        for new in [false, true] {
            lines.extend(
                order
                    .iter()
                    .filter(|i| rows[**i].new_this_month == new)
                    .map(|i| Line::Data(*i)),
            );
            lines.push(Line::Subtotal);
        }
    } else {
        lines.extend(order.iter().map(|i| Line::Data(*i)));
    }
    if st.blank_mid && lines.len() >= 2 {
        let at = 1 + rng.below(lines.len() - 1);
        lines.insert(at, Line::Blank);
    }
    // 合计/小计 labels go where people write them: the 序号 column, else the project name's.
    let label_col = match st.cols.iter().position(|c| *c == Col::Seq) {
        Some(i) => i as u16,
        None => st.col_of("project_name").unwrap_or(0),
    };
    let acol = st.col_of(AMOUNT_KEY).unwrap_or(0);
    let mfg = r.sectors.iter().position(|s| *s == r.manufacturing_sector);
    let (first_data, mut last_data) = (row, row);
    let (mut accepted, mut rejected) = (0usize, Vec::new());
    let (mut sum, mut sum_mfg) = (0.0, 0.0);
    let (mut sub, mut sub_first) = (0.0, row);
    let mut seq = 0usize;
    let mut data_rows: BTreeSet<u32> = BTreeSet::new();
    let mut reasons: BTreeMap<u32, &'static str> = BTreeMap::new();
    let mut cases: Vec<super::clerk::Case> = Vec::new();
    for line in &lines {
        match line {
            Line::Blank => {}
            Line::Section(label) => {
                g.text(row, label_col, label);
                reasons.insert(row, "section");
            }
            Line::Subtotal => {
                reasons.insert(row, "total");
                g.text(row, label_col, "小计");
                g.set(
                    row,
                    acol,
                    total_cell(st, sub_first, row.saturating_sub(1), acol, sub),
                );
                sub = 0.0;
                sub_first = row + 1;
            }
            Line::Data(i) => {
                let x = &rows[*i];
                seq += 1;
                data_rows.insert(row);
                for (c, col) in st.cols.iter().enumerate() {
                    let cell = match &st.clerk {
                        Some(k) => {
                            let (cell, class) = k.data_cell(rng, r, st, col, x, seq);
                            if let Some(class) = class {
                                cases.push(super::clerk::Case::cell(class, addr(row, c as u16)));
                            }
                            cell
                        }
                        None => data_cell(rng, r, st, col, x, seq),
                    };
                    if let Some(cell) = cell {
                        g.set(row, c as u16, cell);
                    }
                }
                match x.bad {
                    Some(rule) => {
                        let c = st.col_of(rule.column()).unwrap_or(0);
                        rejected.push((addr(row, c), rule));
                    }
                    None => {
                        accepted += 1;
                        let v = col_amount(st.unit, x);
                        sum += v;
                        sub += v;
                        if Some(x.sector) == mfg {
                            sum_mfg += v;
                        }
                    }
                }
                last_data = row;
            }
        }
        row += 1;
    }
    if let Some(label) = st.total_label {
        reasons.insert(row, "total");
        g.text(row, label_col, label);
        g.set(row, acol, total_cell(st, first_data, last_data, acol, sum));
        row += 1;
        if st.mfg_row {
            reasons.insert(row, "total");
            g.text(row, label_col, &format!("其中：{}", r.manufacturing_sector));
            let cell = match st.unit {
                Unit::PerValue => Cell::Text(format!("{}亿", fmt_num(round_to(sum_mfg, 4)))),
                _ => Cell::Num(round_to(sum_mfg, 4)),
            };
            g.set(row, acol, cell);
            row += 1;
        }
    }
    if st.footer {
        row += 1;
        reasons.insert(row, "footer");
        g.text(row, 0, &format!("填报人：{}", person(rng)));
        g.text(row, 2.min(ncols - 1), &format!("审核人：{}", person(rng)));
        g.text(row, 4.min(ncols - 1), &format!("联系电话：{}", phone(rng)));
        row += 1;
        if st.footer_note {
            reasons.insert(row, "footer");
            g.text(
                row,
                0,
                "说明：本表为年度累计台账，金额单位以表头为准，项目进度以最新节点为准。",
            );
        }
    }
    let skipped = skipped_lines(&g, first_data, &data_rows, &reasons);
    let mut sheets = vec![g];
    if st.second_sheet {
        let mut n = Grid::new(NOTE_SHEET);
        n.text(0, 0, NOTE_TEXT);
        sheets.push(n);
    }
    Rendered {
        sheets,
        accepted,
        rejected,
        skipped,
        cases,
    }
}
