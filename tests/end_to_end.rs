//! End to end: the project's generator writes a year of messy returns with their true
//! figures (computed from its ground truth, not by the pipeline); `zhaoshang run` must
//! reproduce every figure, list the missing returns and reject exactly the bad rows.

mod common;
use common::*;
use std::collections::BTreeSet;

fn close(got: Option<f64>, want: &serde_json::Value) -> bool {
    match (got, want.as_f64()) {
        (None, None) => true,
        (Some(g), Some(w)) => (g - w).abs() <= 1e-6 * w.abs().max(1.0),
        _ => false,
    }
}

#[test]
fn every_figure_of_a_generated_year_matches_the_generator() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("returns");
    run_ok(
        tmp.path(),
        &[
            "synth",
            "--out",
            input.to_str().unwrap(),
            "--months",
            "12",
            "--seed",
            "7",
        ],
    );
    let expected = read_json(&input.join("expected.json"));
    let out = tmp.path().join("out");
    let mut failures = Vec::new();
    let mut checked = 0;
    for (period, want) in expected["periods"].as_object().unwrap() {
        run_ok(
            tmp.path(),
            &[
                "run",
                "--input",
                input.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--period",
                period,
                "--quiet",
            ],
        );
        let got = read_json(&out.join("reports").join(period).join("metrics.json"));
        for (id, scopes) in want["metrics"].as_object().unwrap() {
            if !close(metric(&got, id, "city", "江门市"), &scopes["city"]) {
                failures.push(format!(
                    "{period} {id} city: got {:?}, want {}",
                    metric(&got, id, "city", "江门市"),
                    scopes["city"]
                ));
            }
            checked += 1;
            for scope in ["county", "chain"] {
                let Some(values) = scopes.get(scope).and_then(|v| v.as_object()) else {
                    continue;
                };
                for (name, w) in values {
                    let g = metric(&got, id, scope, name);
                    if !close(g, w) {
                        failures.push(format!("{period} {id} {scope} {name}: got {g:?}, want {w}"));
                    }
                    checked += 1;
                }
            }
        }
        if got["missing_returns"] != want["missing_returns"] {
            failures.push(format!(
                "{period} missing_returns: got {}, want {}",
                got["missing_returns"], want["missing_returns"]
            ));
        }
        let acc = &got["accounting"];
        if acc["rows_accepted"] != want["rows"]["accepted"]
            || acc["rows_rejected"] != want["rows"]["rejected"]
        {
            failures.push(format!("{period} rows: got {acc}, want {}", want["rows"]));
        }
        let sum = acc["rows_accepted"].as_u64().unwrap()
            + acc["rows_rejected"].as_u64().unwrap()
            + acc["rows_skipped"].as_u64().unwrap();
        assert_eq!(
            acc["rows_read"].as_u64().unwrap(),
            sum,
            "{period}: read = accepted + rejected + skipped"
        );
        // Every bad row is rejected at the cell the generator spoiled, for the rule it broke.
        let issues = read_json(&out.join("reports").join(period).join("issues.json"));
        let got_cells = error_cells(issues.as_array().unwrap());
        let want_cells: BTreeSet<(String, String, String)> = want["rejected_cells"]
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
            .collect();
        if got_cells != want_cells {
            failures.push(format!(
                "{period} rejected cells:\n  got  {got_cells:?}\n  want {want_cells:?}"
            ));
        }
    }
    assert!(checked > 500, "only {checked} figures compared");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
