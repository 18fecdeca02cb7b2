//! CLI tests: the real binary, run in temporary folders.

mod common;
use common::*;

#[test]
fn help_explains_every_run_flag() {
    let o = run_ok(&repo(), &["run", "--help"]);
    let help = stdout(&o);
    for flag in [
        "--pipeline",
        "--input",
        "--out",
        "--period",
        "--strict",
        "--jobs",
        "--quiet",
    ] {
        assert!(help.contains(flag), "run --help lacks {flag}:\n{help}");
    }
}

/// The real returns of ../shared/samples (copied into fixtures/samples) are read without a
/// single rejection, and the figures equal those computed by hand from the workbooks.
#[test]
fn real_sample_returns_are_read_without_false_rejections() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let input = repo().join("fixtures/samples");
    run_ok(
        tmp.path(),
        &[
            "run",
            "--input",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--period",
            "2025-02",
            "--strict",
        ],
    );
    let m = read_json(&out.join("reports/2025-02/metrics.json"));
    let a = &m["accounting"];
    assert_eq!(a["rows_rejected"], 0, "{a}");
    assert_eq!(a["rows_accepted"], 61, "{a}");
    assert_eq!(
        a["rows_read"].as_u64().unwrap(),
        a["rows_accepted"].as_u64().unwrap() + a["rows_skipped"].as_u64().unwrap()
    );
    // Hand-computed from the four February ledgers (万元 converted, 江门高新区 = 江海区).
    assert_close(
        metric(&m, "mfg_investment_yi", "city", "江门市").unwrap(),
        148.97,
        "city investment",
    );
    assert_close(
        metric(&m, "mfg_investment_yi", "county", "江海区").unwrap(),
        56.62,
        "江海区",
    );
    assert_close(
        metric(&m, "mfg_investment_yi", "county", "开平市").unwrap(),
        14.81,
        "开平市",
    );
    assert_close(
        metric(&m, "mfg_investment_yi", "county", "鹤山市").unwrap(),
        55.70,
        "鹤山市",
    );
    assert_close(
        metric(&m, "big_projects_count", "city", "江门市").unwrap(),
        3.0,
        "big projects",
    );
    assert_close(
        metric(&m, "high_level_talent_total", "city", "江门市").unwrap(),
        6099.0,
        "talent total",
    );
    assert_close(
        metric(&m, "rental_housing_units", "city", "江门市").unwrap(),
        452.0,
        "housing",
    );
    assert_close(
        metric(&m, "school_placement_rate", "city", "江门市").unwrap(),
        58.0 / 75.0,
        "school rate",
    );
    assert_eq!(
        m["missing_returns"],
        serde_json::json!(["新会区", "台山市", "恩平市"])
    );
    // January has a 填表说明 sheet in two files: reported, not fatal.
    run_ok(
        tmp.path(),
        &[
            "run",
            "--input",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--period",
            "2025-01",
        ],
    );
    let issues = read_json(&out.join("reports/2025-01/issues.json"));
    let unrec: Vec<_> = issues
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["rule"] == "unrecognised_sheet")
        .collect();
    assert_eq!(unrec.len(), 2, "{issues}");
    assert!(
        issues
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["severity"] != "error"),
        "{issues}"
    );
}

#[test]
fn an_unreadable_file_is_reported_and_the_run_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    copy_tree(&repo().join("fixtures/samples"), &input);
    std::fs::write(
        input.join("2025-02/恩平市台账.xlsx"),
        b"this is not a zip file",
    )
    .unwrap();
    std::fs::write(input.join("2025-02/空文件.xls"), b"").unwrap();
    let out = tmp.path().join("out");
    let o = zhaoshang(
        tmp.path(),
        &[
            "run",
            "--input",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("恩平市台账.xlsx"), "{}", stderr(&o));
    let m = read_json(&out.join("reports/2025-02/metrics.json"));
    let files: Vec<&str> = m["unreadable_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, vec!["2025-02/恩平市台账.xlsx", "2025-02/空文件.xls"]);
    // Its bytes are text, and the reason says so (issue 9: reasons that are true).
    assert!(m["unreadable_files"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("文本文件"));
    // The other files were still assessed.
    assert_close(
        metric(&m, "mfg_investment_yi", "city", "江门市").unwrap(),
        148.97,
        "city investment",
    );
}

#[test]
fn strict_fails_on_rejected_rows_and_rejects_are_located() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in/2025-03");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(
        input.join("台山市台账.csv"),
        "填报单位：台山市\n项目名称,投资主体,行业类别,计划总投资（万元）,签约日期\n甲项目,甲公司,制造业,\"12,000\",2025-03-02\n乙项目,乙公司,制造业,-5,2025-03-02\n,丙公司,制造业,100,2025-03-02\n丁项目,丁公司,制造业,100,2025-04-02\n合计,,,\"12,195\",\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let args = ["run", "--input", "in", "--out", "out"];
    run_ok(tmp.path(), &args);
    let o = zhaoshang(tmp.path(), &[&args[..], &["--strict"]].concat());
    assert_eq!(o.status.code(), Some(1));
    let m = read_json(&out.join("reports/2025-03/metrics.json"));
    assert_eq!(m["accounting"]["rows_accepted"], 1);
    assert_eq!(m["accounting"]["rows_rejected"], 3);
    assert_eq!(m["accounting"]["rows_skipped"], 1);
    assert_close(
        metric(&m, "mfg_investment_yi", "county", "台山市").unwrap(),
        1.2,
        "台山市",
    );
    let issues = read_json(&out.join("reports/2025-03/issues.json"));
    let errors: Vec<(String, String)> = issues
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["severity"] == "error")
        .map(|i| {
            (
                i["cell"].as_str().unwrap_or("").to_string(),
                i["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            ("D4".to_string(), "negative_amount".to_string()),
            ("A5".to_string(), "missing_required".to_string()),
            ("E6".to_string(), "date_after_period".to_string())
        ]
    );
}

#[test]
fn a_bad_pipeline_file_lists_every_problem_with_its_key_path() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join("pipelines/jiangmen.toml")).unwrap();
    let bad = text
        .replace("progress = \"cumulative\"", "progress = \"fast\"")
        .replace("unknown = \"warn\"", "unknown = \"ignore\"");
    std::fs::write(tmp.path().join("bad.toml"), bad).unwrap();
    let o = zhaoshang(
        tmp.path(),
        &[
            "run",
            "--pipeline",
            "bad.toml",
            "--input",
            repo().join("fixtures/samples").to_str().unwrap(),
            "--out",
            "out",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("bad.toml"), "{err}");
    assert!(err.contains("`metrics[0].progress`"), "{err}");
    assert!(err.contains("`metrics[1].progress`"), "{err}");
    assert!(
        err.contains("`reference.vocabularies.chain.unknown`"),
        "{err}"
    );
    assert!(
        !tmp.path().join("out").exists(),
        "nothing is written for a bad pipeline"
    );
}

#[test]
fn missing_input_folder_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let o = zhaoshang(tmp.path(), &["run", "--input", "nowhere"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nowhere"), "{}", stderr(&o));
}

/// Legacy .xls (BIFF8) and OpenDocument .ods returns are read like xlsx
/// (fixtures/formats/make.py states the figures).
#[test]
fn legacy_xls_and_ods_returns_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let input = repo().join("fixtures/formats");
    run_ok(
        tmp.path(),
        &[
            "run",
            "--input",
            input.to_str().unwrap(),
            "--out",
            "out",
            "--strict",
        ],
    );
    let m = read_json(&tmp.path().join("out/reports/2025-03/metrics.json"));
    assert_close(
        metric(&m, "mfg_investment_yi", "county", "恩平市").unwrap(),
        13.3,
        "恩平市 (.xls)",
    );
    assert_close(
        metric(&m, "big_projects_count", "county", "恩平市").unwrap(),
        1.0,
        "恩平市 big",
    );
    assert_close(
        metric(&m, "mfg_investment_yi", "county", "台山市").unwrap(),
        3.2,
        "台山市 (.ods)",
    );
    assert_eq!(m["accounting"]["rows_accepted"], 5);
    assert_eq!(m["accounting"]["rows_skipped"], 2);
}

/// `zhaoshang run` with no arguments: the built-in pipeline over fixtures/returns, latest
/// period, into outputs/; its figures are the generator's expected ones.
#[test]
fn run_without_arguments_uses_the_fixture_year() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(
        &repo().join("fixtures/returns"),
        &tmp.path().join("fixtures/returns"),
    );
    let o = run_ok(tmp.path(), &["run"]);
    let text = stdout(&o);
    assert!(text.contains("2025-12"), "{text}");
    assert!(text.contains("引进制造业项目计划投资额"), "{text}");
    assert!(text.contains("outputs"), "{text}");
    let expected = read_json(&repo().join("fixtures/returns/expected.json"));
    let m = read_json(&tmp.path().join("outputs/reports/2025-12/metrics.json"));
    for id in [
        "mfg_investment_yi",
        "big_projects_count",
        "key_chain_share",
        "high_level_talent_total",
        "rental_housing_units",
    ] {
        let want = expected["periods"]["2025-12"]["metrics"][id]["city"]
            .as_f64()
            .unwrap();
        assert_close(metric(&m, id, "city", "江门市").unwrap(), want, id);
    }
    assert!(tmp
        .path()
        .join("outputs/dataset/projects_current/year=2025/month=12/part-0.parquet")
        .is_file());
}

/// The same inputs give byte-identical Parquet and metrics.json, whatever the thread count.
#[test]
fn reruns_are_byte_identical_across_thread_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let input = repo().join("fixtures/returns");
    for (out, jobs) in [("a", "1"), ("b", "4")] {
        run_ok(
            tmp.path(),
            &[
                "run",
                "--input",
                input.to_str().unwrap(),
                "--out",
                out,
                "--period",
                "2025-06",
                "-j",
                jobs,
                "-q",
            ],
        );
    }
    let mut compared = 0;
    for table in [
        "projects",
        "projects_current",
        "talent",
        "rejects",
        "metrics",
    ] {
        let rel = format!("dataset/{table}/year=2025/month=06/part-0.parquet");
        let a = std::fs::read(tmp.path().join("a").join(&rel)).unwrap();
        let b = std::fs::read(tmp.path().join("b").join(&rel)).unwrap();
        assert!(a == b, "{rel} differs between runs");
        compared += 1;
    }
    for f in ["metrics.json", "issues.json"] {
        let a = std::fs::read(tmp.path().join("a/reports/2025-06").join(f)).unwrap();
        let b = std::fs::read(tmp.path().join("b/reports/2025-06").join(f)).unwrap();
        assert!(a == b, "{f} differs between runs");
        compared += 1;
    }
    assert_eq!(compared, 7);
}

/// An .xlsm (macro-enabled) workbook and a CSV are returns like any other.
#[test]
fn xlsm_and_csv_returns_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let month = tmp.path().join("in/2025-02");
    std::fs::create_dir_all(&month).unwrap();
    std::fs::copy(
        repo().join("fixtures/samples/2025-02/附件1-开平市.xlsx"),
        month.join("开平市台账.xlsm"),
    )
    .unwrap();
    std::fs::write(month.join("蓬江区.csv"), "\u{feff}填报单位：蓬江区\n项目名称,企业名称,所属行业,总投资(亿元),签约时间\n甲,甲公司,制造业,２.５,2025/2/3\n").unwrap();
    run_ok(
        tmp.path(),
        &["run", "--input", "in", "--out", "out", "--strict"],
    );
    let m = read_json(&tmp.path().join("out/reports/2025-02/metrics.json"));
    assert_close(
        metric(&m, "mfg_investment_yi", "county", "开平市").unwrap(),
        14.81,
        "开平市 (.xlsm)",
    );
    assert_close(
        metric(&m, "mfg_investment_yi", "county", "蓬江区").unwrap(),
        2.5,
        "蓬江区 (.csv)",
    );
}
