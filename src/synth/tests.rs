//! Tests of the generator: determinism, expected figures against a recomputation, files that
//! open, and the special cases being present.

use super::expected::{in_effect, project_figures};
use super::*;
use calamine::{open_workbook_auto, Data, Reader};
use serde_json::Value;

/// The generator's reference data as `zhaoshang synth` builds it from the default pipeline and
/// its committed roles file.
pub(crate) fn jiangmen() -> SynthReference {
    let p = crate::pipeline::Pipeline::embedded_default().expect("default pipeline");
    let (source, roles) = p.embedded_roles().expect("jiangmen's roles file");
    let p = p.with_roles(&source, roles).expect("roles");
    crate::synth_cmd::reference(&p).expect("synth reference")
}

pub(super) fn opts(months: u32, seed: u64) -> SynthOptions {
    SynthOptions {
        year: 2025,
        months,
        scale: 1,
        seed,
        style: SynthStyle::Plain,
    }
}

pub(super) fn tmp(label: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zhaoshang-synth-{label}-{}", std::process::id()));
    let _ = fs_err::remove_dir_all(&d);
    d
}

/// (relative path, bytes) of every file below `dir`, sorted.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
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

pub(super) fn load(p: &Path) -> Value {
    serde_json::from_str(&fs_err::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn generate_is_deterministic_for_a_seed() {
    let r = jiangmen();
    let (a, b, c) = (tmp("det-a"), tmp("det-b"), tmp("det-c"));
    let sa = generate(&r, &opts(4, 42), &a).unwrap();
    generate(&r, &opts(4, 42), &b).unwrap();
    generate(&r, &opts(4, 43), &c).unwrap();
    let (xa, xb) = (snapshot(&a), snapshot(&b));
    assert_eq!(xa.len(), sa.files_written + 1);
    assert_eq!(
        xa.iter().map(|x| &x.0).collect::<Vec<_>>(),
        xb.iter().map(|x| &x.0).collect::<Vec<_>>()
    );
    for (fa, fb) in xa.iter().zip(&xb) {
        assert!(fa.1 == fb.1, "{} differs between two runs", fa.0);
    }
    assert_ne!(
        load(&a.join("expected.json")),
        load(&c.join("expected.json"))
    );
    assert!(
        generate(&r, &opts(4, 42), &a).is_err(),
        "a non-empty output folder is refused"
    );
    for d in [a, b, c] {
        let _ = fs_err::remove_dir_all(d);
    }
}

#[test]
fn expected_equals_a_recomputation() {
    let r = jiangmen();
    let o = opts(12, 7);
    let t = truth::build(&r, &o, &mut Rng::new(o.seed).fork("truth", 0));
    let mfg = r
        .sectors
        .iter()
        .position(|s| *s == r.manufacturing_sector)
        .unwrap();
    // December: every county filed, so every project of the year counts once where it is now.
    assert!((1..=7).all(|c| t.files(12, c - 1)));
    let (mut sum, mut big, mut key) = (0.0, 0usize, 0.0);
    let mut by_county = vec![0.0; r.counties.len()];
    for p in t.projects.iter().filter(|p| p.sector == mfg) {
        sum += p.amount_yi;
        big += usize::from(p.amount_yi >= 10.0);
        key += if p.chain.is_some() { p.amount_yi } else { 0.0 };
        by_county[p.county_at(12)] += p.amount_yi;
    }
    let f = project_figures(&r, &t, 12);
    assert!(
        (f.mfg_city - sum).abs() < 1e-9 && f.big_city == big && (f.key_city - key).abs() < 1e-9
    );
    for (a, b) in f.mfg_county.iter().zip(&by_county) {
        assert!((a - b).abs() < 1e-9);
    }
    // Every period: scopes add up; a carried-forward county repeats its previous figure.
    for p in 1..=12 {
        let f = project_figures(&r, &t, p);
        assert!((f.mfg_county.iter().sum::<f64>() - f.mfg_city).abs() < 1e-9);
        assert!((f.mfg_chain.iter().sum::<f64>() - f.key_city).abs() < 1e-9);
        assert_eq!(f.big_county.iter().sum::<usize>(), f.big_city);
        let ids: Vec<usize> = in_effect(&t, p).iter().map(|x| x.0).collect();
        let mut dedup = ids.clone();
        dedup.dedup();
        assert_eq!(ids, dedup, "a project counts once");
        for c in 0..r.counties.len() {
            if !t.files(p, c) {
                let prev = project_figures(&r, &t, p - 1);
                assert_eq!(f.mfg_county[c], prev.mfg_county[c]);
            }
        }
    }
    let mv = t.moved.as_ref().expect("a moved project");
    for p in 1..=12 {
        let at: Vec<usize> = in_effect(&t, p)
            .iter()
            .filter(|x| x.0 == mv.project)
            .map(|x| x.1)
            .collect();
        let want = if p < mv.month { mv.from } else { mv.to };
        if t.projects[mv.project].first_month <= p {
            assert_eq!(at, vec![want], "period {p}");
        }
    }
    assert!(t.missing.contains(&(3, 6)) && t.missing.len() == 2);
    assert!(t.dups.values().flatten().any(|d| d.amount_yi.is_some()));
    assert!(t.dups.values().flatten().any(|d| d.id.is_none()));
    assert!(t.projects.iter().any(|p| p.amount_yi == 10.0) || t.projects.len() < 50);
}

pub(super) fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn parse_addr(a: &str) -> (u32, u32) {
    let letters: String = a.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let row: u32 = a[letters.len()..].parse().unwrap();
    let col = letters
        .bytes()
        .fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1));
    (row - 1, col - 1)
}

#[test]
fn files_open_and_rejected_cells_point_at_the_bad_values() {
    let r = jiangmen();
    let dir = tmp("open");
    let s = generate(&r, &opts(12, 2025), &dir).unwrap();
    let exp = load(&s.expected_path);
    let periods = exp["periods"].as_object().unwrap();
    assert_eq!(periods.len(), 12);
    let mut rules = BTreeSet::new();
    let mut csv_seen = false;
    for (ym, per) in periods {
        for f in per["files"].as_array().unwrap() {
            let path = dir.join(f.as_str().unwrap());
            if path.extension().unwrap() == "csv" {
                csv_seen = true;
                let bytes = fs_err::read(&path).unwrap();
                let text = super::grid::decode_csv(&bytes);
                assert!(text.trim_start_matches('\u{feff}').contains("填报单位："));
            } else {
                let mut wb = open_workbook_auto(&path).unwrap();
                let first = wb.sheet_names()[0].clone();
                let range = wb.worksheet_range(&first).unwrap();
                assert!(
                    range
                        .rows()
                        .any(|row| row.iter().any(|c| cell_text(c).starts_with("填报单位："))),
                    "{f}"
                );
            }
        }
        for rc in per["rejected_cells"].as_array().unwrap() {
            let rule = rc["rule"].as_str().unwrap().to_string();
            let path = dir.join(rc["file"].as_str().unwrap());
            let mut wb = open_workbook_auto(&path).unwrap();
            let range = wb.worksheet_range(rc["sheet"].as_str().unwrap()).unwrap();
            let (row, col) = parse_addr(rc["cell"].as_str().unwrap());
            let v = range.get_value((row, col)).cloned().unwrap_or(Data::Empty);
            let t = cell_text(&v);
            match rule.as_str() {
                "missing_required" => assert!(t.trim().is_empty()),
                "error_cell" => assert!(matches!(v, Data::Error(_)), "{v:?}"),
                "unparseable_number" => assert!(["待定", "暂无", "面议"].contains(&t.as_str())),
                "unparseable_date" => assert!(t.contains("13月")),
                "unknown_county" => assert!(!r
                    .counties
                    .iter()
                    .any(|k| k.name == t || k.aliases.contains(&t))),
                "negative_amount" => {
                    assert!(t.contains('-') || matches!(v, Data::Float(x) if x < 0.0))
                }
                "date_after_period" => assert!(!t.is_empty()),
                other => panic!("unknown rule {other}"),
            }
            rules.insert(rule);
        }
        let acc = per["rows"]["accepted"].as_u64().unwrap() as usize;
        let m: u32 = ym[5..].parse().unwrap();
        let filed = (0..r.counties.len())
            .filter(|c| {
                !per["missing_returns"]
                    .as_array()
                    .unwrap()
                    .contains(&json_str(&r.counties[*c].name))
            })
            .count();
        assert!(
            acc >= filed * 2 + 2 * r.counties.len(),
            "{ym}: {acc} accepted rows"
        );
        assert_eq!(
            per["rows"]["rejected"].as_u64().unwrap() as usize,
            per["rejected_cells"].as_array().unwrap().len()
        );
        if m == 3 {
            assert_eq!(per["missing_returns"], serde_json::json!(["恩平市"]));
        }
    }
    assert_eq!(rules.len(), 7, "every rule at least once: {rules:?}");
    assert!(csv_seen, "some returns are CSV");
    let _ = fs_err::remove_dir_all(&dir);
}

fn json_str(s: &str) -> Value {
    Value::String(s.to_string())
}

#[test]
fn short_years_and_scale_work() {
    let r = jiangmen();
    for months in [1, 2, 3] {
        let dir = tmp(&format!("short{months}"));
        let s = generate(
            &r,
            &SynthOptions {
                year: 2024,
                months,
                scale: 2,
                seed: 1,
                style: SynthStyle::Plain,
            },
            &dir,
        )
        .unwrap();
        let exp = load(&s.expected_path);
        assert_eq!(exp["periods"].as_object().unwrap().len(), months as usize);
        let rules: BTreeSet<&str> = exp["periods"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|p| {
                p["rejected_cells"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["rule"].as_str().unwrap())
            })
            .collect();
        assert_eq!(rules.len(), 7);
        let _ = fs_err::remove_dir_all(&dir);
    }
}
