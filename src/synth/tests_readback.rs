//! Read the written returns back and compare them with the truth: each county file lists
//! exactly its projects, with the right amounts (whatever the unit convention of the file).

use super::tests::{cell_text, jiangmen, load, opts, tmp};
use super::*;
use calamine::{open_workbook_auto, Reader};
use std::collections::BTreeMap;

/// A cell's text as identity normalisation sees it (full-width to ASCII, no spaces, lower case).
fn norm(s: &str) -> String {
    s.chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap(),
            _ => c,
        })
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// The first sheet of a written return as rows of text.
pub(super) fn read_rows(path: &Path) -> Vec<Vec<String>> {
    if path.extension().unwrap() == "csv" {
        let text = super::grid::decode_csv(&fs_err::read(path).unwrap());
        let mut rd = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        rd.records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    } else {
        let mut wb = open_workbook_auto(path).unwrap();
        let first = wb.sheet_names()[0].clone();
        let range = wb.worksheet_range(&first).unwrap();
        // Absolute positions: the range starts at A1 because A1 always holds text.
        assert_eq!(range.start(), Some((0, 0)));
        range
            .rows()
            .map(|row| row.iter().map(cell_text).collect())
            .collect()
    }
}

#[test]
fn county_files_list_exactly_their_truth_projects() {
    let r = jiangmen();
    let o = opts(6, 99);
    let dir = tmp("readback");
    let s = generate(&r, &o, &dir).unwrap();
    let t = truth::build(&r, &o, &mut Rng::new(o.seed).fork("truth", 0));
    let exp = load(&s.expected_path);
    let name_spellings: Vec<String> = r.ledger_spellings["project_name"]
        .iter()
        .map(|x| norm(x))
        .collect();
    let mut checked = 0;
    for m in 1..=o.months {
        let per = &exp["periods"][format!("2025-{m:02}")];
        let bad_files: BTreeSet<&str> = per["rejected_cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["file"].as_str().unwrap())
            .collect();
        for f in per["files"].as_array().unwrap() {
            let f = f.as_str().unwrap();
            let rows = read_rows(&dir.join(f));
            let filer = rows
                .iter()
                .flatten()
                .find_map(|c| c.strip_prefix("填报单位："))
                .unwrap()
                .trim()
                .to_string();
            let Some(c) = r
                .counties
                .iter()
                .position(|k| k.name == filer || k.aliases.contains(&filer))
            else {
                continue;
            };
            let (hr, nc) = rows
                .iter()
                .enumerate()
                .find_map(|(i, row)| {
                    row.iter()
                        .position(|x| name_spellings.contains(&norm(x)))
                        .map(|j| (i, j))
                })
                .unwrap_or_else(|| panic!("no name header in {f}"));
            let skip = ["合计", "总计", "小计"];
            let found: Vec<String> = rows[hr + 1..]
                .iter()
                .filter_map(|row| row.get(nc))
                .map(|x| norm(x))
                .filter(|x| {
                    !x.is_empty()
                        && !skip.contains(&x.as_str())
                        && !["其中", "填报人", "审核人", "联系电话", "说明"]
                            .iter()
                            .any(|p| x.starts_with(p))
                })
                .collect();
            check_amounts(&r, &t, c, m, &rows, hr, nc, f);
            let mut want: Vec<String> = t
                .county_list(c, m)
                .iter()
                .map(|i| norm(&t.projects[*i].name))
                .collect();
            let mut got = found.clone();
            if bad_files.contains(f) {
                got.retain(|x| want.contains(x));
            }
            want.sort();
            got.sort();
            assert_eq!(got, want, "{f}");
            checked += 1;
        }
    }
    assert!(checked >= 6 * 6, "checked {checked} county files");
    let _ = fs_err::remove_dir_all(&dir);
}

/// Read the amount column back (unit from the value, the header or a note row) and compare it
/// with the truth, project by project.
#[allow(clippy::too_many_arguments)]
fn check_amounts(
    r: &SynthReference,
    t: &Truth,
    c: usize,
    m: u32,
    rows: &[Vec<String>],
    hr: usize,
    nc: usize,
    f: &str,
) {
    let mut n = 0;
    let spellings: Vec<String> = r.ledger_spellings["planned_investment_yi"]
        .iter()
        .map(|x| norm(x))
        .collect();
    let strip_unit = |h: &str| h.replace("(万元)", "").replace("(亿元)", "");
    let ac = rows[hr]
        .iter()
        .position(|h| spellings.contains(&strip_unit(&norm(h))))
        .unwrap_or_else(|| panic!("no amount header in {f}"));
    let header = norm(&rows[hr][ac]);
    let note: Vec<String> = rows[..hr].iter().flatten().map(|x| norm(x)).collect();
    let factor = if header.contains("万元") || note.contains(&"单位:万元".to_string()) {
        1e-4
    } else {
        1.0
    };
    let by_name: BTreeMap<String, f64> = t
        .county_list(c, m)
        .iter()
        .map(|i| (norm(&t.projects[*i].name), t.projects[*i].amount_yi))
        .collect();
    for row in &rows[hr + 1..] {
        let (Some(name), Some(raw)) = (row.get(nc), row.get(ac)) else {
            continue;
        };
        let Some(want) = by_name.get(&norm(name)) else {
            continue;
        };
        let v = norm(raw).replace(',', "");
        let got = if let Some(x) = v.strip_suffix("亿元").or_else(|| v.strip_suffix("亿")) {
            x.parse::<f64>().unwrap()
        } else if let Some(x) = v.strip_suffix("万元").or_else(|| v.strip_suffix("万")) {
            x.parse::<f64>().unwrap() * 1e-4
        } else {
            v.parse::<f64>()
                .unwrap_or_else(|_| panic!("{f}: amount {raw:?}"))
                * factor
        };
        assert!(
            (got - want).abs() < 1e-6,
            "{f}: {name} has {raw:?}, truth {want}"
        );
        n += 1;
    }
    assert_eq!(
        n,
        t.county_list(c, m).len(),
        "{f}: every project's amount read back"
    );
}
