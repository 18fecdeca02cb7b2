//! Row classification (data, blank, total, footer) and conversion of data rows into
//! canonical values, with a located issue for everything that cannot be accepted.

use super::codes::{check_uscc, read_bool, split_tags};
use super::header::HeaderMatch;
use super::value::{read_date, read_number, ValueError};
use super::SheetOutcome;
use crate::ingest::{Cell, Sheet};
use crate::issue::{Issue, Rule, Severity};
use crate::pipeline::{
    Check, Column, ColumnKind, Filer, FilerKind, MoneyUnit, Pipeline, Resolved, ReturnType,
    UnknownPolicy,
};
use crate::record::{Record, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Data,
    Blank,
    Total,
    Footer,
}

const TOTAL_WORDS: [&str; 6] = ["合计", "小计", "总计", "其中", "总合计", "累计"];
const FOOTER_WORDS: [&str; 11] = [
    "填报人",
    "审核人",
    "联系电话",
    "联系人:",
    "说明",
    "注:",
    "备注:",
    "填表说明",
    "制表",
    "负责人",
    "填报日期",
];

/// Classifies grid row `r` of a sheet whose header maps `data_cols` (grid columns of canonical columns).
pub fn classify_row(sheet: &Sheet, r: usize, data_cols: &[usize]) -> RowKind {
    let row = match sheet.rows.get(r) {
        Some(row) => row,
        None => return RowKind::Blank,
    };
    if row.iter().all(Cell::is_empty) {
        return RowKind::Blank;
    }
    for cell in row {
        if let Cell::Text(t) = cell {
            let c = crate::text::compact(t);
            if TOTAL_WORDS.iter().any(|w| c.starts_with(w)) {
                return RowKind::Total;
            }
            if FOOTER_WORDS.iter().any(|w| c.starts_with(w)) {
                return RowKind::Footer;
            }
        }
    }
    // Only 序号 or other unread columns filled: an unused template row.
    if data_cols.iter().all(|&c| sheet.get(r, c).is_empty()) {
        return RowKind::Blank;
    }
    RowKind::Data
}

/// A row whose county cell names the whole city (江门市, 全市): a total, not a county.
fn is_city_total(
    sheet: &Sheet,
    r: usize,
    rt: &ReturnType,
    m: &HeaderMatch,
    pipeline: &Pipeline,
) -> bool {
    let city = crate::text::compact(&pipeline.city);
    m.columns
        .iter()
        .filter(|mc| rt.columns[mc.column].kind == ColumnKind::County)
        .any(|mc| {
            let v = crate::text::compact(&sheet.get(r, mc.grid_col).display());
            v == city || v == "全市" || v == "全市合计"
        })
}

/// The unit of a `单位：万元` note row above the header, if any.
fn note_unit(sheet: &Sheet, header_row: usize) -> Option<MoneyUnit> {
    for r in 0..header_row {
        for cell in sheet.rows.get(r).into_iter().flatten() {
            let Cell::Text(t) = cell else { continue };
            let c = crate::text::compact(t);
            // `单位：万元`, `金额单位：万元`, or `…台账（单位：万元）` in a title; never `填报单位：`.
            for (i, _) in c.match_indices("单位:") {
                if c[..i].ends_with("填报") || c[..i].ends_with("报送") {
                    continue;
                }
                let word: String = c[i + "单位:".len()..]
                    .chars()
                    .take_while(|ch| *ch != ')' && *ch != ';' && *ch != ',')
                    .collect();
                if let Some(u) = MoneyUnit::parse(&word) {
                    return Some(u);
                }
            }
        }
    }
    None
}

struct Ctx<'a> {
    out: &'a mut SheetOutcome,
    sheet: &'a Sheet,
    pipeline: &'a Pipeline,
    filer: Option<&'a Filer>,
}

impl Ctx<'_> {
    fn issue(
        &mut self,
        severity: Severity,
        rule: Rule,
        r: Option<usize>,
        c: Option<usize>,
        column: Option<&Column>,
        raw: Option<String>,
        message: String,
    ) {
        self.out.issues.push(Issue {
            severity,
            rule,
            file: self.out.file.clone(),
            sheet: Some(self.sheet.name.clone()),
            row: r.map(|r| self.sheet.row_number(r)),
            cell: match (r, c) {
                (Some(r), Some(c)) => Some(self.sheet.address(r, c)),
                _ => None,
            },
            column: column.map(|c| c.name.clone()),
            raw,
            message,
            filer: self.filer.map(|f| f.name.clone()),
        });
    }
}

pub(super) fn convert_rows(
    out: &mut SheetOutcome,
    sheet: &Sheet,
    pipeline: &Pipeline,
    rt: &ReturnType,
    m: &HeaderMatch,
    filer: Option<&Filer>,
) {
    let note = note_unit(sheet, m.header_row);
    let data_cols: Vec<usize> = m.columns.iter().map(|c| c.grid_col).collect();
    let mut ctx = Ctx {
        out,
        sheet,
        pipeline,
        filer,
    };

    // Per money column: the unit from the header, or a problem with it.
    let mut header_units: Vec<Option<Result<MoneyUnit, String>>> = vec![None; rt.columns.len()];
    let mut default_warned = vec![false; rt.columns.len()];
    for mc in &m.columns {
        if let (Some(u), ColumnKind::Money { .. }) = (&mc.header_unit, &rt.columns[mc.column].kind)
        {
            header_units[mc.column] = Some(MoneyUnit::parse(u).ok_or_else(|| u.clone()));
        }
    }

    for r in m.data_start..sheet.rows.len() {
        let mut kind = classify_row(sheet, r, &data_cols);
        if kind == RowKind::Data && is_city_total(sheet, r, rt, m, pipeline) {
            kind = RowKind::Total;
        }
        let acc = &mut ctx.out.accounting;
        acc.rows_read += 1;
        match kind {
            RowKind::Blank => {
                acc.rows_skipped += 1;
                acc.skipped_blank += 1;
                continue;
            }
            RowKind::Total => {
                acc.rows_skipped += 1;
                acc.skipped_total += 1;
                continue;
            }
            RowKind::Footer => {
                acc.rows_skipped += 1;
                acc.skipped_footer += 1;
                continue;
            }
            RowKind::Data => {}
        }
        let errors_before = ctx
            .out
            .issues
            .iter()
            .filter(|i| i.severity == Severity::Error)
            .count();
        let mut values = vec![Value::Null; rt.columns.len()];
        for (i, col) in rt.columns.iter().enumerate() {
            let mapped = m.mapped(i);
            let grid_col = mapped.map(|mc| mc.grid_col);
            let cell = grid_col
                .map(|c| sheet.get(r, c).clone())
                .unwrap_or(Cell::Empty);
            let raw = (!cell.is_empty()).then(|| cell.display());
            let v = match &col.kind {
                ColumnKind::Text => match &cell {
                    Cell::Error(e) => {
                        error_cell(&mut ctx, r, grid_col, col, e);
                        Value::Null
                    }
                    c if c.is_empty() => Value::Null,
                    c => match col.check {
                        None => Value::Text(crate::text::nfkc(&c.display())),
                        Some(Check::Uscc) => match check_uscc(&c.display()) {
                            Ok(code) => Value::Text(code),
                            Err(message) => {
                                ctx.issue(
                                    Severity::Error,
                                    Rule::InvalidCode,
                                    Some(r),
                                    grid_col,
                                    Some(col),
                                    raw.clone(),
                                    format!("“{}”：{message}", col.label),
                                );
                                Value::Null
                            }
                        },
                    },
                },
                ColumnKind::Bool => match read_bool(&cell) {
                    Ok(Some(b)) => Value::Bool(b),
                    Ok(None) => Value::Null,
                    Err(()) => {
                        if let Cell::Error(e) = &cell {
                            error_cell(&mut ctx, r, grid_col, col, e);
                        } else {
                            let raw_s = raw.clone().unwrap_or_default();
                            ctx.issue(
                                Severity::Error,
                                Rule::UnknownValue,
                                Some(r),
                                grid_col,
                                Some(col),
                                raw.clone(),
                                format!("“{}”的值“{raw_s}”无法识别，请填写“是”或“否”", col.label),
                            );
                        }
                        Value::Null
                    }
                },
                ColumnKind::Tags(_) => convert_tags(&mut ctx, r, grid_col, col, &cell),
                ColumnKind::County | ColumnKind::Vocabulary(_) => {
                    convert_coded(&mut ctx, r, grid_col, col, &cell)
                }
                ColumnKind::Money { unit, default_unit } => {
                    let unit_cell = mapped
                        .and_then(|mc| mc.unit_col)
                        .map(|c| sheet.get(r, c).clone());
                    convert_money(
                        &mut ctx,
                        r,
                        grid_col,
                        i,
                        col,
                        &cell,
                        *unit,
                        *default_unit,
                        unit_cell,
                        &header_units[i],
                        note,
                        &mut default_warned[i],
                        m,
                    )
                }
                ColumnKind::Number { .. } => match read_number(&cell) {
                    Ok(None) => Value::Null,
                    Ok(Some(n)) => {
                        check_amount(&mut ctx, r, grid_col, col, n.value, raw.clone(), "")
                    }
                    Err(ValueError::ErrorCell(e)) => {
                        error_cell(&mut ctx, r, grid_col, col, &e);
                        Value::Null
                    }
                    Err(_) => {
                        let raw_s = raw.clone().unwrap_or_default();
                        ctx.issue(
                            Severity::Error,
                            Rule::UnparseableNumber,
                            Some(r),
                            grid_col,
                            Some(col),
                            raw.clone(),
                            format!("“{}”的值“{raw_s}”不是有效数字，请填写数字", col.label),
                        );
                        Value::Null
                    }
                },
                ColumnKind::Date => match read_date(&cell) {
                    Ok(None) => Value::Null,
                    Ok(Some(d)) => {
                        if d < pipeline.min_date {
                            ctx.issue(
                                Severity::Error,
                                Rule::DateBeforeMin,
                                Some(r),
                                grid_col,
                                Some(col),
                                raw.clone(),
                                format!(
                                    "“{}”{}早于{}，请核实日期",
                                    col.label, d, pipeline.min_date
                                ),
                            );
                            Value::Null
                        } else if col.not_after_period && d > ctx.out.period.last_day() {
                            ctx.issue(
                                Severity::Error,
                                Rule::DateAfterPeriod,
                                Some(r),
                                grid_col,
                                Some(col),
                                raw.clone(),
                                format!(
                                    "“{}”{}晚于报表所属月份{}，请核实日期或在当月报表中填报",
                                    col.label, d, ctx.out.period
                                ),
                            );
                            Value::Null
                        } else {
                            Value::Date(d)
                        }
                    }
                    Err(ValueError::ErrorCell(e)) => {
                        error_cell(&mut ctx, r, grid_col, col, &e);
                        Value::Null
                    }
                    Err(_) => {
                        let raw_s = raw.clone().unwrap_or_default();
                        ctx.issue(Severity::Error, Rule::UnparseableDate, Some(r), grid_col, Some(col), raw.clone(), format!("“{}”的值“{raw_s}”不是有效日期，请按2025-03-05或2025年3月5日的格式填写", col.label));
                        Value::Null
                    }
                },
            };
            values[i] = v;
        }
        // place below the unit
        super::place::fill_places(pipeline, rt, sheet, r, m, &mut values);
        // Derived values: a missing stage is the furthest stage that has a date.
        for (i, col) in rt.columns.iter().enumerate() {
            if values[i].is_null() && !col.derive_from_dates.is_empty() {
                if let Some(vocab) = pipeline.vocabulary(&col.kind) {
                    if let Some(k) = col
                        .derive_from_dates
                        .iter()
                        .rposition(|&d| !values[d].is_null())
                    {
                        values[i] = Value::Text(vocab.values[k].clone());
                    }
                }
            }
        }
        // reference-list checks
        let from = errors_before.min(ctx.out.issues.len());
        let found = super::reference::check_row(
            pipeline,
            rt,
            sheet,
            r,
            m,
            &mut values,
            &mut ctx.out.issues[from..],
        );
        for f in found {
            let c = m.mapped(f.column).map(|mc| mc.grid_col);
            let col = &rt.columns[f.column];
            ctx.issue(f.severity, f.rule, Some(r), c, Some(col), f.raw, f.message);
        }
        // Required values (after defaults and derivations).
        let new_errors = ctx
            .out
            .issues
            .iter()
            .filter(|i| i.severity == Severity::Error)
            .count()
            > errors_before;
        for (i, col) in rt.columns.iter().enumerate() {
            let grid_col = m.mapped(i).map(|mc| mc.grid_col);
            let had_problem = ctx.out.issues[errors_before..].iter().any(|iss| {
                iss.row == Some(sheet.row_number(r)) && iss.column.as_deref() == Some(&col.name)
            });
            if col.required && values[i].is_null() && !had_problem {
                let msg = if grid_col.is_none() {
                    format!(
                        "报表缺少“{}”列，该行无法确定{}；请增加此列并填写",
                        col.label, col.label
                    )
                } else {
                    format!("“{}”为必填项，当前为空，请补充", col.label)
                };
                ctx.issue(
                    Severity::Error,
                    Rule::MissingRequired,
                    Some(r),
                    grid_col,
                    Some(col),
                    None,
                    msg,
                );
            }
        }
        let rejected = new_errors
            || ctx
                .out
                .issues
                .iter()
                .filter(|i| i.severity == Severity::Error)
                .count()
                > errors_before;
        if ctx.filer.is_none() && !rejected {
            ctx.issue(
                Severity::Error,
                Rule::UnknownFiler,
                Some(r),
                None,
                None,
                None,
                "填报单位无法识别，本行未计入；请在表头上方填写“填报单位：XX区”".to_string(),
            );
        }
        let rejected = rejected || ctx.filer.is_none();
        if rejected {
            ctx.out.accounting.rows_rejected += 1;
        } else {
            ctx.out.accounting.rows_accepted += 1;
            ctx.out.records.push(Record {
                row: sheet.row_number(r),
                values,
            });
        }
    }
}

fn error_cell(ctx: &mut Ctx, r: usize, c: Option<usize>, col: &Column, e: &str) {
    ctx.issue(
        Severity::Error,
        Rule::ErrorCell,
        Some(r),
        c,
        Some(col),
        Some(e.to_string()),
        format!(
            "“{}”单元格为错误值{e}（公式出错），请改为实际数值",
            col.label
        ),
    );
}

fn convert_coded(ctx: &mut Ctx, r: usize, c: Option<usize>, col: &Column, cell: &Cell) -> Value {
    let pipeline = ctx.pipeline;
    let Some(vocab) = pipeline.vocabulary(&col.kind) else {
        return Value::Null;
    };
    if let Cell::Error(e) = cell {
        error_cell(ctx, r, c, col, e);
        return Value::Null;
    }
    let raw = cell.display();
    // A county column with a `place_column` also takes a place below the county
    // (`台山市广海镇`); the caller stores the place (see `normalise::place`).
    let resolved = match (&col.kind, col.place_column) {
        (ColumnKind::County, Some(_)) => match vocab.resolve_place(&raw) {
            crate::pipeline::Place::Value(i, _) => Resolved::Value(i),
            crate::pipeline::Place::NoValue => Resolved::NoValue,
            crate::pipeline::Place::Unknown => Resolved::Unknown,
        },
        _ => vocab.resolve(&raw),
    };
    match resolved {
        Resolved::Value(i) => Value::Text(vocab.values[i].clone()),
        Resolved::NoValue => {
            if raw.trim().is_empty() && col.default_from_filer {
                if let Some(f) = ctx.filer.filter(|f| f.kind == FilerKind::County) {
                    return Value::Text(f.name.clone());
                }
            }
            Value::Null
        }
        Resolved::Unknown => {
            let allowed = vocab.values.join("、");
            if col.kind == ColumnKind::County {
                ctx.issue(
                    Severity::Error,
                    Rule::UnknownCounty,
                    Some(r),
                    c,
                    Some(col),
                    Some(raw.clone()),
                    match (col.place_column, vocab.values.first()) {
                        // Places below the county are accepted: say how to write one.
                        (Some(_), Some(first)) => format!(
                            "“{raw}”不是本市的{}，请填写规范名称：{allowed}（一行只填一个{}；乡镇、园区可写在其名称之后，如“{first}XX镇”）",
                            pipeline.unit_label, pipeline.unit_label
                        ),
                        _ => format!(
                            "“{raw}”不是本市的{}，请填写规范名称：{allowed}",
                            pipeline.unit_label
                        ),
                    },
                );
            } else if vocab.unknown == UnknownPolicy::Reject {
                ctx.issue(
                    Severity::Error,
                    Rule::UnknownValue,
                    Some(r),
                    c,
                    Some(col),
                    Some(raw.clone()),
                    format!(
                        "“{}”的值“{raw}”无法识别，请填写以下之一：{allowed}",
                        col.label
                    ),
                );
            } else {
                ctx.issue(Severity::Warning, Rule::UnknownValue, Some(r), c, Some(col), Some(raw.clone()), format!("“{}”的值“{raw}”不在名单内，已按“无”处理；如属名单内，请按规范名称填写：{allowed}", col.label));
            }
            Value::Null
        }
    }
}

/// A tags cell: every part must be a value of the vocabulary (or a "no value" word); unknown
/// parts follow the vocabulary's `unknown` policy. Stored as the canonical values joined by
/// "、" in vocabulary order.
fn convert_tags(ctx: &mut Ctx, r: usize, c: Option<usize>, col: &Column, cell: &Cell) -> Value {
    let Some(vocab) = ctx.pipeline.vocabulary(&col.kind) else {
        return Value::Null;
    };
    if let Cell::Error(e) = cell {
        error_cell(ctx, r, c, col, e);
        return Value::Null;
    }
    let raw = cell.display();
    let mut found = vec![false; vocab.values.len()];
    let mut unknown = Vec::new();
    for part in split_tags(&raw) {
        match vocab.resolve(&part) {
            Resolved::Value(i) => found[i] = true,
            Resolved::NoValue => {}
            Resolved::Unknown => unknown.push(part),
        }
    }
    if !unknown.is_empty() {
        let allowed = vocab.values.join("、");
        let words = unknown.join("、");
        if vocab.unknown == UnknownPolicy::Reject {
            ctx.issue(
                Severity::Error,
                Rule::UnknownValue,
                Some(r),
                c,
                Some(col),
                Some(raw.clone()),
                format!(
                    "“{}”中的“{words}”无法识别，请只填写以下各项（可多选，用“、”分隔）：{allowed}",
                    col.label
                ),
            );
            return Value::Null;
        }
        ctx.issue(
            Severity::Warning,
            Rule::UnknownValue,
            Some(r),
            c,
            Some(col),
            Some(raw.clone()),
            format!(
                "“{}”中的“{words}”不在名单内，已忽略；如属名单内，请按规范名称填写：{allowed}",
                col.label
            ),
        );
    }
    let tags: Vec<&str> = vocab
        .values
        .iter()
        .zip(&found)
        .filter(|(_, f)| **f)
        .map(|(v, _)| v.as_str())
        .collect();
    if tags.is_empty() {
        Value::Null
    } else {
        Value::Text(tags.join(&crate::assess::TAG_SEPARATOR.to_string()))
    }
}

#[allow(clippy::too_many_arguments)]
fn convert_money(
    ctx: &mut Ctx,
    r: usize,
    c: Option<usize>,
    i: usize,
    col: &Column,
    cell: &Cell,
    unit: MoneyUnit,
    default_unit: MoneyUnit,
    unit_cell: Option<Cell>,
    header_unit: &Option<Result<MoneyUnit, String>>,
    note: Option<MoneyUnit>,
    default_warned: &mut bool,
    m: &HeaderMatch,
) -> Value {
    let raw = (!cell.is_empty()).then(|| cell.display());
    let parsed = match read_number(cell) {
        Ok(None) => return Value::Null,
        Ok(Some(p)) => p,
        Err(ValueError::ErrorCell(e)) => {
            error_cell(ctx, r, c, col, &e);
            return Value::Null;
        }
        Err(_) => {
            let raw_s = raw.clone().unwrap_or_default();
            ctx.issue(
                Severity::Error,
                Rule::UnparseableNumber,
                Some(r),
                c,
                Some(col),
                raw,
                format!(
                    "“{}”的值“{raw_s}”不是有效金额，请填写数字（可带单位，如12.5亿元或8000万元）",
                    col.label
                ),
            );
            return Value::Null;
        }
    };
    // The value's own unit wins, then the row's 单位 cell, the header, the note row, the default.
    let from_value = match &parsed.unit {
        Some(w) => match MoneyUnit::parse(w) {
            Some(u) => Some(u),
            None => {
                ctx.issue(
                    Severity::Error,
                    Rule::UnknownUnit,
                    Some(r),
                    c,
                    Some(col),
                    raw.clone(),
                    format!("“{}”的单位“{w}”无法识别，请使用万元或亿元", col.label),
                );
                return Value::Null;
            }
        },
        None => None,
    };
    let from_unit_cell = unit_cell
        .as_ref()
        .filter(|u| !u.is_empty())
        .map(|u| (MoneyUnit::parse(&u.display()), u.display()));
    let chosen = if let Some(u) = from_value {
        u
    } else if let Some((parsed_unit, word)) = from_unit_cell {
        match parsed_unit {
            Some(u) => u,
            None => {
                let uc = m.mapped(i).and_then(|mc| mc.unit_col);
                ctx.issue(
                    Severity::Error,
                    Rule::UnknownUnit,
                    Some(r),
                    uc,
                    Some(col),
                    Some(word.clone()),
                    format!("“{}”的单位“{word}”无法识别，请使用万元或亿元", col.label),
                );
                return Value::Null;
            }
        }
    } else if let Some(h) = header_unit {
        match h {
            Ok(u) => *u,
            Err(word) => {
                ctx.issue(
                    Severity::Error,
                    Rule::UnknownUnit,
                    Some(r),
                    c,
                    Some(col),
                    raw,
                    format!(
                        "表头中“{}”的单位“{word}”无法识别，请改为万元或亿元",
                        col.label
                    ),
                );
                return Value::Null;
            }
        }
    } else if let Some(u) = note {
        u
    } else {
        if !*default_warned {
            *default_warned = true;
            let header_cell = m.mapped(i).map(|mc| mc.grid_col);
            let row = Some(m.header_row);
            ctx.issue(
                Severity::Warning,
                Rule::DefaultUnit,
                row,
                header_cell,
                Some(col),
                None,
                format!(
                    "“{}”列未注明金额单位，已按{}计；请在表头注明单位，如“{}（万元）”",
                    col.label, default_unit.name, col.label
                ),
            );
        }
        default_unit
    };
    let value = parsed.value * chosen.factor_to(unit);
    check_amount(ctx, r, c, col, value, raw, unit.name)
}

fn check_amount(
    ctx: &mut Ctx,
    r: usize,
    c: Option<usize>,
    col: &Column,
    value: f64,
    raw: Option<String>,
    unit: &str,
) -> Value {
    let raw_s = raw.clone().unwrap_or_default();
    if value < 0.0 {
        ctx.issue(
            Severity::Error,
            Rule::NegativeAmount,
            Some(r),
            c,
            Some(col),
            raw,
            format!("“{}”不能为负数（{raw_s}），请更正", col.label),
        );
        return Value::Null;
    }
    if let Some(max) = col.max {
        if value > max {
            ctx.issue(
                Severity::Error,
                Rule::ImplausibleAmount,
                Some(r),
                c,
                Some(col),
                raw,
                format!(
                    "“{}”为{}{unit}，超过合理上限{}{unit}，请核实金额和单位（是否应为万元）",
                    col.label,
                    crate::ingest::format_number_public(value),
                    max
                ),
            );
            return Value::Null;
        }
    }
    Value::Number(value)
}

#[cfg(test)]
mod tests;
