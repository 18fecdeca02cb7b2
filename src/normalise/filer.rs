//! Who sent a return: the `填报单位：…` cell near the table, else the file name (DESIGN §2).

use crate::ingest::{Cell, Sheet};
use crate::pipeline::{Filer, Pipeline};

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

/// The filer named in a file name (`开平市2025年1月台账.xlsx`, `附件1-鹤山市.xlsx`).
pub fn filer_from_file_name(rel: &str, pipeline: &Pipeline) -> Option<Filer> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    pipeline.filer_in_text(name).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::FilerKind;

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
