//! Money columns: each column's unit is decided once per sheet from all its evidence — the
//! header (`计划总投资（万元）`, a unit over a group of columns), a note row or title
//! (`单位：万元、亩`, `计量单位：万元`, `…台账（万元）`), else the column's default — and checked
//! against the column's values: when most of them are implausible in that unit, the column is
//! reported once at sheet level and none of its values is counted in that unit. A value's own
//! unit (`12.5亿`, `8000万元`) and a row's `单位` cell still win for that value.

use super::super::units::{unit_for, StatedUnit};
use super::super::value::read_approx_number;
use super::{Ctx, RowKind};
use crate::ingest::Sheet;
use crate::issue::{Rule, Severity};
use crate::normalise::header::HeaderMatch;
use crate::pipeline::{Column, ColumnKind, MoneyUnit, ReturnType};

/// Where a money column's unit comes from, for values that carry none.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum UnitSource {
    Header,
    /// A note or title: its text.
    Note(String),
    Default,
}

/// The unit of a money column for values without their own.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ColumnUnit {
    Use(MoneyUnit),
    /// The header's unit word is not understood (every value without its own unit is rejected).
    UnknownWord(String),
    /// Most values are implausible in the stated unit: none of them is counted in it.
    Implausible(MoneyUnit),
}

/// Decides the unit of every money column of the sheet (indexed by column of the return type).
pub(super) fn decide_units(
    ctx: &mut Ctx,
    rt: &ReturnType,
    m: &HeaderMatch,
    kinds: &[RowKind],
    stated: &[StatedUnit],
) -> Vec<Option<ColumnUnit>> {
    let sheet = ctx.sheet;
    let mut out = vec![None; rt.columns.len()];
    for mc in &m.columns {
        let col = &rt.columns[mc.column];
        let ColumnKind::Money { unit, default_unit } = col.kind else {
            continue;
        };
        let header_text = sheet.get(m.header_row, mc.grid_col).display();
        let (chosen, source) = match &mc.header_unit {
            Some(word) => match MoneyUnit::parse(word) {
                Some(u) => (u, UnitSource::Header),
                None => {
                    out[mc.column] = Some(ColumnUnit::UnknownWord(word.clone()));
                    continue;
                }
            },
            None => match unit_for(stated, &col.label).or_else(|| unit_for(stated, &header_text)) {
                Some(s) => (s.unit, UnitSource::Note(s.text.clone())),
                None => (default_unit, UnitSource::Default),
            },
        };
        // The values that would be read in the column's unit.
        let values = bare_values(sheet, m, mc.grid_col, mc.unit_col, kinds);
        let header_cell = Some(mc.grid_col);
        let header_row = Some(m.header_row);
        let implausible = |u: MoneyUnit| {
            col.max.map_or(0, |max| {
                values
                    .iter()
                    .filter(|v| **v * u.factor_to(unit) > max)
                    .count()
            })
        };
        let mostly_implausible = values.len() >= 2 && implausible(chosen) * 2 > values.len();
        let decided = if !mostly_implausible {
            ColumnUnit::Use(chosen)
        } else if source == UnitSource::Default {
            // No unit stated anywhere: the smaller unit in which every value makes sense.
            match MoneyUnit::ALL
                .iter()
                .copied()
                .filter(|u| u.yuan < chosen.yuan)
                .find(|u| implausible(*u) == 0)
            {
                Some(alt) => {
                    ctx.issue(
                        Severity::Warning,
                        Rule::ImplausibleUnit,
                        header_row,
                        header_cell,
                        Some(col),
                        None,
                        format!(
                            "“{}”列未注明单位，按{}计{}个数值中有{}个超过合理上限，已将本列按{}计；请在表头注明单位，如“{}（{}）”",
                            col.label,
                            chosen.name,
                            values.len(),
                            implausible(chosen),
                            alt.name,
                            col.label,
                            alt.name
                        ),
                    );
                    ColumnUnit::Use(alt)
                }
                None => implausible_column(
                    ctx,
                    col,
                    chosen,
                    &values,
                    header_row,
                    header_cell,
                    implausible(chosen),
                ),
            }
        } else {
            implausible_column(
                ctx,
                col,
                chosen,
                &values,
                header_row,
                header_cell,
                implausible(chosen),
            )
        };
        if let ColumnUnit::Use(u) = &decided {
            if !values.is_empty() {
                match &source {
                    UnitSource::Note(text) if decided == ColumnUnit::Use(chosen) => ctx.issue(
                        Severity::Warning,
                        Rule::AssumedValue,
                        header_row,
                        header_cell,
                        Some(col),
                        Some(text.clone()),
                        format!(
                            "“{}”列表头未注明单位，已按表上方说明“{text}”取{}；请在表头注明单位，如“{}（{}）”",
                            col.label, u.name, col.label, u.name
                        ),
                    ),
                    UnitSource::Default if decided == ColumnUnit::Use(chosen) => ctx.issue(
                        Severity::Warning,
                        Rule::DefaultUnit,
                        header_row,
                        header_cell,
                        Some(col),
                        None,
                        format!(
                            "“{}”列未注明金额单位，已按{}计；请在表头注明单位，如“{}（{}）”",
                            col.label, u.name, col.label, u.name
                        ),
                    ),
                    _ => {}
                }
            }
        }
        out[mc.column] = Some(decided);
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn implausible_column(
    ctx: &mut Ctx,
    col: &Column,
    chosen: MoneyUnit,
    values: &[f64],
    header_row: Option<usize>,
    header_cell: Option<usize>,
    bad: usize,
) -> ColumnUnit {
    ctx.issue(
        Severity::Warning,
        Rule::ImplausibleUnit,
        header_row,
        header_cell,
        Some(col),
        None,
        format!(
            "“{}”列按{}计，{}个数值中有{}个超过合理上限，单位很可能有误：本列未注明单位的数值均未计入；请核实单位（是否应为万元）并在表头注明后重新报送",
            col.label,
            chosen.name,
            values.len(),
            bad
        ),
    );
    ColumnUnit::Implausible(chosen)
}

/// The numbers of a column's data rows that carry no unit of their own (nor in a `单位` cell).
fn bare_values(
    sheet: &Sheet,
    m: &HeaderMatch,
    grid_col: usize,
    unit_col: Option<usize>,
    kinds: &[RowKind],
) -> Vec<f64> {
    kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| **k == RowKind::Data)
        .map(|(i, _)| m.data_start + i)
        .filter(|&r| unit_col.is_none_or(|uc| sheet.get(r, uc).is_empty()))
        .filter_map(|r| match read_approx_number(sheet.get(r, grid_col)) {
            Ok(Some(p)) if p.unit.is_none() && p.value.is_finite() => Some(p.value),
            _ => None,
        })
        .collect()
}
