//! Places below the county (issue 8, item 5): a county cell such as `台山市广海镇` names its
//! county (台山市, resolved by `Vocabulary::resolve_place` in the row conversion) and a town or
//! park below it (`广海镇`), which is kept in the column the county column's `place_column`
//! names, so that an analyst sees it.

use super::header::HeaderMatch;
use crate::ingest::Sheet;
use crate::pipeline::{Pipeline, Place, ReturnType};
use crate::record::Value;

/// Fills the `place_column` of every county column of grid row `r` whose cell named a place
/// below the county, unless the row filled that column itself.
pub(super) fn fill_places(
    pipeline: &Pipeline,
    rt: &ReturnType,
    sheet: &Sheet,
    r: usize,
    m: &HeaderMatch,
    values: &mut [Value],
) {
    for (i, col) in rt.columns.iter().enumerate() {
        let Some(t) = col.place_column else { continue };
        if values[i].is_null() || !values[t].is_null() {
            continue;
        }
        let (Some(mc), Some(vocab)) = (m.mapped(i), pipeline.vocabulary(&col.kind)) else {
            continue;
        };
        if let Place::Value(_, Some(below)) =
            vocab.resolve_place(&sheet.get(r, mc.grid_col).display())
        {
            values[t] = Value::Text(below);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ingest::{Cell, InputFile, Sheet};
    use crate::issue::Rule;
    use crate::normalise::{normalise_sheet, SheetOutcome};
    use crate::pipeline::Pipeline;
    use crate::record::Value;

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    /// A one-row 市商务局 ledger whose 落户地 cell is `place` (and 乡镇 column `town`).
    fn ledger(place: &str, town: Option<&str>) -> (Pipeline, SheetOutcome) {
        let p = Pipeline::embedded_default().unwrap();
        let mut header = vec![
            t("项目名称"),
            t("投资主体"),
            t("落户地"),
            t("行业类别"),
            t("计划总投资(亿元)"),
            t("签约时间"),
        ];
        let mut row = vec![
            t("甲项目"),
            t("甲公司"),
            t(place),
            t("制造业"),
            Cell::Number(3.0),
            t("2025-01-05"),
        ];
        if let Some(town) = town {
            header.push(t("所在镇街"));
            row.push(t(town));
        }
        let sheet = Sheet {
            name: "Sheet1".into(),
            first_row: 0,
            first_col: 0,
            rows: vec![vec![t("填报单位：市商务局")], header, row],
        };
        let file = InputFile {
            path: "x.xlsx".into(),
            rel: "2025-02/x.xlsx".into(),
            period: "2025-02".parse().unwrap(),
        };
        let o = normalise_sheet(&file, &sheet, &p, None);
        (p, o)
    }

    fn value(p: &Pipeline, o: &SheetOutcome, col: &str) -> Value {
        let rt = p.return_type("project_ledger").unwrap();
        o.records[0].values[rt.column_index(col).unwrap()].clone()
    }

    #[test]
    fn a_town_below_a_county_belongs_to_it_and_is_kept() {
        for (place, county, town) in [
            ("台山市广海镇", "台山市", "广海镇"),
            ("蓬江区棠下镇工业园", "蓬江区", "棠下镇工业园"),
            ("江门市江海区高新技术产业园", "江海区", "高新技术产业园"),
            ("江门江海区高新技术产业园", "江海区", "高新技术产业园"),
            ("台山广海镇", "台山市", "广海镇"),
            ("高新区XX园", "江海区", "XX园"),
            ("台山市（广海镇）", "台山市", "广海镇"),
        ] {
            let (p, o) = ledger(place, None);
            assert_eq!(o.records.len(), 1, "{place}: {:?}", o.issues);
            assert_eq!(
                value(&p, &o, "county"),
                Value::Text(county.into()),
                "{place}"
            );
            assert_eq!(value(&p, &o, "town"), Value::Text(town.into()), "{place}");
            assert!(
                o.issues.is_empty(),
                "no issue for a resolved place: {:?}",
                o.issues
            );
        }
    }

    #[test]
    fn a_county_alone_has_no_town() {
        for place in ["台山市", "台山", "江门市台山市"] {
            let (p, o) = ledger(place, None);
            assert_eq!(
                value(&p, &o, "county"),
                Value::Text("台山市".into()),
                "{place}"
            );
            assert_eq!(value(&p, &o, "town"), Value::Null, "{place}");
        }
    }

    #[test]
    fn a_town_column_of_its_own_is_read_and_wins() {
        let (p, o) = ledger("台山市", Some("广海镇"));
        assert_eq!(value(&p, &o, "town"), Value::Text("广海镇".into()));
        let (p, o) = ledger("台山市广海镇", Some("广海镇工业园"));
        assert_eq!(value(&p, &o, "town"), Value::Text("广海镇工业园".into()));
    }

    #[test]
    fn two_counties_or_no_county_in_a_place_cell_are_rejected() {
        for place in [
            "蓬江区、江海区",
            "蓬江区江海区",
            "台山开平",
            "台山市和开平市",
            "广海镇",
            "江门市广海镇",
        ] {
            let (_, o) = ledger(place, None);
            assert!(o.records.is_empty(), "{place} accepted");
            let i = o
                .issues
                .iter()
                .find(|i| i.rule == Rule::UnknownCounty)
                .unwrap_or_else(|| panic!("{place}: {:?}", o.issues));
            assert_eq!(i.cell.as_deref(), Some("C3"));
            assert!(
                i.message.contains("蓬江区、江海区、新会区"),
                "{}",
                i.message
            );
            assert!(
                i.message.contains("一行只填一个县(市、区)"),
                "{}",
                i.message
            );
        }
    }
}
