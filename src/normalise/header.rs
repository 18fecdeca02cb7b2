//! Recognises a sheet's return type by its header (DESIGN §2.1–2.2): the header row may sit
//! anywhere in the first rows, span two rows (merged cells, group titles), put the columns in
//! any order and use any listed spelling, with units in parentheses.

use crate::ingest::{Cell, Sheet};
use crate::pipeline::{ColumnKind, MoneyUnit, Pipeline, ReturnType};
use crate::text::header_label;
use std::borrow::Cow;

/// How far down a header is looked for.
pub const HEADER_SEARCH_ROWS: usize = 20;

/// Where a canonical column is on the sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedColumn {
    /// Index of the column in the return type.
    pub column: usize,
    /// Grid column.
    pub grid_col: usize,
    /// Unit written in the header, e.g. `万元` from `总投资（万元）`.
    pub header_unit: Option<String>,
    /// A sibling `单位` column whose cells give each row's unit (`计划总投资` over `金额`/`单位`).
    pub unit_col: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct HeaderMatch {
    pub return_index: usize,
    /// Grid row of the (first) header row.
    pub header_row: usize,
    /// Grid row of the first data row.
    pub data_start: usize,
    pub columns: Vec<MappedColumn>,
    /// Header labels that named a column already taken (grid col, label).
    pub duplicates: Vec<(usize, String)>,
    /// The second header row is a sub-header (金额/单位 or units under the titles) and
    /// every label in it was understood.
    pub sub_header: bool,
    /// Grid columns of row-number headers (序号).
    pub index_cols: Vec<usize>,
    /// The table's first grid column (the leftmost header cell).
    pub first_col: usize,
    /// Header cells naming no column of the return (grid col, label): not read.
    pub unread: Vec<(usize, String)>,
    /// Required columns the header lacks (indices in the return type). Empty for a full
    /// match; a header naming more of the return's required columns than it lacks is still
    /// that return, and every data row is rejected for the missing column (nothing is lost
    /// without a word).
    pub missing: Vec<usize>,
}

impl HeaderMatch {
    pub fn mapped(&self, column: usize) -> Option<&MappedColumn> {
        self.columns.iter().find(|m| m.column == column)
    }
}

fn label(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => header_label(s),
        _ => String::new(),
    }
}

/// The header labels of the rows a header is looked for in (and the row under the last, for
/// a two-row header), each row `width` long: worked out once per sheet, as every return type
/// and every candidate row reads them.
struct Labels {
    rows: Vec<Vec<String>>,
    width: usize,
}

impl Labels {
    fn of(sheet: &Sheet) -> Labels {
        let width = sheet.width();
        let rows = (0..sheet.rows.len().min(HEADER_SEARCH_ROWS + 1))
            .map(|r| (0..width).map(|c| label(sheet.get(r, c))).collect())
            .collect();
        Labels { rows, width }
    }

    /// The label at (r, c); empty outside the rows worked out.
    fn get(&self, r: usize, c: usize) -> &str {
        self.rows
            .get(r)
            .and_then(|row| row.get(c))
            .map_or("", String::as_str)
    }
}

/// Maps the header starting at grid row `r`, over one row or (when `two_rows`) two.
fn map_header(labels: &Labels, rt: &ReturnType, r: usize, two_rows: bool) -> HeaderMatch {
    let width = labels.width;
    let mut columns: Vec<MappedColumn> = Vec::new();
    let mut duplicates = Vec::new();
    let mut group_title = "";
    let mut pending_units: Vec<(usize, String)> = Vec::new();
    let mut markers = 0;
    let mut unconsumed = 0;
    let mut index_cols = Vec::new();
    let mut first_col: Option<usize> = None;
    let mut unread: Vec<(usize, String)> = Vec::new();
    for c in 0..width {
        let top = labels.get(r, c);
        let bottom = if two_rows { labels.get(r + 1, c) } else { "" };
        if !top.is_empty() {
            group_title = top;
        }
        if top.is_empty() && bottom.is_empty() {
            continue;
        }
        if first_col.is_none() {
            first_col = Some(c);
        }
        let parent = if top.is_empty() { group_title } else { top };
        let mut candidates: Vec<Cow<str>> = Vec::new();
        if !bottom.is_empty() {
            if bottom == "单位" || bottom == "计量单位" {
                markers += 1;
                pending_units.push((c, parent.to_string()));
                continue;
            }
            // A unit under a `单位` column is that column's first value, not a sub-header.
            let unit_column = top == "单位" || top == "计量单位";
            if (is_unit_label(bottom) && !unit_column) || bottom == "金额" || bottom == "数额" {
                markers += 1;
            }
            if is_unit_label(bottom) && !parent.is_empty() {
                // `计划总投资` over `万元`: the unit of the column above.
                let unit = bottom.trim_start_matches('(').trim_end_matches(')');
                candidates.push(format!("{parent}({unit})").into());
            }
            candidates.push(bottom.into());
            if !parent.is_empty() {
                candidates.push(format!("{parent}{bottom}").into());
                if bottom == "金额" || bottom == "数额" || bottom.starts_with("金额(") {
                    let unit = crate::text::split_paren_suffix(bottom)
                        .1
                        .map(|u| format!("({u})"))
                        .unwrap_or_default();
                    candidates.push(format!("{parent}{unit}").into());
                }
            }
        }
        if !top.is_empty() {
            candidates.push(top.into());
        }
        let mut consumed = false;
        // A unit given by the title over a group of columns: `投资情况（万元）` or `万元`.
        let group_unit = if !bottom.is_empty() {
            group_unit(parent)
        } else {
            None
        };
        for cand in candidates {
            if rt.index_headers.contains(cand.as_ref()) {
                index_cols.push(c);
                consumed = true;
                break;
            }
            if rt.ignored_headers.contains(cand.as_ref()) {
                consumed = true;
                break;
            }
            if let Some((col, unit)) = rt.match_header(&cand) {
                if columns.iter().any(|m| m.column == col) {
                    duplicates.push((c, cand.into_owned()));
                } else {
                    let header_unit = unit.or_else(|| {
                        (cand == bottom && matches!(rt.columns[col].kind, ColumnKind::Money { .. }))
                            .then(|| group_unit.clone())
                            .flatten()
                    });
                    columns.push(MappedColumn {
                        column: col,
                        grid_col: c,
                        header_unit,
                        unit_col: None,
                    });
                }
                consumed = true;
                break;
            }
        }
        if !bottom.is_empty() && !consumed {
            unconsumed += 1;
        }
        if !consumed {
            let shown = if bottom.is_empty() { top } else { bottom };
            unread.push((c, shown.to_string()));
        }
    }
    // `单位` sub-columns give the unit of the money column under the same group title.
    for (c, parent) in pending_units {
        if let Some((col, _)) = rt.match_header(&parent) {
            if matches!(rt.columns[col].kind, ColumnKind::Money { .. }) {
                if let Some(m) = columns.iter_mut().find(|m| m.column == col) {
                    m.unit_col = Some(c);
                }
            }
        }
    }
    let data_start = if two_rows { r + 2 } else { r + 1 };
    HeaderMatch {
        return_index: 0,
        header_row: r,
        data_start,
        columns,
        duplicates,
        sub_header: two_rows && markers > 0 && unconsumed == 0,
        index_cols,
        first_col: first_col.unwrap_or(0),
        unread,
        missing: Vec::new(),
    }
}

/// The money unit a group title states for the columns under it: `投资情况(万元)`, `万元`.
fn group_unit(title: &str) -> Option<String> {
    let t = title.trim_start_matches('(').trim_end_matches(')');
    if MoneyUnit::parse(t).is_some() {
        return Some(t.to_string());
    }
    let (_, inner) = crate::text::split_paren_suffix(title);
    let inner = inner?;
    let inner = inner.strip_prefix("单位:").unwrap_or(inner);
    MoneyUnit::parse(inner).map(|_| inner.to_string())
}

/// A header cell that is only a unit: `万元`, `(亿元)`, `亩`, `套/间`.
fn is_unit_label(label: &str) -> bool {
    let l = label.trim_start_matches('(').trim_end_matches(')');
    MoneyUnit::parse(l).is_some()
        || [
            "亩",
            "个",
            "人",
            "套",
            "间",
            "套/间",
            "%",
            "万元/年",
            "万元/亩",
        ]
        .contains(&l)
}

/// Is the match enough to call the sheet this return type? `Some(missing)` with the required
/// columns it lacks (empty for a full match): a header may lack required columns as long as it
/// names at least two of them, so a ledger without its 行业类别 column, or a list of project
/// names and amounts, is read and its rows rejected for the missing columns, while a summary or
/// notes sheet naming at most one required column is not taken for a return.
fn fit(rt: &ReturnType, m: &HeaderMatch) -> Option<Vec<usize>> {
    let has = |i: usize| m.columns.iter().any(|c| c.column == i);
    let any_ok = rt.recognise_any.is_empty() || rt.recognise_any.iter().any(|&i| has(i));
    if !any_ok || m.columns.len() < 2 {
        return None;
    }
    let (present, missing): (Vec<usize>, Vec<usize>) = rt
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.required && !c.default_from_filer)
        .map(|(i, _)| i)
        .partition(|&i| has(i));
    (missing.is_empty() || present.len() >= 2).then_some(missing)
}

/// Finds the best header over all return types, or None when the sheet is no known return.
/// A full match beats one lacking required columns; then the header naming more columns wins.
pub fn recognise(sheet: &Sheet, pipeline: &Pipeline) -> Option<HeaderMatch> {
    let mut best: Option<HeaderMatch> = None;
    let rows = sheet.rows.len().min(HEADER_SEARCH_ROWS);
    let labels = Labels::of(sheet);
    let rank = |m: &HeaderMatch| (m.missing.is_empty(), m.columns.len());
    for (ri, rt) in pipeline.returns.iter().enumerate() {
        let one_row: Vec<HeaderMatch> = (0..rows)
            .map(|r| map_header(&labels, rt, r, false))
            .collect();
        for r in 0..one_row.len() {
            let mut cand = one_row[r].clone();
            // Two rows only when they name more columns than either row alone (a title or
            // empty row above a one-row header adds nothing).
            if r + 1 < sheet.rows.len() {
                let two = map_header(&labels, rt, r, true);
                let below = one_row.get(r + 1).map(|m| m.columns.len()).unwrap_or(0);
                let sub_header = two.sub_header && two.columns.len() >= cand.columns.len();
                if (two.columns.len() > cand.columns.len() && two.columns.len() > below)
                    || sub_header
                {
                    cand = two;
                }
            }
            cand.return_index = ri;
            let Some(missing) = fit(rt, &cand) else {
                continue;
            };
            cand.missing = missing;
            if best.as_ref().is_none_or(|b| rank(&cand) > rank(b)) {
                best = Some(cand);
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(rows: Vec<Vec<&str>>) -> Sheet {
        Sheet {
            name: "s".into(),
            first_row: 0,
            first_col: 0,
            rows: rows
                .into_iter()
                .map(|r| {
                    r.into_iter()
                        .map(|s| {
                            if s.is_empty() {
                                Cell::Empty
                            } else {
                                Cell::Text(s.into())
                            }
                        })
                        .collect()
                })
                .collect(),
        }
    }

    fn pipeline() -> Pipeline {
        Pipeline::embedded_default().unwrap()
    }

    #[test]
    fn one_row_header_below_titles_any_order() {
        let p = pipeline();
        let s = sheet(vec![
            vec!["2025年1月招商引资项目台账"],
            vec!["填报单位：开平市", "", "", "", "填报日期：2025年1月6日"],
            vec![],
            vec![
                "序号",
                "项目编号",
                "项目名称",
                "企业名称",
                "重点产业链",
                "所属行业",
                "计划总投资（万元）",
                "签约日期",
                "备注",
            ],
            vec![
                "1",
                "JM-1",
                "甲项目",
                "甲公司",
                "先进材料",
                "制造业",
                "16100",
                "2025-01-03",
                "",
            ],
        ]);
        let m = recognise(&s, &p).expect("recognised");
        let rt = &p.returns[m.return_index];
        assert_eq!(rt.id, "project_ledger");
        assert_eq!(m.header_row, 3);
        assert_eq!(m.data_start, 4);
        let inv = m
            .mapped(rt.column_index("planned_investment_yi").unwrap())
            .unwrap();
        assert_eq!(inv.grid_col, 6);
        assert_eq!(inv.header_unit.as_deref(), Some("万元"));
        assert!(m.mapped(rt.column_index("county").unwrap()).is_none());
    }

    #[test]
    fn two_row_header_with_group_titles_and_unit_column() {
        let p = pipeline();
        let s = sheet(vec![
            vec![
                "序号",
                "项目代码",
                "项目名称",
                "投资单位",
                "所属行业",
                "计划总投资",
                "",
                "项目进度时间节点",
                "",
                "用地及效益",
            ],
            vec![
                "",
                "",
                "",
                "",
                "",
                "金额",
                "单位",
                "签约日期",
                "注册时间",
                "用地面积（亩）",
            ],
            vec![
                "1",
                "JM-1",
                "甲项目",
                "甲公司",
                "制造业",
                "8000",
                "万元",
                "2025-01-03",
                "",
                "12",
            ],
        ]);
        let m = recognise(&s, &p).expect("recognised");
        let rt = &p.returns[m.return_index];
        assert_eq!(m.data_start, 2);
        let inv = m
            .mapped(rt.column_index("planned_investment_yi").unwrap())
            .unwrap();
        assert_eq!((inv.grid_col, inv.unit_col), (5, Some(6)));
        assert_eq!(
            m.mapped(rt.column_index("signed_date").unwrap())
                .unwrap()
                .grid_col,
            7
        );
        assert_eq!(
            m.mapped(rt.column_index("registered_date").unwrap())
                .unwrap()
                .grid_col,
            8
        );
        assert_eq!(
            m.mapped(rt.column_index("land_mu").unwrap())
                .unwrap()
                .grid_col,
            9
        );
    }

    #[test]
    fn amount_over_jine_and_danwei_is_a_two_row_header() {
        // Only 计划总投资 spans two rows (金额 / 单位); every other header is merged down.
        let p = pipeline();
        let s = sheet(vec![
            vec!["填报单位（盖章）：", "", "江门市新会区"],
            vec![
                "序号",
                "项目名称",
                "投资企业",
                "产业类别",
                "计划总投资",
                "",
                "签约日期",
            ],
            vec!["", "", "", "", "金额", "单位", ""],
            vec!["1", "甲", "甲公司", "制造业", "12", "亿元", "2025-04-02"],
        ]);
        let m = recognise(&s, &p).expect("recognised");
        let rt = &p.returns[m.return_index];
        assert_eq!((m.header_row, m.data_start), (1, 3));
        let inv = m
            .mapped(rt.column_index("planned_investment_yi").unwrap())
            .unwrap();
        assert_eq!((inv.grid_col, inv.unit_col), (4, Some(5)));
    }

    #[test]
    fn a_row_of_units_under_the_header_gives_the_units() {
        let p = pipeline();
        let s = sheet(vec![
            vec![
                "项目名称",
                "投资主体",
                "行业类别",
                "计划总投资",
                "用地面积",
                "签约日期",
            ],
            vec!["", "", "", "万元", "亩", ""],
            vec!["甲", "甲公司", "制造业", "8000", "12", "2025-01-03"],
        ]);
        let m = recognise(&s, &p).expect("recognised");
        let rt = &p.returns[m.return_index];
        assert_eq!(m.data_start, 2);
        let inv = m
            .mapped(rt.column_index("planned_investment_yi").unwrap())
            .unwrap();
        assert_eq!(inv.header_unit.as_deref(), Some("万元"));
    }

    #[test]
    fn talent_return_is_recognised_and_notes_are_not() {
        let p = pipeline();
        let s = sheet(vec![
            vec!["保障性租赁住房筹建情况"],
            vec!["填报单位：市住房城乡建设局", "", "统计截至：2025年1月"],
            vec!["序号", "县(市、区)", "新增筹建保障性租赁住房(套/间)"],
            vec!["1", "蓬江区", "77"],
        ]);
        let m = recognise(&s, &p).expect("recognised");
        assert_eq!(p.returns[m.return_index].id, "talent");
        let note = sheet(vec![vec![
            "填表说明：1.金额单位以表头为准；2.日期按实际填写。",
        ]]);
        assert!(recognise(&note, &p).is_none());
    }

    #[test]
    fn a_unit_under_a_unit_column_is_data_not_a_sub_header() {
        let p = Pipeline::from_text(
            "ic.toml",
            include_str!("../../pipelines/jiangmen-innovation-city.toml"),
        )
        .unwrap();
        let s = sheet(vec![
            vec!["指标编号", "指标名称", "年份", "完成值", "单位"],
            vec!["21", "科技公共财政支出占比", "2021", "3.87", "%"],
            vec!["21", "科技公共财政支出占比", "2022", "3.84", "%"],
        ]);
        let m = recognise(&s, &p).expect("recognised");
        assert_eq!(m.header_row, 0);
        assert_eq!(m.data_start, 1, "the first row with `%` is data");
    }

    #[test]
    fn a_ledger_lacking_a_required_column_is_still_the_ledger_with_the_column_missing() {
        let p = pipeline();
        let s = sheet(vec![
            vec!["填报单位：台山市"],
            vec![
                "序号",
                "项目名称",
                "投资主体",
                "计划总投资(亿元)",
                "签约时间",
                "备注",
            ],
            vec![
                "1",
                "海宴光伏组件",
                "某新能源公司",
                "12",
                "2025-03-02",
                "已动工",
            ],
        ]);
        let m = recognise(&s, &p).expect("recognised as the ledger");
        let rt = &p.returns[m.return_index];
        assert_eq!(rt.id, "project_ledger");
        let missing: Vec<&str> = m
            .missing
            .iter()
            .map(|&i| rt.columns[i].name.as_str())
            .collect();
        assert_eq!(missing, ["sector"]);
        assert_eq!(m.header_row, 1);
    }

    #[test]
    fn a_summary_sheet_naming_few_required_columns_is_no_return() {
        let p = pipeline();
        // A county summary: a unit, a count and a total, no project.
        let s = sheet(vec![
            vec!["县(市、区)", "项目个数", "计划总投资(亿元)"],
            vec!["台山市", "12", "88.5"],
        ]);
        assert!(recognise(&s, &p).is_none());
    }

    #[test]
    fn a_list_of_project_names_and_amounts_is_the_ledger_lacking_its_other_columns() {
        let p = pipeline();
        let s = sheet(vec![
            vec!["项目名称", "计划总投资(亿元)", "项目进度"],
            vec!["海宴光伏组件", "12", "在建"],
        ]);
        let m = recognise(&s, &p).expect("recognised as the ledger");
        let rt = &p.returns[m.return_index];
        let missing: Vec<&str> = m
            .missing
            .iter()
            .map(|&i| rt.columns[i].name.as_str())
            .collect();
        assert_eq!(missing, ["investor", "sector", "signed_date"]);
    }

    #[test]
    fn a_full_header_beats_one_lacking_a_required_column() {
        let p = pipeline();
        let s = sheet(vec![
            vec!["项目名称", "投资主体", "计划总投资(亿元)", "签约时间"],
            vec![],
            vec![
                "项目名称",
                "投资主体",
                "行业类别",
                "计划总投资(亿元)",
                "签约时间",
            ],
            vec!["海宴光伏组件", "某新能源公司", "制造业", "12", "2025-03-02"],
        ]);
        let m = recognise(&s, &p).expect("recognised");
        assert_eq!(m.header_row, 2);
        assert!(m.missing.is_empty());
    }
}
