//! Which rows of a table are projects: blank, section, total and footer rows are told from the
//! label cells only — the row-number column (序号), the table's first column, the identity text
//! columns (项目名称, 投资主体) and the unit column — never from remarks or progress sentences.

use super::super::header::HeaderMatch;
use crate::ingest::{Cell, Sheet};
use crate::pipeline::{ColumnKind, Pipeline, ReturnType};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Data,
    Blank,
    /// A group title inside the table: `（一）制造业项目`, `三、拟落地项目`.
    Section,
    /// 合计/小计/总计/其中 rows and rows whose unit cell names the whole city.
    Total,
    /// 填报人, 审核人, 联系电话, 说明 … below the table.
    Footer,
    /// Only cells that are not read (序号, 备注) are filled: no project.
    NoContent,
    /// The unit cell names the whole city but the row names a project: rejected.
    CityAsUnit,
}

const TOTAL_WORDS: [&str; 6] = ["合计", "小计", "总计", "其中", "总合计", "累计"];
const FOOTER_WORDS: [&str; 14] = [
    "填报人",
    "审核人",
    "联系电话",
    "联系人",
    "说明",
    "注:",
    "注1",
    "备注:",
    "填表说明",
    "制表",
    "负责人",
    "填报日期",
    "领导签字",
    "单位盖章",
];

/// Where the label cells of a table are.
#[derive(Debug, Clone)]
pub struct Labels {
    /// Grid columns whose cells can hold a label.
    pub cols: Vec<usize>,
    /// Grid columns of the identity's text columns (the project's name, its investor).
    pub name_cols: Vec<usize>,
    /// Grid columns of unit (county) columns.
    pub unit_cols: Vec<usize>,
    /// Grid columns of every read column.
    pub data_cols: Vec<usize>,
    /// Grid columns of read columns other than names and amounts (a section row has none
    /// filled: it may carry a subtotal, never a date, a sector or an indicator number).
    pub fact_cols: Vec<usize>,
}

impl Labels {
    pub fn new(rt: &ReturnType, m: &HeaderMatch) -> Labels {
        let grid = |i: usize| m.mapped(i).map(|mc| mc.grid_col);
        let identity_cols: Vec<usize> = rt
            .identity
            .id
            .iter()
            .chain(rt.identity.fallback.iter())
            .copied()
            .filter(|&i| rt.columns[i].kind == ColumnKind::Text)
            .collect();
        let name_cols: Vec<usize> = identity_cols.iter().filter_map(|&i| grid(i)).collect();
        let unit_cols: Vec<usize> = (0..rt.columns.len())
            .filter(|&i| rt.columns[i].kind == ColumnKind::County)
            .filter_map(grid)
            .collect();
        let mut cols: Vec<usize> = m.index_cols.clone();
        cols.push(m.first_col);
        cols.extend(&name_cols);
        cols.extend(&unit_cols);
        cols.sort_unstable();
        cols.dedup();
        let fact_cols = m
            .columns
            .iter()
            .filter(|mc| !matches!(rt.columns[mc.column].kind, ColumnKind::Money { .. }))
            .map(|mc| mc.grid_col)
            .filter(|c| !name_cols.contains(c))
            .collect();
        Labels {
            cols,
            name_cols,
            unit_cols,
            data_cols: m.columns.iter().map(|c| c.grid_col).collect(),
            fact_cols,
        }
    }
}

fn text_of(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Text(t) => Some(crate::text::compact(t)).filter(|t| !t.is_empty()),
        _ => None,
    }
}

/// `一、…`, `（一）…`, `(1)…`, `第二部分…`, or a row number that is a Chinese numeral (`三`).
pub fn is_section_label(text: &str) -> bool {
    const NUMERALS: &str = "一二三四五六七八九十";
    let numeral = |c: char| NUMERALS.contains(c);
    let roman = |c: char| ('Ⅰ'..='Ⅻ').contains(&c) || ('ⅰ'..='ⅻ').contains(&c);
    let mut chars = text.chars().peekable();
    let first = match chars.peek() {
        Some(c) => *c,
        None => return false,
    };
    if numeral(first) || roman(first) {
        let rest: String = text
            .chars()
            .skip_while(|c| numeral(*c) || roman(*c))
            .collect();
        return rest.is_empty() || rest.starts_with(['、', '.', ':', '是']);
    }
    if first == '(' {
        let inner: String = text[1..].chars().take_while(|c| *c != ')').collect();
        return !inner.is_empty()
            && text[1..].contains(')')
            && inner
                .chars()
                .all(|c| numeral(c) || roman(c) || c.is_ascii_digit());
    }
    if let Some(rest) = text.strip_prefix('第') {
        let after: String = rest.chars().skip_while(|c| numeral(*c)).collect();
        return after.len() < rest.len()
            && ["部分", "类", "批", "项", "组", "章"]
                .iter()
                .any(|w| after.starts_with(w));
    }
    false
}

/// Classifies grid row `r`.
pub fn classify_row(
    sheet: &Sheet,
    r: usize,
    labels: &Labels,
    pipeline: &Pipeline,
) -> (RowKind, Option<String>) {
    let Some(row) = sheet.rows.get(r) else {
        return (RowKind::Blank, None);
    };
    let first_text = row
        .iter()
        .find(|c| !c.is_empty())
        .map(|c| c.display().trim().to_string());
    if first_text.is_none() {
        return (RowKind::Blank, None);
    }
    let mut label_texts: Vec<(usize, String)> = labels
        .cols
        .iter()
        .filter_map(|&c| text_of(sheet.get(r, c)).map(|t| (c, t)))
        .collect();
    // No label cell filled: the row's first text speaks for it (a footer in another column).
    if labels.cols.iter().all(|&c| sheet.get(r, c).is_empty()) {
        if let Some((c, t)) = row
            .iter()
            .enumerate()
            .find_map(|(c, cell)| text_of(cell).map(|t| (c, t)))
        {
            label_texts.push((c, t));
        }
    }
    let kind = if label_texts
        .iter()
        .any(|(_, t)| TOTAL_WORDS.iter().any(|w| t.starts_with(w)))
    {
        RowKind::Total
    } else if label_texts
        .iter()
        .any(|(_, t)| FOOTER_WORDS.iter().any(|w| t.starts_with(w)))
    {
        RowKind::Footer
    } else if let Some(k) = city_row(sheet, r, labels, pipeline) {
        k
    } else if is_section(sheet, r, labels, &label_texts) {
        RowKind::Section
    } else if labels.data_cols.iter().all(|&c| sheet.get(r, c).is_empty()) {
        RowKind::NoContent
    } else {
        RowKind::Data
    };
    (kind, first_text)
}

/// A label numbered as a section (`一、制造业项目`, or `三` in 序号 with `拟落地项目` beside it),
/// with at most one name filled and no other read value but amounts: a group title, not a
/// project.
fn is_section(sheet: &Sheet, r: usize, labels: &Labels, label_texts: &[(usize, String)]) -> bool {
    if !label_texts.iter().any(|(_, t)| is_section_label(t)) {
        return false;
    }
    let names = labels
        .name_cols
        .iter()
        .filter(|&&c| !sheet.get(r, c).is_empty())
        .count();
    let label_cols: Vec<usize> = label_texts
        .iter()
        .filter(|(_, t)| is_section_label(t))
        .map(|(c, _)| *c)
        .collect();
    let facts = labels
        .fact_cols
        .iter()
        .any(|&c| !label_cols.contains(&c) && !sheet.get(r, c).is_empty());
    names <= 1 && !facts
}

/// A unit cell naming the whole city (江门市, 全市): a total row, or — when the row also names
/// a project — a row to reject.
fn city_row(sheet: &Sheet, r: usize, labels: &Labels, pipeline: &Pipeline) -> Option<RowKind> {
    let city = crate::text::compact(&pipeline.city);
    let names_city = labels.unit_cols.iter().any(|&c| {
        text_of(sheet.get(r, c)).is_some_and(|v| {
            v == city || v == "全市" || v.starts_with("全市合计") || v == format!("{city}合计")
        })
    });
    if !names_city {
        return None;
    }
    let names_project = labels
        .name_cols
        .iter()
        .any(|&c| !sheet.get(r, c).is_empty());
    Some(if names_project {
        RowKind::CityAsUnit
    } else {
        RowKind::Total
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_labels_are_numbered_group_titles() {
        for s in [
            "一、制造业项目",
            "三、拟落地项目",
            "(一)制造业项目",
            "(1)续建项目",
            "第二部分服务业项目",
            "二",
        ] {
            assert!(is_section_label(s), "{s}");
        }
        for s in [
            "年产10万吨新材料项目",
            "1",
            "12",
            "一期厂房",
            "十分钟生活圈项目",
        ] {
            assert!(!is_section_label(s), "{s}");
        }
    }
}
