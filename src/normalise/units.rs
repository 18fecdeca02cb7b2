//! Money units stated around a table rather than in its header: a note row (`单位：万元`,
//! `计量单位：万元`, `金额单位：万元；面积单位：亩`, `单位：万元、亩`), a unit in the title's
//! parentheses (`…项目台账（万元）`, `…（单位：万元）`), or a `单位：万元` cell at the header
//! row's right end. Each statement says which columns it is about (`金额`, `投资`, or every
//! money column); the row conversion applies it to each money column that states no unit of its
//! own.

use super::header::HeaderMatch;
use crate::ingest::{Cell, Sheet};
use crate::pipeline::MoneyUnit;

/// One money unit stated in a cell, and the subject it was stated for (`金额`, `投资`, or empty
/// for every money column).
#[derive(Debug, Clone, PartialEq)]
pub struct StatedUnit {
    pub unit: MoneyUnit,
    /// The words before `单位` (`金额`, `投资`, `产值`), compacted; empty or `计量` for all columns.
    pub subject: String,
    /// The cell's text, for messages.
    pub text: String,
}

/// Subjects that name every money column.
const GENERAL_SUBJECTS: [&str; 5] = ["", "计量", "金额", "货币", "资金"];

/// Words before `单位` that make it a filer, not a unit (`填报单位：蓬江区`).
const NOT_A_UNIT: [&str; 6] = ["填报", "报送", "填表", "监测", "责任", "牵头"];

/// Every money unit a text states: `单位：万元、亩` gives 万元 (亩 is no money unit);
/// `金额单位：万元；面积单位：亩` gives 万元 for `金额`; `（万元）` gives 万元 for every column.
pub fn units_in_text(raw: &str) -> Vec<StatedUnit> {
    let mut out = statements(raw);
    out.extend(parenthesised(raw));
    out
}

/// `…单位：万元…` statements only.
fn statements(raw: &str) -> Vec<StatedUnit> {
    let text = crate::text::compact(raw);
    let mut out = Vec::new();
    for (i, _) in text.match_indices("单位") {
        let before = &text[..i];
        if NOT_A_UNIT.iter().any(|w| before.ends_with(w)) {
            continue;
        }
        let subject: String = before
            .chars()
            .rev()
            .take_while(|c| !is_separator(*c))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let rest = text[i + "单位".len()..].trim_start_matches([':', '为', '是']);
        let clause: String = rest.chars().take_while(|c| !is_clause_end(*c)).collect();
        for word in clause.split(['、', '/', '和', '及', ' ', '或']) {
            if let Some(unit) = MoneyUnit::parse(word) {
                out.push(StatedUnit {
                    unit,
                    subject: subject.clone(),
                    text: raw.trim().to_string(),
                });
            }
        }
    }
    out
}

/// A parenthesised unit alone: `江海区项目台账（万元）`.
fn parenthesised(raw: &str) -> Vec<StatedUnit> {
    let text = crate::text::compact(raw);
    let mut out = Vec::new();
    for part in text.split('(').skip(1) {
        let inner = part.split(')').next().unwrap_or("");
        if let Some(unit) = MoneyUnit::parse(inner) {
            out.push(StatedUnit {
                unit,
                subject: String::new(),
                text: raw.trim().to_string(),
            });
        }
    }
    out
}

fn is_separator(c: char) -> bool {
    is_clause_end(c) || c == '(' || c == ':'
}

fn is_clause_end(c: char) -> bool {
    matches!(c, ';' | ',' | ')' | '。' | '；' | '，' | '.')
}

/// Every unit stated in the cells above the header, and the `单位：…` statements in the header
/// row's cells that are no column of the table (a `单位：万元` at its right end; a bare `（万元）`
/// there belongs to a column the return does not read).
pub fn stated_units(sheet: &Sheet, m: &HeaderMatch) -> Vec<StatedUnit> {
    let mut out = Vec::new();
    let mapped: Vec<usize> = m
        .columns
        .iter()
        .map(|c| c.grid_col)
        .chain(m.index_cols.iter().copied())
        .collect();
    for r in 0..m.data_start.min(sheet.rows.len()) {
        for (c, cell) in sheet.rows[r].iter().enumerate() {
            let Cell::Text(t) = cell else { continue };
            if r >= m.header_row {
                if !mapped.contains(&c) {
                    out.extend(statements(t));
                }
                continue;
            }
            out.extend(units_in_text(t));
        }
    }
    out
}

/// The unit stated for a money column labelled `label`: a statement whose subject the label
/// contains wins over a general one; several different general units say nothing.
pub fn unit_for<'a>(stated: &'a [StatedUnit], label: &str) -> Option<&'a StatedUnit> {
    let label = crate::text::compact(label);
    let specific = stated
        .iter()
        .find(|s| !GENERAL_SUBJECTS.contains(&s.subject.as_str()) && label.contains(&s.subject));
    if specific.is_some() {
        return specific;
    }
    let general: Vec<&StatedUnit> = stated
        .iter()
        .filter(|s| GENERAL_SUBJECTS.contains(&s.subject.as_str()))
        .collect();
    let first = general.first()?;
    general
        .iter()
        .all(|s| s.unit == first.unit)
        .then_some(*first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(t: &str) -> Vec<(&'static str, String)> {
        units_in_text(t)
            .into_iter()
            .map(|s| (s.unit.name, s.subject))
            .collect()
    }

    #[test]
    fn a_note_naming_several_units_gives_its_money_unit() {
        assert_eq!(names("单位：万元、亩"), vec![("万元", String::new())]);
        assert_eq!(names("（单位：万元，亩）"), vec![("万元", String::new())]);
        assert_eq!(
            names("金额单位：万元；面积单位：亩"),
            vec![("万元", "金额".to_string())]
        );
        assert_eq!(names("计量单位：万元"), vec![("万元", "计量".to_string())]);
    }

    #[test]
    fn a_unit_in_the_title_parentheses_applies() {
        assert_eq!(
            names("2025年江海区招商引资项目台账（万元）"),
            vec![("万元", String::new())]
        );
        assert_eq!(
            names("江海区招商引资项目台账(单位:亿元)"),
            vec![("亿元", String::new())]
        );
    }

    #[test]
    fn a_filer_cell_states_no_unit() {
        assert!(names("填报单位：江门市蓬江区投资促进局").is_empty());
        assert!(names("报送单位：万元").is_empty());
    }

    #[test]
    fn a_subject_statement_applies_to_its_columns_only() {
        let stated = units_in_text("投资单位：亿元；产值单位：万元");
        assert_eq!(
            unit_for(&stated, "计划总投资").map(|s| s.unit.name),
            Some("亿元")
        );
        assert_eq!(
            unit_for(&stated, "预计年产值").map(|s| s.unit.name),
            Some("万元")
        );
        assert_eq!(unit_for(&stated, "预计年税收"), None);
        let general = units_in_text("单位：万元");
        assert_eq!(
            unit_for(&general, "预计年税收").map(|s| s.unit.name),
            Some("万元")
        );
        let both = [units_in_text("单位：万元"), units_in_text("（亿元）")].concat();
        assert_eq!(unit_for(&both, "计划总投资"), None);
    }
}
