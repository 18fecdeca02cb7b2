//! End to end for `pipelines/jiangmen-innovation-city.toml`: the indicator generator writes a
//! year of messy indicator returns from the monitoring units with their true figures (from its
//! ground truth); `zhaoshang run` must reproduce every indicator's value (the counting unit's),
//! progress and met for every year, the summary by group / national / all, and the monitoring
//! unit that sent nothing; reject exactly the generator's bad rows (an indicator number not in
//! the list, a part no indicator has, `待核实`, a year before the plan) at their cells; and read
//! the percent-formatted value cell as the filer sees it, a fraction in a plain cell ×100 with
//! a warning.

mod common;
use common::*;

const PIPELINE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/pipelines/jiangmen-innovation-city.toml"
);

/// Generated returns for 2023 (`seed`) under `cwd/returns`, run for the generator's period into
/// `cwd/out`: the generator's truth, the output folder and what the run printed.
fn synth_and_run(
    cwd: &std::path::Path,
    seed: u64,
) -> (serde_json::Value, std::path::PathBuf, std::process::Output) {
    let input = cwd.join("returns");
    let dir = input.to_str().unwrap();
    let seed = seed.to_string();
    run_ok(
        cwd,
        &[
            "synth",
            "--pipeline",
            PIPELINE,
            "--out",
            dir,
            "--year",
            "2023",
            "--seed",
            &seed,
        ],
    );
    let expected = read_json(&input.join("expected.json"));
    let period = expected["period"].as_str().unwrap().to_string();
    let out = cwd.join("out");
    let o = out.to_str().unwrap();
    let printed = run_ok(
        cwd,
        &[
            "run",
            "--pipeline",
            PIPELINE,
            "--input",
            dir,
            "--out",
            o,
            "--period",
            &period,
        ],
    );
    (expected, out, printed)
}

fn same_num(got: &serde_json::Value, want: &serde_json::Value) -> bool {
    match (got.as_f64(), want.as_f64()) {
        (Some(g), Some(w)) => (g - w).abs() <= 1e-9 * w.abs().max(1.0),
        (None, None) => got.is_null() && want.is_null(),
        _ => false,
    }
}

#[test]
fn every_indicator_of_generated_innovation_city_returns_matches_the_generator() {
    let tmp = tempfile::tempdir().unwrap();
    let (expected, out, o) = synth_and_run(tmp.path(), 5);
    let period = expected["period"].as_str().unwrap();
    assert!(stdout(&o).contains("indicators (2023"), "{}", stdout(&o));
    let got = read_json(&out.join("reports").join(period).join("metrics.json"));
    let ind = &got["indicators"];
    let rows = ind["rows"].as_array().unwrap();
    let mut failures = Vec::new();
    let want_rows = expected["rows"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        want_rows.len(),
        "one row per indicator × part × year"
    );
    for w in want_rows {
        let (key, year) = (w["key"].as_str().unwrap(), &w["year"]);
        let Some(g) = rows.iter().find(|r| r["key"] == key && &r["year"] == year) else {
            failures.push(format!("{key} {year}: no row"));
            continue;
        };
        for k in ["value", "progress"] {
            if !same_num(&g[k], &w[k]) {
                failures.push(format!("{key} {year} {k}: got {}, want {}", g[k], w[k]));
            }
        }
        for k in ["rating", "met"] {
            if g[k] != w[k] {
                failures.push(format!("{key} {year} {k}: got {}, want {}", g[k], w[k]));
            }
        }
    }
    let summary: Vec<serde_json::Value> = ind["summary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            serde_json::json!({
                "year": s["year"], "scope": s["scope"], "group": s["group"],
                "indicators": s["indicators"], "with_value": s["with_value"], "met": s["met"],
            })
        })
        .collect();
    if summary != *expected["summary"].as_array().unwrap() {
        failures.push(format!(
            "summary:\n  got  {summary:?}\n  want {}",
            expected["summary"]
        ));
    }
    assert_eq!(ind["missing_units"], expected["missing_units"]);
    assert_eq!(
        got["accounting"]["rows_accepted"], expected["rows_accepted"],
        "every generated row is read"
    );
    assert_eq!(
        got["accounting"]["rows_rejected"], expected["rows_rejected"],
        "exactly the generator's bad rows are rejected"
    );
    // Each bad row at the cell the generator spoiled, for the rule it breaks; the
    // fraction in a plain cell is read ×100 with a warning at its cell (the percent-formatted
    // one is read as the filer sees it).
    let issues = read_json(&out.join("reports").join(period).join("issues.json"));
    let issues = issues.as_array().unwrap();
    let cells = |key: &str| -> std::collections::BTreeSet<(String, String, String)> {
        expected[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["file"].as_str().unwrap().to_string(),
                    c["cell"].as_str().unwrap().to_string(),
                    c["rule"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(error_cells(issues), cells("rejected_cells"));
    let rules: std::collections::BTreeSet<String> = cells("rejected_cells")
        .into_iter()
        .map(|(_, _, r)| r)
        .collect();
    assert_eq!(
        rules.into_iter().collect::<Vec<_>>(),
        [
            "not_in_reference",
            "unknown_value",
            "unparseable_number",
            "year_outside_plan"
        ],
        "the four kinds of bad row are generated"
    );
    for i in issues.iter().filter(|i| i["severity"] == "error") {
        assert!(
            i["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty() && !m.is_ascii()),
            "a Chinese message: {i}"
        );
    }
    let assumed: std::collections::BTreeSet<(String, String, String)> = issues
        .iter()
        .filter(|i| i["rule"] == "assumed_value" && i["severity"] == "warning")
        .map(|i| {
            (
                i["file"].as_str().unwrap_or("").to_string(),
                i["cell"].as_str().unwrap_or("").to_string(),
                "assumed_value".to_string(),
            )
        })
        .collect();
    assert_eq!(assumed, cells("assumed_cells"));
    assert_eq!(
        assumed.len(),
        1,
        "one fraction in a plain cell (the percent-formatted one is read as shown, silently)"
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Both directions and ratings are exercised.
    let has = |f: &dyn Fn(&serde_json::Value) -> bool| rows.iter().any(f);
    assert!(has(&|r| r["met"] == true && r["rating"].is_null()));
    assert!(has(&|r| r["met"] == false && r["rating"].is_null()));
    assert!(has(&|r| r["rating"].is_string()));
    assert!(has(&|r| r["value"].is_null() && r["key"] == "29"));

    // The analysts' metrics table has one row per indicator × part of the year.
    let o = run_ok(
        tmp.path(),
        &[
            "query",
            "SELECT scope_value, completion FROM metrics WHERE scope = 'indicator'",
            "--out",
            out.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let q: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let this_year = want_rows.iter().filter(|w| w["year"] == 2023).count();
    assert_eq!(q.as_array().unwrap().len(), this_year);

    let html =
        std::fs::read_to_string(out.join("reports").join(period).join("report.html")).unwrap();
    assert!(html.contains("考核指标完成情况（2023年）"));
    assert!(html.contains("未报送的监测单位"));
}

/// The scorecard's declared tables and chart: `indicators.csv` gives, for every indicator, each
/// year's value (or rating) and the assessed year's progress and met as the generator's truth
/// has them; `indicator_summary.csv` the truth's counts per group, the national indicators and
/// all; the chart is drawn.
#[test]
fn the_scorecard_tables_and_chart_carry_the_generators_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let (expected, out, _) = synth_and_run(tmp.path(), 11);
    let period = expected["period"].as_str().unwrap();
    let report = out.join("reports").join(period);
    for f in [
        "charts/indicator_progress.svg",
        "charts/indicator_progress.png",
    ] {
        assert!(report.join(f).is_file(), "{f}");
    }
    let read = |name: &str| -> (Vec<String>, Vec<Vec<String>>) {
        let mut r = csv::Reader::from_path(report.join("tables").join(name)).unwrap();
        let headers = r.headers().unwrap().iter().map(str::to_string).collect();
        let rows = r
            .records()
            .map(|x| x.unwrap().iter().map(str::to_string).collect())
            .collect();
        (headers, rows)
    };
    let at = |headers: &[String], name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
    };
    let num = |s: &str| -> Option<f64> { (!s.is_empty()).then(|| s.parse().unwrap()) };
    let close = |g: Option<f64>, w: Option<f64>| match (g, w) {
        (Some(g), Some(w)) => (g - w).abs() <= 1e-9 * w.abs().max(1.0),
        (g, w) => g.is_none() && w.is_none(),
    };

    let (h, rows) = read("indicators.csv");
    let (key, progress, met) = (
        at(&h, "序号"),
        at(&h, "完成进度(2023年)"),
        at(&h, "是否达标(2023年)"),
    );
    let mut failures = Vec::new();
    let want_rows = expected["rows"].as_array().unwrap();
    let keys: std::collections::BTreeSet<&str> = want_rows
        .iter()
        .map(|w| w["key"].as_str().unwrap())
        .collect();
    assert_eq!(rows.len(), keys.len(), "one table row per indicator × part");
    for w in want_rows {
        let k = w["key"].as_str().unwrap();
        let year = w["year"].as_i64().unwrap();
        let row = rows.iter().find(|r| r[key] == k).expect("a row per key");
        let cell = &row[at(&h, &format!("{year}年"))];
        let ok = match w["rating"].as_str() {
            Some(rating) => cell == rating,
            None => close(num(cell), w["value"].as_f64()),
        };
        if !ok {
            failures.push(format!("{k} {year}: table {cell:?}, truth {}", w["value"]));
        }
        if year == 2023 {
            if !close(num(&row[progress]), w["progress"].as_f64()) {
                failures.push(format!(
                    "{k} progress: table {:?}, truth {}",
                    row[progress], w["progress"]
                ));
            }
            let said = match w["met"].as_bool() {
                Some(true) => "达标",
                Some(false) => "未达标",
                None => "无数据",
            };
            if row[met] != said {
                failures.push(format!("{k} met: table {:?}, truth {said}", row[met]));
            }
        }
    }

    let (h, rows) = read("indicator_summary.csv");
    let label = at(&h, "一级指标");
    for s in expected["summary"].as_array().unwrap() {
        let year = s["year"].as_i64().unwrap();
        let name = match s["scope"].as_str().unwrap() {
            "group" => s["group"].as_str().unwrap(),
            "national" => "国家考核指标（*）",
            _ => "合计",
        };
        let row = rows
            .iter()
            .find(|r| r[label] == name)
            .expect("a row per scope");
        for (col, k) in [
            (format!("{year}年有数据"), "with_value"),
            (format!("{year}年达标"), "met"),
        ] {
            let cell = &row[at(&h, &col)];
            if num(cell) != s[k].as_f64() {
                failures.push(format!("{name} {col}: table {cell:?}, truth {}", s[k]));
            }
        }
        if num(&row[at(&h, "指标数")]) != s["indicators"].as_f64() {
            failures.push(format!("{name} 指标数"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
