//! Folders, files and filers (issue 8, item 7) on the real binary: month folders in the forms
//! clerks write, what is not read named on stderr, a period before any return refused, a year
//! without targets said, and two returns of one filer for one month decided by 填报日期 — not
//! by how the file names sort.

mod common;
use common::*;
use std::path::Path;

fn fixture_month(month: &str) -> std::path::PathBuf {
    repo().join("fixtures/returns").join(month)
}

/// The `metrics` array of a period's metrics.json.
fn metrics_of(out: &Path, period: &str) -> serde_json::Value {
    read_json(&out.join("reports").join(period).join("metrics.json"))["metrics"].clone()
}

#[test]
fn month_folders_written_2025_6_and_2025年7月_are_read_and_a_stray_folder_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let (plain, odd) = (tmp.path().join("plain"), tmp.path().join("odd"));
    for m in 1..=7 {
        let month = format!("2025-{m:02}");
        copy_tree(&fixture_month(&month), &plain.join(&month));
        let odd_name = match m {
            6 => "2025-6".to_string(),
            7 => "2025年7月".to_string(),
            _ => month.clone(),
        };
        copy_tree(&fixture_month(&month), &odd.join(odd_name));
    }
    std::fs::create_dir_all(odd.join("杂项")).unwrap();
    std::fs::copy(
        std::fs::read_dir(fixture_month("2025-07"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "xlsx"))
            .unwrap(),
        odd.join("杂项/旧台账.xlsx"),
    )
    .unwrap();
    let args = |input: &str, out: &str| {
        ["run", "--input", input, "--out", out, "--period", "2025-07"].map(str::to_string)
    };
    let a = args("plain", "out-plain");
    run_ok(
        tmp.path(),
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let b = args("odd", "out-odd");
    let o = run_ok(
        tmp.path(),
        &b.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let err = stderr(&o);
    assert!(
        err.contains("warning: not read: 杂项/") && err.contains("文件夹名不是月份"),
        "{err}"
    );
    assert!(stdout(&o).contains("杂项/"), "{}", stdout(&o));
    // Every figure equals the run on YYYY-MM folders.
    assert_eq!(
        metrics_of(&tmp.path().join("out-odd"), "2025-07"),
        metrics_of(&tmp.path().join("out-plain"), "2025-07")
    );
    let manifest = read_json(&tmp.path().join("out-odd/reports/2025-07/manifest.json"));
    let inputs = manifest["inputs"].as_array().unwrap();
    for (folder, period) in [("2025-6/", "2025-06"), ("2025年7月/", "2025-07")] {
        let of: Vec<_> = inputs
            .iter()
            .filter(|i| i["file"].as_str().unwrap().starts_with(folder))
            .collect();
        assert!(!of.is_empty(), "{folder} read");
        assert!(of
            .iter()
            .all(|i| i["period"] == period && i["status"] == "ok"));
    }
    assert!(manifest["ignored"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["file"] == "杂项/"));
}

#[test]
fn a_period_before_any_return_of_its_year_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixture_month("2025-03"), &tmp.path().join("in/2025-03"));
    for (period, says) in [
        ("2025-01", "the first month folder of 2025 is 2025-03"),
        (
            "2025-01..2025-03",
            "the first month folder of 2025 is 2025-03",
        ),
        ("2026-02", "no month folder of 2026"),
    ] {
        let o = zhaoshang(
            tmp.path(),
            &["run", "--input", "in", "--out", "out", "--period", period],
        );
        assert_eq!(o.status.code(), Some(2), "{period}: {}", stdout(&o));
        let err = stderr(&o);
        assert!(err.contains(says), "{period}: {err}");
        assert!(
            err.contains("年尚无任何报表") || err.contains("年没有任何报表"),
            "{period}: {err}"
        );
    }
    assert!(
        !tmp.path().join("out/reports").exists(),
        "no report of zeros"
    );
    run_ok(
        tmp.path(),
        &[
            "run", "--input", "in", "--out", "out", "--period", "2025-04", "-q",
        ],
    );
}

#[test]
fn a_year_without_targets_is_said_in_the_summary_and_the_run_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixture_month("2025-01"), &tmp.path().join("in/2026-01"));
    let o = run_ok(
        tmp.path(),
        &[
            "run", "--input", "in", "--out", "out", "--period", "2026-01",
        ],
    );
    let err = stderr(&o);
    assert!(
        err.contains("warning: no targets for 2026 in the pipeline file"),
        "{err}"
    );
    assert!(err.contains("未设2026年目标"), "{err}");
    assert!(stdout(&o).contains("warning: no targets for 2026"));
    assert!(tmp
        .path()
        .join("out/reports/2026-01/metrics.json")
        .is_file());
    // A year with targets says nothing of the kind.
    copy_tree(&fixture_month("2025-01"), &tmp.path().join("in/2025-01"));
    let o = run_ok(
        tmp.path(),
        &[
            "run", "--input", "in", "--out", "out", "--period", "2025-01",
        ],
    );
    assert!(!stderr(&o).contains("no targets"), "{}", stderr(&o));
}

/// A 蓬江区 ledger: one manufacturing project per (name, 亿元), filed on `filed_on`.
fn ledger(path: &Path, filed_on: &str, projects: &[(&str, f64)]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write(0, 0, "蓬江区招商引资项目台账").unwrap();
    ws.write(1, 0, format!("填报单位：蓬江区  填报日期：{filed_on}"))
        .unwrap();
    for (c, h) in [
        "序号",
        "项目名称",
        "投资主体",
        "行业类别",
        "计划总投资（亿元）",
        "签约时间",
    ]
    .iter()
    .enumerate()
    {
        ws.write(2, c as u16, *h).unwrap();
    }
    for (i, (name, yi)) in projects.iter().enumerate() {
        let r = 3 + i as u32;
        ws.write(r, 0, (i + 1) as f64).unwrap();
        ws.write(r, 1, *name).unwrap();
        ws.write(r, 2, format!("{name}有限公司")).unwrap();
        ws.write(r, 3, "制造业").unwrap();
        ws.write(r, 4, *yi).unwrap();
        ws.write(r, 5, "2025年7月1日").unwrap();
    }
    wb.save(path).unwrap();
}

/// 蓬江区's July investment (亿元) and the run's outputs, for two returns written as
/// (file name, 填报日期, projects).
fn two_returns(
    tmp: &Path,
    first: (&str, &str, &[(&str, f64)]),
    second: (&str, &str, &[(&str, f64)]),
) -> (f64, std::process::Output) {
    let month = tmp.join("in/2025-07");
    std::fs::create_dir_all(&month).unwrap();
    for (name, filed, projects) in [first, second] {
        ledger(&month.join(name), filed, projects);
    }
    let o = run_ok(
        tmp,
        &[
            "run", "--input", "in", "--out", "out", "--period", "2025-07",
        ],
    );
    let m = read_json(&tmp.join("out/reports/2025-07/metrics.json"));
    let v = metric(&m, "mfg_investment_yi", "county", "蓬江区").unwrap_or(0.0);
    (v, o)
}

#[test]
fn of_two_returns_from_one_filer_in_one_month_the_later_filing_date_wins_not_the_file_name() {
    // The alphabetically earlier file has the later 填报日期: its figures win.
    let tmp = tempfile::tempdir().unwrap();
    let (v, o) = two_returns(
        tmp.path(),
        ("a-蓬江区台账.xlsx", "2025年7月5日", &[("甲项目", 10.0)]),
        (
            "b-蓬江区台账.xlsx",
            "2025年7月1日",
            &[("甲项目", 3.0), ("乙项目", 2.0)],
        ),
    );
    assert_close(v, 10.0, "蓬江区 investment from a-蓬江区台账.xlsx");
    let err = stderr(&o);
    assert!(
        err.contains("2025-07/a-蓬江区台账.xlsx is in effect")
            && err.contains("2025-07/b-蓬江区台账.xlsx is read but not counted"),
        "{err}"
    );
    // The same returns with the names swapped: still the later 填报日期.
    let tmp2 = tempfile::tempdir().unwrap();
    let (v2, _) = two_returns(
        tmp2.path(),
        ("b-蓬江区台账.xlsx", "2025年7月5日", &[("甲项目", 10.0)]),
        (
            "a-蓬江区台账.xlsx",
            "2025年7月1日",
            &[("甲项目", 3.0), ("乙项目", 2.0)],
        ),
    );
    assert_close(v2, 10.0, "蓬江区 investment from b-蓬江区台账.xlsx");

    // Listed: issues.json (a warning naming both files and why), metrics.json, the manifest,
    // the report and the filer's feedback workbook. The loser's rows stay accounted for.
    let rep = tmp.path().join("out/reports/2025-07");
    let issues = read_json(&rep.join("issues.json"));
    let dup: Vec<_> = issues
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["rule"] == "duplicate_return")
        .collect();
    // One on each file: the one read but not counted, and the one in effect.
    assert_eq!(dup.len(), 2, "{issues}");
    let d = dup
        .iter()
        .find(|d| d["file"] == "2025-07/b-蓬江区台账.xlsx")
        .expect("a warning on the file not counted");
    assert!(dup.iter().any(|d| d["file"] == "2025-07/a-蓬江区台账.xlsx"));
    assert_eq!(d["severity"], "warning");
    assert_eq!(d["filer"], "蓬江区");
    let msg = d["message"].as_str().unwrap();
    assert!(
        msg.contains("a-蓬江区台账.xlsx") && msg.contains("b-蓬江区台账.xlsx"),
        "{msg}"
    );
    assert!(
        msg.contains("填报日期较晚") && msg.contains("2025年7月5日"),
        "{msg}"
    );
    let m = read_json(&rep.join("metrics.json"));
    assert_eq!(
        m["duplicate_returns"][0]["kept"],
        "2025-07/a-蓬江区台账.xlsx"
    );
    assert_eq!(m["accounting"]["rows_read"], 3, "both files' rows are read");
    assert_eq!(m["accounting"]["rows_accepted"], 3);
    let manifest = read_json(&rep.join("manifest.json"));
    let sheet_of = |f: &str| {
        manifest["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["file"] == f)
            .unwrap()["sheets"][0]
            .clone()
    };
    let loser = sheet_of("2025-07/b-蓬江区台账.xlsx");
    assert_eq!(loser["superseded_by"], "2025-07/a-蓬江区台账.xlsx");
    assert_eq!(loser["filed_on"], "2025-07-01");
    assert_eq!(loser["accounting"]["rows_accepted"], 2);
    assert!(sheet_of("2025-07/a-蓬江区台账.xlsx")["superseded_by"].is_null());
    let html = std::fs::read_to_string(rep.join("report.html")).unwrap();
    assert!(
        html.contains("同一单位同月重复报送") && html.contains("未计入“2025-07/b-蓬江区台账.xlsx”"),
        "report.html lists the decision"
    );
    let fb = read_texts(&rep.join("validation/蓬江区.xlsx"));
    assert!(
        fb.iter()
            .any(|t| t.contains("采用“2025-07/a-蓬江区台账.xlsx”")),
        "{fb:?}"
    );
    assert!(fb.iter().any(|t| t.contains("已读取但不计入")), "{fb:?}");
}

/// Every text cell of every sheet of a workbook.
fn read_texts(path: &Path) -> Vec<String> {
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(path).unwrap();
    let mut out = Vec::new();
    for name in wb.sheet_names().to_vec() {
        let range = wb.worksheet_range(&name).unwrap();
        for row in range.rows() {
            for c in row {
                out.push(c.to_string());
            }
        }
    }
    out
}
