//! Ranked tables (DESIGN §5): one per `[[report.tables]]` of the pipeline file, each written as
//! `tables/<id>.xlsx`, `<id>.csv` and `<id>.md`.
//!
//! - xlsx: one sheet, the header in row 1 (bold, filled, frozen, autofilter), numbers as
//!   numbers with display formats (亿元 `0.00`, counts `0`, shares `0.0%` stored as fractions),
//!   columns fitted to their content. Every text is written with `write_string` (never as a
//!   formula); text starting with = + - @ also gets Excel's quote prefix.
//! - csv: UTF-8 with a BOM, header row then rows. Numbers are written unrounded (Rust's
//!   shortest round-trip form, so they equal `metrics.json`'s figures exactly) and shares as
//!   fractions (0.8123, not 81.2%); text starting with = + - @ (or a tab or CR) is prefixed with
//!   `'` ([`super::neutralise`]).
//! - markdown: a title and a `| … |` table with numbers formatted for people.
//!
//! Every figure is taken from the period's results (`metrics.json`) or summed over the rows in
//! the same order as the assessment sums them, so the tables and `metrics.json` agree exactly.

use super::{fmt_num, fmt_pct, neutralise, RenderError, ReportData};
use crate::pipeline::{Column, ColumnKind, Pipeline, ReturnType, TableKind};
use crate::record::Value;
use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError,
};
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

impl TableCell {
    /// The cell as people read it (markdown, HTML).
    pub fn display(&self) -> String {
        match self {
            TableCell::Empty => String::new(),
            TableCell::Text(s) => s.clone(),
            TableCell::Number(v, d) => fmt_num(*v, *d),
            TableCell::Int(i) => i.to_string(),
            TableCell::Percent(v) => fmt_pct(*v),
        }
    }

    fn is_numeric(&self) -> bool {
        matches!(
            self,
            TableCell::Number(..) | TableCell::Int(_) | TableCell::Percent(_)
        )
    }
}

/// A table as the report shows it.
#[derive(Debug, Clone)]
pub struct BuiltTable {
    pub id: String,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<TableCell>>,
}

/// Builds every table the pipeline's `[report]` declares, in order.
pub fn build_tables(data: &ReportData) -> Vec<BuiltTable> {
    let Some(report) = &data.pipeline.report else {
        return Vec::new();
    };
    report
        .tables
        .iter()
        .map(|t| {
            let (headers, rows) = match &t.kind {
                TableKind::Ranking => ranking(data),
                TableKind::Rows { table, columns, .. } => rows_table(data, &t.id, table, columns),
                TableKind::Group {
                    table, group, sum, ..
                } => group_table(data, &t.id, table, group, sum),
                TableKind::Funnel => funnel_table(data),
                TableKind::Indicators => indicators_table(data),
                TableKind::IndicatorSummary => indicator_summary_table(data),
            };
            BuiltTable {
                id: t.id.clone(),
                title: t.title.clone(),
                headers,
                rows,
            }
        })
        .collect()
}

/// Writes every table as `<dir>/<id>.xlsx`, `.csv` and `.md`; returns the ids.
pub fn write_tables(data: &ReportData, dir: &Path) -> Result<Vec<String>, RenderError> {
    let mut ids = Vec::new();
    for t in build_tables(data) {
        let xlsx = dir.join(format!("{}.xlsx", t.id));
        let mut wb = new_workbook(data, &t.title);
        let built = add_sheet(&mut wb, &t.title, &t.headers, &t.rows, true)
            .and_then(|_| wb.save_to_buffer())
            .map_err(|source| RenderError::Xlsx {
                path: xlsx.clone(),
                source,
            })?;
        crate::store::write_atomic(&xlsx, &built)?;
        let csv_path = dir.join(format!("{}.csv", t.id));
        let bytes = to_csv(&t).map_err(|source| crate::error::OutputError::Io {
            path: csv_path.clone(),
            source,
        })?;
        crate::store::write_atomic(&csv_path, &bytes)?;
        crate::store::write_atomic(
            &dir.join(format!("{}.md", t.id)),
            to_markdown(&t).as_bytes(),
        )?;
        ids.push(t.id);
    }
    Ok(ids)
}

// ------------------------------------------------------------------------------------------
// Building
// ------------------------------------------------------------------------------------------

type Built = (Vec<String>, Vec<Vec<TableCell>>);

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A share as a percentage cell, or empty.
fn pct(v: Option<f64>) -> TableCell {
    v.map_or(TableCell::Empty, TableCell::Percent)
}

/// A metric's figure: shares as percentages, 亿元 with two decimals, counts whole.
fn metric_cell(v: Option<f64>, unit: &str) -> TableCell {
    match v {
        None => TableCell::Empty,
        Some(v) if unit == "比例" => TableCell::Percent(v),
        Some(v) if unit.contains("元") || v.fract() != 0.0 => TableCell::Number(v, 2),
        Some(v) => TableCell::Number(v, 0),
    }
}

fn ranking(data: &ReportData) -> Built {
    let mut headers = strings(&["排名", &data.pipeline.unit_label, "综合得分"]);
    let terms = data
        .pipeline
        .ranking
        .as_ref()
        .map(|r| r.terms.as_slice())
        .unwrap_or(&[]);
    let meta = |id: &str| {
        data.pipeline
            .metrics
            .iter()
            .find(|m| m.id == id)
            .map(|m| (m.name.clone(), m.unit.clone()))
            .unwrap_or_else(|| (id.to_string(), String::new()))
    };
    let graded = |id: &str| {
        data.pipeline
            .metrics
            .iter()
            .any(|m| m.id == id && !m.grades.is_empty())
    };
    for t in terms {
        let (name, unit) = meta(&t.metric);
        let u = match unit.as_str() {
            "" | "比例" => String::new(),
            u if u.contains('(') => format!("（{u}）"),
            u => format!("({u})"),
        };
        headers.push(format!("{name}完成值{u}"));
        headers.push(format!("{name}序时目标{u}"));
        headers.push(format!("{name}序时完成率"));
        if graded(&t.metric) {
            headers.push(format!("{name}等级"));
        }
    }
    let rows = data
        .result
        .ranking
        .iter()
        .map(|r| {
            let mut row = vec![
                TableCell::Int(r.rank as i64),
                TableCell::Text(r.county.clone()),
                TableCell::Number(r.score, 2),
            ];
            for t in terms {
                let (_, unit) = meta(&t.metric);
                let term = r.terms.iter().find(|x| x.metric == t.metric);
                let m = data.metric(&t.metric, &data.pipeline.unit_column, &r.county);
                let value = term.and_then(|x| x.value).or(m.and_then(|m| m.value));
                let to_date = term
                    .and_then(|x| x.target_to_date)
                    .or(m.and_then(|m| m.target_to_date));
                row.push(metric_cell(value, &unit));
                row.push(metric_cell(to_date, &unit));
                row.push(pct(value
                    .zip(to_date.filter(|&t| t > 0.0))
                    .map(|(v, t)| v / t)));
                if graded(&t.metric) {
                    row.push(
                        m.and_then(|m| m.grade.clone())
                            .map_or(TableCell::Empty, TableCell::Text),
                    );
                }
            }
            row
        })
        .collect();
    (headers, rows)
}

/// The return type whose rows a table holds (`projects` or `projects_current`).
pub(crate) fn return_for_table<'p>(p: &'p Pipeline, table: &str) -> Option<&'p ReturnType> {
    p.returns
        .iter()
        .find(|r| r.table == table || format!("{}_current", r.table) == table)
}

/// A column's Chinese header, with its unit when the label lacks one: 计划总投资(亿元).
pub(crate) fn column_header(col: &Column) -> String {
    let unit = match &col.kind {
        ColumnKind::Money { unit, .. } => Some(unit.name.to_string()),
        ColumnKind::Number { unit: Some(u) } => Some(u.clone()),
        _ => None,
    };
    match unit {
        Some(u) if !col.label.contains('(') && !col.label.contains('（') => {
            format!("{}({u})", col.label)
        }
        _ => col.label.clone(),
    }
}

fn value_cell(v: &Value) -> TableCell {
    match v {
        Value::Null => TableCell::Empty,
        Value::Text(s) => TableCell::Text(s.clone()),
        Value::Number(n) if n.fract() == 0.0 => TableCell::Number(*n, 0),
        Value::Number(n) => TableCell::Number(*n, 2),
        Value::Date(d) => TableCell::Text(d.format("%Y-%m-%d").to_string()),
        Value::Int(i) => TableCell::Int(*i),
        Value::Bool(b) => TableCell::Text(if *b { "是" } else { "否" }.into()),
    }
}

/// A rows table: the rows the assessment selected and sorted (`assess::report`), laid out.
fn rows_table(data: &ReportData, id: &str, table: &str, columns: &[String]) -> Built {
    let rt = return_for_table(data.pipeline, table);
    let col_def = |name: &str| rt.and_then(|rt| rt.columns.iter().find(|c| c.name == name));
    let mut headers = vec!["序号".to_string()];
    headers.extend(
        columns
            .iter()
            .map(|c| col_def(c).map_or(c.clone(), column_header)),
    );
    let Some(frame) = data.figures.rows.get(id) else {
        return (headers, Vec::new());
    };
    let money = |c: &str| matches!(col_def(c).map(|d| &d.kind), Some(ColumnKind::Money { .. }));
    let cells: Vec<Vec<TableCell>> = columns
        .iter()
        .map(|c| match frame.column(c) {
            Ok(column) => frame_cells(column, money(c)),
            Err(_) => vec![TableCell::Empty; frame.height()],
        })
        .collect();
    let rows = (0..frame.height())
        .map(|i| {
            let mut row = vec![TableCell::Int(i as i64 + 1)];
            row.extend(cells.iter().map(|c| c[i].clone()));
            row
        })
        .collect();
    (headers, rows)
}

/// A frame column's cells as a table shows them (money with 2 decimals).
fn frame_cells(column: &polars::prelude::Column, money: bool) -> Vec<TableCell> {
    use polars::prelude::AnyValue;
    (0..column.len())
        .map(|i| match column.get(i) {
            Ok(AnyValue::String(s)) => TableCell::Text(s.to_string()),
            Ok(AnyValue::StringOwned(s)) => TableCell::Text(s.to_string()),
            Ok(AnyValue::Float64(n)) if money => TableCell::Number(n, 2),
            Ok(AnyValue::Float64(n)) => value_cell(&Value::Number(n)),
            Ok(AnyValue::Int64(n)) => TableCell::Int(n),
            Ok(AnyValue::Boolean(b)) => value_cell(&Value::Bool(b)),
            Ok(AnyValue::Date(days)) => {
                chrono::NaiveDate::from_num_days_from_ce_opt(days + 719_163)
                    .map_or(TableCell::Empty, |d| value_cell(&Value::Date(d)))
            }
            _ => TableCell::Empty,
        })
        .collect()
}

/// A group table: the assessment's counts and sums per group value (`assess::report`), with
/// shares of the total, laid out.
fn group_table(data: &ReportData, id: &str, table: &str, group: &str, sum: &str) -> Built {
    let rt = return_for_table(data.pipeline, table);
    let col_def = |name: &str| rt.and_then(|rt| rt.columns.iter().find(|c| c.name == name));
    let label = |c: &str, f: fn(&Column) -> String| col_def(c).map_or(c.to_string(), f);
    let headers = vec![
        label(group, |c| c.label.clone()),
        "项目数".into(),
        label(sum, column_header),
        "占比".into(),
    ];
    let vocab = col_def(group).and_then(|c| data.pipeline.vocabulary(&c.kind));
    // Nulls: "no key chain" for a vocabulary with words meaning no value, else 未填写.
    let null_label = vocab
        .and_then(|v| {
            v.none_words()
                .into_iter()
                .max_by_key(|w| (w.chars().count(), w.clone()))
        })
        .filter(|w| w.chars().count() > 1)
        .map(|w| format!("{w}（含未填写）"))
        .unwrap_or_else(|| "未填写".to_string());
    let empty = crate::assess::GroupTotals::default();
    let g = data.figures.groups.get(id).unwrap_or(&empty);
    let share = |v: f64| pct((g.total > 0.0).then(|| v / g.total));
    let mut rows: Vec<Vec<TableCell>> = g
        .keys
        .iter()
        .zip(&g.counts)
        .zip(&g.sums)
        .map(|((k, n), s)| {
            vec![
                TableCell::Text(k.clone().unwrap_or_else(|| null_label.clone())),
                TableCell::Int(*n as i64),
                TableCell::Number(*s, 2),
                share(*s),
            ]
        })
        .collect();
    rows.push(vec![
        TableCell::Text("合计".into()),
        TableCell::Int(g.total_count as i64),
        TableCell::Number(g.total, 2),
        share(g.total),
    ]);
    (headers, rows)
}

/// A scorecard value as filed: whole numbers without decimals, others with up to two.
fn indicator_value(v: Option<f64>) -> TableCell {
    match v {
        None => TableCell::Empty,
        Some(v) if (v - v.round()).abs() < 1e-9 => TableCell::Number(v, 0),
        Some(v) => TableCell::Number(v, 2),
    }
}

/// One row per indicator (× part): base, target, the value (or rating) that counts in each
/// year, then the assessed year's progress and met, as the assessment computed them.
fn indicators_table(data: &ReportData) -> Built {
    let Some(r) = &data.result.indicators else {
        return (Vec::new(), Vec::new());
    };
    let mut headers = strings(&["序号", "一级指标", "二级指标", "单位"]);
    headers.push(format!("基期值({}年)", r.base_year));
    headers.push(format!("目标值({}年)", r.target_year));
    headers.extend(r.years.iter().map(|y| format!("{y}年")));
    headers.push(format!("完成进度({}年)", r.year));
    headers.push(format!("是否达标({}年)", r.year));
    let mut rows: Vec<Vec<TableCell>> = Vec::new();
    for first in r.rows.iter().filter(|x| x.year == r.year) {
        let name = match &first.part {
            Some(p) => format!("{}（{p}）", first.name),
            None => first.name.clone(),
        };
        let mut row = vec![
            TableCell::Text(first.key.clone()),
            TableCell::Text(first.group.clone()),
            TableCell::Text(if first.national {
                format!("{name}*")
            } else {
                name
            }),
            TableCell::Text(first.unit.clone()),
            indicator_value(first.base),
            match (&first.target_rating, first.target) {
                (Some(t), _) => TableCell::Text(t.clone()),
                (None, t) => indicator_value(t),
            },
        ];
        for y in &r.years {
            let at = r.rows.iter().find(|x| x.key == first.key && x.year == *y);
            row.push(match at {
                Some(x) if x.qualitative => {
                    x.rating.clone().map_or(TableCell::Empty, TableCell::Text)
                }
                Some(x) => indicator_value(x.value),
                None => TableCell::Empty,
            });
        }
        row.push(pct(first.progress));
        row.push(match first.met {
            Some(true) => TableCell::Text("达标".into()),
            Some(false) => TableCell::Text("未达标".into()),
            None => TableCell::Text("无数据".into()),
        });
        rows.push(row);
    }
    (headers, rows)
}

/// One row per group (一级指标), then the national indicators and all: per year, the
/// indicators with a value that counts and those met, as the assessment counted them.
fn indicator_summary_table(data: &ReportData) -> Built {
    let Some(r) = &data.result.indicators else {
        return (Vec::new(), Vec::new());
    };
    let mut headers = strings(&["一级指标", "指标数"]);
    for y in &r.years {
        headers.push(format!("{y}年有数据"));
        headers.push(format!("{y}年达标"));
    }
    headers.push(format!("达标率({}年)", r.year));
    let label = |s: &crate::assess::IndicatorSummary| match (s.scope.as_str(), &s.group) {
        ("group", Some(g)) => g.clone(),
        ("national", _) => "国家考核指标（*）".to_string(),
        _ => "合计".to_string(),
    };
    let mut rows = Vec::new();
    for line in r.summary.iter().filter(|s| s.year == r.year) {
        let mut row = vec![
            TableCell::Text(label(line)),
            TableCell::Int(line.indicators as i64),
        ];
        for y in &r.years {
            let at = r
                .summary
                .iter()
                .find(|s| s.year == *y && s.scope == line.scope && s.group == line.group);
            row.push(at.map_or(TableCell::Empty, |s| TableCell::Int(s.with_value as i64)));
            row.push(at.map_or(TableCell::Empty, |s| TableCell::Int(s.met as i64)));
        }
        row.push(pct(
            (line.indicators > 0).then(|| line.met as f64 / line.indicators as f64)
        ));
        rows.push(row);
    }
    (headers, rows)
}

fn funnel_table(data: &ReportData) -> Built {
    let stages = &data.result.stages;
    let stage_names: Vec<String> = stages
        .first()
        .map(|f| f.stages.iter().map(|s| s.stage.clone()).collect())
        .unwrap_or_default();
    let funnel = data.pipeline.funnel.as_ref();
    let threshold = funnel.map(|f| f.tax_per_mu_threshold_wan);
    let amount_unit = funnel
        .and_then(|f| {
            data.pipeline
                .returns
                .iter()
                .flat_map(|rt| rt.columns.iter())
                .find(|c| c.name == f.amount_column)
        })
        .and_then(|c| match &c.kind {
            ColumnKind::Money { unit, .. } => Some(format!("({})", unit.name)),
            _ => None,
        })
        .unwrap_or_default();
    let mut headers = strings(&[&data.pipeline.unit_label, "项目数"]);
    for s in &stage_names {
        headers.push(format!("{s}项目数"));
        headers.push(format!("{s}计划投资额{amount_unit}"));
    }
    for s in &stage_names {
        headers.push(format!("{s}率"));
    }
    headers.push("预计亩均税收(万元/亩)".into());
    headers.push(match threshold {
        Some(t) => format!("是否达标(≥{}万元/亩)", fmt_num(t, 2)),
        None => "是否达标".into(),
    });
    let rows = stages
        .iter()
        .map(|f| {
            let mut row = vec![
                TableCell::Text(f.scope_value.clone()),
                TableCell::Int(f.projects as i64),
            ];
            let stage = |name: &str| f.stages.iter().find(|s| s.stage == name);
            for s in &stage_names {
                match stage(s) {
                    Some(st) => {
                        row.push(TableCell::Int(st.count as i64));
                        row.push(TableCell::Number(st.amount, 2));
                    }
                    None => row.extend([TableCell::Empty, TableCell::Empty]),
                }
            }
            row.extend(
                stage_names
                    .iter()
                    .map(|s| pct(stage(s).and_then(|st| st.rate))),
            );
            row.push(
                f.tax_per_mu_wan
                    .map_or(TableCell::Empty, |v| TableCell::Number(v, 2)),
            );
            row.push(match f.meets_tax_threshold {
                Some(true) => TableCell::Text("是".into()),
                Some(false) => TableCell::Text("否".into()),
                None => TableCell::Empty,
            });
            row
        })
        .collect();
    (headers, rows)
}

// ------------------------------------------------------------------------------------------
// Writing (shared with the feedback workbooks)
// ------------------------------------------------------------------------------------------

/// A workbook whose properties carry the title and, instead of the wall clock, the period's
/// first day as its creation date, so that a rerun writes the same bytes.
pub(crate) fn new_workbook(data: &ReportData, title: &str) -> Workbook {
    let mut wb = Workbook::new();
    let mut props = DocProperties::new()
        .set_title(title)
        .set_company(data.pipeline.city.as_str());
    let (y, m) = (data.period.year, data.period.month);
    if let Ok(d) = ExcelDateTime::from_ymd(y.clamp(1900, 9999) as u16, m as u8, 1) {
        props = props.set_creation_datetime(&d);
    }
    wb.set_properties(&props);
    wb
}

/// Display width of text: CJK and other wide characters count double.
pub(crate) fn display_width(s: &str) -> usize {
    s.lines()
        .map(|l| {
            l.chars()
                .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0)
}

/// Text that a spreadsheet would take for a formula if typed in.
pub(crate) fn formula_like(s: &str) -> bool {
    matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'))
}

/// A valid sheet name from a title: no []:*?/\, no edge apostrophes, at most 31 UTF-16 units.
pub(crate) fn sheet_name(title: &str) -> String {
    let mut out = String::new();
    let mut units = 0;
    for c in title.trim().chars() {
        if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') {
            continue;
        }
        if units + c.len_utf16() > 31 {
            break;
        }
        units += c.len_utf16();
        out.push(c);
    }
    let out = out.trim_matches('\'').trim().to_string();
    if out.is_empty() {
        "Sheet1".into()
    } else {
        out
    }
}

const MAX_WIDTH: usize = 60;
/// Excel's limit on the characters of one cell.
const MAX_CELL_CHARS: usize = 32_767;

/// Adds a sheet: the header in row 1 (bold, filled, frozen), rows below, widths fitted to the
/// content; text always as strings (quote-prefixed when it looks like a formula).
pub(crate) fn add_sheet(
    wb: &mut Workbook,
    title: &str,
    headers: &[String],
    rows: &[Vec<TableCell>],
    autofilter: bool,
) -> Result<(), XlsxError> {
    let ws: &mut Worksheet = wb.add_worksheet();
    ws.set_name(sheet_name(title))?;
    let border = FormatBorder::Thin;
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(border)
        .set_text_wrap();
    let text = Format::new().set_border(border);
    let quoted = Format::new().set_border(border).set_quote_prefix();
    let wrap = Format::new().set_border(border).set_text_wrap();
    let wrap_quoted = wrap.clone().set_quote_prefix();
    let count = Format::new().set_border(border).set_num_format("0");
    let pct = Format::new().set_border(border).set_num_format("0.0%");
    let ncols = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
    for r in rows {
        for (c, cell) in r.iter().enumerate().take(ncols) {
            widths[c] = widths[c].max(display_width(&cell.display()));
        }
    }
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &header)?;
        let w = (widths[c] + 2).clamp(6, MAX_WIDTH);
        ws.set_column_width(c as u16, w as f64)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        for (c, cell) in r.iter().enumerate().take(ncols) {
            let col = c as u16;
            let long = widths[c] + 2 > MAX_WIDTH;
            match cell {
                TableCell::Empty => {
                    ws.write_blank(row, col, &text)?;
                }
                TableCell::Text(s) => {
                    let s: String = s.chars().take(MAX_CELL_CHARS).collect();
                    let f = match (formula_like(&s), long) {
                        (true, true) => &wrap_quoted,
                        (true, false) => &quoted,
                        (false, true) => &wrap,
                        (false, false) => &text,
                    };
                    ws.write_string_with_format(row, col, s, f)?;
                }
                TableCell::Number(v, d) => {
                    let fmt = if *d == 0 {
                        count.clone()
                    } else {
                        Format::new()
                            .set_border(border)
                            .set_num_format(format!("0.{}", "0".repeat(*d)))
                    };
                    ws.write_number_with_format(row, col, *v, &fmt)?;
                }
                TableCell::Int(n) => {
                    ws.write_number_with_format(row, col, *n as f64, &count)?;
                }
                TableCell::Percent(v) => {
                    ws.write_number_with_format(row, col, *v, &pct)?;
                }
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    if autofilter && ncols > 0 {
        ws.autofilter(0, 0, rows.len() as u32, ncols as u16 - 1)?;
    }
    Ok(())
}

/// The table as csv: UTF-8 with a BOM; numbers unrounded, shares as fractions; text neutralised.
fn to_csv(t: &BuiltTable) -> std::io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(t.headers.iter().map(|h| neutralise(h)))?;
    for r in &t.rows {
        w.write_record(r.iter().map(|c| match c {
            TableCell::Empty => String::new(),
            TableCell::Text(s) => neutralise(s),
            TableCell::Number(v, _) | TableCell::Percent(v) => format!("{v}"),
            TableCell::Int(i) => i.to_string(),
        }))?;
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// Escapes text for a markdown table cell: backslashes, pipes, `<` (no raw HTML), newlines.
fn md_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "\\<")
        .replace(['\r', '\n'], " ")
}

fn to_markdown(t: &BuiltTable) -> String {
    let mut out = format!("# {}\n\n", md_escape(&t.title));
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    out.push_str(&line(t.headers.iter().map(|h| md_escape(h)).collect()));
    let numeric: Vec<bool> = (0..t.headers.len())
        .map(|c| {
            t.rows
                .iter()
                .any(|r| r.get(c).is_some_and(|x| x.is_numeric()))
                && t.rows.iter().all(|r| {
                    r.get(c)
                        .is_none_or(|x| x.is_numeric() || *x == TableCell::Empty)
                })
        })
        .collect();
    out.push_str(&line(
        numeric
            .iter()
            .map(|&n| if n { "---:" } else { "---" }.to_string())
            .collect(),
    ));
    for r in &t.rows {
        out.push_str(&line(r.iter().map(|c| md_escape(&c.display())).collect()));
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use calamine::{open_workbook_auto, Data, Reader};

    /// The first sheet of a workbook, as rows of cells.
    pub(crate) fn sheet(path: &Path) -> Vec<Vec<Data>> {
        let mut wb = open_workbook_auto(path).unwrap();
        let name = wb.sheet_names()[0].clone();
        let range = wb.worksheet_range(&name).unwrap();
        range.rows().map(|r| r.to_vec()).collect()
    }

    fn num(d: &Data) -> f64 {
        match d {
            Data::Float(f) => *f,
            Data::Int(i) => *i as f64,
            other => panic!("not a number: {other:?}"),
        }
    }

    fn text(d: &Data) -> &str {
        match d {
            Data::String(s) => s,
            other => panic!("not text: {other:?}"),
        }
    }

    /// Compares with the run's `MetricsJson`, the very f64s serialised to metrics.json (parsing
    /// metrics.json back with serde_json's default float parser can be off by one ulp).
    #[test]
    fn tables_equal_metrics_json() {
        let p = crate::pipeline::Pipeline::embedded_default().unwrap();
        let out = tempfile::tempdir().unwrap();
        let opts = crate::run::RunOptions {
            input: "fixtures/returns".into(),
            out: out.path().into(),
            period: Some("2025-06".parse().unwrap()),
        };
        let m = crate::run::run(&p, &opts).unwrap().metrics;
        let metric = |id: &str, scope: &str, v: &str| {
            m.metrics
                .iter()
                .find(|x| x.id == id && x.scope == scope && x.scope_value == v)
                .and_then(|x| x.value)
                .unwrap()
        };
        // A rerun writes the same bytes (no wall clock inside the workbooks).
        let again = tempfile::tempdir().unwrap();
        let opts2 = crate::run::RunOptions {
            out: again.path().into(),
            ..opts
        };
        crate::run::run(&p, &opts2).unwrap();
        for sub in ["tables", "validation"] {
            for e in std::fs::read_dir(out.path().join("reports/2025-06").join(sub)).unwrap() {
                let (a, name) = (e.unwrap().path(), format!("reports/2025-06/{sub}"));
                let b = again.path().join(name).join(a.file_name().unwrap());
                assert!(
                    std::fs::read(&a).unwrap() == std::fs::read(b).unwrap(),
                    "{a:?}"
                );
            }
        }
        let t = out.path().join("reports/2025-06/tables");
        let json = std::fs::read_to_string(t.join("../metrics.json")).unwrap();
        for id in [
            "county_ranking",
            "big_projects",
            "chain_totals",
            "stage_ledger",
        ] {
            let csv = std::fs::read(t.join(format!("{id}.csv"))).unwrap();
            assert!(csv.starts_with(b"\xEF\xBB\xBF"), "{id}.csv has no BOM");
            let md = std::fs::read_to_string(t.join(format!("{id}.md"))).unwrap();
            assert!(md.starts_with("# ") && md.contains("| ---"), "{id}.md");
        }

        // Ranking: rank, county, score and each county's investment, in metrics.json's order.
        let rk = sheet(&t.join("county_ranking.xlsx"));
        assert_eq!(text(&rk[0][3]), "引进制造业项目计划投资额完成值(亿元)");
        assert_eq!(rk.len(), m.ranking.len() + 1);
        for (row, r) in rk[1..].iter().zip(&m.ranking) {
            assert_eq!(num(&row[0]), r.rank as f64);
            assert_eq!(text(&row[1]), r.county);
            assert_eq!(num(&row[2]), r.score);
            assert_eq!(
                num(&row[3]),
                metric("mfg_investment_yi", "county", &r.county)
            );
        }
        // The csv carries the same figures, written as metrics.json writes them.
        let csv = std::fs::read_to_string(t.join("county_ranking.csv")).unwrap();
        let first: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
        assert_eq!(first[2].parse::<f64>().unwrap(), m.ranking[0].score);
        assert!(json.contains(&format!("\"score\": {},", first[2])));

        // Chain totals: each chain's sum and the 合计 equal the metric exactly.
        let ch = sheet(&t.join("chain_totals.xlsx"));
        let total = ch.last().unwrap();
        assert_eq!(text(&total[0]), "合计");
        assert_eq!(
            num(&total[2]),
            metric("mfg_investment_yi", "city", "江门市")
        );
        for chain in &p.vocabularies["chain"].values {
            let row = ch
                .iter()
                .find(|r| r[0] == Data::String(chain.clone()))
                .unwrap();
            assert_eq!(num(&row[2]), metric("mfg_investment_yi", "chain", chain));
        }

        // Big projects: exactly big_projects_count rows, each >= 10, sorted descending.
        let bp = sheet(&t.join("big_projects.xlsx"));
        assert_eq!(text(&bp[0][5]), "计划总投资(亿元)");
        let amounts: Vec<f64> = bp[1..].iter().map(|r| num(&r[5])).collect();
        assert_eq!(
            amounts.len() as f64,
            metric("big_projects_count", "city", "江门市")
        );
        assert!(amounts.iter().all(|&a| a >= 10.0));
        assert!(amounts.windows(2).all(|w| w[0] >= w[1]));

        // Stage ledger: the city row's counts, amounts and rates.
        let sl = sheet(&t.join("stage_ledger.xlsx"));
        let city = &m.stages[0];
        assert_eq!(sl.len(), m.stages.len() + 1);
        assert_eq!(text(&sl[1][0]), city.scope_value);
        assert_eq!(num(&sl[1][1]), city.projects as f64);
        let col = |h: &str| {
            sl[0]
                .iter()
                .position(|x| x == &Data::String(h.into()))
                .unwrap()
        };
        let kai = city.stages.iter().find(|s| s.stage == "开工").unwrap();
        assert_eq!(num(&sl[1][col("开工率")]), kai.rate.unwrap());
        assert_eq!(num(&sl[1][col("开工项目数")]), kai.count as f64);
        assert_eq!(num(&sl[1][col("开工计划投资额(亿元)")]), kai.amount);
    }

    #[test]
    fn sheet_names_and_widths() {
        assert_eq!(sheet_name("a[b]:c*d?e/f\\g"), "abcdefg");
        assert_eq!(sheet_name(&"长".repeat(40)).chars().count(), 31);
        assert_eq!(sheet_name("'x'"), "x");
        assert_eq!(display_width("计划ab"), 6);
        assert!(formula_like("=1") && formula_like("@A") && !formula_like("项目"));
        let t = BuiltTable {
            id: "t".into(),
            title: "标题".into(),
            headers: vec!["名称".into(), "数".into()],
            rows: vec![vec![
                TableCell::Text("a|b\\c".into()),
                TableCell::Percent(0.5),
            ]],
        };
        assert!(to_markdown(&t).contains("| a\\|b\\\\c | 50.0% |"));
        let csv = String::from_utf8(to_csv(&t).unwrap()).unwrap();
        assert_eq!(csv, "\u{feff}名称,数\na|b\\c,0.5\n");
    }
}
