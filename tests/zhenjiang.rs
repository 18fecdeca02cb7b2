//! End to end for `pipelines/zhenjiang-tech.toml`: the register generator writes months of
//! messy 科技招商 returns with their true figures (from its ground truth); `zhaoshang run`
//! must reproduce every city, 板块 and park figure, reject exactly the bad rows, and title the
//! March report 季度点评.

mod common;
use common::*;
use std::collections::BTreeSet;

#[test]
fn every_figure_of_generated_zhenjiang_returns_matches_the_generator() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("returns");
    let pipeline = concat!(env!("CARGO_MANIFEST_DIR"), "/pipelines/zhenjiang-tech.toml");
    run_ok(
        tmp.path(),
        &[
            "synth",
            "--pipeline",
            pipeline,
            "--out",
            input.to_str().unwrap(),
            "--year",
            "2024",
            "--months",
            "4",
            "--seed",
            "11",
        ],
    );
    let expected = read_json(&input.join("expected.json"));
    let out = tmp.path().join("out");
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut rejected_total = 0;
    for (period, want) in expected["periods"].as_object().unwrap() {
        run_ok(
            tmp.path(),
            &[
                "run",
                "--pipeline",
                pipeline,
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
            let g = metric(&got, id, "city", "镇江市");
            if g != scopes["city"].as_f64() {
                failures.push(format!(
                    "{period} {id} city: got {g:?}, want {}",
                    scopes["city"]
                ));
            }
            checked += 1;
            for scope in ["county", "park"] {
                let Some(values) = scopes.get(scope).and_then(|v| v.as_object()) else {
                    continue;
                };
                for (name, w) in values {
                    let g = metric(&got, id, scope, name);
                    if g != w.as_f64() {
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
        rejected_total += want_cells.len();
        if got_cells != want_cells {
            failures.push(format!(
                "{period} rejected cells:\n  got  {got_cells:?}\n  want {want_cells:?}"
            ));
        }
        let html =
            std::fs::read_to_string(out.join("reports").join(period).join("report.html")).unwrap();
        if period.ends_with("-03") {
            assert!(
                html.contains("季度点评（2024年3月）"),
                "{period}: not a quarterly review"
            );
            assert!(
                html.contains("落后序时进度的板块"),
                "{period}: laggards not by 板块"
            );
        } else {
            assert!(html.contains("月度跟踪"), "{period}: not the monthly title");
        }
        assert!(
            !html.contains("县(市、区)"),
            "{period}: the 板块 label is not used"
        );
    }
    assert!(checked > 300, "only {checked} figures compared");
    assert_eq!(rejected_total, 3, "the generator's three bad rows");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );

    // Every table the pipeline's run wrote can be queried, and a wrong name lists them.
    let o = run_ok(
        tmp.path(),
        &[
            "query",
            "--out",
            out.to_str().unwrap(),
            "--format",
            "json",
            "SELECT COUNT(*) AS n FROM events_current",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.to_string().contains("\"n\""), "{v}");
    let o = zhaoshang(
        tmp.path(),
        &[
            "query",
            "--out",
            out.to_str().unwrap(),
            "SELECT * FROM nowhere",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("events_current") && err.contains("enterprises_current"),
        "{err}"
    );
}
