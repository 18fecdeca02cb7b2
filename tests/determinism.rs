//! Outputs are byte-identical whatever `--jobs` is (issue 10, README "Deterministic"): the real
//! binary runs one input with `--jobs 1`, `--jobs 2` and `--jobs 4` into separate output roots,
//! and every file under `dataset/` and `reports/` must be the same bytes in all three.
//!
//! The one exception is each period's `manifest.json`, which records how the run went: it is
//! compared as JSON after removing
//! - `threads` — the thread count itself (checked to equal `--jobs`, so that the three runs
//!   really ran on different thread counts), and
//! - the wall-clock fields of `timings` (`discover_ms`, `read_wall_ms`, `read_ms`,
//!   `normalise_ms`, `identity_ms`, `assess_ms`, `store_ms`, `render_ms`, `total_ms`: every
//!   key ending in `_ms`), which differ from one run to the next even on one thread.
//!
//! `timings.files_cached` and `files_parsed` are kept (every run here starts without a cache).
//! `.cache/` is not compared: it is not an output.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const JOBS: [usize; 3] = [1, 2, 4];

/// Every file under `root`'s `dataset/` and `reports/`, by path relative to `root`.
fn outputs(root: &Path) -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, root, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, p);
            }
        }
    }
    let mut out = BTreeMap::new();
    for top in ["dataset", "reports"] {
        walk(&root.join(top), root, &mut out);
    }
    out
}

/// A manifest without the fields that say how the run went rather than what it read.
fn manifest_content(path: &Path) -> (serde_json::Value, u64) {
    let mut m = read_json(path);
    let obj = m.as_object_mut().expect("manifest is an object");
    let threads = obj
        .remove("threads")
        .and_then(|t| t.as_u64())
        .unwrap_or_else(|| panic!("{}: no `threads`", path.display()));
    let timings = obj
        .get_mut("timings")
        .and_then(|t| t.as_object_mut())
        .unwrap_or_else(|| panic!("{}: no `timings`", path.display()));
    let before = timings.len();
    timings.retain(|k, _| !k.ends_with("_ms"));
    assert!(
        timings.len() < before,
        "{}: no timings to strip",
        path.display()
    );
    (m, threads)
}

/// Runs `args` with each of [`JOBS`] into `<tmp>/out-j<N>` and compares the outputs.
/// `min_parquet` and `periods` guard against comparing (nearly) nothing.
fn assert_same_across_jobs(tmp: &Path, args: &[&str], periods: usize, min_parquet: usize) {
    let mut runs = Vec::new();
    for j in JOBS {
        let out = tmp.join(format!("out-j{j}"));
        let jobs = j.to_string();
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["--out", out.to_str().unwrap(), "--jobs", &jobs, "-q"]);
        run_ok(tmp, &a);
        runs.push((j, out));
    }

    let (j0, base_root) = &runs[0];
    let base = outputs(base_root);
    let parquet = base.keys().filter(|k| k.ends_with(".parquet")).count();
    let manifests = base
        .keys()
        .filter(|k| k.ends_with("/manifest.json"))
        .count();
    assert!(
        parquet >= min_parquet,
        "{args:?}: only {parquet} Parquet files under dataset/"
    );
    assert_eq!(manifests, periods, "{args:?}: periods written");
    for rel in base.keys().filter(|k| k.ends_with("/manifest.json")) {
        let (_, threads) = manifest_content(&base[rel]);
        assert_eq!(threads, *j0 as u64, "{rel}: threads of --jobs {j0}");
    }

    let mut problems = Vec::new();
    for (j, root) in &runs[1..] {
        let other = outputs(root);
        for rel in base.keys().filter(|k| !other.contains_key(*k)) {
            problems.push(format!(
                "{rel}: written with --jobs {j0}, not with --jobs {j}"
            ));
        }
        for rel in other.keys().filter(|k| !base.contains_key(*k)) {
            problems.push(format!(
                "{rel}: written with --jobs {j}, not with --jobs {j0}"
            ));
        }
        for (rel, a) in &base {
            let Some(b) = other.get(rel) else { continue };
            if rel.ends_with("/manifest.json") {
                let ((ma, _), (mb, tb)) = (manifest_content(a), manifest_content(b));
                assert_eq!(tb, *j as u64, "{rel}: threads of --jobs {j}");
                if ma != mb {
                    problems.push(format!(
                        "{rel}: differs between --jobs {j0} and --jobs {j} (beyond threads and timings)"
                    ));
                }
            } else if std::fs::read(a).unwrap() != std::fs::read(b).unwrap() {
                problems.push(format!(
                    "{rel}: bytes differ between --jobs {j0} and --jobs {j}"
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{args:?}: outputs depend on --jobs ({} of {} files):\n  {}",
        problems.len(),
        base.len(),
        problems.join("\n  ")
    );
}

fn fixtures() -> String {
    repo()
        .join("fixtures/returns")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn fixture_year_december_is_the_same_whatever_the_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let input = fixtures();
    assert_same_across_jobs(
        tmp.path(),
        &["run", "--input", &input, "--period", "2025-12"],
        1,
        5,
    );
}

#[test]
fn fixture_year_backfill_is_the_same_whatever_the_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    let input = fixtures();
    assert_same_across_jobs(tmp.path(), &["run", "--input", &input, "--all"], 12, 60);
}

#[test]
fn clerk_year_is_the_same_whatever_the_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(
        tmp.path(),
        &[
            "synth", "--style", "clerk", "--seed", "7", "--months", "3", "--out", "in",
        ],
    );
    assert_same_across_jobs(tmp.path(), &["run", "--input", "in", "--all"], 3, 15);
}
