//! Reads one return file into sheets of cells: calamine for spreadsheets (cached values of
//! formula cells), the csv crate for CSV (UTF-8, with or without BOM, or GBK).

use super::InputFile;
use crate::error::FileError;
use calamine::{Data, Reader};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use std::io::Cursor;

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
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => format_number(*n),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Bool(b) => {
                if *b {
                    "TRUE".into()
                } else {
                    "FALSE".into()
                }
            }
            Cell::Error(e) => e.clone(),
        }
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

/// One sheet: a dense grid whose (0, 0) is the sheet's cell (first_row, first_col).
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
pub fn read_file(file: &InputFile, limits: &super::ReadLimits) -> Result<Workbook, FileError> {
    let _ = limits;
    let bytes = fs_err::read(&file.path).map_err(|source| FileError::Io {
        path: file.path.clone(),
        source,
    })?;
    if bytes.is_empty() {
        return Err(FileError::Empty {
            path: file.path.clone(),
        });
    }
    let sha256 = crate::pipeline::hex_digest(&Sha256::digest(&bytes));
    let ext = file
        .path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let sheets = if ext == "csv" {
        vec![read_csv(file, &bytes)?]
    } else {
        read_spreadsheet(file, &ext, &bytes)?
    };
    Ok(Workbook {
        sha256,
        bytes: bytes.len() as u64,
        sheets,
        notes: Vec::new(),
    })
}

fn read_spreadsheet(file: &InputFile, ext: &str, bytes: &[u8]) -> Result<Vec<Sheet>, FileError> {
    let cursor = Cursor::new(bytes);
    let opened = match ext {
        "xlsx" | "xlsm" => calamine::open_workbook_from_rs::<calamine::Xlsx<_>, _>(cursor.clone())
            .map(calamine::Sheets::Xlsx)
            .map_err(calamine::Error::Xlsx),
        "xls" => calamine::open_workbook_from_rs::<calamine::Xls<_>, _>(cursor.clone())
            .map(calamine::Sheets::Xls)
            .map_err(calamine::Error::Xls),
        "xlsb" => calamine::open_workbook_from_rs::<calamine::Xlsb<_>, _>(cursor.clone())
            .map(calamine::Sheets::Xlsb)
            .map_err(calamine::Error::Xlsb),
        _ => calamine::open_workbook_from_rs::<calamine::Ods<_>, _>(cursor.clone())
            .map(calamine::Sheets::Ods)
            .map_err(calamine::Error::Ods),
    };
    // A file saved with the wrong ending (an .xls that is really xlsx) is opened by its content.
    let mut wb = match opened {
        Ok(wb) => wb,
        Err(first) => {
            calamine::open_workbook_auto_from_rs(cursor).map_err(|_| FileError::Spreadsheet {
                path: file.path.clone(),
                source: first,
            })?
        }
    };
    let mut sheets = Vec::new();
    for name in wb.sheet_names() {
        let range = wb
            .worksheet_range(&name)
            .map_err(|source| FileError::Sheet {
                path: file.path.clone(),
                sheet: name.clone(),
                source,
            })?;
        let (first_row, first_col) = range.start().unwrap_or((0, 0));
        let rows = range
            .rows()
            .map(|r| r.iter().map(convert).collect())
            .collect();
        sheets.push(Sheet {
            name,
            first_row,
            first_col,
            rows,
        });
    }
    Ok(sheets)
}

fn convert(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) => text_cell(s),
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => {
            if dt.is_datetime() {
                match dt.as_datetime() {
                    Some(t) => Cell::Date(t.date()),
                    None => Cell::Number(dt.as_f64()),
                }
            } else {
                Cell::Number(dt.as_f64())
            }
        }
        Data::DateTimeIso(s) => match chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
            .map(|t| t.date())
            .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        {
            Ok(d) => Cell::Date(d),
            Err(_) => Cell::Text(s.clone()),
        },
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// Text that spells an error value (`#N/A` typed or pasted as text) is an error cell too.
fn text_cell(s: &str) -> Cell {
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

fn read_csv(file: &InputFile, bytes: &[u8]) -> Result<Sheet, FileError> {
    let text = decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|source| FileError::Csv {
            path: file.path.clone(),
            source,
        })?;
        rows.push(rec.iter().map(text_cell).collect());
    }
    let name = file
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    Ok(Sheet {
        name,
        first_row: 0,
        first_col: 0,
        rows,
    })
}

/// UTF-8 (BOM stripped) when valid, else GBK (what Chinese Excel writes for "CSV").
fn decode_text(bytes: &[u8]) -> String {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GBK.decode(b).0.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_gbk_is_decoded() {
        let (gbk, _, _) = encoding_rs::GBK.encode("项目名称,计划总投资\n甲,1\n");
        assert_eq!(decode_text(&gbk), "项目名称,计划总投资\n甲,1\n");
        assert_eq!(decode_text("\u{feff}a,b".as_bytes()), "a,b");
    }

    #[test]
    fn error_text_is_an_error_cell() {
        assert_eq!(text_cell(" #N/A"), Cell::Error("#N/A".into()));
        assert_eq!(text_cell("＃ＲＥＦ！"), Cell::Error("#REF!".into()));
        assert_eq!(text_cell("正常"), Cell::Text("正常".into()));
    }
}
