//! Helpers for tests that run the real binary in temporary folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_zhaoshang"))
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary with `args` in `cwd`.
pub fn zhaoshang(cwd: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run zhaoshang")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

pub fn read_json(path: &Path) -> serde_json::Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("json")
}

/// Copies a folder tree (fixtures into a temp folder that tests may modify).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.path().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
            let mut perm = std::fs::metadata(&dest).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            std::fs::set_permissions(&dest, perm).unwrap();
        }
    }
}

/// The value of metric `id` at `scope`/`scope_value` in a metrics.json.
pub fn metric(m: &serde_json::Value, id: &str, scope: &str, scope_value: &str) -> Option<f64> {
    m["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id && x["scope"] == scope && x["scope_value"] == scope_value)
        .unwrap_or_else(|| panic!("no metric {id} {scope} {scope_value}"))["value"]
        .as_f64()
}

pub fn assert_close(got: f64, want: f64, what: &str) {
    let tol = 1e-6 * want.abs().max(1.0);
    assert!((got - want).abs() <= tol, "{what}: got {got}, want {want}");
}

/// The (file, cell, rule) of every error in an issues list (issues.json, or validate's files[].issues).
pub fn error_cells(
    issues: &[serde_json::Value],
) -> std::collections::BTreeSet<(String, String, String)> {
    issues
        .iter()
        .filter(|i| i["severity"] == "error")
        .map(|i| {
            (
                i["file"].as_str().unwrap_or("").to_string(),
                i["cell"].as_str().unwrap_or("").to_string(),
                i["rule"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Runs the binary and asserts it exited 0, showing its output otherwise.
pub fn run_ok(cwd: &Path, args: &[&str]) -> std::process::Output {
    let o = zhaoshang(cwd, args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}\n{}\n{}",
        stdout(&o),
        stderr(&o)
    );
    o
}
