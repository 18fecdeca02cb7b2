//! Reads one return file into sheets of cells: calamine for spreadsheets (cached values of
//! formula cells), the csv crate for CSV (encoding decided by evidence, see [`csv`]).
//!
//! Hostile files (issue 9): the size is checked before reading; the first bytes decide what the
//! file is ([`sniff`]); a zip's directory is checked before the library inflates anything
//! ([`ooxml`]), an xls's records before the library builds its grids ([`xls`]); sheets are
//! built from the cells read, never as the rectangle between the extremes ([`grid`]); one sheet
//! that cannot be read is a note and the others are kept.

mod csv;
mod grid;
mod ooxml;
mod sniff;
mod xls;

use super::InputFile;
use crate::error::{Content, FileError, LimitHit, Reason};
use crate::issue::{Rule, Severity};
use calamine::{Data, DataRef};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use sniff::Sniffed;

/// One cell as read, before any interpretation.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A cell formatted as a date (its serial already converted).
    Date(NaiveDate),
    Bool(bool),
    /// An error value such as `#N/A` or `#REF!`.
    Error(String),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as the filer sees it, for messages.
    pub fn display(&self) -> String {
        self.shown().into_owned()
    }

    /// [`Cell::display`], borrowed from a text or error cell rather than copied.
    pub fn shown(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(s) => Cow::Borrowed(s),
            Cell::Number(n) => Cow::Owned(format_number(*n)),
            Cell::Date(d) => Cow::Owned(d.format("%Y-%m-%d").to_string()),
            Cell::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
            Cell::Error(e) => Cow::Borrowed(e),
        }
    }

    /// The cell as the filer sees it when it holds anything (for a message's raw value).
    pub fn raw(&self) -> Option<String> {
        (!self.is_empty()).then(|| self.display())
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Cell::Text(s) => Some(s),
            _ => None,
        }
    }
}

pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// One sheet: a grid whose (0, 0) is the sheet's cell (first_row, first_col), from the first
/// to the last used row. Rows are ragged: each is only as long as its last used cell (an
/// empty row is empty), so a sheet costs its cells, not its rectangle; [`Sheet::get`] is
/// [`Cell::Empty`] past a row's end.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub first_row: u32,
    pub first_col: u32,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    pub fn get(&self, r: usize, c: usize) -> &Cell {
        self.rows
            .get(r)
            .and_then(|row| row.get(c))
            .unwrap_or(&Cell::Empty)
    }

    pub fn width(&self) -> usize {
        self.rows.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// A1 address of grid position (r, c).
    pub fn address(&self, r: usize, c: usize) -> String {
        crate::text::cell_address(self.first_row + r as u32, self.first_col + c as u32)
    }

    /// 1-based spreadsheet row number of grid row r.
    pub fn row_number(&self, r: usize) -> u32 {
        self.first_row + r as u32 + 1
    }
}

#[derive(Debug, Clone)]
pub struct Workbook {
    pub sha256: String,
    pub bytes: u64,
    pub sheets: Vec<Sheet>,
    /// What reading noticed and the filer should hear: a sheet that could not be read (the
    /// others were), bytes that are no text in a CSV, …
    pub notes: Vec<ReadNote>,
}

/// Something reading noticed in one sheet (or about a sheet it could not read), located.
/// `normalise` turns it into an [`crate::issue::Issue`] of that sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadNote {
    pub sheet: String,
    pub severity: crate::issue::Severity,
    pub rule: crate::issue::Rule,
    /// 1-based spreadsheet row.
    pub row: Option<u32>,
    /// A1 address.
    pub cell: Option<String>,
    pub raw: Option<String>,
    /// In Chinese: what happened and what the filer should do.
    pub message: String,
}

/// Reads a return file. Never panics on bad input: every failure is a [`FileError`].
///
/// The file's size is checked before a byte is read; its first bytes then say what it is
/// ([`sniff`]) and which reader opens it, whatever its name ends with (an .et is an xls, an
/// .xls may be an xlsx); a file that is no workbook is refused with what it is.
pub fn read_file(file: &InputFile, limits: &super::ReadLimits) -> Result<Workbook, FileError> {
    let path = &file.path;
    let io = |source| FileError::Io {
        path: path.clone(),
        source,
    };
    let size = fs_err::metadata(path).map_err(io)?.len();
    let too_big = |actual_bytes: u64| FileError::Limit {
        path: path.clone(),
        hit: LimitHit::FileSize {
            max_mb: limits.max_file_mb,
            actual_bytes,
        },
    };
    if size > limits.max_file_bytes() {
        return Err(too_big(size));
    }
    let bytes = fs_err::read(path).map_err(io)?;
    // It may have grown since it was measured.
    if bytes.len() as u64 > limits.max_file_bytes() {
        return Err(too_big(bytes.len() as u64));
    }
    if bytes.is_empty() {
        return Err(FileError::Empty { path: path.clone() });
    }
    let sha256 = crate::pipeline::hex_digest(&Sha256::digest(&bytes));
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let mut notes = Vec::new();
    let content = |content| FileError::Content {
        path: path.clone(),
        content,
    };
    let sheets = match sniff::sniff(&bytes) {
        Sniffed::Content(c) => return Err(content(c)),
        Sniffed::Xlsx => ooxml::read(file, &bytes, ooxml::Kind::Xlsx, limits, &mut notes)?,
        Sniffed::Xlsb => ooxml::read(file, &bytes, ooxml::Kind::Xlsb, limits, &mut notes)?,
        Sniffed::Ods => ooxml::read(file, &bytes, ooxml::Kind::Ods, limits, &mut notes)?,
        Sniffed::Xls => xls::read(file, &bytes, limits, &mut notes)?,
        Sniffed::Text if ext == "csv" => {
            vec![csv::read(file, &bytes, limits.max_cells, &mut notes)?]
        }
        // A text file under a workbook's name (a TSV saved as .xls) is told as such.
        Sniffed::Text => return Err(content(Content::Text)),
        Sniffed::Unknown => by_extension(file, &ext, &bytes, limits, &mut notes)?,
    };
    Ok(Workbook {
        sha256,
        bytes: bytes.len() as u64,
        sheets,
        notes,
    })
}

/// Bytes nothing recognised (a zip or OLE file whose directory cannot be read, or junk): the
/// reader the name asks for tries, and its error says why it failed.
fn by_extension(
    file: &InputFile,
    ext: &str,
    bytes: &[u8],
    limits: &super::ReadLimits,
    notes: &mut Vec<ReadNote>,
) -> Result<Vec<Sheet>, FileError> {
    match ext {
        "csv" => Err(FileError::Spreadsheet {
            path: file.path.clone(),
            source: calamine::Error::Msg("the file is neither text nor a known workbook"),
        }),
        "xls" | "xlt" | "et" | "ett" => xls::read(file, bytes, limits, notes),
        "xlsb" => ooxml::read(file, bytes, ooxml::Kind::Xlsb, limits, notes),
        "ods" => ooxml::read(file, bytes, ooxml::Kind::Ods, limits, notes),
        _ => ooxml::read(file, bytes, ooxml::Kind::Xlsx, limits, notes),
    }
}

/// Why one sheet of a workbook was not read (the others were).
#[derive(Debug)]
enum Failure {
    /// The library could not read it.
    Error(calamine::Error),
    /// It would hold more cells than `max_cells`.
    Limit(LimitHit),
    /// It holds no cells by design (a chart, a dialog): what it is, in Chinese.
    NoCells(&'static str),
    /// It holds cells that are no data (an Excel 4.0 macro sheet): what it is, in Chinese.
    NotData(&'static str),
}

/// The sheets of one workbook as they are read, and a note for each one that was not.
#[derive(Default)]
struct SheetsRead {
    sheets: Vec<Sheet>,
    failed: Vec<(String, Failure)>,
}

impl SheetsRead {
    fn ok(&mut self, s: Sheet) {
        self.sheets.push(s);
    }

    fn failed(&mut self, name: &str, why: Failure, notes: &mut Vec<ReadNote>) {
        let (severity, message) = match &why {
            Failure::Error(_) => (
                Severity::Warning,
                format!("工作表“{name}”无法读取（内容已损坏或格式异常），本表未读取，其他工作表照常读取；如该表是报表，请用Excel或WPS打开后另存为.xlsx格式重新报送"),
            ),
            Failure::Limit(hit) => (
                Severity::Warning,
                format!("{}（其他工作表照常读取）", Reason::Limit(hit.clone()).zh()),
            ),
            Failure::NoCells(what) => (
                Severity::Info,
                format!("工作表“{name}”是{what}，没有单元格，未读取"),
            ),
            Failure::NotData(what) => (
                Severity::Warning,
                format!("工作表“{name}”是{what}，不是数据表，未读取；如报表填在该表中，请把数据复制到普通工作表后重新报送"),
            ),
        };
        notes.push(ReadNote {
            sheet: name.to_string(),
            severity,
            rule: Rule::UnreadableSheet,
            row: None,
            cell: None,
            raw: None,
            message,
        });
        self.failed.push((name.to_string(), why));
    }

    /// The sheets read; a file error when every sheet failed.
    fn finish(self, path: &std::path::Path) -> Result<Vec<Sheet>, FileError> {
        if !self.sheets.is_empty() {
            return Ok(self.sheets);
        }
        let Some((sheet, why)) = self.failed.into_iter().next() else {
            return Ok(Vec::new());
        };
        Err(match why {
            Failure::Error(source) => FileError::Sheet {
                path: path.to_path_buf(),
                sheet,
                source,
            },
            Failure::Limit(hit) => FileError::Limit {
                path: path.to_path_buf(),
                hit,
            },
            Failure::NoCells(_) => FileError::Sheet {
                path: path.to_path_buf(),
                sheet,
                source: calamine::Error::Msg(
                    "the workbook holds only sheets without cells (charts)",
                ),
            },
            Failure::NotData(_) => FileError::Sheet {
                path: path.to_path_buf(),
                sheet,
                source: calamine::Error::Msg("the workbook holds only macro sheets"),
            },
        })
    }
}

/// A sheet the library lists that is no worksheet, as a failure (None for a worksheet).
fn not_a_worksheet(typ: calamine::SheetType) -> Option<Failure> {
    match typ {
        calamine::SheetType::WorkSheet => None,
        calamine::SheetType::ChartSheet => Some(Failure::NoCells("图表")),
        calamine::SheetType::DialogSheet => Some(Failure::NoCells("对话框表（Excel 5.0）")),
        calamine::SheetType::Vba => Some(Failure::NoCells("VBA模块")),
        calamine::SheetType::MacroSheet => Some(Failure::NotData("Excel 4.0宏表")),
    }
}

/// The serials a date cell may hold: 1900-01-01 (1) to 9999-12-31 (2958465). Outside them the
/// date library would panic (-1e12) or the date means nothing; the cell is then its number,
/// which the date rules reject with its location.
fn date_cell(dt: &calamine::ExcelDateTime) -> Cell {
    let serial = dt.as_f64();
    if dt.is_datetime() && (1.0..2_958_466.0).contains(&serial) {
        match dt.as_datetime() {
            Some(t) => Cell::Date(t.date()),
            None => Cell::Number(serial),
        }
    } else {
        Cell::Number(serial)
    }
}

fn iso_date_cell(s: &str) -> Cell {
    match chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .map(|t| t.date())
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
    {
        Ok(d) => Cell::Date(d),
        Err(_) => Cell::Text(s.to_string()),
    }
}

fn convert(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => text_cell(s),
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => date_cell(dt),
        Data::DateTimeIso(s) => iso_date_cell(s),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

fn convert_ref(d: &DataRef<'_>) -> Cell {
    match d {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => text_cell(s),
        DataRef::SharedString(s) => text_cell(s),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => date_cell(dt),
        DataRef::DateTimeIso(s) => iso_date_cell(s),
        DataRef::DurationIso(s) => Cell::Text(s.clone()),
        DataRef::Error(e) => Cell::Error(e.to_string()),
    }
}

/// The characters whose NFKC holds a `#`: `#`, `﹟` (small) and `＃` (full width).
const NUMBER_SIGNS: [char; 3] = ['#', '\u{FE5F}', '\u{FF03}'];

/// Text that spells an error value (`#N/A` typed or pasted as text) is an error cell too.
fn text_cell(s: &str) -> Cell {
    // Every error spelling holds a `#`, and only these characters have a `#` in their NFKC
    // (checked over every character by a unit test): a text without any is no error, and is
    // not compacted (most cells).
    if !s.contains(NUMBER_SIGNS) {
        return if s.trim().is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.to_string())
        };
    }
    let t = crate::text::compact(s);
    const ERRORS: [&str; 8] = [
        "#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#DATA!",
    ];
    if ERRORS.iter().any(|e| t.eq_ignore_ascii_case(e)) {
        Cell::Error(t.to_uppercase())
    } else if s.trim().is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_number_signs_have_a_number_sign_in_their_nfkc_so_only_they_can_spell_an_error() {
        let with_sign: Vec<char> = (0..=0x10FFFF_u32)
            .filter_map(char::from_u32)
            .filter(|c| crate::text::compact(&c.to_string()).contains('#'))
            .collect();
        assert_eq!(with_sign, NUMBER_SIGNS);
        assert_eq!(text_cell("＃N/A"), Cell::Error("#N/A".into()));
        assert_eq!(text_cell(" #ref! "), Cell::Error("#REF!".into()));
        assert_eq!(text_cell("约3亿"), Cell::Text("约3亿".into()));
        assert_eq!(text_cell("\u{3000} "), Cell::Empty);
        assert_eq!(text_cell("#1号地块"), Cell::Text("#1号地块".into()));
    }

    #[test]
    fn a_date_cell_outside_1900_to_9999_is_its_number_and_never_panics() {
        use calamine::{ExcelDateTime, ExcelDateTimeType::DateTime};
        for serial in [
            -1e12,
            -1.0,
            0.5,
            2_958_466.0,
            1e300,
            f64::NAN,
            f64::INFINITY,
        ] {
            let cell = date_cell(&ExcelDateTime::new(serial, DateTime, false));
            match cell {
                Cell::Number(n) => assert!(n.is_nan() && serial.is_nan() || n == serial),
                other => panic!("{serial}: {other:?}"),
            }
        }
        let d = date_cell(&ExcelDateTime::new(45720.0, DateTime, false));
        assert_eq!(d, Cell::Date(NaiveDate::from_ymd_opt(2025, 3, 4).unwrap()));
        let last = date_cell(&ExcelDateTime::new(2_958_465.0, DateTime, false));
        assert_eq!(
            last,
            Cell::Date(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap())
        );
    }

    #[test]
    fn error_text_is_an_error_cell() {
        assert_eq!(text_cell(" #N/A"), Cell::Error("#N/A".into()));
        assert_eq!(text_cell("＃ＲＥＦ！"), Cell::Error("#REF!".into()));
        assert_eq!(text_cell("正常"), Cell::Text("正常".into()));
    }
}
