//! Located problems found while reading returns: what the filer must fix, and where.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The row is rejected (or the file could not be read).
    Error,
    /// The row is kept; the filer should still look.
    Warning,
    /// Nothing is wrong: a row skipped on purpose (blank, section, 合计, footer), listed so that a
    /// reader can see that no project was skipped.
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "提示",
            Severity::Info => "说明",
        }
    }
}

/// The rule a problem breaks. The id is stable (it is in the rejects table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    MissingRequired,
    UnparseableNumber,
    UnparseableDate,
    UnknownCounty,
    UnknownValue,
    NegativeAmount,
    ImplausibleAmount,
    DateAfterPeriod,
    DateBeforeMin,
    ErrorCell,
    UnknownUnit,
    UnknownFiler,
    DefaultUnit,
    DuplicateHeader,
    UnrecognisedSheet,
    UnreadableFile,
    IgnoredFile,
    Conflict,
    /// A code (统一社会信用代码) of the wrong length, characters or check digit.
    InvalidCode,
    /// A row skipped on purpose (blank, section, 合计, footer): severity info.
    SkippedRow,
    /// Header cells that name no column of the return, so their column is not read: info.
    UnreadColumn,
    /// A row that names a project but whose unit cell names the whole city.
    CityAsUnit,
    /// A value recovered under an assumption (an approximate amount, a date without a year, a
    /// unit taken from a note or title).
    AssumedValue,
    /// A column whose values only make sense in another unit than the one stated or assumed.
    ImplausibleUnit,
    /// A value outside the reference list (an indicator number or part not in the plan).
    NotInReference,
    /// A year outside the plan's years.
    YearOutsidePlan,
    /// Two returns of one filer in one month: which one is in effect.
    DuplicateReturn,
    /// A sheet that could not be read; the workbook's other sheets were.
    UnreadableSheet,
    /// Bytes of a text file (CSV) that are no character in the encoding it was read in.
    UndecodableText,
    /// A return's header lacks a required column: said once for the sheet, and every data
    /// row is rejected (`missing_required`).
    MissingColumn,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::MissingRequired => "missing_required",
            Rule::UnparseableNumber => "unparseable_number",
            Rule::UnparseableDate => "unparseable_date",
            Rule::UnknownCounty => "unknown_county",
            Rule::UnknownValue => "unknown_value",
            Rule::NegativeAmount => "negative_amount",
            Rule::ImplausibleAmount => "implausible_amount",
            Rule::DateAfterPeriod => "date_after_period",
            Rule::DateBeforeMin => "date_before_min",
            Rule::ErrorCell => "error_cell",
            Rule::UnknownUnit => "unknown_unit",
            Rule::UnknownFiler => "unknown_filer",
            Rule::DefaultUnit => "default_unit",
            Rule::DuplicateHeader => "duplicate_header",
            Rule::UnrecognisedSheet => "unrecognised_sheet",
            Rule::UnreadableFile => "unreadable_file",
            Rule::IgnoredFile => "ignored_file",
            Rule::Conflict => "conflict",
            Rule::InvalidCode => "invalid_code",
            Rule::SkippedRow => "skipped_row",
            Rule::UnreadColumn => "unread_column",
            Rule::CityAsUnit => "city_as_unit",
            Rule::AssumedValue => "assumed_value",
            Rule::ImplausibleUnit => "implausible_unit",
            Rule::NotInReference => "not_in_reference",
            Rule::YearOutsidePlan => "year_outside_plan",
            Rule::DuplicateReturn => "duplicate_return",
            Rule::UnreadableSheet => "unreadable_sheet",
            Rule::UndecodableText => "undecodable_text",
            Rule::MissingColumn => "missing_column",
        }
    }
}

/// One located problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    pub severity: Severity,
    pub rule: Rule,
    /// Input file, relative to the input root.
    pub file: String,
    pub sheet: Option<String>,
    /// 1-based spreadsheet row.
    pub row: Option<u32>,
    /// A1 address, e.g. `G14`.
    pub cell: Option<String>,
    /// Canonical column.
    pub column: Option<String>,
    /// The value as the filer typed it.
    pub raw: Option<String>,
    /// What to fix, in Chinese.
    pub message: String,
    /// Canonical filer (or the best guess).
    pub filer: Option<String>,
}

impl Issue {
    /// `file / sheet / cell`, for terminal output.
    pub fn location(&self) -> String {
        let mut s = self.file.clone();
        if let Some(sh) = &self.sheet {
            s.push_str(&format!(" / {sh}"));
        }
        if let Some(c) = &self.cell {
            s.push_str(&format!(" / {c}"));
        } else if let Some(r) = self.row {
            s.push_str(&format!(" / 第{r}行"));
        }
        s
    }
}
