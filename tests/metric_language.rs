//! The metric language beyond sums and counts (issue 10, item 2): `count_distinct`, and `sql`
//! aggregate expressions with the period's bounds as parameters, computed at every scope by
//! the same machinery; a wrong expression is a pipeline error with its key path.

mod common;
use common::*;

/// jiangmen.toml with `extra` (more `[[metrics]]`) after its last metric, written into `dir`.
fn jiangmen_with(dir: &std::path::Path, file: &str, extra: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(repo().join("pipelines/jiangmen.toml")).unwrap();
    // The extra metrics go after the last [[metrics]] block, before the targets.
    let at = text
        .find("\n[targets")
        .expect("jiangmen.toml has [targets…]");
    let path = dir.join(file);
    std::fs::write(&path, format!("{}{extra}{}", &text[..at], &text[at..])).unwrap();
    path
}

/// jiangmen.toml with three more metrics appended: the SQL twin of `mfg_investment_yi`, the
/// SQL twin of `big_projects_count` (with `$year_start`/`$period_end`), and the number of
/// distinct investors of this year's manufacturing projects.
fn pipeline_with_more_metrics(dir: &std::path::Path) -> std::path::PathBuf {
    let extra = r#"
[[metrics]]
id = "mfg_investment_sql"
name = "引进制造业项目计划投资额（SQL）"
unit = "亿元"
table = "projects_current"
value = { sql = "SUM(planned_investment_yi)", filters = ["manufacturing_this_year"] }
progress = "cumulative"
scopes = ["city", "county", "chain"]

[[metrics]]
id = "big_projects_sql"
name = "10亿元以上项目数（SQL）"
unit = "个"
table = "projects_current"
value = { sql = "SUM(CASE WHEN sector = '制造业' AND planned_investment_yi >= 10 AND signed_date BETWEEN $year_start AND $period_end THEN 1 ELSE 0 END)" }
progress = "cumulative"
scopes = ["city", "county"]

[[metrics]]
id = "investors"
name = "制造业项目投资主体数"
unit = "家"
table = "projects_current"
value = { count_distinct = "investor", filters = ["manufacturing_this_year"] }
progress = "level"
scopes = ["city", "county"]
"#;
    jiangmen_with(dir, "more.toml", extra)
}

#[test]
fn sql_and_count_distinct_metrics_agree_with_their_sum_and_count_twins() {
    let tmp = tempfile::tempdir().unwrap();
    let p = pipeline_with_more_metrics(tmp.path());
    let input = repo().join("fixtures/returns");
    run_ok(
        tmp.path(),
        &[
            "run",
            "--pipeline",
            p.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "--out",
            "out",
            "--period",
            "2025-06",
            "-q",
        ],
    );
    let m = read_json(&tmp.path().join("out/reports/2025-06/metrics.json"));
    let mut compared = 0;
    for (sql, twin) in [
        ("mfg_investment_sql", "mfg_investment_yi"),
        ("big_projects_sql", "big_projects_count"),
    ] {
        for v in m["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["id"] == sql)
        {
            let scope = v["scope"].as_str().unwrap();
            let value = v["scope_value"].as_str().unwrap();
            let want = metric(&m, twin, scope, value).unwrap();
            assert_close(
                v["value"].as_f64().unwrap(),
                want,
                &format!("{sql} {scope} {value}"),
            );
            compared += 1;
        }
    }
    assert!(compared >= 2 * 8, "{compared} values compared");
    assert!(metric(&m, "mfg_investment_yi", "city", "江门市").unwrap() > 100.0);

    // Distinct investors: at most the projects, at least one per county with projects.
    let projects = metric(&m, "big_projects_count", "city", "江门市").unwrap();
    let investors = metric(&m, "investors", "city", "江门市").unwrap();
    assert!(
        investors >= projects && investors.fract() == 0.0,
        "{investors}"
    );
    // … and the analyst's SQL over the dataset gives the same number.
    let o = run_ok(
        tmp.path(),
        &[
            "query", "--out", "out", "--format", "csv",
            "SELECT COUNT(DISTINCT investor) AS n FROM projects_current WHERE year = 2025 AND month = 6 AND sector = '制造业' AND signed_date >= DATE '2025-01-01'",
        ],
    );
    let n: f64 = stdout(&o).lines().nth(1).unwrap().trim().parse().unwrap();
    assert_close(
        investors,
        n,
        "distinct investors, metrics.json vs the dataset",
    );
}

#[test]
fn a_wrong_sql_expression_is_a_pipeline_error_with_its_key_path() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = r#"
[[metrics]]
id = "typo"
name = "错"
unit = "亿元"
table = "projects_current"
value = { sql = "SUM(planned_investment) + $yesterday" }
progress = "level"
scopes = ["city"]

[[metrics]]
id = "two"
name = "两个"
unit = "个"
table = "projects_current"
value = { count = true, sum = "planned_investment_yi" }
progress = "level"
scopes = ["city"]
"#;
    let path = jiangmen_with(tmp.path(), "bad.toml", bad);
    let o = zhaoshang(
        tmp.path(),
        &["run", "--pipeline", path.to_str().unwrap(), "--out", "out"],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(".value.sql") && err.contains("$yesterday"),
        "{err}"
    );
    assert!(err.contains("give exactly one of"), "{err}");
}

/// 环比 and 同比 (`change_of`): the growth of a metric against the month before (from this
/// run's own months) and against the same month a year before (from the metrics an earlier
/// run wrote to the dataset); empty when there is nothing to compare with.
#[test]
fn change_of_metrics_compare_with_the_month_before_and_the_year_before() {
    let tmp = tempfile::tempdir().unwrap();
    let extra = r#"
[[metrics]]
id = "mfg_mom"
name = "制造业项目计划投资额环比增长"
unit = "比例"
table = "projects_current"
change_of = { metric = "mfg_investment_yi", against = "previous_month" }
progress = "level"
scopes = ["city", "county"]

[[metrics]]
id = "mfg_yoy"
name = "制造业项目计划投资额同比增长"
unit = "比例"
table = "projects_current"
change_of = { metric = "mfg_investment_yi", against = "same_month_last_year" }
progress = "level"
scopes = ["city", "county"]
"#;
    let p = jiangmen_with(tmp.path(), "growth.toml", extra);
    let p = p.to_str().unwrap();
    let run = |input: &str, period: &str| {
        run_ok(
            tmp.path(),
            &[
                "run",
                "--pipeline",
                p,
                "--input",
                input,
                "--out",
                "out",
                "--period",
                period,
                "-q",
            ],
        );
        read_json(
            &tmp.path()
                .join(format!("out/reports/{period}/metrics.json")),
        )
    };
    let fixtures = repo().join("fixtures/returns");
    let fixtures = fixtures.to_str().unwrap();
    let may = run(fixtures, "2025-05");
    let june = run(fixtures, "2025-06");
    let (v5, v6) = (
        metric(&may, "mfg_investment_yi", "city", "江门市").unwrap(),
        metric(&june, "mfg_investment_yi", "city", "江门市").unwrap(),
    );
    assert!(v5 > 0.0 && v6 > v5, "{v5} {v6}");
    assert_close(
        metric(&june, "mfg_mom", "city", "江门市").unwrap(),
        (v6 - v5) / v5,
        "环比, city",
    );
    for county in ["蓬江区", "开平市"] {
        let (a, b) = (
            metric(&may, "mfg_investment_yi", "county", county).unwrap(),
            metric(&june, "mfg_investment_yi", "county", county).unwrap(),
        );
        let got = metric(&june, "mfg_mom", "county", county);
        match got {
            Some(g) => assert_close(g, (b - a) / a, &format!("环比 {county}")),
            None => assert!(a <= 0.0, "{county}: no 环比 though May had {a}"),
        }
    }
    // No 2024 in the dataset yet: 同比 is empty.
    assert_eq!(metric(&june, "mfg_yoy", "city", "江门市"), None);

    // A 2024 year run into the same output, then June 2025 again: 同比 against June 2024.
    let y24 = tmp.path().join("y2024");
    run_ok(
        tmp.path(),
        &[
            "synth",
            "--year",
            "2024",
            "--months",
            "6",
            "--seed",
            "5",
            "--out",
            y24.to_str().unwrap(),
        ],
    );
    let june24 = run(y24.to_str().unwrap(), "2024-06");
    let june = run(fixtures, "2025-06");
    let v24 = metric(&june24, "mfg_investment_yi", "city", "江门市").unwrap();
    assert!(v24 > 0.0);
    assert_close(
        metric(&june, "mfg_yoy", "city", "江门市").unwrap(),
        (v6 - v24) / v24,
        "同比, city",
    );
}
