//! Tests of the clerk style (`synth --style clerk`): the plain style is untouched, the clerk
//! files keep the truth's figures, and the skipped rows listed in expected.json are exactly the
//! rows of the written files that hold no project.

use super::tests::{jiangmen, load, opts, tmp};
use super::tests_readback::read_rows;
use super::*;
use serde_json::Value;

fn clerk(months: u32, seed: u64) -> SynthOptions {
    SynthOptions {
        style: SynthStyle::Clerk,
        ..opts(months, seed)
    }
}

/// (relative path, bytes) of every file below `dir`, sorted.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in fs_err::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).unwrap().to_string_lossy().to_string();
                out.push((rel, fs_err::read(&p).unwrap()));
            }
        }
    }
    let mut v = Vec::new();
    walk(dir, dir, &mut v);
    v.sort();
    v
}

#[test]
fn the_plain_style_still_writes_the_committed_fixture_year() {
    let dir = tmp("plain-fixture");
    generate(&jiangmen(), &opts(12, 42), &dir).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/returns");
    let (got, want) = (files(&dir), files(&fixture));
    assert_eq!(
        got.iter().map(|x| &x.0).collect::<Vec<_>>(),
        want.iter().map(|x| &x.0).collect::<Vec<_>>()
    );
    for (g, w) in got.iter().zip(&want) {
        assert!(g.1 == w.1, "{} differs from the committed fixture", g.0);
    }
    let _ = fs_err::remove_dir_all(dir);
}

#[test]
fn the_clerk_style_is_deterministic_and_its_mix_follows_the_seed() {
    let r = jiangmen();
    let (a, b, c) = (tmp("clerk-a"), tmp("clerk-b"), tmp("clerk-c"));
    generate(&r, &clerk(3, 8), &a).unwrap();
    generate(&r, &clerk(3, 8), &b).unwrap();
    generate(&r, &clerk(3, 9), &c).unwrap();
    assert!(files(&a) == files(&b), "two runs with one seed differ");
    let cases =
        |d: &Path| load(&d.join("expected.json"))["periods"]["2025-02"]["clerk_cases"].clone();
    assert_ne!(cases(&a), cases(&c));
    for d in [a, b, c] {
        let _ = fs_err::remove_dir_all(d);
    }
}

#[test]
fn clerk_habits_leave_the_project_figures_of_the_truth_unchanged() {
    let r = jiangmen();
    let (p, k) = (tmp("fig-plain"), tmp("fig-clerk"));
    generate(&r, &opts(4, 11), &p).unwrap();
    generate(&r, &clerk(4, 11), &k).unwrap();
    let (ep, ek) = (
        load(&p.join("expected.json")),
        load(&k.join("expected.json")),
    );
    for m in 1..=4 {
        let per = format!("2025-{m:02}");
        for id in [
            "mfg_investment_yi",
            "big_projects_count",
            "key_chain_share",
            "new_high_level_talent",
        ] {
            assert_eq!(
                ep["periods"][&per]["metrics"][id], ek["periods"][&per]["metrics"][id],
                "{per} {id}"
            );
        }
    }
    // One county's talent stock is a round hundred above ten thousand, to be written `1.2万`.
    let county = ek["special_cases"]["clerk"]["talent_wan_county"]
        .as_str()
        .unwrap()
        .to_string();
    let v = ek["periods"]["2025-04"]["metrics"]["high_level_talent_total"]["county"][&county]
        .as_i64()
        .unwrap();
    assert!(v > 10_000 && v % 100 == 0, "{county}: {v}");
    for d in [p, k] {
        let _ = fs_err::remove_dir_all(d);
    }
}

fn text_of(rows: &[Vec<String>], row: u64) -> String {
    rows.get(row as usize - 1)
        .map(|r| {
            r.iter()
                .filter(|c| !c.trim().is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join("|")
        })
        .unwrap_or_default()
}

#[test]
fn the_listed_skipped_rows_are_the_written_rows_without_a_project() {
    let r = jiangmen();
    let dir = tmp("clerk-skipped");
    generate(&r, &clerk(4, 21), &dir).unwrap();
    let exp = load(&dir.join("expected.json"));
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for (period, per) in exp["periods"].as_object().unwrap() {
        let mut listed: BTreeMap<String, Vec<(u64, String, String)>> = BTreeMap::new();
        for x in per["skipped_rows"].as_array().unwrap() {
            listed
                .entry(x["file"].as_str().unwrap().to_string())
                .or_default()
                .push((
                    x["row"].as_u64().unwrap(),
                    x["reason"].as_str().unwrap().to_string(),
                    x["text"].as_str().unwrap().to_string(),
                ));
        }
        for (file, rows) in &listed {
            let grid = read_rows(&dir.join(file));
            for (row, reason, text) in rows {
                let shown = text_of(&grid, *row);
                *by_reason.entry(reason.clone()).or_default() += 1;
                let ok = match reason.as_str() {
                    "blank" => shown.is_empty(),
                    "section" => shown.contains('、') || shown.starts_with('（'),
                    "total" => ["合计", "小计", "总计", "其中"]
                        .iter()
                        .any(|w| shown.contains(w)),
                    "footer" => ["填报人", "说明"].iter().any(|w| shown.contains(w)),
                    _ => false,
                };
                assert!(
                    ok,
                    "{period} {file} row {row}: `{reason}` but the row shows “{shown}”"
                );
                assert!(
                    shown.contains(text.as_str()),
                    "{file} row {row}: {text} vs {shown}"
                );
            }
        }
        // No row that names a project is listed: every listed row's text is a label.
        let names: BTreeSet<String> = per["clerk_cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["note"].as_str().map(str::to_string))
            .collect();
        for rows in listed.values() {
            for (_, _, text) in rows {
                assert!(
                    !names.contains(text),
                    "{period}: a named row listed as skipped: {text}"
                );
            }
        }
    }
    for reason in ["blank", "total", "footer", "section"] {
        assert!(
            by_reason.get(reason).copied().unwrap_or(0) > 0,
            "no `{reason}` row in four months: {by_reason:?}"
        );
    }
    let _ = fs_err::remove_dir_all(dir);
}

#[test]
fn expected_lists_the_rejected_city_row_and_the_unitless_county_warning() {
    let r = jiangmen();
    let dir = tmp("clerk-city");
    generate(&r, &clerk(6, 4), &dir).unwrap();
    let exp = load(&dir.join("expected.json"));
    let periods = exp["periods"].as_object().unwrap();
    let city_rows: usize = periods
        .values()
        .map(|p| {
            p["rejected_cells"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["rule"] == "city_as_unit")
                .count()
        })
        .sum();
    assert!(city_rows > 0, "no city_as_unit row in six months");
    let warned: Vec<&Value> = periods
        .values()
        .flat_map(|p| p["sheet_warnings"].as_array().unwrap())
        .collect();
    assert!(!warned.is_empty(), "no unitless 万元 column in six months");
    assert!(warned
        .iter()
        .all(|w| w["rule"] == "implausible_unit" && w["read_as"] == "万元"));
    let _ = fs_err::remove_dir_all(dir);
}
