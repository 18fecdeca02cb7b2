//! End to end for `pipelines/jiangmen-land-efficiency.toml`, a scorecard declared in TOML only:
//! the ledger generator writes a year of messy returns for it, `zhaoshang run` assesses
//! December, and every county's 亩均税收 and grade must equal a truth computed here from the
//! dataset's deduplicated rows (`zhaoshang query`, plain SQL sums) and the thresholds read from
//! the file itself. A second run on the same returns, with thresholds placed between the
//! counties' values (one exactly at a county's value), must spread the counties over every band.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::Path;

const PIPELINE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/pipelines/jiangmen-land-efficiency.toml"
);
const METRIC: &str = "tax_per_mu_wan";

/// (grade, min) bands of `METRIC` as the pipeline file writes them, read with the toml crate
/// (not through the engine's compiler).
fn bands(text: &str) -> Vec<(String, Option<f64>)> {
    let doc: toml::Value = toml::from_str(text).expect("pipeline toml");
    let metric = doc["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["id"].as_str() == Some(METRIC))
        .expect("the 亩均税收 metric");
    metric["grades"]
        .as_array()
        .expect("grades")
        .iter()
        .map(|g| {
            (
                g["grade"].as_str().expect("grade").to_string(),
                g.get("min").and_then(toml::Value::as_float),
            )
        })
        .collect()
}

/// The grade the thresholds give `value`: the first band whose min it reaches.
fn grade(bands: &[(String, Option<f64>)], value: f64) -> String {
    bands
        .iter()
        .find(|(_, min)| min.is_none_or(|m| value >= m))
        .map(|(g, _)| g.clone())
        .expect("a last band without min")
}

fn counties(text: &str) -> Vec<String> {
    let doc: toml::Value = toml::from_str(text).expect("pipeline toml");
    doc["reference"]["counties"]
        .as_array()
        .expect("counties")
        .iter()
        .map(|c| c["name"].as_str().expect("name").to_string())
        .collect()
}

/// County → (Σ 预计年税收, Σ 用地面积) of the manufacturing projects signed in 2025 with land,
/// straight from the dataset's `projects_current` rows of 2025-12.
fn truth(cwd: &Path, out: &Path) -> BTreeMap<String, (f64, f64)> {
    let o = run_ok(
        cwd,
        &[
            "query",
            "--out",
            out.to_str().unwrap(),
            "--format",
            "json",
            "SELECT county, SUM(expected_tax_wan) AS tax, SUM(land_mu) AS land FROM projects_current \
             WHERE year = 2025 AND month = 12 AND sector = '制造业' AND land_mu > 0 \
             AND EXTRACT(YEAR FROM signed_date) = 2025 GROUP BY county",
        ],
    );
    let rows: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("query json");
    rows.as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["county"].as_str().expect("county").to_string(),
                (
                    r["tax"].as_f64().unwrap_or(0.0),
                    r["land"].as_f64().expect("land"),
                ),
            )
        })
        .collect()
}

fn entry<'a>(m: &'a serde_json::Value, id: &str, scope: &str, sv: &str) -> &'a serde_json::Value {
    m["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|x| x["id"] == id && x["scope"] == scope && x["scope_value"] == sv)
        .unwrap_or_else(|| panic!("no metric {id} {scope} {sv}"))
}

/// The `grade` column of the dataset's `metrics` table for `METRIC`, by scope value.
fn table_grades(cwd: &Path, out: &Path) -> BTreeMap<String, Option<String>> {
    let o = run_ok(
        cwd,
        &[
            "query",
            "--out",
            out.to_str().unwrap(),
            "--format",
            "json",
            &format!(
                "SELECT scope_value, grade FROM metrics WHERE year = 2025 AND month = 12 AND metric_id = '{METRIC}'"
            ),
        ],
    );
    let rows: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("query json");
    rows.as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["scope_value"].as_str().expect("scope_value").to_string(),
                r["grade"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn run(cwd: &Path, pipeline: &Path, input: &Path, out: &Path) -> serde_json::Value {
    run_ok(
        cwd,
        &[
            "run",
            "--pipeline",
            pipeline.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--period",
            "2025-12",
            "--quiet",
        ],
    );
    read_json(&out.join("reports/2025-12/metrics.json"))
}

/// Checks every county's (and the city's) value and grade against the truth and `bands`;
/// returns county → (value, grade) as found.
fn check(
    cwd: &Path,
    out: &Path,
    got: &serde_json::Value,
    text: &str,
    bands: &[(String, Option<f64>)],
) -> BTreeMap<String, (Option<f64>, Option<String>)> {
    let truth = truth(cwd, out);
    let in_table = table_grades(cwd, out);
    let mut found = BTreeMap::new();
    let mut failures = Vec::new();
    let city = truth
        .values()
        .fold((0.0, 0.0), |(t, l), (a, b)| (t + a, l + b));
    let mut scopes = vec![("city".to_string(), "江门市".to_string(), Some(city))];
    for c in counties(text) {
        let t = truth.get(&c).copied();
        scopes.push(("county".to_string(), c, t));
    }
    for (scope, name, t) in scopes {
        let e = entry(got, METRIC, &scope, &name);
        let value = e["value"].as_f64();
        let g = e["grade"].as_str().map(str::to_string);
        let want = t.filter(|(_, land)| *land > 0.0).map(|(tax, land)| {
            assert_close(e["numerator"].as_f64().unwrap_or(f64::NAN), tax, &name);
            assert_close(e["denominator"].as_f64().unwrap_or(f64::NAN), land, &name);
            tax / land
        });
        match (value, want) {
            (Some(v), Some(w)) => assert_close(v, w, &format!("{METRIC} {name}")),
            (None, None) => {}
            _ => failures.push(format!("{name}: value {value:?}, want {want:?}")),
        }
        // The grade follows the engine's value (the truth's may differ in its last digit).
        let want_grade = value.map(|v| grade(bands, v));
        if g != want_grade {
            failures.push(format!(
                "{name}: grade {g:?}, want {want_grade:?} ({value:?})"
            ));
        }
        if in_table.get(&name) != Some(&g) {
            failures.push(format!(
                "{name}: metrics table grade {:?}, metrics.json {g:?}",
                in_table.get(&name)
            ));
        }
        if scope == "county" {
            found.insert(name, (value, g));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    found
}

#[test]
fn every_county_gets_the_grade_of_its_tax_per_mu() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let input = cwd.join("returns");
    run_ok(
        cwd,
        &[
            "synth",
            "--pipeline",
            PIPELINE,
            "--out",
            input.to_str().unwrap(),
            "--year",
            "2025",
            "--months",
            "12",
            "--seed",
            "7",
        ],
    );
    let text = std::fs::read_to_string(PIPELINE).unwrap();
    let file_bands = bands(&text);
    assert_eq!(file_bands.last().and_then(|b| b.1), None, "{file_bands:?}");

    let out = cwd.join("out");
    let got = run(cwd, Path::new(PIPELINE), &input, &out);
    let found = check(cwd, &out, &got, &text, &file_bands);
    println!("亩均税收 (万元/亩) and grade, 2025-12, the file's thresholds {file_bands:?}:");
    for (c, (v, g)) in &found {
        println!("  {c}: {v:?} {g:?}");
    }
    // Ungraded metrics carry no grade at all.
    for m in got["metrics"].as_array().unwrap() {
        if m["id"] != METRIC {
            assert!(m.get("grade").is_none(), "{m}");
        }
    }

    // Thresholds between the counties' values: the highest gets A, the next B, the third and
    // the fourth C (the band starts at the fourth's own value, as metrics.json prints it:
    // bands are inclusive), every lower one D; a county without a value still has no grade.
    let mut values: Vec<(f64, String)> = found
        .iter()
        .filter_map(|(c, (v, _))| v.map(|v| (v, c.clone())))
        .collect();
    values.sort_by(|a, b| b.0.total_cmp(&a.0));
    assert!(
        values.len() >= 5 && values.windows(2).all(|w| w[0].0 > w[1].0),
        "need five distinct county values to spread: {values:?}"
    );
    let spread = [
        ("A".to_string(), Some((values[0].0 + values[1].0) / 2.0)),
        ("B".to_string(), Some((values[1].0 + values[2].0) / 2.0)),
        ("C".to_string(), Some(values[3].0)),
        ("D".to_string(), None),
    ];
    let line = "grades = [{ grade = \"A\", min = 30.0 }, { grade = \"B\", min = 20.0 }, { grade = \"C\", min = 10.0 }, { grade = \"D\" }]";
    assert!(text.contains(line), "the file's grades line changed");
    let spread_line = format!(
        "grades = [{{ grade = \"A\", min = {:?} }}, {{ grade = \"B\", min = {:?} }}, {{ grade = \"C\", min = {:?} }}, {{ grade = \"D\" }}]",
        spread[0].1.unwrap_or_default(),
        spread[1].1.unwrap_or_default(),
        spread[2].1.unwrap_or_default(),
    );
    let spread_text = text.replace(line, &spread_line);
    assert_eq!(bands(&spread_text), spread.to_vec());
    let spread_file = cwd.join("spread.toml");
    std::fs::write(&spread_file, &spread_text).unwrap();
    let out2 = cwd.join("out-spread");
    let got2 = run(cwd, &spread_file, &input, &out2);
    let found2 = check(cwd, &out2, &got2, &spread_text, &spread);
    let by_county: BTreeMap<&str, Option<&str>> = found2
        .iter()
        .map(|(c, (_, g))| (c.as_str(), g.as_deref()))
        .collect();
    let want = |i: usize| match i {
        0 => Some("A"),
        1 => Some("B"),
        2 | 3 => Some("C"),
        _ => Some("D"),
    };
    for (i, (_, c)) in values.iter().enumerate() {
        assert_eq!(by_county[c.as_str()], want(i), "{c} (rank {i})");
    }
    println!("spread thresholds {spread:?}:");
    for (c, (v, g)) in &found2 {
        println!("  {c}: {v:?} {g:?}");
    }

    // The report shows the grades the assessment gave: each band lists exactly its counties,
    // and the city's card gives its value in 万元/亩 (a ratio with a unit is no percentage).
    for (out, found) in [(&out, &found), (&out2, &found2)] {
        let html = std::fs::read_to_string(out.join("reports/2025-12/report.html")).unwrap();
        let start = html
            .find("预计亩均税收分级")
            .expect("a grade line in report.html");
        let line = &html[start..start + html[start..].find("。").unwrap()];
        let listed: BTreeMap<String, String> = line
            .split_once('：')
            .unwrap()
            .1
            .split('；')
            .flat_map(|band| {
                let (g, who) = band.split_once("级：").unwrap();
                who.split('、')
                    .filter(|w| *w != "无")
                    .map(move |w| (w.to_string(), g.to_string()))
            })
            .collect();
        let graded: BTreeMap<String, String> = found
            .iter()
            .filter_map(|(c, (_, g))| g.clone().map(|g| (c.clone(), g)))
            .collect();
        assert_eq!(listed, graded, "{line}");
        let city = entry(&got, METRIC, "city", "江门市")["value"]
            .as_f64()
            .unwrap();
        let shown = format!("{city:.2}");
        let shown = shown.trim_end_matches('0').trim_end_matches('.');
        let card = format!("<div class=\"value\">{shown}万元/亩（");
        assert!(html.contains(&card), "the card shows {card}");
    }
}
