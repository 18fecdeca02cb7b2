//! Reruns after an upgrade (issue 8, item 9): the parse cache and the metric-history cache are
//! keyed on the build identity of the code (`build.rs`), not on the package version, so what
//! another build parsed — here, planted entries with deliberately wrong figures — is never used.

mod common;
use common::*;
use sha2::{Digest, Sha256};
use std::path::Path;
use zhaoshang::record::Value;
use zhaoshang::run::cache::{Cache, CachedFile, HistoryCache, BUILD_ID};

const OLDER_BUILD: &str = "an-older-build-of-the-reading-code";

fn sha256_hex(path: &Path) -> String {
    Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Multiplies every number of a cached parse by 1000: figures no correct parse gives.
fn spoil(entry: &mut CachedFile) {
    for s in &mut entry.sheets {
        for r in &mut s.records {
            for v in &mut r.values {
                if let Value::Number(n) = v {
                    *n *= 1000.0;
                }
            }
        }
    }
}

fn timings(out: &Path) -> (u64, u64) {
    let m = read_json(&out.join("reports/2025-04/manifest.json"));
    (
        m["timings"]["files_parsed"].as_u64().unwrap(),
        m["timings"]["files_cached"].as_u64().unwrap(),
    )
}

fn figures(out: &Path) -> serde_json::Value {
    read_json(&out.join("reports/2025-04/metrics.json"))["metrics"].clone()
}

#[test]
fn a_rebuilt_binary_never_reuses_what_another_build_cached() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    for m in 1..=4 {
        let month = format!("2025-{m:02}");
        copy_tree(
            &repo().join("fixtures/returns").join(&month),
            &input.join(&month),
        );
    }
    let out = tmp.path().join("out");
    let args = [
        "run", "--input", "in", "--out", "out", "--period", "2025-04", "-q",
    ];
    run_ok(tmp.path(), &args);
    let right = figures(&out);
    let manifest = read_json(&out.join("reports/2025-04/manifest.json"));
    assert_eq!(
        manifest["build_id"], BUILD_ID,
        "the manifest names the build"
    );
    assert_ne!(manifest["build_id"], manifest["tool_version"]);

    let pipeline = zhaoshang::pipeline::Pipeline::embedded_default().unwrap();
    let files = zhaoshang::ingest::discover(&input).unwrap().files;
    let total = files.len() as u64;
    assert!(total > 10);

    // 1. Wrong figures under this build's keys are used (the planting works) …
    let this = Cache::new(&out);
    let mut spoilt = Vec::new();
    for f in &files {
        let sha = sha256_hex(&f.path);
        let mut entry = this
            .get(f, &sha, &pipeline.hash)
            .expect("the run cached the file");
        spoil(&mut entry);
        let bytes = postcard::to_allocvec(&entry).unwrap();
        this.put_encoded(f, &pipeline.hash, &sha, &bytes).unwrap();
        spoilt.push((f.clone(), sha, bytes));
    }
    this.finish().unwrap();
    run_ok(tmp.path(), &args);
    assert_eq!(timings(&out), (0, total));
    assert_ne!(
        figures(&out),
        right,
        "a planted entry under this build's key is read"
    );

    // 2. … but the same entries as another build wrote them are not: every file is parsed
    //    afresh and every figure is right again.
    let older = Cache::for_build(&out, OLDER_BUILD);
    for (f, sha, bytes) in &spoilt {
        older.put_encoded(f, &pipeline.hash, sha, bytes).unwrap();
    }
    older.finish().unwrap();
    assert!(
        files.iter().all(|f| Cache::new(&out)
            .get(f, &sha256_hex(&f.path), &pipeline.hash)
            .is_none()),
        "the pack holds only the other build's entries"
    );
    run_ok(tmp.path(), &args);
    assert_eq!(
        timings(&out),
        (total, 0),
        "nothing of the other build is used"
    );
    assert_eq!(figures(&out), right);
}

#[test]
fn metric_history_of_another_build_is_not_used() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    for m in 1..=4 {
        let month = format!("2025-{m:02}");
        copy_tree(
            &repo().join("fixtures/returns").join(&month),
            &input.join(&month),
        );
    }
    let out = tmp.path().join("out");
    let args = [
        "run", "--input", "in", "--out", "out", "--period", "2025-04", "-q",
    ];
    run_ok(tmp.path(), &args);
    let pipeline = zhaoshang::pipeline::Pipeline::embedded_default().unwrap();
    let files = zhaoshang::ingest::discover(&input).unwrap().files;
    let key = |cache: &HistoryCache, month: u32| {
        let period = zhaoshang::period::Period::new(2025, month).unwrap();
        let shas: Vec<(String, String, String)> = files
            .iter()
            .filter(|f| f.period <= period)
            .map(|f| (f.rel.clone(), f.period.to_string(), sha256_hex(&f.path)))
            .collect();
        cache.key_of(
            &pipeline.hash,
            period,
            shas.iter()
                .map(|(r, p, s)| (r.as_str(), p.clone(), s.as_str()))
                .collect(),
        )
    };
    let this = HistoryCache::new(&out);
    let older = HistoryCache::for_build(&out, OLDER_BUILD);
    // January and February are history months of an April run (March is the month before).
    for month in [1, 2] {
        let mine = key(&this, month);
        let right = std::fs::read(&mine).unwrap_or_else(|e| panic!("{}: {e}", mine.display()));
        let mut wrong: serde_json::Value = serde_json::from_slice(&right).unwrap();
        for m in wrong.as_array_mut().unwrap() {
            if let Some(v) = m["value"].as_f64() {
                m["value"] = serde_json::json!(v * 1000.0 + 1.0);
            }
        }
        assert_ne!(serde_json::to_vec(&wrong).unwrap(), right);
        std::fs::remove_file(&mine).unwrap();
        std::fs::write(key(&older, month), serde_json::to_vec(&wrong).unwrap()).unwrap();
        run_ok(tmp.path(), &args);
        // Missed and recomputed: this build's entry is written again, with the right values.
        assert_eq!(std::fs::read(&mine).unwrap(), right, "2025-{month:02}");
    }
}
