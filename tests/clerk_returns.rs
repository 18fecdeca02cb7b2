//! Returns as county clerks really fill them (issue 8): `zhaoshang synth --style clerk` writes
//! ledgers with progress sentences, section rows, approximate amounts, dates without a year,
//! units in every real form, places below the county, a row naming the city as its county, a
//! corrected second return, month folders in other spellings and talent counts such as `1.2万`,
//! with the true figures computed from the generator's own truth. `zhaoshang run` must
//! reproduce every figure (city, county, chain), reject exactly the bad rows (file, cell, rule)
//! and list exactly the rows it skipped (issues.json, severity `info`, rule `skipped_row`).

mod common;
use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const CITY: &str = "江门市";
/// At most this many lines per kind of mismatch and period, then a count.
const MAX_LINES: usize = 25;

fn close(got: Option<f64>, want: &Value) -> bool {
    match (got, want.as_f64()) {
        (None, None) => true,
        (Some(g), Some(w)) => (g - w).abs() <= 1e-6 * w.abs().max(1.0),
        _ => false,
    }
}

/// The value of a metric, or None when it is absent or null.
fn metric_value(m: &Value, id: &str, scope: &str, name: &str) -> Option<f64> {
    m["metrics"]
        .as_array()?
        .iter()
        .find(|x| x["id"] == id && x["scope"] == scope && x["scope_value"] == name)?["value"]
        .as_f64()
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

/// What one period's files hold: per file its filer and the clerk habits written in it.
struct Habits {
    by_file: BTreeMap<String, BTreeSet<String>>,
    filer: BTreeMap<String, String>,
}

impl Habits {
    fn of(want: &Value) -> Habits {
        let mut by_file: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut filer = BTreeMap::new();
        for c in want["clerk_cases"].as_array().into_iter().flatten() {
            let (class, file) = (s(&c["class"]), s(&c["file"]));
            if class == "ledger_of" {
                filer.insert(file, s(&c["note"]));
            } else {
                by_file.entry(file).or_default().insert(class);
            }
        }
        Habits { by_file, filer }
    }
    fn classes(&self, file: &str) -> String {
        let folder = file.split('/').next().unwrap_or("");
        let mut v: Vec<String> = self
            .by_file
            .get(file)
            .map(|c| c.iter().cloned().collect())
            .unwrap_or_default();
        if self.by_file.contains_key(folder) {
            v.push("month_folder".into());
        }
        if v.is_empty() {
            "no clerk habit".into()
        } else {
            v.join(", ")
        }
    }
    /// The returns that are not ledgers (talent, housing), with their habits.
    fn other_files(&self, want: &Value) -> String {
        let v: Vec<String> = want["files"]
            .as_array()
            .into_iter()
            .flatten()
            .map(s)
            .filter(|f| !self.filer.contains_key(f))
            .map(|f| format!("{f} [{}]", self.classes(&f)))
            .collect();
        v.join("; ")
    }
    /// The ledgers of a county this period, with their habits.
    fn county_files(&self, county: &str) -> String {
        let v: Vec<String> = self
            .filer
            .iter()
            .filter(|(_, f)| *f == county)
            .map(|(file, _)| format!("{file} [{}]", self.classes(file)))
            .collect();
        if v.is_empty() {
            "no ledger this period".into()
        } else {
            v.join("; ")
        }
    }
}

/// Mismatches of one kind, capped.
fn push_capped(failures: &mut Vec<String>, title: String, lines: Vec<String>) {
    if lines.is_empty() {
        return;
    }
    let n = lines.len();
    let mut text = format!("{title} ({n}):");
    for l in lines.iter().take(MAX_LINES) {
        text.push_str("\n    ");
        text.push_str(l);
    }
    if n > MAX_LINES {
        text.push_str(&format!("\n    … and {} more", n - MAX_LINES));
    }
    failures.push(text);
}

fn compare_metrics(tag: &str, want: &Value, got: &Value, h: &Habits, failures: &mut Vec<String>) {
    let mut lines = Vec::new();
    let mut checked = 0;
    for (id, scopes) in want["metrics"].as_object().into_iter().flatten() {
        let g = metric_value(got, id, "city", CITY);
        if !close(g, &scopes["city"]) {
            lines.push(format!("{id} city: got {g:?}, want {}", scopes["city"]));
        }
        checked += 1;
        for scope in ["county", "chain"] {
            for (name, w) in scopes
                .get(scope)
                .and_then(|v| v.as_object())
                .into_iter()
                .flatten()
            {
                let g = metric_value(got, id, scope, name);
                if !close(g, w) {
                    let project_metric =
                        ["mfg_investment_yi", "big_projects_count", "key_chain_share"]
                            .contains(&id.as_str());
                    let files = match (scope, project_metric) {
                        ("county", true) => format!(" — ledgers: {}", h.county_files(name)),
                        ("county", false) => format!(" — returns: {}", h.other_files(want)),
                        _ => String::new(),
                    };
                    lines.push(format!("{id} {scope} {name}: got {g:?}, want {w}{files}"));
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "{tag}: only {checked} figures compared");
    push_capped(failures, format!("{tag} figures"), lines);
}

fn compare_rejected(
    tag: &str,
    want: &Value,
    issues: &[Value],
    h: &Habits,
    failures: &mut Vec<String>,
) {
    let got = error_cells(issues);
    let want_cells: BTreeSet<(String, String, String)> = want["rejected_cells"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| (s(&c["file"]), s(&c["cell"]), s(&c["rule"])))
        .collect();
    let message = |f: &str, c: &str| {
        issues
            .iter()
            .find(|i| i["severity"] == "error" && s(&i["file"]) == f && s(&i["cell"]) == c)
            .map(|i| format!("{} (raw {})", s(&i["message"]), i["raw"]))
            .unwrap_or_default()
    };
    let missing: Vec<String> = want_cells
        .difference(&got)
        .map(|(f, c, r)| format!("{f} / {c}: not rejected for `{r}` [{}]", h.classes(f)))
        .collect();
    let extra: Vec<String> = got
        .difference(&want_cells)
        .map(|(f, c, r)| {
            format!(
                "{f} / {c}: rejected for `{r}` but the row is valid: {} [{}]",
                message(f, c),
                h.classes(f)
            )
        })
        .collect();
    push_capped(failures, format!("{tag} bad rows not rejected"), missing);
    push_capped(failures, format!("{tag} valid rows rejected"), extra);
}

fn compare_skipped(
    tag: &str,
    want: &Value,
    issues: &[Value],
    h: &Habits,
    failures: &mut Vec<String>,
) {
    type Key = (String, String, u64);
    let got: BTreeMap<Key, String> = issues
        .iter()
        .filter(|i| i["severity"] == "info" && i["rule"] == "skipped_row")
        .map(|i| {
            (
                (
                    s(&i["file"]),
                    s(&i["sheet"]),
                    i["row"].as_u64().unwrap_or(0),
                ),
                s(&i["message"]),
            )
        })
        .collect();
    // Every non-blank skipped row of a return in effect must be listed; blank rows and the rows
    // of a superseded first return may be.
    let mut required: BTreeMap<Key, String> = BTreeMap::new();
    let mut allowed: BTreeSet<Key> = BTreeSet::new();
    for x in want["skipped_rows"].as_array().into_iter().flatten() {
        let k = (
            s(&x["file"]),
            s(&x["sheet"]),
            x["row"].as_u64().unwrap_or(0),
        );
        allowed.insert(k.clone());
        if x["reason"] != "blank" && x["superseded"] != true {
            required.insert(k, format!("{} “{}”", s(&x["reason"]), s(&x["text"])));
        }
    }
    let missing: Vec<String> = required
        .iter()
        .filter(|(k, _)| !got.contains_key(*k))
        .map(|((f, sh, r), what)| {
            format!(
                "{f} / {sh} / row {r}: {what} not listed as skipped [{}]",
                h.classes(f)
            )
        })
        .collect();
    let extra: Vec<String> = got
        .iter()
        .filter(|(k, _)| !allowed.contains(*k))
        .map(|((f, sh, r), msg)| {
            format!(
                "{f} / {sh} / row {r}: a project row was skipped: {msg} [{}]",
                h.classes(f)
            )
        })
        .collect();
    push_capped(failures, format!("{tag} skipped rows not listed"), missing);
    push_capped(failures, format!("{tag} project rows skipped"), extra);
}

fn compare_unit_warnings(tag: &str, want: &Value, issues: &[Value], failures: &mut Vec<String>) {
    let mut lines = Vec::new();
    let want_files: BTreeSet<String> = want["sheet_warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| s(&w["file"]))
        .collect();
    for f in &want_files {
        let n = issues
            .iter()
            .filter(|i| i["rule"] == "implausible_unit" && s(&i["file"]) == *f)
            .count();
        if n != 1 {
            lines.push(format!(
                "{f}: its money column has no unit and 万元 values; want one sheet-level `implausible_unit` warning, got {n}"
            ));
        }
    }
    for i in issues.iter().filter(|i| i["rule"] == "implausible_unit") {
        if !want_files.contains(&s(&i["file"])) {
            lines.push(format!(
                "{} / {}: unexpected `implausible_unit`: {}",
                s(&i["file"]),
                i["cell"],
                s(&i["message"])
            ));
        }
    }
    push_capped(failures, format!("{tag} unit warnings"), lines);
}

/// Recovered values (approximate amounts, dates without a year or a day) are counted with a
/// located warning saying what was assumed; a corrected second return is named.
fn compare_warnings(tag: &str, want: &Value, issues: &[Value], failures: &mut Vec<String>) {
    let mut lines = Vec::new();
    for c in want["clerk_cases"].as_array().into_iter().flatten() {
        let class = s(&c["class"]);
        let (file, cell) = (s(&c["file"]), s(&c["cell"]));
        match class.as_str() {
            "approx_amount" | "amount_remark" | "yearless_date" | "dated_event"
            | "short_year_date" | "month_only_date" => {
                let at: Vec<&Value> = issues
                    .iter()
                    .filter(|i| s(&i["file"]) == file && s(&i["cell"]) == cell)
                    .collect();
                let warned = at
                    .iter()
                    .any(|i| i["severity"] == "warning" && i["rule"] == "assumed_value");
                if !warned {
                    let found: Vec<String> = at
                        .iter()
                        .map(|i| format!("{} {}", s(&i["severity"]), s(&i["rule"])))
                        .collect();
                    lines.push(format!(
                        "{file} / {cell}: `{class}` without an `assumed_value` warning (found: {})",
                        if found.is_empty() {
                            "nothing".to_string()
                        } else {
                            found.join(", ")
                        }
                    ));
                }
            }
            "superseded_return" | "corrected_return" => {
                let named = issues
                    .iter()
                    .any(|i| i["rule"] == "duplicate_return" && s(&i["file"]) == file);
                if !named {
                    lines.push(format!(
                        "{file}: `{class}` but no `duplicate_return` issue names it"
                    ));
                }
            }
            _ => {}
        }
    }
    push_capped(failures, format!("{tag} warnings"), lines);
}

fn compare_accounting(tag: &str, want: &Value, got: &Value, failures: &mut Vec<String>) {
    if got["missing_returns"] != want["missing_returns"] {
        failures.push(format!(
            "{tag} missing_returns: got {}, want {}",
            got["missing_returns"], want["missing_returns"]
        ));
    }
    let acc = &got["accounting"];
    let rows = &want["rows"];
    let accepted = acc["rows_accepted"].as_u64();
    let (a, extra) = (
        rows["accepted"].as_u64().unwrap_or(0),
        rows["accepted_in_superseded"].as_u64().unwrap_or(0),
    );
    if accepted != Some(a) && accepted != Some(a + extra) {
        failures.push(format!(
            "{tag} rows accepted: got {accepted:?}, want {a} (or {} counting the superseded return's rows)",
            a + extra
        ));
    }
    if acc["rows_rejected"] != rows["rejected"] {
        failures.push(format!(
            "{tag} rows rejected: got {}, want {}",
            acc["rows_rejected"], rows["rejected"]
        ));
    }
}

/// Runs every period of one generated year and collects the mismatches.
fn check_year(dir: &Path, seed: u64, months: u32, failures: &mut Vec<String>) {
    let input = dir.join(format!("returns-{seed}"));
    run_ok(
        dir,
        &[
            "synth",
            "--style",
            "clerk",
            "--out",
            input.to_str().unwrap(),
            "--months",
            &months.to_string(),
            "--seed",
            &seed.to_string(),
        ],
    );
    let expected = read_json(&input.join("expected.json"));
    let out = dir.join(format!("out-{seed}"));
    for (period, want) in expected["periods"].as_object().unwrap() {
        let tag = format!("seed {seed} {period}");
        let h = Habits::of(want);
        let o = zhaoshang(
            dir,
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
        if o.status.code() != Some(0) {
            failures.push(format!(
                "{tag}: run exited {:?}: {}",
                o.status.code(),
                stderr(&o).lines().take(5).collect::<Vec<_>>().join(" | ")
            ));
            continue;
        }
        let reports = out.join("reports").join(period);
        let got = read_json(&reports.join("metrics.json"));
        let issues = read_json(&reports.join("issues.json"));
        let issues = issues.as_array().cloned().unwrap_or_default();
        compare_metrics(&tag, want, &got, &h, failures);
        compare_rejected(&tag, want, &issues, &h, failures);
        compare_skipped(&tag, want, &issues, &h, failures);
        compare_unit_warnings(&tag, want, &issues, failures);
        compare_warnings(&tag, want, &issues, failures);
        compare_accounting(&tag, want, &got, failures);
    }
}

#[test]
fn clerk_returns_give_every_true_figure_and_skip_only_non_project_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (seed, months) in [(7u64, 4u32), (23, 6)] {
        check_year(tmp.path(), seed, months, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{} kinds of mismatch:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_clerk_style_writes_every_class_of_habit_over_a_year() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("returns");
    run_ok(
        tmp.path(),
        &[
            "synth",
            "--style",
            "clerk",
            "--out",
            input.to_str().unwrap(),
            "--months",
            "12",
            "--seed",
            "5",
        ],
    );
    let expected = read_json(&input.join("expected.json"));
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut reasons: BTreeSet<String> = BTreeSet::new();
    let mut rules: BTreeSet<String> = BTreeSet::new();
    for want in expected["periods"].as_object().unwrap().values() {
        for c in want["clerk_cases"].as_array().unwrap() {
            seen.insert(s(&c["class"]));
        }
        for x in want["skipped_rows"].as_array().unwrap() {
            reasons.insert(s(&x["reason"]));
        }
        for x in want["rejected_cells"].as_array().unwrap() {
            rules.insert(s(&x["rule"]));
        }
    }
    for class in [
        "approx_amount",
        "amount_remark",
        "yearless_date",
        "dated_event",
        "short_year_date",
        "month_only_date",
        "progress_sentence",
        "remark_sentence",
        "place_below_county",
        "unit_note_many",
        "unit_note_parts",
        "unit_measure_note",
        "unit_in_title",
        "unit_right_cell",
        "unit_merged_group",
        "unit_missing_wan_values",
        "id_column_present",
        "id_column_absent",
        "corrected_return",
        "superseded_return",
        "month_folder",
        "wan_count",
    ] {
        assert!(
            seen.contains(class),
            "no `{class}` in a year of clerk returns: {seen:?}"
        );
    }
    for reason in ["blank", "section", "total", "footer"] {
        assert!(
            reasons.contains(reason),
            "no skipped row for `{reason}`: {reasons:?}"
        );
    }
    assert!(
        reasons.iter().all(|r| r != "unknown"),
        "a skipped row of no known kind"
    );
    assert!(
        rules.contains("city_as_unit"),
        "no city_as_unit row: {rules:?}"
    );
}

/// Issue 8, item 10: `validate` applies every reading rule of `run`, on clerk-style returns in a
/// month folder written `2025-2`: it flags exactly the cells `run` rejects, and its accounting
/// (skipped rows included) is `run`'s.
#[test]
fn validate_flags_exactly_what_run_rejects_on_clerk_returns() {
    let tmp = tempfile::tempdir().unwrap();
    run_ok(
        tmp.path(),
        &[
            "synth", "--style", "clerk", "--out", "in", "--months", "3", "--seed", "7",
        ],
    );
    run_ok(
        tmp.path(),
        &[
            "run", "--input", "in", "--out", "out", "--period", "2025-02", "-q",
        ],
    );
    let issues = read_json(&tmp.path().join("out/reports/2025-02/issues.json"));
    let from_run = error_cells(issues.as_array().unwrap());
    assert!(!from_run.is_empty(), "the clerk month has bad rows");
    let month = tmp.path().join("in/2025-2");
    assert!(month.is_dir(), "the generator writes February as `2025-2`");
    let o = zhaoshang(
        tmp.path(),
        &["validate", month.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let all: Vec<Value> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["issues"].as_array().unwrap().clone())
        .collect();
    assert_eq!(from_run, error_cells(&all));
    let m = read_json(&tmp.path().join("out/reports/2025-02/metrics.json"));
    assert_eq!(v["accounting"], m["accounting"]);
    assert!(m["accounting"]["skipped_section"].as_u64().unwrap_or(0) > 0);
}
