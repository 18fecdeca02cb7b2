//! Recognise & normalise: turns a sheet's cells into canonical records of its return type,
//! with every row accounted for (accepted, rejected or skipped) and every problem located.

pub mod codes;
pub mod filer;
pub mod header;
mod place;
mod reference;
mod rows;
pub mod units;
pub mod value;

pub use rows::{classify_row, Labels, RowKind};

use crate::ingest::{InputFile, Sheet, Workbook};
use crate::issue::{Issue, Rule, Severity};
use crate::period::Period;
use crate::pipeline::{Filer, Pipeline, ReturnType};
use crate::record::Record;
use serde::{Deserialize, Serialize};

/// Row counts of one sheet: `read = accepted + rejected + skipped`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accounting {
    pub rows_read: u64,
    pub rows_accepted: u64,
    pub rows_rejected: u64,
    pub rows_skipped: u64,
    /// Of the skipped: blank rows.
    pub skipped_blank: u64,
    /// Of the skipped: 合计/小计/总计/其中 rows.
    pub skipped_total: u64,
    /// Of the skipped: footers (填报人, 审核人, 联系电话, 说明).
    pub skipped_footer: u64,
    /// Of the skipped: section rows inside the table (`（一）制造业项目`).
    #[serde(default)]
    pub skipped_section: u64,
}

impl Accounting {
    pub fn add(&mut self, o: &Accounting) {
        self.rows_read += o.rows_read;
        self.rows_accepted += o.rows_accepted;
        self.rows_rejected += o.rows_rejected;
        self.rows_skipped += o.rows_skipped;
        self.skipped_blank += o.skipped_blank;
        self.skipped_total += o.skipped_total;
        self.skipped_footer += o.skipped_footer;
        self.skipped_section += o.skipped_section;
    }

    pub fn balanced(&self) -> bool {
        self.rows_read == self.rows_accepted + self.rows_rejected + self.rows_skipped
            && self.rows_skipped
                == self.skipped_blank
                    + self.skipped_total
                    + self.skipped_footer
                    + self.skipped_section
    }
}

/// What became of one sheet.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SheetOutcome {
    pub file: String,
    pub period: Period,
    pub sheet: String,
    /// The return type's id, or None when the sheet is no known return.
    pub return_id: Option<String>,
    pub filer: Option<Filer>,
    /// 1-based row of the header's first row.
    pub header_row: Option<u32>,
    pub accounting: Accounting,
    pub records: Vec<Record>,
    pub issues: Vec<Issue>,
    /// Per record, its identity keys (normalised id, normalised fallback columns), computed
    /// once here and cached with the sheet; empty when not computed.
    #[serde(default)]
    pub keys: Vec<crate::identity::RecordKeys>,
    /// The date of a `填报日期：…` cell above the header (or of the workbook), if any: decides
    /// which of two returns of one filer for one month is in effect.
    #[serde(default)]
    pub filed_on: Option<chrono::NaiveDate>,
    /// The correction mark (更正, 修改 … as the pipeline declares) found in the file name or in
    /// a title cell above the header, if any.
    #[serde(default)]
    pub correction: Option<String>,
    /// The supplement mark (补充 …) found in the file name or a title cell, if any: the file
    /// adds to the month's return in effect instead of competing with it.
    #[serde(default)]
    pub supplement: Option<String>,
}

/// Normalises every sheet of a workbook.
impl SheetOutcome {
    /// The outcome of a sheet before anything is read from it.
    pub fn empty(file: &InputFile, sheet: &str) -> SheetOutcome {
        SheetOutcome {
            file: file.rel.clone(),
            period: file.period,
            sheet: sheet.to_string(),
            return_id: None,
            filer: None,
            header_row: None,
            accounting: Accounting::default(),
            records: Vec::new(),
            issues: Vec::new(),
            keys: Vec::new(),
            filed_on: None,
            correction: None,
            supplement: None,
        }
    }
}

pub fn normalise_workbook(
    file: &InputFile,
    wb: &Workbook,
    pipeline: &Pipeline,
) -> Vec<SheetOutcome> {
    // A workbook-wide 填报单位 (from any sheet) serves sheets that lack their own.
    let workbook_filer = wb
        .sheets
        .iter()
        .find_map(|s| filer::filer_from_cells(s, header::HEADER_SEARCH_ROWS, pipeline))
        .and_then(|(f, _)| f)
        .or_else(|| filer::filer_from_file_name(&file.rel, pipeline));
    let mut out: Vec<SheetOutcome> = wb
        .sheets
        .iter()
        .map(|s| normalise_sheet(file, s, pipeline, workbook_filer.as_ref()))
        .collect();
    // What reading noticed: into its sheet's outcome, or an outcome of its own for a sheet that
    // could not be read at all.
    for note in &wb.notes {
        let issue = Issue {
            severity: note.severity,
            rule: note.rule,
            file: file.rel.clone(),
            sheet: Some(note.sheet.clone()),
            row: note.row,
            cell: note.cell.clone(),
            column: None,
            raw: note.raw.clone(),
            message: note.message.clone(),
            filer: workbook_filer.as_ref().map(|f| f.name.clone()),
        };
        match out.iter_mut().find(|o| o.sheet == note.sheet) {
            Some(o) => o.issues.push(issue),
            None => {
                let mut o = SheetOutcome::empty(file, &note.sheet);
                o.issues.push(issue);
                out.push(o);
            }
        }
    }
    out
}

pub fn normalise_sheet(
    file: &InputFile,
    sheet: &Sheet,
    pipeline: &Pipeline,
    workbook_filer: Option<&Filer>,
) -> SheetOutcome {
    let mut out = SheetOutcome::empty(file, &sheet.name);
    let Some(m) = header::recognise(sheet, pipeline) else {
        let non_empty = sheet
            .rows
            .iter()
            .filter(|r| r.iter().any(|c| !c.is_empty()))
            .count();
        if non_empty > 0 {
            out.issues.push(Issue {
                severity: Severity::Warning,
                rule: Rule::UnrecognisedSheet,
                file: file.rel.clone(),
                sheet: Some(sheet.name.clone()),
                row: None,
                cell: None,
                column: None,
                raw: None,
                message: format!(
                    "工作表“{}”不是可识别的报表（未找到{}的表头），未读取；如是报表，请使用规定的表头",
                    sheet.name,
                    pipeline
                        .returns
                        .iter()
                        .map(|rt| format!("“{}”", rt.name))
                        .collect::<Vec<_>>()
                        .join("或")
                ),
                filer: workbook_filer.map(|f| f.name.clone()),
            });
        }
        return out;
    };
    let rt = &pipeline.returns[m.return_index];
    out.return_id = Some(rt.id.clone());
    out.header_row = Some(sheet.row_number(m.header_row));

    let (filer, filer_raw) = match filer::filer_from_cells(sheet, m.header_row, pipeline) {
        Some((Some(f), _)) => (Some(f), None),
        Some((None, raw)) => (workbook_filer.cloned(), Some(raw)),
        None => (workbook_filer.cloned(), None),
    };
    out.filer = filer.clone();
    out.filed_on = filer::filed_on_from_cells(sheet, m.header_row);
    out.correction = filer::correction_mark(&file.rel, sheet, m.header_row, rt);
    out.supplement = filer::supplement_mark(&file.rel, sheet, m.header_row, rt);
    if filer.is_none() {
        out.issues.push(Issue {
            severity: Severity::Error,
            rule: Rule::UnknownFiler,
            file: file.rel.clone(),
            sheet: Some(sheet.name.clone()),
            row: None,
            cell: None,
            column: None,
            raw: filer_raw.clone(),
            message: match &filer_raw {
                Some(raw) => format!("填报单位“{raw}”不在名单内，本表全部行未计入；请按规范名称填写“填报单位：XX区”"),
                None => "未找到填报单位，本表全部行未计入；请在表头上方填写“填报单位：XX区”或在文件名中写明单位".to_string(),
            },
            filer: None,
        });
    }
    if !m.missing.is_empty() {
        out.issues
            .push(missing_columns_issue(file, sheet, rt, &m, filer.as_ref()));
    }
    for (c, label) in &m.duplicates {
        out.issues.push(Issue {
            severity: Severity::Warning,
            rule: Rule::DuplicateHeader,
            file: file.rel.clone(),
            sheet: Some(sheet.name.clone()),
            row: Some(sheet.row_number(m.header_row)),
            cell: Some(sheet.address(m.header_row, *c)),
            column: None,
            raw: Some(label.clone()),
            message: format!("表头“{label}”与前面的列重复，本列未读取；请删除重复列"),
            filer: filer.as_ref().map(|f| f.name.clone()),
        });
    }
    if !m.unread.is_empty() {
        // Nothing is lost without a word: a column under an unlisted header is named.
        let labels: Vec<&str> = m.unread.iter().map(|(_, l)| l.as_str()).collect();
        out.issues.push(Issue {
            severity: Severity::Info,
            rule: Rule::UnreadColumn,
            file: file.rel.clone(),
            sheet: Some(sheet.name.clone()),
            row: Some(sheet.row_number(m.header_row)),
            cell: m
                .unread
                .first()
                .map(|(c, _)| sheet.address(m.header_row, *c)),
            column: None,
            raw: Some(labels.join("、")),
            message: format!(
                "以下表头不是{}的规定列，其内容未读取：{}；如其中有应报送的内容，请改用规定的表头",
                rt.name,
                labels.join("、")
            ),
            filer: filer.as_ref().map(|f| f.name.clone()),
        });
    }
    rows::convert_rows(&mut out, sheet, pipeline, rt, &m, filer.as_ref());
    out.keys = out
        .records
        .iter()
        .map(|r| crate::identity::record_keys(rt, r))
        .collect();
    out
}

/// The sheet-level error for a return whose header lacks required columns: located at the
/// header, naming each missing column with the spellings it may be written in.
fn missing_columns_issue(
    file: &InputFile,
    sheet: &Sheet,
    rt: &ReturnType,
    m: &header::HeaderMatch,
    filer: Option<&Filer>,
) -> Issue {
    let missing: Vec<String> = m
        .missing
        .iter()
        .map(|&i| {
            let col = &rt.columns[i];
            let mut spellings: Vec<&str> = col
                .spellings
                .iter()
                .map(String::as_str)
                .filter(|s| *s != col.label)
                .take(3)
                .collect();
            spellings.insert(0, &col.label);
            format!("“{}”（表头可写作：{}）", col.label, spellings.join("、"))
        })
        .collect();
    let names: Vec<&str> = m
        .missing
        .iter()
        .map(|&i| rt.columns[i].label.as_str())
        .collect();
    Issue {
        severity: Severity::Error,
        rule: Rule::MissingColumn,
        file: file.rel.clone(),
        sheet: Some(sheet.name.clone()),
        row: Some(sheet.row_number(m.header_row)),
        cell: Some(sheet.address(m.header_row, m.first_col)),
        column: m.missing.first().map(|&i| rt.columns[i].name.clone()),
        raw: Some(names.join("、")),
        message: format!(
            "工作表“{}”第{}行是{}的表头，但缺少必填列{}，本表的数据行均未计入；请在表头增加该列并逐行填写后重新报送{}",
            sheet.name,
            sheet.row_number(m.header_row),
            rt.name,
            missing.join("、"),
            unread_hint(m)
        ),
        filer: filer.map(|f| f.name.clone()),
    }
}

/// A missing column may be there under a header no spelling lists (`产业分类` for 行业类别):
/// the headers that were not read are named, so the filer can rename rather than add.
fn unread_hint(m: &header::HeaderMatch) -> String {
    if m.unread.is_empty() {
        return String::new();
    }
    let labels: Vec<String> = m.unread.iter().map(|(_, l)| format!("“{l}”")).collect();
    format!(
        "（本表未读取的表头有{}，如其中即是该列，改用上述写法即可）",
        labels.join("、")
    )
}
