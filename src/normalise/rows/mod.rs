//! Row classification (data, blank, total, footer) and conversion of data rows into
//! canonical values, with a located issue for everything that cannot be accepted.

use super::codes::{check_uscc, read_bool, split_tags};
use super::header::HeaderMatch;
use super::value::{read_approx_number, read_count, read_date_in, ValueError};
use super::SheetOutcome;
use crate::ingest::{Cell, Sheet};
use crate::issue::{Issue, Rule, Severity};
use crate::pipeline::{
    Check, Column, ColumnKind, Filer, FilerKind, MoneyUnit, Pipeline, Resolved, ReturnType,
    UnknownPolicy,
};
use crate::record::{Record, Value};

mod classify;
mod money;

pub use classify::{classify_row, Labels, RowKind};
use money::ColumnUnit;

struct Ctx<'a> {
    out: &'a mut SheetOutcome,
    sheet: &'a Sheet,
    pipeline: &'a Pipeline,
    filer: Option<&'a Filer>,
    /// Error issues so far (a row with a new one is rejected).
    errors: usize,
}

impl Ctx<'_> {
    #[allow(clippy::too_many_arguments)]
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
        if severity == Severity::Error {
            self.errors += 1;
        }
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

    /// A value of `col` that cannot be read. It rejects the row when the column is required or
    /// `strict`; otherwise it is a warning, the value becomes null (its text stays in the
    /// issue) and the row still counts.
    fn problem(
        &mut self,
        rule: Rule,
        r: usize,
        c: Option<usize>,
        col: &Column,
        raw: Option<String>,
        message: String,
    ) {
        if col.rejects_row() {
            self.issue(Severity::Error, rule, Some(r), c, Some(col), raw, message);
        } else {
            let message = format!(
                "{message}（“{}”为选填项，本行仍计入，此项按空值处理）",
                col.label
            );
            self.issue(Severity::Warning, rule, Some(r), c, Some(col), raw, message);
        }
    }
}

/// Lists a skipped row (severity info) and counts it.
fn skip(ctx: &mut Ctx, r: usize, kind: RowKind, first_text: Option<String>) {
    let required = match kind {
        RowKind::NoContent => required_labels(ctx.out, ctx.pipeline),
        _ => String::new(),
    };
    let acc = &mut ctx.out.accounting;
    acc.rows_skipped += 1;
    let text = first_text.clone().unwrap_or_default();
    let (reason, counter) = match kind {
        RowKind::Section => (
            format!("“{text}”为分组标题行，已跳过（不是项目）"),
            &mut acc.skipped_section,
        ),
        RowKind::Total => (
            format!("“{text}”为合计、小计或其中行，已跳过（不重复计入）"),
            &mut acc.skipped_total,
        ),
        RowKind::Footer => (
            format!("“{text}”为表尾（填报人、审核人、说明等），已跳过"),
            &mut acc.skipped_footer,
        ),
        _ => (
            format!("本行只有序号、备注等不读取的内容（“{text}”），没有项目信息，已跳过；如是项目，请填写{required}等必填项"),
            &mut acc.skipped_blank,
        ),
    };
    *counter += 1;
    ctx.issue(
        Severity::Info,
        Rule::SkippedRow,
        Some(r),
        None,
        None,
        first_text,
        reason,
    );
}

fn required_labels(out: &SheetOutcome, pipeline: &Pipeline) -> String {
    out.return_id
        .as_deref()
        .and_then(|id| pipeline.return_type(id))
        .map(|rt| {
            rt.columns
                .iter()
                .filter(|c| c.required)
                .map(|c| format!("“{}”", c.label))
                .collect::<Vec<_>>()
                .join("、")
        })
        .unwrap_or_default()
}

/// Lists a run of blank rows (grid rows `from..=to`) once.
fn skip_blank_run(ctx: &mut Ctx, from: usize, to: usize) {
    let n = (to - from + 1) as u64;
    let acc = &mut ctx.out.accounting;
    acc.rows_skipped += n;
    acc.skipped_blank += n;
    let (a, b) = (ctx.sheet.row_number(from), ctx.sheet.row_number(to));
    let message = if a == b {
        "空行，已跳过".to_string()
    } else {
        format!("第{a}至{b}行为空行（{n}行），已跳过")
    };
    ctx.issue(
        Severity::Info,
        Rule::SkippedRow,
        Some(from),
        None,
        None,
        None,
        message,
    );
}

pub(super) fn convert_rows(
    out: &mut SheetOutcome,
    sheet: &Sheet,
    pipeline: &Pipeline,
    rt: &ReturnType,
    m: &HeaderMatch,
    filer: Option<&Filer>,
) {
    let labels = Labels::new(rt, m);
    let stated = super::units::stated_units(sheet, m);
    let mut ctx = Ctx {
        out,
        sheet,
        pipeline,
        filer,
        errors: 0,
    };
    let kinds: Vec<(RowKind, Option<String>)> = (m.data_start..sheet.rows.len())
        .map(|r| classify_row(sheet, r, &labels, pipeline))
        .collect();
    let row_kinds: Vec<RowKind> = kinds.iter().map(|(k, _)| *k).collect();
    let units = money::decide_units(&mut ctx, rt, m, &row_kinds, &stated);

    let mut blank_from: Option<usize> = None;
    for (i, (kind, first_text)) in kinds.into_iter().enumerate() {
        let r = m.data_start + i;
        ctx.out.accounting.rows_read += 1;
        if kind == RowKind::Blank {
            blank_from.get_or_insert(r);
            continue;
        }
        if let Some(from) = blank_from.take() {
            skip_blank_run(&mut ctx, from, r - 1);
        }
        match kind {
            RowKind::Data | RowKind::CityAsUnit => {
                convert_row(&mut ctx, rt, m, &labels, &units, r, kind)
            }
            _ => skip(&mut ctx, r, kind, first_text),
        }
    }
    if let Some(from) = blank_from {
        skip_blank_run(&mut ctx, from, sheet.rows.len() - 1);
    }
}

/// Converts one data row: accepted with its values, or rejected with every problem located.
fn convert_row(
    ctx: &mut Ctx,
    rt: &ReturnType,
    m: &HeaderMatch,
    labels: &Labels,
    units: &[Option<ColumnUnit>],
    r: usize,
    kind: RowKind,
) {
    let sheet = ctx.sheet;
    let pipeline = ctx.pipeline;
    let errors_before = ctx.errors;
    let issues_before = ctx.out.issues.len();
    if kind == RowKind::CityAsUnit {
        let c = labels
            .unit_cols
            .iter()
            .copied()
            .find(|&c| !sheet.get(r, c).is_empty());
        let raw = c.map(|c| sheet.get(r, c).display());
        let county_col = rt.columns.iter().find(|c| c.kind == ColumnKind::County);
        let examples: Vec<&str> = pipeline
            .counties
            .iter()
            .take(3)
            .map(String::as_str)
            .collect();
        ctx.issue(
            Severity::Error,
            Rule::CityAsUnit,
            Some(r),
            c,
            county_col,
            raw.clone(),
            format!(
                "本行填写了项目，但“{}”填的是“{}”，指的是全市，无法确定项目所在的{}，本行未计入；请填写具体的{}（如{}）",
                county_col.map(|c| c.label.as_str()).unwrap_or(""),
                raw.unwrap_or_default(),
                pipeline.unit_label,
                pipeline.unit_label,
                examples.join("、")
            ),
        );
    }
    let mut values = vec![Value::Null; rt.columns.len()];
    let mut texts: Vec<(usize, Value)> = Vec::new();
    for (i, col) in rt.columns.iter().enumerate() {
        let mapped = m.mapped(i);
        let grid_col = mapped.map(|mc| mc.grid_col);
        let cell = grid_col.map_or(&Cell::Empty, |c| sheet.get(r, c));
        if let (Some(t), false) = (col.text_column, cell.is_empty()) {
            texts.push((t, Value::Text(cell.shown().trim().to_string())));
        }
        if kind == RowKind::CityAsUnit && col.kind == ColumnKind::County {
            continue; // said once above
        }
        values[i] = convert_value(ctx, r, grid_col, i, col, cell, mapped, units);
    }
    // A cell kept as typed in its `text_column` (a progress sentence, an organiser's name).
    for (t, v) in texts {
        values[t] = v;
    }
    // place below the unit
    super::place::fill_places(pipeline, rt, sheet, r, m, &mut values);
    derive_values(ctx, rt, m, r, &mut values);
    // reference-list checks
    let found = super::reference::check_row(
        pipeline,
        rt,
        sheet,
        r,
        m,
        &mut values,
        &mut ctx.out.issues[issues_before..],
    );
    for f in found {
        let c = m.mapped(f.column).map(|mc| mc.grid_col);
        let col = &rt.columns[f.column];
        ctx.issue(f.severity, f.rule, Some(r), c, Some(col), f.raw, f.message);
    }
    // Required values (after defaults and derivations).
    for (i, col) in rt.columns.iter().enumerate() {
        let grid_col = m.mapped(i).map(|mc| mc.grid_col);
        let had_problem = ctx.out.issues[issues_before..]
            .iter()
            .any(|iss| iss.column.as_deref() == Some(&col.name));
        if col.required && values[i].is_null() && !had_problem {
            let msg = if grid_col.is_none() {
                format!(
                    "报表缺少“{}”列，本行无法确定{}，未计入；请在表头增加“{}”列并填写",
                    col.label, col.label, col.label
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
    let mut rejected = ctx.errors > errors_before;
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
        rejected = true;
    }
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

/// Derived values: a stage that no word or keyword gave is the furthest stage with a date.
fn derive_values(ctx: &mut Ctx, rt: &ReturnType, m: &HeaderMatch, r: usize, values: &mut [Value]) {
    for (i, col) in rt.columns.iter().enumerate() {
        if !values[i].is_null() || col.derive_from_dates.is_empty() {
            continue;
        }
        let Some(vocab) = ctx.pipeline.vocabulary(&col.kind) else {
            continue;
        };
        let derived = col
            .derive_from_dates
            .iter()
            .rposition(|&d| !values[d].is_null());
        if let Some(k) = derived {
            values[i] = Value::Text(vocab.values[k].clone());
        }
        // A sentence that no keyword understood: say what the dates gave.
        let grid_col = m.mapped(i).map(|mc| mc.grid_col);
        let cell = grid_col.map_or(&Cell::Empty, |c| ctx.sheet.get(r, c));
        if cell.is_empty() || !matches!(vocab.resolve(&cell.shown()), Resolved::Unknown) {
            continue;
        }
        let raw = cell.display();
        let message = match derived {
            Some(k) => format!(
                "“{}”的“{raw}”不是规定的写法（{}），已按所填日期判断为“{}”；请填写规定的写法",
                col.label,
                vocab.values.join("、"),
                vocab.values[k]
            ),
            None => format!(
                "“{}”的“{raw}”无法判断（应为{}之一），也没有可推断的日期，此项按空值处理，本行仍计入",
                col.label,
                vocab.values.join("、")
            ),
        };
        ctx.issue(
            Severity::Warning,
            Rule::UnknownValue,
            Some(r),
            grid_col,
            Some(col),
            Some(raw),
            message,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn convert_value(
    ctx: &mut Ctx,
    r: usize,
    grid_col: Option<usize>,
    i: usize,
    col: &Column,
    cell: &Cell,
    mapped: Option<&super::header::MappedColumn>,
    units: &[Option<ColumnUnit>],
) -> Value {
    let sheet = ctx.sheet;
    let raw = || cell.raw();
    match &col.kind {
        ColumnKind::Text => match cell {
            Cell::Error(e) => {
                error_cell(ctx, r, grid_col, col, e);
                Value::Null
            }
            c if c.is_empty() => Value::Null,
            c => match col.check {
                None => Value::Text(crate::text::nfkc(&c.shown())),
                Some(Check::Uscc) => match check_uscc(&c.shown()) {
                    Ok(code) => Value::Text(code),
                    Err(message) => {
                        ctx.problem(
                            Rule::InvalidCode,
                            r,
                            grid_col,
                            col,
                            raw(),
                            format!("“{}”：{message}", col.label),
                        );
                        Value::Null
                    }
                },
            },
        },
        ColumnKind::Bool => match read_bool(cell) {
            Ok(Some(b)) => Value::Bool(b),
            Ok(None) => Value::Null,
            Err(()) => {
                if let Cell::Error(e) = cell {
                    error_cell(ctx, r, grid_col, col, e);
                } else {
                    let raw_s = raw().unwrap_or_default();
                    ctx.problem(
                        Rule::UnknownValue,
                        r,
                        grid_col,
                        col,
                        raw(),
                        format!("“{}”的值“{raw_s}”无法识别，请填写“是”或“否”", col.label),
                    );
                }
                Value::Null
            }
        },
        ColumnKind::Tags(_) => convert_tags(ctx, r, grid_col, col, cell),
        ColumnKind::County | ColumnKind::Vocabulary(_) => {
            convert_coded(ctx, r, grid_col, col, cell)
        }
        ColumnKind::Money { unit, .. } => {
            let unit_cell = mapped
                .and_then(|mc| mc.unit_col)
                .map(|c| (c, sheet.get(r, c)));
            convert_money(
                ctx,
                r,
                grid_col,
                col,
                cell,
                *unit,
                unit_cell,
                units[i].as_ref(),
            )
        }
        ColumnKind::Number { unit } => match read_number_in_unit(cell, unit.as_deref()) {
            Ok(None) => Value::Null,
            Ok(Some(n)) => {
                if n.approx.is_some() || n.remark.is_some() {
                    let counted = crate::ingest::format_number_public(n.value);
                    warn_assumed_number(
                        ctx,
                        r,
                        grid_col,
                        col,
                        cell,
                        n.approx.as_deref(),
                        n.remark.as_deref(),
                        &counted,
                        "数字",
                    );
                }
                check_amount(ctx, r, grid_col, col, n.value, cell, "")
            }
            Err(ValueError::ErrorCell(e)) => {
                error_cell(ctx, r, grid_col, col, &e);
                Value::Null
            }
            Err(_) => {
                let raw_s = raw().unwrap_or_default();
                ctx.problem(
                    Rule::UnparseableNumber,
                    r,
                    grid_col,
                    col,
                    raw(),
                    format!(
                        "“{}”的值“{raw_s}”不是有效数字，请填写数字（如1200或1.2万）",
                        col.label
                    ),
                );
                Value::Null
            }
        },
        ColumnKind::Date => convert_date(ctx, r, grid_col, col, cell),
    }
}

/// A number cell: a count with its magnitude (`1.2万` = 12000, `约300人`), or a number followed
/// by the column's own unit (`274亩` in an 亩 column, `2023年` in a 年 column); any other unit
/// word is not understood.
fn read_number_in_unit(
    cell: &Cell,
    unit: Option<&str>,
) -> Result<Option<super::value::ParsedCount>, ValueError> {
    match read_count(cell) {
        Err(ValueError::NotNumber) => {
            let Some(unit) = unit.map(crate::text::compact) else {
                return Err(ValueError::NotNumber);
            };
            match super::value::read_number(cell)? {
                Some(n)
                    // The column's unit, alone or with an alternative after it (`套/间`, `套(间)`),
                    // or the first of the column's alternatives: `3套已开工` is no number in 套.
                    if n.unit.as_deref().is_some_and(|w| {
                        let w = crate::text::compact(w);
                        w.strip_prefix(unit.as_str())
                            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '(']))
                            || unit.starts_with(&w)
                    }) =>
                {
                    Ok(Some(super::value::ParsedCount {
                        value: n.value,
                        word: n.unit,
                        approx: None,
                        remark: None,
                    }))
                }
                _ => Err(ValueError::NotNumber),
            }
        }
        other => other,
    }
}

/// A date cell, read against the return's month: a date without a year is that year's, a month
/// alone its first day — each said in a warning; a date after the return's month is flagged.
fn convert_date(
    ctx: &mut Ctx,
    r: usize,
    grid_col: Option<usize>,
    col: &Column,
    cell: &Cell,
) -> Value {
    let raw = || cell.raw();
    let period = ctx.out.period;
    let min_date = ctx.pipeline.min_date;
    match read_date_in(cell, period) {
        Ok(None) => Value::Null,
        Ok(Some(read)) => {
            let d = read.date;
            if d < min_date {
                ctx.problem(
                    Rule::DateBeforeMin,
                    r,
                    grid_col,
                    col,
                    raw(),
                    format!("“{}”{}早于{}，请核实日期", col.label, d, min_date),
                );
                return Value::Null;
            }
            if read.after_period(period) && (col.not_after_period || read.year_assumed()) {
                let why = if read.year_assumed() {
                    format!("未写年份，按报表所属年份计为{d}，晚于报表所属月份{period}")
                } else {
                    format!("{d}晚于报表所属月份{period}")
                };
                let message = format!(
                    "“{}”{why}，请核实日期（填写完整年月日）或在当月报表中填报",
                    col.label
                );
                if col.not_after_period {
                    ctx.problem(Rule::DateAfterPeriod, r, grid_col, col, raw(), message);
                    return Value::Null;
                }
                ctx.issue(
                    Severity::Warning,
                    Rule::DateAfterPeriod,
                    Some(r),
                    grid_col,
                    Some(col),
                    raw(),
                    message,
                );
                return Value::Date(d);
            }
            if let Some(text) = read.assumption_text() {
                let raw_s = raw().unwrap_or_default();
                ctx.issue(
                    Severity::Warning,
                    Rule::AssumedValue,
                    Some(r),
                    grid_col,
                    Some(col),
                    raw(),
                    format!("“{}”的“{raw_s}”{text}", col.label),
                );
            }
            Value::Date(d)
        }
        Err(ValueError::ErrorCell(e)) => {
            error_cell(ctx, r, grid_col, col, &e);
            Value::Null
        }
        Err(_) => {
            let raw_s = raw().unwrap_or_default();
            ctx.problem(
                Rule::UnparseableDate,
                r,
                grid_col,
                col,
                raw(),
                format!(
                    "“{}”的值“{raw_s}”不是有效日期，请按2025-03-05或2025年3月5日的格式填写",
                    col.label
                ),
            );
            Value::Null
        }
    }
}

fn error_cell(ctx: &mut Ctx, r: usize, c: Option<usize>, col: &Column, e: &str) {
    ctx.problem(
        Rule::ErrorCell,
        r,
        c,
        col,
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
    let raw = cell.shown();
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
            // A detail in parentheses after a listed value (`制造业（新能源）`): the value, and a
            // warning that the detail was not read.
            let n = crate::text::nfkc(raw.trim());
            if let (base, Some(detail)) = crate::text::split_paren_suffix(&n) {
                if let Resolved::Value(i) = vocab.resolve(base) {
                    let value = vocab.values[i].clone();
                    ctx.issue(
                        Severity::Warning,
                        Rule::AssumedValue,
                        Some(r),
                        c,
                        Some(col),
                        Some(raw.to_string()),
                        format!(
                            "“{}”填的是“{raw}”，已按“{value}”计，括号内的“{detail}”未计入；如需说明请写在备注栏",
                            col.label
                        ),
                    );
                    return Value::Text(value);
                }
            }
            // A sentence (`主体结构施工，已完成投资40%`): the declared keywords, else the dates.
            if let Some(i) = vocab.by_keyword(&raw) {
                return Value::Text(vocab.values[i].clone());
            }
            if !col.derive_from_dates.is_empty() && !col.rejects_row() {
                return Value::Null;
            }
            let allowed = vocab.values.join("、");
            if col.kind == ColumnKind::County {
                ctx.issue(
                    Severity::Error,
                    Rule::UnknownCounty,
                    Some(r),
                    c,
                    Some(col),
                    Some(raw.to_string()),
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
                ctx.problem(
                    Rule::UnknownValue,
                    r,
                    c,
                    col,
                    Some(raw.to_string()),
                    format!(
                        "“{}”的值“{raw}”无法识别，请填写以下之一：{allowed}",
                        col.label
                    ),
                );
            } else {
                ctx.issue(Severity::Warning, Rule::UnknownValue, Some(r), c, Some(col), Some(raw.to_string()), format!("“{}”的值“{raw}”不在名单内，已按“无”处理；如属名单内，请按规范名称填写：{allowed}", col.label));
            }
            Value::Null
        }
    }
}

/// A tags cell: the known parts are kept (canonical values joined by "、" in vocabulary order);
/// unknown parts are a warning, or reject the row when the vocabulary rejects unknown words and
/// the column is required or `strict`.
fn convert_tags(ctx: &mut Ctx, r: usize, c: Option<usize>, col: &Column, cell: &Cell) -> Value {
    let Some(vocab) = ctx.pipeline.vocabulary(&col.kind) else {
        return Value::Null;
    };
    if let Cell::Error(e) = cell {
        error_cell(ctx, r, c, col, e);
        return Value::Null;
    }
    let raw = cell.shown();
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
        if vocab.unknown == UnknownPolicy::Reject && col.rejects_row() {
            ctx.issue(
                Severity::Error,
                Rule::UnknownValue,
                Some(r),
                c,
                Some(col),
                Some(raw.to_string()),
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
            Some(raw.to_string()),
            format!(
                "“{}”中的“{words}”不在名单内，已忽略（其余类型照常计入）；如属名单内，请按规范名称填写：{allowed}",
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

/// A money cell: the value's own unit wins, then the row's `单位` cell, then the column's unit
/// decided for the sheet.
#[allow(clippy::too_many_arguments)]
fn convert_money(
    ctx: &mut Ctx,
    r: usize,
    c: Option<usize>,
    col: &Column,
    cell: &Cell,
    unit: MoneyUnit,
    unit_cell: Option<(usize, &Cell)>,
    column_unit: Option<&ColumnUnit>,
) -> Value {
    let raw = || cell.raw();
    let parsed = match read_approx_number(cell) {
        Ok(None) => return Value::Null,
        Ok(Some(p)) => p,
        Err(ValueError::ErrorCell(e)) => {
            error_cell(ctx, r, c, col, &e);
            return Value::Null;
        }
        Err(_) => {
            let raw_s = raw().unwrap_or_default();
            ctx.problem(
                Rule::UnparseableNumber,
                r,
                c,
                col,
                raw(),
                format!(
                    "“{}”的值“{raw_s}”不是有效金额，请填写数字（可带单位，如12.5亿元或8000万元）",
                    col.label
                ),
            );
            return Value::Null;
        }
    };
    let chosen = if let Some(w) = &parsed.unit {
        match MoneyUnit::parse(w) {
            Some(u) => u,
            None => {
                ctx.problem(
                    Rule::UnknownUnit,
                    r,
                    c,
                    col,
                    raw(),
                    format!("“{}”的单位“{w}”无法识别，请使用万元或亿元", col.label),
                );
                return Value::Null;
            }
        }
    } else if let Some((uc, word)) = unit_cell.filter(|(_, u)| !u.is_empty()) {
        let word = word.display();
        match MoneyUnit::parse(&word) {
            Some(u) => u,
            None => {
                ctx.problem(
                    Rule::UnknownUnit,
                    r,
                    Some(uc),
                    col,
                    Some(word.clone()),
                    format!("“{}”的单位“{word}”无法识别，请使用万元或亿元", col.label),
                );
                return Value::Null;
            }
        }
    } else {
        match column_unit {
            Some(ColumnUnit::Use(u)) => *u,
            Some(ColumnUnit::UnknownWord(word)) => {
                ctx.problem(
                    Rule::UnknownUnit,
                    r,
                    c,
                    col,
                    raw(),
                    format!(
                        "表头中“{}”的单位“{word}”无法识别，请改为万元或亿元",
                        col.label
                    ),
                );
                return Value::Null;
            }
            Some(ColumnUnit::Implausible(u)) => {
                let raw_s = raw().unwrap_or_default();
                ctx.problem(
                    Rule::ImplausibleUnit,
                    r,
                    c,
                    col,
                    raw(),
                    format!(
                        "“{}”为{raw_s}：本列多数数值按{}计超过合理上限，单位很可能有误，本列数值未计入；请核实单位并在表头注明",
                        col.label, u.name
                    ),
                );
                return Value::Null;
            }
            None => unit,
        }
    };
    let value = parsed.value * chosen.factor_to(unit);
    if parsed.approx.is_some() || parsed.remark.is_some() {
        let counted = format!("{}{}", shown_amount(value), unit.name);
        warn_assumed_number(
            ctx,
            r,
            c,
            col,
            cell,
            parsed.approx.as_deref(),
            parsed.remark.as_deref(),
            &counted,
            "金额",
        );
    }
    check_amount(ctx, r, c, col, value, cell, unit.name)
}

/// An amount converted to the column's unit, for a message: as a filer would write it, without
/// the conversion's float noise (4700万元 is 0.47亿元, not 0.47000000000000003亿元).
fn shown_amount(value: f64) -> String {
    crate::ingest::format_number_public((value * 1e8).round() / 1e8)
}

/// What reading a number assumed, each said in a warning: an approximate value (`约3亿`,
/// `近5000万`) counted at its number, and a remark in parentheses (`1.2亿元（其中一期5000万）`)
/// left out of the value before it. `counted` is the value as counted, `what` the kind of value
/// the filer should write (金额, 数字).
#[allow(clippy::too_many_arguments)]
fn warn_assumed_number(
    ctx: &mut Ctx,
    r: usize,
    c: Option<usize>,
    col: &Column,
    cell: &Cell,
    approx: Option<&str>,
    remark: Option<&str>,
    counted: &str,
    what: &str,
) {
    let raw_s = cell.display();
    let messages = [
        approx.map(|words| {
            format!(
                "“{}”填的是约数“{raw_s}”（{words}），已按{counted}计；请填写确切{what}",
                col.label
            )
        }),
        remark.map(|remark| {
            format!(
                "“{}”填的是“{raw_s}”，已按说明前的{counted}计，“{remark}”未计入；如需说明请写在备注栏",
                col.label
            )
        }),
    ];
    for message in messages.into_iter().flatten() {
        ctx.issue(
            Severity::Warning,
            Rule::AssumedValue,
            Some(r),
            c,
            Some(col),
            cell.raw(),
            message,
        );
    }
}

fn check_amount(
    ctx: &mut Ctx,
    r: usize,
    c: Option<usize>,
    col: &Column,
    value: f64,
    cell: &Cell,
    unit: &str,
) -> Value {
    let raw = || cell.raw();
    let raw_s = || raw().unwrap_or_default();
    if !value.is_finite() {
        ctx.problem(
            Rule::UnparseableNumber,
            r,
            c,
            col,
            raw(),
            format!("“{}”的值“{}”不是有效数字，请填写数字", col.label, raw_s()),
        );
        return Value::Null;
    }
    if value < 0.0 {
        ctx.problem(
            Rule::NegativeAmount,
            r,
            c,
            col,
            raw(),
            format!("“{}”不能为负数（{}），请更正", col.label, raw_s()),
        );
        return Value::Null;
    }
    if let Some(max) = col.max {
        if value > max {
            ctx.problem(
                Rule::ImplausibleAmount,
                r,
                c,
                col,
                raw(),
                format!(
                    "“{}”为{}{unit}，超过合理上限{}{unit}，请核实金额和单位（是否应为万元）",
                    col.label,
                    shown_amount(value),
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
