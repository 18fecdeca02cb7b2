//! Identity across the months (issue 8, item 8): a filer whose ledger gains or loses its
//! 项目编号 column from one month to the next keeps its projects. The real binary runs two
//! months of one county's ledger (CSV returns); the second month's `changes` must report no
//! `left`/`new` pair for the same project, only what really changed.

mod common;
use common::*;
use std::path::Path;

/// A ledger of 蓬江区 for `month`: (项目编号 or None when the column is absent, 项目名称, 投资主体,
/// 计划总投资 in 亿元).
fn write_ledger(root: &Path, month: &str, rows: &[(Option<&str>, &str, &str, f64)]) {
    let dir = root.join(month);
    std::fs::create_dir_all(&dir).unwrap();
    let with_ids = rows.iter().any(|r| r.0.is_some());
    let mut text = String::from("填报单位：蓬江区\n");
    if with_ids {
        text.push_str("项目编号,");
    }
    text.push_str("项目名称,投资主体,所属县(市、区),行业类别,计划总投资(亿元),签约时间\n");
    for (id, name, investor, amount) in rows {
        if with_ids {
            text.push_str(&format!("{},", id.unwrap_or("")));
        }
        text.push_str(&format!(
            "{name},{investor},蓬江区,制造业,{amount},2025-01-10\n"
        ));
    }
    std::fs::write(dir.join("蓬江区招商引资项目台账.csv"), text).unwrap();
}

/// (change, project name) of the period's changes, sorted.
fn changes(out: &Path, period: &str) -> Vec<(String, String)> {
    let m = read_json(&out.join("reports").join(period).join("metrics.json"));
    let mut v: Vec<(String, String)> = m["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"] != "stopped_reporting")
        .map(|c| {
            (
                c["change"].as_str().unwrap_or("").to_string(),
                c["name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn run_two_months(
    jan: &[(Option<&str>, &str, &str, f64)],
    feb: &[(Option<&str>, &str, &str, f64)],
) -> Vec<(String, String)> {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("returns");
    write_ledger(&input, "2025-01", jan);
    write_ledger(&input, "2025-02", feb);
    let out = tmp.path().join("out");
    run_ok(
        tmp.path(),
        &[
            "run",
            "--input",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--all",
            "-q",
        ],
    );
    let m = read_json(&out.join("reports/2025-02/metrics.json"));
    assert_eq!(m["accounting"]["rows_rejected"], 0, "{}", m["accounting"]);
    changes(&out, "2025-02")
}

#[test]
fn a_ledger_that_loses_its_id_column_keeps_its_projects_across_the_months() {
    let got = run_two_months(
        &[
            (Some("PJ-2025-001"), "甲项目", "甲公司", 5.0),
            (Some("PJ-2025-002"), "乙项目", "乙公司", 2.0),
        ],
        &[
            (None, "甲项目", "甲公司", 6.0),
            (None, "乙项目", "乙公司", 2.0),
            (None, "丙项目", "丙公司", 1.0),
        ],
    );
    assert_eq!(
        got,
        vec![
            ("amount_changed".to_string(), "甲项目".to_string()),
            ("new".to_string(), "丙项目".to_string()),
        ]
    );
}

#[test]
fn a_ledger_that_gains_its_id_column_keeps_its_projects_across_the_months() {
    let got = run_two_months(
        &[
            (None, "甲项目", "甲公司", 5.0),
            (None, "乙项目", "乙公司", 2.0),
        ],
        &[(Some("PJ-2025-001"), "甲项目", "甲公司", 5.0)],
    );
    assert_eq!(got, vec![("left".to_string(), "乙项目".to_string())]);
}
