//! Row classification, conversion and rejection messages on hand-built sheets.

use super::*;
use crate::ingest::InputFile;
use crate::pipeline::Pipeline;

fn t(s: &str) -> Cell {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.into())
    }
}

fn run(rows: Vec<Vec<Cell>>) -> SheetOutcome {
    let p = Pipeline::embedded_default().unwrap();
    let sheet = Sheet {
        name: "Sheet1".into(),
        first_row: 0,
        first_col: 0,
        rows,
    };
    let file = InputFile {
        path: "x.xlsx".into(),
        rel: "2025-02/x.xlsx".into(),
        period: "2025-02".parse().unwrap(),
    };
    super::super::normalise_sheet(&file, &sheet, &p, None)
}

fn header() -> Vec<Cell> {
    [
        "序号",
        "项目名称",
        "投资主体",
        "所属县(市、区)",
        "产业链",
        "行业类别",
        "计划总投资(万元)",
        "项目进度",
        "签约时间",
        "开工时间",
    ]
    .iter()
    .map(|s| t(s))
    .collect()
}

#[test]
fn rows_are_classified_and_accounted() {
    let o = run(vec![
        vec![t("填报单位：市商务局")],
        header(),
        vec![
            t("1"),
            t("甲"),
            t("甲公司"),
            t("蓬江"),
            t("新能源电池产业链"),
            t("制造业"),
            t("24,300"),
            t(""),
            Cell::Number(45700.0),
            t("2025年2月"),
        ],
        vec![],
        vec![
            t("其中：制造业"),
            t(""),
            t(""),
            t(""),
            t(""),
            t(""),
            Cell::Number(1.0),
        ],
        vec![t("2"), t(""), t(""), t(""), t(""), t(""), t("")],
        vec![
            t("合计"),
            t(""),
            t(""),
            t(""),
            t(""),
            t(""),
            Cell::Number(24300.0),
        ],
        vec![t("填报人：张三"), t(""), t("联系电话：123")],
    ]);
    assert_eq!(o.return_id.as_deref(), Some("project_ledger"));
    let a = o.accounting;
    assert_eq!(
        (
            a.rows_read,
            a.rows_accepted,
            a.rows_rejected,
            a.rows_skipped
        ),
        (6, 1, 0, 5)
    );
    assert_eq!(
        (a.skipped_blank, a.skipped_total, a.skipped_footer),
        (2, 2, 1)
    );
    assert!(a.balanced());
    let rec = &o.records[0];
    assert_eq!(rec.values[3], Value::Text("蓬江区".into()));
    assert_eq!(rec.values[4], Value::Text("新能源电池".into()));
    assert_eq!(rec.values[6], Value::Number(2.43));
    // No stage written: the furthest stage with a date (开工).
    assert_eq!(rec.values[7], Value::Text("开工".into()));
}

#[test]
fn bad_rows_are_rejected_with_located_chinese_messages() {
    let o = run(vec![
        vec![t("填报单位：市商务局")],
        header(),
        vec![
            t("1"),
            t(""),
            t("甲公司"),
            t("蓬江区"),
            t(""),
            t("制造业"),
            t("100"),
            t(""),
            t("2025-02-01"),
        ],
        vec![
            t("2"),
            t("乙"),
            t("乙公司"),
            t("广州市"),
            t(""),
            t("制造业"),
            t("100"),
            t(""),
            t("2025-02-01"),
        ],
        vec![
            t("3"),
            t("丙"),
            t("丙公司"),
            t("蓬江区"),
            t(""),
            t("制造业"),
            t("-5"),
            t(""),
            t("2025-02-01"),
        ],
        vec![
            t("4"),
            t("丁"),
            t("丁公司"),
            t("蓬江区"),
            t(""),
            t("制造业"),
            t("待定"),
            t(""),
            t("2025-02-01"),
        ],
        vec![
            t("5"),
            t("戊"),
            t("戊公司"),
            t("蓬江区"),
            t(""),
            t("制造业"),
            Cell::Error("#N/A".into()),
            t(""),
            t("2025-02-01"),
        ],
        vec![
            t("6"),
            t("己"),
            t("己公司"),
            t("蓬江区"),
            t(""),
            t("制造业"),
            t("100"),
            t(""),
            t("2025-03-02"),
        ],
        vec![
            t("7"),
            t("庚"),
            t("庚公司"),
            t("蓬江区"),
            t(""),
            t("制造业"),
            t("100"),
            t(""),
            t("2025年13月"),
        ],
        vec![
            t("8"),
            t("辛"),
            t("辛公司"),
            t("蓬江区"),
            t(""),
            t("工业"),
            t("100"),
            t(""),
            t("2025-02-01"),
        ],
    ]);
    assert_eq!(o.accounting.rows_rejected, 8);
    assert_eq!(o.accounting.rows_accepted, 0);
    let got: Vec<(String, Rule)> = o
        .issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .map(|i| (i.cell.clone().unwrap_or_default(), i.rule))
        .collect();
    assert_eq!(
        got,
        vec![
            ("B3".to_string(), Rule::MissingRequired),
            ("D4".to_string(), Rule::UnknownCounty),
            ("G5".to_string(), Rule::NegativeAmount),
            ("G6".to_string(), Rule::UnparseableNumber),
            ("G7".to_string(), Rule::ErrorCell),
            ("I8".to_string(), Rule::DateAfterPeriod),
            ("I9".to_string(), Rule::UnparseableDate),
            ("F10".to_string(), Rule::UnknownValue),
        ]
    );
    let county = o
        .issues
        .iter()
        .find(|i| i.rule == Rule::UnknownCounty)
        .unwrap();
    assert_eq!(county.raw.as_deref(), Some("广州市"));
    assert!(
        county.message.contains("不是本市的县"),
        "{}",
        county.message
    );
    assert_eq!(county.sheet.as_deref(), Some("Sheet1"));
}

#[test]
fn units_value_wins_then_header_then_note_then_default() {
    let p = Pipeline::embedded_default().unwrap();
    let rt = p.return_type("project_ledger").unwrap();
    let inv = rt.column_index("planned_investment_yi").unwrap();
    let rows = |head: &str, note: &str, v: Cell| {
        vec![
            vec![t("填报单位：蓬江区"), t(note)],
            vec![
                t("项目名称"),
                t("投资主体"),
                t("行业类别"),
                t(head),
                t("签约日期"),
            ],
            vec![t("甲"), t("甲公司"), t("制造业"), v, t("2025-01-05")],
        ]
    };
    assert_eq!(
        run(rows("计划总投资(万元)", "", t("12.5亿"))).records[0].values[inv],
        Value::Number(12.5)
    );
    assert_eq!(
        run(rows("计划总投资(万元)", "", Cell::Number(8000.0))).records[0].values[inv],
        Value::Number(0.8)
    );
    assert_eq!(
        run(rows("计划总投资", "单位：万元", Cell::Number(8000.0))).records[0].values[inv],
        Value::Number(0.8)
    );
    let title = "2025年项目台账（金额单位：万元）";
    assert_eq!(
        run(rows("计划总投资", title, Cell::Number(8000.0))).records[0].values[inv],
        Value::Number(0.8)
    );
    assert_eq!(
        run(rows("计划总投资", "", t("￥12,000万元"))).records[0].values[inv],
        Value::Number(1.2)
    );
    let o = run(rows("计划总投资", "", Cell::Number(3.0)));
    assert_eq!(o.records[0].values[inv], Value::Number(3.0));
    assert!(o
        .issues
        .iter()
        .any(|i| i.rule == Rule::DefaultUnit && i.severity == Severity::Warning));
    // 填报单位 is not a unit note.
    assert_eq!(
        run(rows("计划总投资", "填报单位：万元", Cell::Number(3.0))).records[0].values[inv],
        Value::Number(3.0)
    );
    // The county column may be left out of a county's own return.
    let county = rt.column_index("county").unwrap();
    assert_eq!(
        run(rows("计划总投资", "", Cell::Number(3.0))).records[0].values[county],
        Value::Text("蓬江区".into())
    );
}

#[test]
fn a_city_row_in_a_talent_return_is_a_total() {
    let o = run(vec![
        vec![t("填报单位：江门市人才工作局")],
        vec![t("地区"), t("高层次人才总量"), t("新引进高层次人才")],
        vec![t("蓬江"), Cell::Number(599.0), Cell::Number(4.0)],
        vec![t("江门市"), Cell::Number(599.0), Cell::Number(4.0)],
    ]);
    assert_eq!(o.return_id.as_deref(), Some("talent"));
    assert_eq!(
        (
            o.accounting.rows_accepted,
            o.accounting.rows_rejected,
            o.accounting.skipped_total
        ),
        (1, 0, 1)
    );
}

#[test]
fn bool_tags_and_credit_codes_are_read_or_rejected_in_place() {
    let p = Pipeline::from_text(
        "z.toml",
        include_str!("../../../pipelines/zhenjiang-tech.toml"),
    )
    .unwrap();
    let sheet = Sheet {
        name: "企业".into(),
        first_row: 0,
        first_col: 0,
        rows: vec![
            vec![t("填报单位：镇江经开区")],
            vec![
                t("企业名称"),
                t("统一社会信用代码"),
                t("是否重点园区"),
                t("是否在孵"),
                t("企业类型"),
                t("落户时间"),
            ],
            vec![
                t("甲"),
                t("９１３５０１００ｍ０００１００ｙ４３"),
                t("√"),
                t("否"),
                t("高企，科小/小巨人"),
                t("2024-02-03"),
            ],
            vec![
                t("乙"),
                t("91350100M000100Y44"),
                t("是"),
                t("是"),
                t(""),
                t("2024-02-03"),
            ],
            vec![
                t("丙"),
                t("91350100M000100Y43"),
                t("待定"),
                t("是"),
                t(""),
                t("2024-02-03"),
            ],
            vec![
                t("丁"),
                t("91350100M000100Y43"),
                t("是"),
                t("是"),
                t("独角兽"),
                t("2024-02-03"),
            ],
        ],
    };
    let file = InputFile {
        path: "x.xlsx".into(),
        rel: "2024-02/x.xlsx".into(),
        period: "2024-02".parse().unwrap(),
    };
    let o = super::super::normalise_sheet(&file, &sheet, &p, None);
    let rt = p.return_type("enterprises").unwrap();
    let col = |n: &str| rt.column_index(n).unwrap();
    assert_eq!(o.accounting.rows_accepted, 1);
    let rec = &o.records[0];
    assert_eq!(
        rec.values[col("credit_code")],
        Value::Text("91350100M000100Y43".into())
    );
    assert_eq!(rec.values[col("county")], Value::Text("镇江新区".into()));
    assert_eq!(rec.values[col("in_key_park")], Value::Bool(true));
    assert_eq!(rec.values[col("in_incubator")], Value::Bool(false));
    assert_eq!(
        rec.values[col("tags")],
        Value::Text("科技型中小企业、高新技术企业、专精特新“小巨人”".into())
    );
    let got: Vec<(String, Rule)> = o
        .issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .map(|i| (i.cell.clone().unwrap_or_default(), i.rule))
        .collect();
    assert_eq!(
        got,
        vec![
            ("B4".to_string(), Rule::InvalidCode),
            ("C5".to_string(), Rule::UnknownValue),
            ("E6".to_string(), Rule::UnknownValue),
        ]
    );
    assert!(
        o.issues[0].message.contains("第18位应为“3”"),
        "{}",
        o.issues[0].message
    );
}
