//! Who sent a return: the `填报单位：…` cell near the table, else the file name (DESIGN §2);
//! and when and in which version: the `填报日期：…` cell and a correction mark (更正 …), which
//! decide between two returns of one filer for one month.

use crate::ingest::{Cell, Sheet};
use crate::pipeline::{Filer, Pipeline, ReturnType};
use chrono::NaiveDate;

/// Labels of the filing date in the `填报单位：… 填报日期：…` row of the return form.
const FILED_ON_LABELS: [&str; 4] = ["填报日期", "填报时间", "填表日期", "报送日期"];

/// The filer named in a `填报单位` cell above `before_row`, with the cell's text.
pub fn filer_from_cells(
    sheet: &Sheet,
    before_row: usize,
    pipeline: &Pipeline,
) -> Option<(Option<Filer>, String)> {
    for r in 0..before_row.min(sheet.rows.len()) {
        for (c, cell) in sheet.rows[r].iter().enumerate() {
            let Cell::Text(t) = cell else { continue };
            let n = crate::text::nfkc(t);
            let Some(pos) = n.find("填报单位") else {
                continue;
            };
            let mut after = n[pos + "填报单位".len()..].trim_start();
            // 填报单位（盖章）：…
            if let Some(rest) = after.strip_prefix('(') {
                after = rest.split_once(')').map(|(_, r)| r).unwrap_or("");
            }
            let after = after.trim_start_matches([':', ' ']);
            // `填报单位：` in one cell and the name in the next non-empty one.
            let next;
            let after = if after.is_empty() {
                next = sheet.rows[r][c + 1..]
                    .iter()
                    .find(|x| !x.is_empty())
                    .map(|x| crate::text::nfkc(&x.display()))
                    .unwrap_or_default();
                next.as_str()
            } else {
                after
            };
            // The name ends at a space or where the next label (填报日期, 日期, 时间…) starts.
            let mut name = after.split_whitespace().next().unwrap_or("").to_string();
            for stop in [
                "填报日期",
                "填报时间",
                "日期",
                "时间",
                "(盖章)",
                "(公章)",
                "盖章",
            ] {
                if let Some(i) = name.find(stop) {
                    name.truncate(i);
                }
            }
            let name = name.trim_end_matches([':', ',', ';']).to_string();
            if name.is_empty() {
                continue;
            }
            let filer = pipeline
                .filer(&name)
                .or_else(|| pipeline.filer_in_text(&name))
                .cloned();
            return Some((filer, name));
        }
    }
    None
}

/// The date of a `填报日期：2025年7月3日` cell above `before_row` (the date in the same cell or
/// the next non-empty one: text in any date form, a date cell or a serial), if any.
pub fn filed_on_from_cells(sheet: &Sheet, before_row: usize) -> Option<NaiveDate> {
    for r in 0..before_row.min(sheet.rows.len()) {
        for (c, cell) in sheet.rows[r].iter().enumerate() {
            let Cell::Text(t) = cell else { continue };
            let n = crate::text::nfkc(t);
            let Some((pos, label)) = FILED_ON_LABELS
                .iter()
                .find_map(|l| n.find(l).map(|p| (p, *l)))
            else {
                continue;
            };
            let after = n[pos + label.len()..]
                .trim_start()
                .trim_start_matches([':', ' '])
                .trim();
            if after.is_empty() {
                // `填报日期：` in one cell and the date in the next non-empty one.
                let next = sheet.rows[r][c + 1..].iter().find(|x| !x.is_empty());
                if let Some(d) = next.and_then(|x| super::value::read_date(x).ok().flatten()) {
                    return Some(d);
                }
                continue;
            }
            // The date ends at a space (the next label may follow); `2025年 7月 3日` is read whole.
            let token = after.split_whitespace().next().unwrap_or("");
            let date = super::value::parse_date_text(token)
                .or_else(|| super::value::parse_date_text(&crate::text::compact(after)));
            if date.is_some() {
                return date;
            }
        }
    }
    None
}

/// The correction mark (one of the return type's `correction_marks`) in the file's name or in
/// a title cell above `before_row`. A title cell is a text cell without a colon: notes such as
/// `说明：如有修改请…` are no titles.
pub fn correction_mark(
    rel: &str,
    sheet: &Sheet,
    before_row: usize,
    rt: &ReturnType,
) -> Option<String> {
    mark_in(rel, sheet, before_row, &rt.correction_marks)
}

/// The supplement mark (one of the return type's `supplement_marks`, e.g. 补充) in the file's
/// name or a title cell above `before_row`, found as [`correction_mark`] finds its marks.
pub fn supplement_mark(
    rel: &str,
    sheet: &Sheet,
    before_row: usize,
    rt: &ReturnType,
) -> Option<String> {
    mark_in(rel, sheet, before_row, &rt.supplement_marks)
}

fn mark_in(rel: &str, sheet: &Sheet, before_row: usize, marks: &[String]) -> Option<String> {
    if marks.is_empty() {
        return None;
    }
    let find = |text: &str| {
        let n = crate::text::nfkc(text);
        marks.iter().find(|m| n.contains(m.as_str())).cloned()
    };
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if let Some(m) = find(name) {
        return Some(m);
    }
    sheet.rows[..before_row.min(sheet.rows.len())]
        .iter()
        .flatten()
        .filter_map(Cell::text)
        .filter(|t| !crate::text::nfkc(t).contains(':'))
        .find_map(find)
}

/// The filer named in a file name (`开平市2025年1月台账.xlsx`, `附件1-鹤山市.xlsx`).
pub fn filer_from_file_name(rel: &str, pipeline: &Pipeline) -> Option<Filer> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    pipeline.filer_in_text(name).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::FilerKind;

    fn sheet(rows: Vec<Vec<Cell>>) -> Sheet {
        Sheet {
            name: "s".into(),
            first_row: 0,
            first_col: 0,
            rows,
        }
    }

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn the_filing_date_is_read_beside_the_filer_in_every_form() {
        let d = NaiveDate::from_ymd_opt(2025, 7, 3);
        for row in [
            vec![text("填报单位：蓬江区  填报日期：2025年7月3日")],
            vec![text("填报单位：蓬江区"), text("填报日期：2025-07-03")],
            vec![text("填报日期："), Cell::Empty, text("2025.7.3")],
            vec![text("填报日期"), Cell::Date(d.unwrap())],
            vec![text("填报日期:"), Cell::Number(45841.0)],
            vec![text(
                "填报单位：蓬江区 填报日期：２０２５年７月３日 联系人：张三",
            )],
            vec![text("填报日期：2025年 7月 3日")],
        ] {
            let s = sheet(vec![vec![text("招商引资项目台账")], row.clone()]);
            assert_eq!(filed_on_from_cells(&s, 2), d, "{row:?}");
        }
        // Below the header, or without a date, there is none.
        let s = sheet(vec![
            vec![text("项目名称")],
            vec![text("填报日期：2025年7月3日")],
        ]);
        assert_eq!(filed_on_from_cells(&s, 1), None);
        let s = sheet(vec![vec![text("填报日期：待定")]]);
        assert_eq!(filed_on_from_cells(&s, 1), None);
    }

    #[test]
    fn a_correction_is_marked_in_the_file_name_or_the_title_not_in_a_note() {
        let p = Pipeline::embedded_default().unwrap();
        let mut rt = p.return_type("project_ledger").unwrap().clone();
        rt.correction_marks = vec!["更正".into(), "修改".into()];
        let title = sheet(vec![
            vec![text("蓬江区招商引资项目台账（更正）")],
            vec![text("项目名称")],
        ]);
        let note = sheet(vec![
            vec![text("说明：如有修改请重新报送")],
            vec![text("项目名称")],
        ]);
        let plain = sheet(vec![
            vec![text("蓬江区招商引资项目台账")],
            vec![text("项目名称")],
        ]);
        assert_eq!(
            correction_mark("2025-07/蓬江区.xlsx", &title, 1, &rt).as_deref(),
            Some("更正")
        );
        assert_eq!(
            correction_mark("2025-07/蓬江区台账（修改）.xlsx", &plain, 1, &rt).as_deref(),
            Some("修改")
        );
        assert_eq!(correction_mark("2025-07/蓬江区.xlsx", &note, 1, &rt), None);
        assert_eq!(correction_mark("2025-07/蓬江区.xlsx", &plain, 1, &rt), None);
        rt.correction_marks.clear();
        assert_eq!(
            correction_mark("2025-07/蓬江区更正.xlsx", &title, 1, &rt),
            None
        );
        rt.supplement_marks = vec!["补充".into()];
        assert_eq!(
            supplement_mark("2025-07/恩平市补充台账.csv", &plain, 1, &rt).as_deref(),
            Some("补充")
        );
        assert_eq!(
            supplement_mark("2025-07/恩平市台账.csv", &plain, 1, &rt),
            None
        );
    }

    #[test]
    fn filer_names_and_aliases() {
        let p = Pipeline::embedded_default().unwrap();
        let sheet = Sheet {
            name: "s".into(),
            first_row: 0,
            first_col: 0,
            rows: vec![vec![Cell::Text(
                "填报单位：蓬江区投资促进局  填报日期：2025年2月7日".into(),
            )]],
        };
        let (f, raw) = filer_from_cells(&sheet, 1, &p).unwrap();
        assert_eq!(raw, "蓬江区投资促进局");
        assert_eq!(f.unwrap().name, "蓬江区");
        assert_eq!(p.filer("江门市人才工作局").unwrap().name, "市人才工作局");
        let split = |cells: Vec<Cell>| Sheet {
            name: "s".into(),
            first_row: 0,
            first_col: 0,
            rows: vec![cells],
        };
        let (f, _) = filer_from_cells(
            &split(vec![
                Cell::Text("填报单位（盖章）：".into()),
                Cell::Empty,
                Cell::Text("开平市".into()),
            ]),
            1,
            &p,
        )
        .unwrap();
        assert_eq!(f.unwrap().name, "开平市");
        let (f, _) = filer_from_cells(
            &split(vec![Cell::Text("填报单位（盖章）：江门市新会区".into())]),
            1,
            &p,
        )
        .unwrap();
        assert_eq!(f.unwrap().name, "新会区");
        assert_eq!(p.filer("江门高新区").unwrap().name, "江海区");
        assert_eq!(p.filer("市投资促进局").unwrap().kind, FilerKind::Bureau);
        assert_eq!(
            filer_from_file_name("2025-01/附件1-鹤山市.xlsx", &p)
                .unwrap()
                .name,
            "鹤山市"
        );
        assert_eq!(
            filer_from_file_name("2025-01/住建局保租房2025-01.xlsx", &p)
                .unwrap()
                .name,
            "市住房城乡建设局"
        );
        assert_eq!(
            filer_from_file_name("2025-01/人才工作局2025-01.xlsx", &p)
                .unwrap()
                .name,
            "市人才工作局"
        );
    }
}
