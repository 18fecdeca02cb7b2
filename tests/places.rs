//! Places below the county (issue 8, item 5), through the real binary: a bureau's ledger whose
//! 落户地 names towns and parks below the counties counts each project at its county and keeps
//! the town in `town`; a cell naming two counties or none is rejected at its cell; `validate`
//! flags exactly the same rows.

mod common;
use common::*;

#[test]
fn places_below_a_county_count_at_the_county_and_keep_the_town() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("returns/2025-02");
    std::fs::create_dir_all(&dir).unwrap();
    let rows = [
        ("甲项目", "台山市广海镇"),
        ("乙项目", "蓬江区棠下镇工业园"),
        ("丙项目", "江门市江海区高新技术产业园"),
        ("丁项目", "新会区"),
        ("戊项目", "蓬江区、江海区"),
        ("己项目", "广海镇"),
    ];
    let mut text = String::from(
        "填报单位：市商务局\n项目名称,投资主体,落户地,行业类别,计划总投资(亿元),签约时间\n",
    );
    for (name, place) in rows {
        text.push_str(&format!("{name},{name}公司,{place},制造业,3,2025-02-03\n"));
    }
    std::fs::write(dir.join("市商务局招商引资项目台账.csv"), text).unwrap();
    let o = zhaoshang(
        tmp.path(),
        &[
            "run", "--input", "returns", "--out", "out", "--period", "2025-02", "-q",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run_ok(
        tmp.path(),
        &[
            "query",
            "--out",
            "out",
            "--format",
            "json",
            "SELECT project_name, county, town FROM projects_current WHERE year = 2025 AND month = 2 ORDER BY project_name",
        ],
    );
    let got: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let got: Vec<(String, String, String)> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["project_name"].as_str().unwrap_or("").to_string(),
                r["county"].as_str().unwrap_or("").to_string(),
                r["town"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String, String)> = [
        ("丁项目", "新会区", ""),
        ("丙项目", "江海区", "高新技术产业园"),
        ("乙项目", "蓬江区", "棠下镇工业园"),
        ("甲项目", "台山市", "广海镇"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(got_sorted, want_sorted);

    let issues = read_json(&tmp.path().join("out/reports/2025-02/issues.json"));
    let file = "2025-02/市商务局招商引资项目台账.csv".to_string();
    let want_errors: std::collections::BTreeSet<(String, String, String)> = ["C7", "C8"]
        .iter()
        .map(|c| (file.clone(), c.to_string(), "unknown_county".to_string()))
        .collect();
    assert_eq!(error_cells(issues.as_array().unwrap()), want_errors);

    // validate flags exactly the rows run rejects.
    let o = zhaoshang(
        tmp.path(),
        &[
            "validate",
            "returns/2025-02/市商务局招商引资项目台账.csv",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let issues: Vec<serde_json::Value> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["issues"].as_array().cloned().unwrap_or_default())
        .collect();
    let cells: std::collections::BTreeSet<String> = error_cells(&issues)
        .into_iter()
        .map(|(_, c, _)| c)
        .collect();
    assert_eq!(cells, ["C7", "C8"].iter().map(|s| s.to_string()).collect());
}
