//! What the centre reads: report.html, charts, ranked tables and feedback workbooks, on the
//! real binary.

mod common;
use calamine::{open_workbook_auto, Data, Reader};
use common::*;

fn run_period(tmp: &std::path::Path, input: &str, period: &str) -> serde_json::Value {
    run_ok(
        tmp,
        &[
            "run", "--input", input, "--out", "out", "--period", period, "-q",
        ],
    );
    read_json(&tmp.join("out/reports").join(period).join("metrics.json"))
}

#[test]
fn every_declared_chart_table_and_feedback_workbook_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let m = run_period(
        tmp.path(),
        repo().join("fixtures/returns").to_str().unwrap(),
        "2025-06",
    );
    let dir = tmp.path().join("out/reports/2025-06");
    let pipeline = zhaoshang::pipeline::Pipeline::embedded_default().unwrap();
    let report = pipeline.report.as_ref().unwrap();
    for c in &report.charts {
        for ext in ["svg", "png"] {
            let p = dir.join("charts").join(format!("{}.{ext}", c.id));
            assert!(
                std::fs::metadata(&p)
                    .map(|m| m.len() > 1000)
                    .unwrap_or(false),
                "{} missing or tiny",
                p.display()
            );
        }
        let svg =
            std::fs::read_to_string(dir.join("charts").join(format!("{}.svg", c.id))).unwrap();
        assert!(svg.contains("@font-face"), "{} embeds no font", c.id);
    }
    for t in &report.tables {
        for ext in ["xlsx", "csv", "md"] {
            assert!(
                dir.join("tables").join(format!("{}.{ext}", t.id)).is_file(),
                "{} {ext}",
                t.id
            );
        }
    }
    // The ranking workbook's scores and order equal metrics.json.
    let mut wb = open_workbook_auto(dir.join("tables/county_ranking.xlsx")).unwrap();
    let sheet = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&sheet).unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    let ranking = m["ranking"].as_array().unwrap();
    assert_eq!(rows.len(), 1 + ranking.len());
    for (row, want) in rows[1..].iter().zip(ranking) {
        assert_eq!(
            row[1],
            Data::String(want["county"].as_str().unwrap().to_string())
        );
        let score = match &row[2] {
            Data::Float(f) => *f,
            other => panic!("score cell {other:?}"),
        };
        assert_close(score, want["score"].as_f64().unwrap(), "score");
    }
    // One feedback workbook per filer that sent returns.
    for f in ["蓬江区", "江海区", "市商务局", "市人才工作局"] {
        assert!(
            dir.join("validation").join(format!("{f}.xlsx")).is_file(),
            "{f}"
        );
    }
    // The report: self-contained, with the font and the charts inlined.
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(
        html.contains("月通报") && html.contains("2025年6月"),
        "title"
    );
    assert!(
        html.contains("@font-face") && html.contains("data:font/ttf;base64,"),
        "font"
    );
    assert_eq!(
        html.matches("data:image/png;base64,").count(),
        report.charts.len()
    );
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external requests"
    );
    assert!(
        html.contains("@page") && html.contains("break-before:page"),
        "print CSS"
    );
}

#[test]
fn december_is_the_annual_assessment() {
    let tmp = tempfile::tempdir().unwrap();
    let m = run_period(
        tmp.path(),
        repo().join("fixtures/returns").to_str().unwrap(),
        "2025-12",
    );
    assert_eq!(m["report_kind"], "annual");
    let html = std::fs::read_to_string(tmp.path().join("out/reports/2025-12/report.html")).unwrap();
    assert!(html.contains("年度考核"), "annual title");
}

/// Text from a return is never a formula in a spreadsheet and never markup in the report.
#[test]
fn injected_names_stay_plain_text_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    copy_tree(
        &repo().join("fixtures/returns/2025-01"),
        &input.join("2025-01"),
    );
    std::fs::write(
        input.join("2025-01/恩平市补充台账.csv"),
        "\u{feff}填报单位：恩平市\n项目名称,投资主体,行业类别,计划总投资(亿元),签约日期\n\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",<script>alert(1)</script>,制造业,12,2025-01-05\n",
    )
    .unwrap();
    run_period(tmp.path(), input.to_str().unwrap(), "2025-01");
    let dir = tmp.path().join("out/reports/2025-01");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(
        !html.contains("<script>alert(1)</script>"),
        "raw markup from a return in report.html"
    );
    let mut wb = open_workbook_auto(dir.join("tables/big_projects.xlsx")).unwrap();
    let sheet = wb.sheet_names()[0].clone();
    let cells: Vec<Data> = wb
        .worksheet_range(&sheet)
        .unwrap()
        .rows()
        .flat_map(|r| r.to_vec())
        .collect();
    assert!(
        cells.contains(&Data::String("=HYPERLINK(\"http://x\",\"y\")".into())),
        "{cells:?}"
    );
    assert!(cells.contains(&Data::String("<script>alert(1)</script>".into())));
    let formulas = wb.worksheet_formula(&sheet).unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "a formula was written"
    );
    let csv = std::fs::read_to_string(dir.join("tables/big_projects.csv")).unwrap();
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
}
