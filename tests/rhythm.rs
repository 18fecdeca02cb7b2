//! The yearly rhythm (issue 8, item 6): the innovation-city indicator return is owed once a
//! year, so a unit that sent its return in March is not 未报送 in December, and a unit is
//! 未报送 in June only when it has sent nothing in the year so far.

mod common;
use common::*;

fn names(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn an_annual_return_sent_in_march_is_not_missing_in_december() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("returns");
    let pipeline = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/pipelines/jiangmen-innovation-city.toml"
    );
    run_ok(
        tmp.path(),
        &[
            "synth",
            "--pipeline",
            pipeline,
            "--out",
            input.to_str().unwrap(),
            "--year",
            "2023",
            "--seed",
            "5",
        ],
    );
    let expected = read_json(&input.join("expected.json"));
    // One unit's return is sent early, in March.
    let early = std::fs::read_dir(input.join("2023-12"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".xlsx"))
        .min()
        .unwrap();
    std::fs::create_dir_all(input.join("2023-03")).unwrap();
    std::fs::rename(
        input.join("2023-12").join(&early),
        input.join("2023-03").join(&early),
    )
    .unwrap();
    let run = |period: &str| {
        run_ok(
            tmp.path(),
            &[
                "run",
                "--pipeline",
                pipeline,
                "--input",
                input.to_str().unwrap(),
                "--out",
                "out",
                "--period",
                period,
                "-q",
            ],
        );
        read_json(
            &tmp.path()
                .join("out/reports")
                .join(period)
                .join("metrics.json"),
        )
    };
    let december = run("2023-12");
    assert_eq!(
        december["indicators"]["missing_units"], expected["missing_units"],
        "only the unit that sent nothing all year is missing"
    );
    assert_eq!(december["missing_returns"], expected["missing_units"]);
    assert_eq!(
        december["indicators"]["rows"].as_array().unwrap().len(),
        expected["rows"].as_array().unwrap().len(),
        "the March return is in effect in December"
    );
    // In June the early unit has sent its return; every other unit is still to send one.
    let manifest = read_json(&tmp.path().join("out/reports/2023-12/manifest.json"));
    let early_unit = manifest["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["file"] == format!("2023-03/{early}"))
        .unwrap()["sheets"][0]["filer"]
        .as_str()
        .unwrap()
        .to_string();
    let june = run("2023-06");
    let missing = names(&june["missing_returns"]);
    assert!(!missing.contains(&early_unit), "{early_unit} sent in March");
    for silent in names(&expected["missing_units"]) {
        assert!(missing.contains(&silent), "{silent} sent nothing");
    }
    let units =
        names(&december["missing_returns"]).len() + manifest["inputs"].as_array().unwrap().len();
    assert_eq!(
        missing.len() + 1,
        units,
        "all but the early unit: {missing:?}"
    );
}
