//! A sheet as a grid of typed cells, written either as an xlsx workbook (rust_xlsxwriter) or as
//! a CSV file. Laying a return out on a grid first makes every cell address known exactly.

use super::quirks::{date_text, fmt_num};
use anyhow::{Context, Result};
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Formula, Workbook};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    /// A number in General format.
    Num(f64),
    /// A number with a number format (e.g. `0.00`, `#,##0`).
    NumFmt(f64, &'static str),
    /// An Excel date cell with a date format.
    Date(NaiveDate, &'static str),
    /// A formula and its cached result (a number, or an error such as `#N/A`).
    Formula(String, String),
}

impl Cell {
    /// What the cell shows, as written into a CSV file.
    pub(crate) fn shown(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Num(x) | Cell::NumFmt(x, _) => fmt_num(*x),
            Cell::Date(d, _) => date_text(3, *d),
            Cell::Formula(_, cached) => cached.clone(),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Grid {
    pub name: String,
    pub cells: BTreeMap<(u32, u16), Cell>,
    /// (first_row, first_col, last_row, last_col), 0-based; the text is the top-left cell's.
    pub merges: Vec<(u32, u16, u32, u16)>,
}

impl Grid {
    pub(crate) fn new(name: &str) -> Grid {
        Grid {
            name: name.to_string(),
            ..Grid::default()
        }
    }
    pub(crate) fn set(&mut self, r: u32, c: u16, cell: Cell) {
        self.cells.insert((r, c), cell);
    }
    pub(crate) fn text(&mut self, r: u32, c: u16, s: &str) {
        if !s.is_empty() {
            self.set(r, c, Cell::Text(s.to_string()));
        }
    }
    pub(crate) fn merge(&mut self, r0: u32, c0: u16, r1: u32, c1: u16) {
        if (r0, c0) != (r1, c1) {
            self.merges.push((r0, c0, r1, c1));
        }
    }
    pub(crate) fn max_row(&self) -> u32 {
        self.cells.keys().map(|k| k.0).max().unwrap_or(0)
    }
    pub(crate) fn max_col(&self) -> u16 {
        self.cells.keys().map(|k| k.1).max().unwrap_or(0)
    }
}

/// A row the reader must skip (blank, section, 合计, footer), as expected.json lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SkippedLine {
    /// 0-based grid row.
    pub row: u32,
    /// `blank`, `section`, `total` or `footer`.
    pub reason: &'static str,
    /// The row's first text, empty for a blank row.
    pub text: String,
}

/// The rows from `first` to the sheet's last row that are not data rows: the reason recorded
/// for each when it was written, `blank` for a row with no cell.
pub(crate) fn skipped_lines(
    g: &Grid,
    first: u32,
    data: &BTreeSet<u32>,
    reasons: &BTreeMap<u32, &'static str>,
) -> Vec<SkippedLine> {
    let mut out = Vec::new();
    if g.cells.is_empty() {
        return out;
    }
    for r in first..=g.max_row() {
        if data.contains(&r) {
            continue;
        }
        // The first text (a label), else the first value shown.
        let cells = || g.cells.range((r, 0)..=(r, u16::MAX)).map(|(_, c)| c);
        let text = cells()
            .find_map(|c| match c {
                Cell::Text(t) if !t.trim().is_empty() => Some(t.clone()),
                _ => None,
            })
            .or_else(|| cells().map(Cell::shown).find(|t| !t.trim().is_empty()))
            .unwrap_or_default();
        let reason = match reasons.get(&r) {
            Some(x) => x,
            None if text.is_empty() => "blank",
            None => "unknown",
        };
        out.push(SkippedLine {
            row: r,
            reason,
            text,
        });
    }
    out
}

/// Column letters: 0 -> A, 25 -> Z, 26 -> AA.
pub(crate) fn col_name(c: u16) -> String {
    let mut n = u32::from(c) + 1;
    let mut s = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        s.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    s.iter().rev().collect()
}

/// A1-style address of a 0-based (row, col), as Excel shows it.
pub(crate) fn addr(r: u32, c: u16) -> String {
    format!("{}{}", col_name(c), r + 1)
}

fn xdate(d: NaiveDate) -> Result<ExcelDateTime> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
        .map_err(|e| anyhow::anyhow!("date {d}: {e}"))
}

/// Write sheets into one xlsx workbook. The document's creation time is fixed (1 January of
/// `year`) so that the bytes depend on the content only.
pub(crate) fn write_xlsx(sheets: &[Grid], path: &Path, year: i32) -> Result<()> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(year.clamp(1900, 9999) as u16, 1, 1)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let merged_fmt = Format::new()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    for g in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&g.name)?;
        let mut skip = BTreeSet::new();
        for &(r0, c0, r1, c1) in &g.merges {
            let text = g.cells.get(&(r0, c0)).map(Cell::shown).unwrap_or_default();
            ws.merge_range(r0, c0, r1, c1, &text, &merged_fmt)?;
            skip.insert((r0, c0));
        }
        for (&(r, c), cell) in &g.cells {
            if skip.contains(&(r, c)) {
                continue;
            }
            match cell {
                Cell::Text(s) => {
                    ws.write_string(r, c, s)?;
                }
                Cell::Num(x) => {
                    ws.write_number(r, c, *x)?;
                }
                Cell::NumFmt(x, f) => {
                    ws.write_number_with_format(r, c, *x, &Format::new().set_num_format(*f))?;
                }
                Cell::Date(d, f) => {
                    ws.write_datetime_with_format(
                        r,
                        c,
                        xdate(*d)?,
                        &Format::new().set_num_format(*f),
                    )?;
                }
                Cell::Formula(f, cached) => {
                    ws.write_formula(r, c, Formula::new(f).set_result(cached))?;
                }
            }
        }
        for c in 0..=g.max_col() {
            ws.set_column_width(c, 14)?;
        }
    }
    wb.save(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Write one grid as CSV, every row padded to the same width, as spreadsheet programs export
/// it: UTF-8 with a BOM when `bom`, else GBK (what Excel's "CSV" writes on Chinese Windows).
/// Formulas are written as their cached values.
pub(crate) fn write_csv(g: &Grid, path: &Path, bom: bool) -> Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    if bom {
        buf.extend_from_slice("\u{feff}".as_bytes());
    }
    {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut buf);
        let width = usize::from(g.max_col()) + 1;
        for r in 0..=g.max_row() {
            let row: Vec<String> = (0..width)
                .map(|c| {
                    g.cells
                        .get(&(r, c as u16))
                        .map(Cell::shown)
                        .unwrap_or_default()
                })
                .collect();
            w.write_record(&row)?;
        }
        w.flush()?;
    }
    if !bom {
        let text = String::from_utf8(buf)?;
        let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
        anyhow::ensure!(
            !unmappable,
            "text of {} has characters GBK cannot hold",
            path.display()
        );
        buf = gbk.into_owned();
    }
    fs_err::write(path, buf)?;
    Ok(())
}

/// Reads back what [`write_csv`] wrote: UTF-8 with a BOM, else GBK.
#[cfg(test)]
pub(crate) fn decode_csv(bytes: &[u8]) -> String {
    match bytes.strip_prefix("\u{feff}".as_bytes()) {
        Some(rest) => String::from_utf8(rest.to_vec()).expect("UTF-8 after a BOM"),
        None => encoding_rs::GBK.decode(bytes).0.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(col_name(0), "A");
        assert_eq!(col_name(25), "Z");
        assert_eq!(col_name(26), "AA");
        assert_eq!(addr(13, 6), "G14");
    }
}
