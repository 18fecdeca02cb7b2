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
    // The bad credit code (required) rejects its row; an unreadable yes/no and an unlisted tag
    // (optional columns) are warnings and their rows count.
    assert_eq!(o.accounting.rows_accepted, 3);
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
    assert_eq!(o.records[1].values[col("in_key_park")], Value::Null);
    assert_eq!(o.records[2].values[col("tags")], Value::Null);
    let got: Vec<(String, Severity, Rule)> = o
        .issues
        .iter()
        .map(|i| (i.cell.clone().unwrap_or_default(), i.severity, i.rule))
        .collect();
    assert_eq!(
        got,
        vec![
            ("B4".to_string(), Severity::Error, Rule::InvalidCode),
            ("C5".to_string(), Severity::Warning, Rule::UnknownValue),
            ("E6".to_string(), Severity::Warning, Rule::UnknownValue),
        ]
    );
    assert!(
        o.issues[0].message.contains("第18位应为“3”"),
        "{}",
        o.issues[0].message
    );
}

/// Index of a canonical column of the built-in ledger return.
fn ledger_column(name: &str) -> usize {
    Pipeline::embedded_default()
        .unwrap()
        .return_type("project_ledger")
        .unwrap()
        .column_index(name)
        .unwrap()
}

fn ledger_header() -> Vec<Cell> {
    [
        "序号",
        "项目名称",
        "投资主体",
        "行业类别",
        "计划总投资(亿元)",
        "进展情况",
        "签约日期",
        "开工日期",
        "备注",
    ]
    .iter()
    .map(|s| t(s))
    .collect()
}

fn project(no: &str, name: &str, amount: Cell, progress: &str, remark: &str) -> Vec<Cell> {
    vec![
        t(no),
        t(name),
        t(&format!("{name}公司")),
        t("制造业"),
        amount,
        t(progress),
        t("2025-01-10"),
        t(""),
        t(remark),
    ]
}

fn skipped(o: &SheetOutcome) -> Vec<(u32, String)> {
    o.issues
        .iter()
        .filter(|i| i.rule == Rule::SkippedRow)
        .map(|i| (i.row.unwrap_or(0), i.raw.clone().unwrap_or_default()))
        .collect()
}

#[test]
fn remarks_starting_with_footer_or_total_words_never_skip_a_project() {
    let o = run(vec![
        vec![t("填报单位：蓬江区")],
        ledger_header(),
        project("1", "甲", Cell::Number(3.0), "签约", "说明：已完成备案"),
        project("2", "乙", Cell::Number(4.0), "签约", "注：用地待落实"),
        project("3", "丙", Cell::Number(5.0), "签约", "累计完成投资2亿元"),
        project("4", "丁", Cell::Number(6.0), "签约", "其中设备投资1亿元"),
        project("5", "戊", Cell::Number(7.0), "签约", "合计两期"),
        project("6", "己", Cell::Number(8.0), "备注：二期另报", ""),
    ]);
    assert_eq!(o.accounting.rows_accepted, 6, "{:#?}", o.issues);
    assert_eq!(o.accounting.rows_skipped, 0);
}

#[test]
fn section_rows_are_skipped_and_listed_with_their_text() {
    let o = run(vec![
        vec![t("填报单位：蓬江区")],
        ledger_header(),
        vec![t("一、制造业项目")],
        project("1", "甲", Cell::Number(3.0), "签约", ""),
        vec![
            t(""),
            t("（二）服务业项目（1个）"),
            t(""),
            t(""),
            Cell::Number(2.0),
        ],
        project("2", "乙", Cell::Number(2.0), "签约", ""),
        vec![t("三"), t("拟落地项目")],
        vec![t("合计"), t(""), t(""), t(""), Cell::Number(5.0)],
        vec![],
        vec![],
        vec![t("填报人：张三"), t(""), t("审核人：李四")],
    ]);
    let a = o.accounting;
    assert_eq!(
        (a.rows_accepted, a.rows_rejected),
        (2, 0),
        "{:#?}",
        o.issues
    );
    assert_eq!(
        (
            a.skipped_section,
            a.skipped_total,
            a.skipped_blank,
            a.skipped_footer
        ),
        (3, 1, 2, 1)
    );
    assert!(a.balanced());
    let listed = skipped(&o);
    assert_eq!(
        listed.len(),
        6,
        "one line per skipped row, one per run of blank rows"
    );
    assert!(listed.contains(&(3, "一、制造业项目".to_string())));
    assert!(listed.contains(&(5, "（二）服务业项目（1个）".to_string())));
    assert!(o
        .issues
        .iter()
        .filter(|i| i.rule == Rule::SkippedRow)
        .all(|i| i.severity == Severity::Info));
}

#[test]
fn a_numbered_project_name_with_its_facts_is_a_project_not_a_section() {
    let o = run(vec![
        vec![t("填报单位：蓬江区")],
        ledger_header(),
        project(
            "一",
            "一、年产5万吨新材料项目",
            Cell::Number(3.0),
            "签约",
            "",
        ),
    ]);
    assert_eq!(o.accounting.rows_accepted, 1, "{:#?}", o.issues);
}

#[test]
fn a_project_row_whose_unit_names_the_whole_city_is_rejected_not_skipped() {
    let o = run(vec![
        vec![t("填报单位：市商务局")],
        header(),
        vec![
            t("1"),
            t("甲"),
            t("甲公司"),
            t("江门市"),
            t(""),
            t("制造业"),
            Cell::Number(30000.0),
            t(""),
            t("2025-01-05"),
        ],
        vec![
            t("合计"),
            t(""),
            t(""),
            t("全市"),
            t(""),
            t(""),
            Cell::Number(30000.0),
        ],
    ]);
    let a = o.accounting;
    assert_eq!((a.rows_rejected, a.skipped_total), (1, 1));
    let e = o
        .issues
        .iter()
        .find(|i| i.rule == Rule::CityAsUnit)
        .unwrap();
    assert_eq!(e.cell.as_deref(), Some("D3"));
    assert!(e.message.contains("县(市、区)"), "{}", e.message);
}

#[test]
fn progress_sentences_give_a_stage_by_keywords_and_are_kept() {
    let stage = ledger_column("stage");
    let note = ledger_column("progress_note");
    let o = run(vec![
        vec![t("填报单位：蓬江区")],
        ledger_header(),
        project(
            "1",
            "甲",
            Cell::Number(3.0),
            "主体结构施工，已完成投资40%",
            "",
        ),
        project("2", "乙", Cell::Number(3.0), "设备安装调试中", ""),
        project("3", "丙", Cell::Number(3.0), "正在进行土地摘牌", ""),
        project("4", "丁", Cell::Number(3.0), "已建成投产", ""),
        project("5", "戊", Cell::Number(3.0), "厂房已封顶，计划年底投产", ""),
        project("6", "己", Cell::Number(3.0), "项目有序推进", ""),
    ]);
    assert_eq!(o.accounting.rows_accepted, 6, "{:#?}", o.issues);
    let stages: Vec<&Value> = o.records.iter().map(|r| &r.values[stage]).collect();
    let text = |s: &str| Value::Text(s.into());
    assert_eq!(
        stages,
        vec![
            &text("开工"),
            &text("开工"),
            &text("签约"),
            &text("投产"),
            &text("开工"),
            // No keyword: the dates decide (a signing date only).
            &text("签约"),
        ]
    );
    assert_eq!(
        o.records[0].values[note],
        text("主体结构施工，已完成投资40%")
    );
    let warned: Vec<u32> = o
        .issues
        .iter()
        .filter(|i| i.severity == Severity::Warning && i.column.as_deref() == Some("stage"))
        .filter_map(|i| i.row)
        .collect();
    assert_eq!(
        warned,
        vec![8],
        "only the sentence no keyword understood is warned about"
    );
}

#[test]
fn an_unreadable_optional_value_becomes_null_with_a_warning_and_the_row_counts() {
    let started = ledger_column("started_date");
    let mut row = project("1", "甲", Cell::Number(3.0), "签约", "");
    row[7] = t("年底前");
    let o = run(vec![vec![t("填报单位：蓬江区")], ledger_header(), row]);
    assert_eq!(o.accounting.rows_accepted, 1, "{:#?}", o.issues);
    assert_eq!(o.records[0].values[started], Value::Null);
    let w = o
        .issues
        .iter()
        .find(|i| i.column.as_deref() == Some("started_date"))
        .unwrap();
    assert_eq!(
        (w.severity, w.rule, w.cell.as_deref(), w.raw.as_deref()),
        (
            Severity::Warning,
            Rule::UnparseableDate,
            Some("H3"),
            Some("年底前")
        )
    );
}

#[test]
fn a_note_naming_two_units_applies_its_money_unit_to_every_amount() {
    let inv = ledger_column("planned_investment_yi");
    let mut head = ledger_header();
    head[4] = t("计划总投资");
    let o = run(vec![
        vec![t("填报单位：蓬江区"), t(""), t("单位：万元、亩")],
        head,
        project("1", "甲", Cell::Number(35000.0), "签约", ""),
        project("2", "乙", Cell::Number(800.0), "签约", ""),
        project("3", "丙", Cell::Number(120000.0), "签约", ""),
    ]);
    let got: Vec<&Value> = o.records.iter().map(|r| &r.values[inv]).collect();
    assert_eq!(
        got,
        vec![
            &Value::Number(3.5),
            &Value::Number(0.08),
            &Value::Number(12.0)
        ]
    );
    assert!(o.issues.iter().any(|i| i.rule == Rule::AssumedValue));
}

#[test]
fn a_unit_at_the_header_right_end_or_over_a_group_applies() {
    let inv = ledger_column("planned_investment_yi");
    let mut head = ledger_header();
    head[4] = t("计划总投资");
    head.push(t("单位：万元"));
    let o = run(vec![
        vec![t("填报单位：蓬江区")],
        head,
        project("1", "甲", Cell::Number(5000.0), "签约", ""),
    ]);
    assert_eq!(
        o.records[0].values[inv],
        Value::Number(0.5),
        "{:#?}",
        o.issues
    );
    // `投资情况（万元）` over 计划总投资 / 已完成投资.
    let top = vec![
        t("项目名称"),
        t("投资主体"),
        t("行业类别"),
        t("投资情况（万元）"),
        t(""),
        t("签约日期"),
    ];
    let bottom = vec![t(""), t(""), t(""), t("计划总投资"), t("已完成投资"), t("")];
    let o = run(vec![
        vec![t("填报单位：蓬江区")],
        top,
        bottom,
        vec![
            t("甲"),
            t("甲公司"),
            t("制造业"),
            Cell::Number(5000.0),
            Cell::Number(100.0),
            t("2025-01-10"),
        ],
    ]);
    assert_eq!(o.records.len(), 1, "{:#?} {:?}", o.issues, o.accounting);
    assert_eq!(
        o.records[0].values[inv],
        Value::Number(0.5),
        "{:#?}",
        o.issues
    );
}

#[test]
fn a_column_implausible_in_its_default_unit_is_read_in_the_unit_that_fits_and_reported_once() {
    let inv = ledger_column("planned_investment_yi");
    let mut head = ledger_header();
    head[4] = t("计划总投资");
    let o = run(vec![
        vec![t("填报单位：蓬江区")],
        head.clone(),
        project("1", "甲", Cell::Number(35000.0), "签约", ""),
        project("2", "乙", Cell::Number(800.0), "签约", ""),
        project("3", "丙", Cell::Number(120000.0), "签约", ""),
    ]);
    let got: Vec<&Value> = o.records.iter().map(|r| &r.values[inv]).collect();
    assert_eq!(
        got,
        vec![
            &Value::Number(3.5),
            &Value::Number(0.08),
            &Value::Number(12.0)
        ],
        "no value is counted in the unit that made its neighbours implausible"
    );
    let sheet_level: Vec<&Issue> = o
        .issues
        .iter()
        .filter(|i| i.rule == Rule::ImplausibleUnit)
        .collect();
    assert_eq!(sheet_level.len(), 1);
    assert_eq!(sheet_level[0].cell.as_deref(), Some("E2"));
    // A stated unit that makes most values implausible: none of them is counted.
    head[4] = t("计划总投资（亿元）");
    let o = run(vec![
        vec![t("填报单位：蓬江区")],
        head,
        project("1", "甲", Cell::Number(35000.0), "签约", ""),
        project("2", "乙", Cell::Number(800.0), "签约", ""),
        project("3", "丙", Cell::Number(120000.0), "签约", ""),
    ]);
    assert_eq!(
        (o.accounting.rows_accepted, o.accounting.rows_rejected),
        (0, 3)
    );
}

#[test]
fn approximate_amounts_count_at_their_number_with_a_warning() {
    let inv = ledger_column("planned_investment_yi");
    let o = run(vec![
        vec![t("填报单位：蓬江区")],
        ledger_header(),
        project("1", "甲", t("约3亿"), "签约", ""),
        project("2", "乙", t("2.3亿元左右"), "签约", ""),
        project("3", "丙", t("近5000万"), "签约", ""),
        project("4", "丁", t("3-5亿"), "签约", ""),
    ]);
    let got: Vec<&Value> = o.records.iter().map(|r| &r.values[inv]).collect();
    assert_eq!(
        got,
        vec![
            &Value::Number(3.0),
            &Value::Number(2.3),
            &Value::Number(0.5)
        ]
    );
    let assumed = o
        .issues
        .iter()
        .filter(|i| i.rule == Rule::AssumedValue && i.severity == Severity::Warning)
        .count();
    assert_eq!(assumed, 3);
    // A range is no amount: the filer must choose (the column is required).
    assert_eq!(o.accounting.rows_rejected, 1);
}

#[test]
fn an_amount_with_a_breakdown_in_parentheses_counts_the_amount_and_names_the_remark() {
    let inv = ledger_column("planned_investment_yi");
    let o = run(vec![
        vec![t("填报单位：蓬江区")],
        ledger_header(),
        project("1", "甲", t("1.2亿元（其中一期5000万）"), "签约", ""),
        project("2", "乙", t("8000万(含设备投资3000万)"), "签约", ""),
        project("3", "丙", t("2000万（美元）"), "签约", ""),
        project("4", "丁", t("4700万元；已到位940万元"), "签约", ""),
    ]);
    let got: Vec<&Value> = o.records.iter().map(|r| &r.values[inv]).collect();
    assert_eq!(
        got,
        vec![
            &Value::Number(1.2),
            &Value::Number(0.8),
            &Value::Number(4700.0 * 1e-4)
        ]
    );
    let remarks: Vec<&str> = o
        .issues
        .iter()
        .filter(|i| i.rule == Rule::AssumedValue)
        .map(|i| i.message.as_str())
        .collect();
    assert_eq!(remarks.len(), 3, "{remarks:?}");
    // The converted amount is shown as written, without the conversion's float noise.
    assert!(
        remarks[2].contains("已按说明前的0.47亿元计") && remarks[2].contains("“已到位940万元”"),
        "{}",
        remarks[2]
    );
    assert!(
        remarks[0].contains("已按说明前的1.2亿元计")
            && remarks[0].contains("“其中一期5000万”未计入")
    );
    assert!(remarks[1].contains("0.8亿元"), "{}", remarks[1]);
    // A currency in the parentheses is no remark: the amount is not read in 万元.
    assert_eq!(o.accounting.rows_rejected, 1);
}

#[test]
fn a_date_without_a_year_is_the_returns_year_and_one_after_its_month_is_flagged() {
    let signed = ledger_column("signed_date");
    let with_date = |no: &str, date: Cell| {
        let mut row = project(no, no, Cell::Number(3.0), "签约", "");
        row[6] = date;
        row
    };
    // The return is for 2025-02 (see `run`).
    let o = run(vec![
        vec![t("填报单位：蓬江区")],
        ledger_header(),
        with_date("1", t("1月12日")),
        with_date("2", t("2025.2")),
        with_date("3", t("2025年1月")),
        with_date("4", t("2025/01")),
        with_date("5", t("3月12日")),
    ]);
    let d = |m, day| Value::Date(chrono::NaiveDate::from_ymd_opt(2025, m, day).unwrap());
    let got: Vec<&Value> = o.records.iter().map(|r| &r.values[signed]).collect();
    assert_eq!(got, vec![&d(1, 12), &d(2, 1), &d(1, 1), &d(1, 1)]);
    let flagged = o
        .issues
        .iter()
        .find(|i| i.rule == Rule::DateAfterPeriod)
        .unwrap();
    assert_eq!(flagged.cell.as_deref(), Some("G7"));
    assert!(flagged.message.contains("未写年份"), "{}", flagged.message);
    let warned = o
        .issues
        .iter()
        .filter(|i| i.rule == Rule::AssumedValue)
        .count();
    assert_eq!(warned, 4, "each assumption is said");
}

#[test]
fn count_columns_take_magnitude_words() {
    let o = run(vec![
        vec![t("填报单位：江门市人才工作局")],
        vec![t("地区"), t("高层次人才总量"), t("新引进高层次人才")],
        vec![t("蓬江"), t("1.2万"), t("约300人")],
    ]);
    assert_eq!(o.records[0].values[1], Value::Number(12000.0));
    assert_eq!(o.records[0].values[2], Value::Number(300.0));
}

#[test]
fn a_column_under_an_unlisted_header_is_named_not_dropped_silently() {
    let mut head = ledger_header();
    head.push(t("对接领导"));
    let mut row = project("1", "甲", Cell::Number(3.0), "签约", "");
    row.push(t("张局长"));
    let o = run(vec![vec![t("填报单位：蓬江区")], head, row]);
    assert_eq!(o.accounting.rows_accepted, 1);
    let unread: Vec<&Issue> = o
        .issues
        .iter()
        .filter(|i| i.rule == Rule::UnreadColumn)
        .collect();
    assert_eq!(unread.len(), 1);
    assert_eq!(
        (
            unread[0].severity,
            unread[0].cell.as_deref(),
            unread[0].raw.as_deref()
        ),
        (Severity::Info, Some("J2"), Some("对接领导"))
    );
}

#[test]
fn a_ledger_lacking_a_required_column_rejects_every_project_row_and_says_so_at_the_header() {
    let o = run(vec![
        vec![t("填报单位：台山市")],
        vec![
            t("序号"),
            t("项目名称"),
            t("投资主体"),
            t("计划总投资(亿元)"),
            t("签约时间"),
            t("备注"),
        ],
        vec![t("一、制造业项目")],
        vec![
            t("1"),
            t("海宴光伏组件"),
            t("某新能源公司"),
            t("12"),
            t("2025-01-02"),
            t(""),
        ],
        vec![
            t("2"),
            t("广海湾储能"),
            t("某储能公司"),
            t("约8亿"),
            t("2025-02-10"),
            t("已签约"),
        ],
        vec![t(""), t("合计"), t(""), t("20"), t(""), t("")],
    ]);
    assert_eq!(o.return_id.as_deref(), Some("project_ledger"));
    let sheet_error: Vec<&Issue> = o
        .issues
        .iter()
        .filter(|i| i.rule == Rule::MissingColumn)
        .collect();
    assert_eq!(sheet_error.len(), 1);
    let e = sheet_error[0];
    assert_eq!(e.severity, Severity::Error);
    assert_eq!((e.row, e.cell.as_deref()), (Some(2), Some("A2")));
    assert!(e.message.contains("缺少必填列“行业类别”"), "{}", e.message);
    assert!(
        e.message.contains("所属行业"),
        "lists the spellings: {}",
        e.message
    );
    assert!(
        !e.message.contains("未读取的表头"),
        "序号 and 备注 are read on purpose: {}",
        e.message
    );
    // Each project row is rejected for the missing column, at its row.
    let rows: Vec<u32> = o
        .issues
        .iter()
        .filter(|i| i.rule == Rule::MissingRequired && i.column.as_deref() == Some("sector"))
        .filter_map(|i| i.row)
        .collect();
    assert_eq!(rows, [4, 5]);
    let a = &o.accounting;
    assert_eq!((a.rows_accepted, a.rows_rejected), (0, 2));
    assert_eq!((a.skipped_section, a.skipped_total), (1, 1));
    assert_eq!(
        a.rows_read,
        a.rows_accepted + a.rows_rejected + a.rows_skipped
    );
}

#[test]
fn a_missing_column_under_an_unlisted_header_is_named_beside_the_missing_column() {
    let o = run(vec![
        vec![t("填报单位：台山市")],
        vec![
            t("项目名称"),
            t("投资主体"),
            t("产业分类"),
            t("计划总投资(亿元)"),
            t("签约时间"),
        ],
        vec![
            t("海宴光伏组件"),
            t("某新能源公司"),
            t("制造业"),
            t("12"),
            t("2025-01-02"),
        ],
    ]);
    let e = o
        .issues
        .iter()
        .find(|i| i.rule == Rule::MissingColumn)
        .expect("missing column");
    assert!(e.message.contains("缺少必填列“行业类别”"), "{}", e.message);
    assert!(
        e.message.contains("未读取的表头有“产业分类”"),
        "{}",
        e.message
    );
    assert_eq!(o.accounting.rows_rejected, 1);
}

#[test]
fn a_listed_value_with_a_detail_in_parentheses_counts_as_the_value_with_a_warning() {
    let sector = ledger_column("sector");
    let mut a = project("1", "甲", Cell::Number(3.0), "已签约", "");
    a[3] = t("制造业（新能源）");
    let mut b = project("2", "乙", Cell::Number(3.0), "已签约", "");
    b[3] = t("新能源（制造业）");
    let mut c = project("3", "丙", Cell::Number(3.0), "已签约", "");
    c[6] = t("2025年1月10日签约");
    let o = run(vec![vec![t("填报单位：蓬江区")], ledger_header(), a, b, c]);
    assert_eq!(
        (o.accounting.rows_accepted, o.accounting.rows_rejected),
        (2, 1),
        "{:#?}",
        o.issues
    );
    assert_eq!(o.records[0].values[sector], Value::Text("制造业".into()));
    let warned = o
        .issues
        .iter()
        .find(|i| i.rule == Rule::AssumedValue && i.cell.as_deref() == Some("D3"))
        .expect("a warning at D3");
    assert!(
        warned.message.contains("已按“制造业”计") && warned.message.contains("新能源"),
        "{}",
        warned.message
    );
    // The value before the parentheses is no listed value: rejected at its cell.
    assert!(o
        .issues
        .iter()
        .any(|i| i.rule == Rule::UnknownValue && i.cell.as_deref() == Some("D4")));
    // The event after the date is read beside it, and said.
    let dated = o
        .issues
        .iter()
        .find(|i| i.rule == Rule::AssumedValue && i.cell.as_deref() == Some("G5"))
        .expect("a warning at G5");
    assert!(dated.message.contains("签约"), "{}", dated.message);
}

#[test]
fn a_number_in_its_columns_unit_takes_no_words_after_the_unit() {
    let read = |s: &str, unit: &str| super::read_number_in_unit(&t(s), Some(unit));
    assert_eq!(read("274亩", "亩").unwrap().map(|n| n.value), Some(274.0));
    assert_eq!(read("3套/间", "套").unwrap().map(|n| n.value), Some(3.0));
    assert_eq!(read("3套(间)", "套").unwrap().map(|n| n.value), Some(3.0));
    // Words glued to the unit are not a unit: the filer must say what they mean.
    assert_eq!(read("3套已开工", "套"), Err(ValueError::NotNumber));
    assert_eq!(read("274亩以内待定", "亩"), Err(ValueError::NotNumber));
    // After a comma, a note of what has been done is a remark beside the figure (warned).
    let n = read("3套，已开工", "套").unwrap().unwrap();
    assert_eq!((n.value, n.remark.as_deref()), (3.0, Some("已开工")));
}
