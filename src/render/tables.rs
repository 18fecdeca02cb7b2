//! Ranked tables as xlsx, csv and markdown. (Being written.)

use super::{RenderError, ReportData};
use std::path::Path;

/// One cell of a built table.
#[derive(Debug, Clone, PartialEq)]
pub enum TableCell {
    Empty,
    /// Text (from a return or the pipeline).
    Text(String),
    /// A number shown with at most this many decimals.
    Number(f64, usize),
    Int(i64),
    /// A share shown as a percentage.
    Percent(f64),
}

/// A table as the report shows it.
#[derive(Debug, Clone)]
pub struct BuiltTable {
    pub id: String,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<TableCell>>,
}

pub fn build_tables(_data: &ReportData) -> Vec<BuiltTable> {
    Vec::new()
}

pub fn write_tables(_data: &ReportData, _dir: &Path) -> Result<Vec<String>, RenderError> {
    Ok(Vec::new())
}
