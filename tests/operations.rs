//! Monthly operations: backfill, the parse cache, the output lock, interrupted runs,
//! `validate` against `run`, `query` against metrics.json, and the changes table.

mod common;
use common::*;
use std::path::Path;

fn fixtures() -> String {
    repo()
        .join("fixtures/returns")
        .to_string_lossy()
        .to_string()
}

#[test]
fn a_backfill_writes_every_period_like_single_runs() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(
        tmp.path(),
        &[
            "run",
            "--input",
            &fixtures(),
            "--out",
            "all",
            "--period",
            "2025-01..2025-03",
            "-q",
        ],
    );
    run_ok(
        tmp.path(),
        &[
            "run",
            "--input",
            &fixtures(),
            "--out",
            "one",
            "--period",
            "2025-02",
            "-q",
        ],
    );
    for month in ["01", "02", "03"] {
        for table in [
            "projects",
            "projects_current",
            "talent",
            "rejects",
            "metrics",
            "changes",
        ] {
            let p = tmp.path().join(format!(
                "all/dataset/{table}/year=2025/month={month}/part-0.parquet"
            ));
            assert!(p.is_file(), "{}", p.display());
        }
    }
    for f in ["metrics.json", "issues.json"] {
        let a = std::fs::read(tmp.path().join("all/reports/2025-02").join(f)).unwrap();
        let b = std::fs::read(tmp.path().join("one/reports/2025-02").join(f)).unwrap();
        assert!(a == b, "{f} of a backfill differs from a single run");
    }
    let a = std::fs::read(
        tmp.path()
            .join("all/dataset/projects_current/year=2025/month=02/part-0.parquet"),
    )
    .unwrap();
    let b = std::fs::read(
        tmp.path()
            .join("one/dataset/projects_current/year=2025/month=02/part-0.parquet"),
    )
    .unwrap();
    assert!(a == b, "Parquet of a backfill differs from a single run");
}

#[test]
fn a_rerun_reads_only_the_changed_file() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    copy_tree(&repo().join("fixtures/returns"), &input);
    let args = [
        "run", "--input", "in", "--out", "out", "--period", "2025-04", "-q",
    ];
    run_ok(tmp.path(), &args);
    let parsed = |tmp: &Path| {
        read_json(&tmp.join("out/reports/2025-04/manifest.json"))["timings"]["files_parsed"]
            .as_u64()
            .unwrap()
    };
    let cached = |tmp: &Path| {
        read_json(&tmp.join("out/reports/2025-04/manifest.json"))["timings"]["files_cached"]
            .as_u64()
            .unwrap()
    };
    let total = parsed(tmp.path());
    assert!(total > 30, "{total}");
    run_ok(tmp.path(), &args);
    assert_eq!((parsed(tmp.path()), cached(tmp.path())), (0, total));
    // Change one file: only it is parsed again.
    let talent = std::fs::read_dir(input.join("2025-04"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("人才"))
        .unwrap();
    let mut bytes = std::fs::read(&talent).unwrap();
    bytes.extend_from_slice(b"\n");
    std::fs::write(&talent, bytes).unwrap();
    run_ok(tmp.path(), &args);
    assert_eq!((parsed(tmp.path()), cached(tmp.path())), (1, total - 1));
    run_ok(tmp.path(), &[&args[..], &["--no-cache"]].concat());
    assert_eq!(parsed(tmp.path()), total);
}

#[test]
fn a_second_run_on_the_same_output_root_is_refused_and_a_stale_lock_recovered() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("out")).unwrap();
    // pid 1 is alive: the lock is held.
    std::fs::write(tmp.path().join("out/.zhaoshang.lock"), "1").unwrap();
    let o = zhaoshang(
        tmp.path(),
        &[
            "run",
            "--input",
            &fixtures(),
            "--out",
            "out",
            "--period",
            "2025-01",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("pid 1"), "{}", stderr(&o));
    assert!(!tmp.path().join("out/reports").exists());
    // A pid that cannot exist: the lock is stale and taken over.
    std::fs::write(tmp.path().join("out/.zhaoshang.lock"), "4194305").unwrap();
    run_ok(
        tmp.path(),
        &[
            "run",
            "--input",
            &fixtures(),
            "--out",
            "out",
            "--period",
            "2025-01",
            "-q",
        ],
    );
    assert!(
        !tmp.path().join("out/.zhaoshang.lock").exists(),
        "the lock is released"
    );
}

/// Kill runs at several moments: the previous outputs stay complete and readable.
#[test]
fn a_killed_run_leaves_the_previous_outputs_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "--input",
        &fixtures(),
        "--out",
        "out",
        "--period",
        "2025-01..2025-12",
        "-q",
        "--no-cache",
    ];
    run_ok(tmp.path(), &args);
    let snapshot = |root: &Path| -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        for e in walk(&root.join("out")) {
            let rel = e.strip_prefix(root).unwrap().to_string_lossy().to_string();
            if rel.contains("/.cache/")
                || rel.ends_with("manifest.json")
                || rel.contains(".zhaoshang.lock")
            {
                continue; // timings and the cache may differ; the lock is the killed run's
            }
            files.push((rel, std::fs::read(&e).unwrap()));
        }
        files.sort();
        files
    };
    let before = snapshot(tmp.path());
    assert!(before.len() > 100);
    for delay_ms in [30u64, 120, 300, 600, 900] {
        let mut child = std::process::Command::new(bin())
            .args(args)
            .current_dir(tmp.path())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let now: Vec<(String, Vec<u8>)> = snapshot(tmp.path())
            .into_iter()
            .filter(|(rel, _)| !rel.contains("/.staging-"))
            .collect();
        assert_eq!(
            now.len(),
            before.len(),
            "killed after {delay_ms} ms: files appeared or vanished"
        );
        for ((a, x), (b, y)) in before.iter().zip(&now) {
            assert_eq!(a, b);
            assert!(x == y, "killed after {delay_ms} ms: {a} changed");
        }
        let m = read_json(&tmp.path().join("out/reports/2025-12/metrics.json"));
        assert!(m["metrics"].as_array().unwrap().len() > 10);
    }
    // The next run cleans up after the killed ones.
    run_ok(tmp.path(), &args);
    assert!(!walk(&tmp.path().join("out"))
        .iter()
        .any(|p| p.to_string_lossy().contains(".staging-")));
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn validate_flags_exactly_the_rows_run_rejects() {
    let tmp = tempfile::tempdir().unwrap();
    let month = repo().join("fixtures/returns/2025-09");
    run_ok(
        tmp.path(),
        &[
            "run",
            "--input",
            &fixtures(),
            "--out",
            "out",
            "--period",
            "2025-09",
            "-q",
        ],
    );
    let issues = read_json(&tmp.path().join("out/reports/2025-09/issues.json"));
    let from_run = error_cells(issues.as_array().unwrap());
    assert!(!from_run.is_empty(), "the fixture month has bad rows");
    let o = zhaoshang(
        tmp.path(),
        &["validate", month.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1), "rejected rows give exit status 1");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let all: Vec<serde_json::Value> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["issues"].as_array().unwrap().clone())
        .collect();
    let from_validate = error_cells(&all);
    assert_eq!(from_run, from_validate);
    let m = read_json(&tmp.path().join("out/reports/2025-09/metrics.json"));
    assert_eq!(v["accounting"], m["accounting"]);
    // Text output names the cell and says what to fix, in Chinese.
    let o = zhaoshang(tmp.path(), &["validate", month.to_str().unwrap()]);
    let text = stdout(&o);
    assert!(text.contains("退回") && text.contains("[错误]"), "{text}");
    // A clean file passes.
    run_ok(
        tmp.path(),
        &[
            "validate",
            repo().join("fixtures/samples/2025-02").to_str().unwrap(),
        ],
    );
}

#[test]
fn query_answers_equal_metrics_json() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(
        tmp.path(),
        &[
            "run",
            "--input",
            &fixtures(),
            "--out",
            "out",
            "--period",
            "2025-05..2025-06",
            "-q",
        ],
    );
    let sql = "SELECT county, SUM(planned_investment_yi) AS inv FROM projects_current WHERE year = 2025 AND month = 6 AND sector = '制造业' AND signed_date >= DATE '2025-01-01' GROUP BY county ORDER BY county";
    let o = run_ok(
        tmp.path(),
        &["query", "--out", "out", "--format", "json", sql],
    );
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let m = read_json(&tmp.path().join("out/reports/2025-06/metrics.json"));
    let rows = rows.as_array().unwrap();
    assert!(rows.len() >= 5);
    for r in rows {
        let county = r["county"].as_str().unwrap();
        assert_close(
            r["inv"].as_f64().unwrap(),
            metric(&m, "mfg_investment_yi", "county", county).unwrap(),
            county,
        );
    }
    let o = run_ok(tmp.path(), &["query", "--out", "out", "--format", "csv", "SELECT metric_id, value FROM metrics WHERE month = 5 AND scope = 'city' ORDER BY metric_id"]);
    let csv = stdout(&o);
    assert!(csv.starts_with("metric_id,value\n"), "{csv}");
    assert_eq!(csv.lines().count(), 1 + 7);
    let o = run_ok(
        tmp.path(),
        &[
            "query",
            "--out",
            "out",
            "--format",
            "parquet",
            "-o",
            "q.parquet",
            "SELECT * FROM changes",
        ],
    );
    assert!(o.stdout.is_empty());
    assert!(tmp.path().join("q.parquet").is_file());
    let o = zhaoshang(
        tmp.path(),
        &["query", "--out", "out", "SELECT * FROM nosuchtable"],
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn the_changes_table_tells_what_happened_since_last_month() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(
        tmp.path(),
        &[
            "run",
            "--input",
            &fixtures(),
            "--out",
            "out",
            "--period",
            "2025-02..2025-05",
            "-q",
        ],
    );
    let special = &read_json(&repo().join("fixtures/returns/expected.json"))["special_cases"];
    let kinds = |period: &str| -> Vec<serde_json::Value> {
        read_json(
            &tmp.path()
                .join(format!("out/reports/{period}/metrics.json")),
        )["changes"]
            .as_array()
            .unwrap()
            .clone()
    };
    // The moved project (项目流转).
    let mv = &special["moved_project"];
    let april = kinds(mv["period"].as_str().unwrap());
    let moved: Vec<_> = april.iter().filter(|c| c["change"] == "moved").collect();
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(moved[0]["previous"], mv["from"]);
    assert_eq!(moved[0]["current"], mv["to"]);
    assert!(april.iter().any(|c| c["change"] == "new"));
    assert!(april.iter().any(|c| c["change"] == "stage_advanced"));
    // A county that missed a month stopped reporting that month.
    for m in special["missing_returns"].as_array().unwrap() {
        let p = m["period"].as_str().unwrap();
        let changes = kinds(p);
        assert!(
            changes
                .iter()
                .any(|c| c["change"] == "stopped_reporting" && c["filer"] == m["county"]),
            "{p}: {changes:?}"
        );
    }
}
