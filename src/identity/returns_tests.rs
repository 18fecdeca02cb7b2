//! Which return is in effect when a filer sends two for one month, and when a return of each
//! rhythm is missing.

use super::*;
use crate::normalise::{Accounting, SheetOutcome};
use crate::pipeline::{Filer, FilerKind, Pipeline, Rhythm};
use crate::record::{Record, Value};
use chrono::NaiveDate;

/// A 蓬江区 ledger sheet of `file` with one record per amount.
fn sheet(file: &str, filed_on: Option<(i32, u32, u32)>, amounts: &[f64]) -> SheetOutcome {
    SheetOutcome {
        file: file.into(),
        period: file[..7].parse().expect("a month folder"),
        sheet: "Sheet1".into(),
        return_id: Some("project_ledger".into()),
        filer: Some(Filer {
            name: "蓬江区".into(),
            kind: FilerKind::County,
        }),
        header_row: Some(3),
        accounting: Accounting {
            rows_read: amounts.len() as u64,
            rows_accepted: amounts.len() as u64,
            ..Accounting::default()
        },
        records: amounts
            .iter()
            .enumerate()
            .map(|(i, a)| Record {
                row: 4 + i as u32,
                values: vec![Value::Number(*a)],
            })
            .collect(),
        issues: vec![],
        keys: vec![],
        filed_on: filed_on.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d)),
        correction: None,
        supplement: None,
    }
}

/// The files of 蓬江区's ledger snapshot for July.
fn in_effect(outcomes: &[SheetOutcome]) -> Vec<String> {
    let july = Period::new(2025, 7).expect("a month");
    let snaps = snapshots_for(outcomes, july);
    assert_eq!(snaps.len(), 1);
    let mut files: Vec<String> = snaps[0].sheets.iter().map(|s| s.file.clone()).collect();
    files.dedup();
    files
}

#[test]
fn the_later_filing_date_wins_whatever_the_file_names_sort() {
    for (early_name, late_name) in [("a.xlsx", "b.xlsx"), ("b.xlsx", "a.xlsx")] {
        let late = format!("2025-07/{late_name}");
        let outcomes = vec![
            sheet(
                &format!("2025-07/{early_name}"),
                Some((2025, 7, 1)),
                &[1.0, 2.0, 3.0],
            ),
            sheet(&late, Some((2025, 7, 3)), &[5.0]),
        ];
        assert_eq!(in_effect(&outcomes), vec![late.clone()], "{late_name}");
        // And in whichever order the files were read.
        let reversed: Vec<SheetOutcome> = outcomes.iter().rev().cloned().collect();
        assert_eq!(in_effect(&reversed), vec![late.clone()]);
        let d = duplicate_returns(&outcomes);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kept, late);
        assert_eq!(d[0].superseded, format!("2025-07/{early_name}"));
        assert!(d[0].reason.contains("填报日期较晚"), "{}", d[0].reason);
        assert!(d[0].reason.contains("2025年7月3日"), "{}", d[0].reason);
    }
}

#[test]
fn a_dated_return_beats_an_undated_one() {
    let outcomes = vec![
        sheet("2025-07/z.xlsx", None, &[1.0, 2.0]),
        sheet("2025-07/a.xlsx", Some((2025, 7, 2)), &[5.0]),
    ];
    assert_eq!(in_effect(&outcomes), vec!["2025-07/a.xlsx"]);
}

#[test]
fn a_correction_mark_decides_when_the_filing_dates_do_not() {
    let mut corrected = sheet("2025-07/a.xlsx", Some((2025, 7, 3)), &[5.0]);
    corrected.correction = Some("更正".into());
    let outcomes = vec![
        corrected,
        sheet("2025-07/b.xlsx", Some((2025, 7, 3)), &[1.0, 2.0]),
    ];
    assert_eq!(in_effect(&outcomes), vec!["2025-07/a.xlsx"]);
    let d = duplicate_returns(&outcomes);
    assert!(d[0].reason.contains("更正"), "{}", d[0].reason);
}

#[test]
fn more_rows_then_the_later_file_name_decide_last() {
    let outcomes = vec![
        sheet("2025-07/b.xlsx", None, &[1.0]),
        sheet("2025-07/a.xlsx", None, &[1.0, 2.0]),
    ];
    assert_eq!(in_effect(&outcomes), vec!["2025-07/a.xlsx"]);
    let outcomes = vec![
        sheet("2025-07/b.xlsx", None, &[1.0]),
        sheet("2025-07/a.xlsx", None, &[2.0]),
    ];
    assert_eq!(in_effect(&outcomes), vec!["2025-07/b.xlsx"]);
    assert!(duplicate_returns(&outcomes)[0].reason.contains("文件名"));
}

#[test]
fn a_workbook_with_several_sheets_of_one_return_is_one_return() {
    let mut second = sheet("2025-07/a.xlsx", None, &[3.0]);
    second.sheet = "Sheet2".into();
    let outcomes = vec![sheet("2025-07/a.xlsx", None, &[1.0]), second];
    let july = Period::new(2025, 7).expect("a month");
    assert_eq!(snapshots_for(&outcomes, july)[0].sheets.len(), 2);
    assert!(duplicate_returns(&outcomes).is_empty());
    // Against another file, its sheets count together (two rows beat one).
    let mut outcomes = outcomes;
    outcomes.push(sheet("2025-07/b.xlsx", None, &[9.0]));
    assert_eq!(in_effect(&outcomes), vec!["2025-07/a.xlsx"]);
    assert_eq!(snapshots_for(&outcomes, july)[0].sheets.len(), 2);
}

#[test]
fn the_winner_of_a_month_stays_in_effect_when_carried_forward() {
    let outcomes = vec![
        sheet("2025-06/a.xlsx", Some((2025, 6, 30)), &[1.0]),
        sheet("2025-06/b.xlsx", Some((2025, 6, 2)), &[1.0, 2.0]),
    ];
    let snaps = snapshots_for(&outcomes, Period::new(2025, 7).expect("a month"));
    assert!(snaps[0].carried_forward(Period::new(2025, 7).expect("a month")));
    assert_eq!(snaps[0].sheets[0].file, "2025-06/a.xlsx");
}

/// A pipeline whose ledger is owed at `rhythm`.
fn owed(rhythm: Rhythm) -> Pipeline {
    let mut p = Pipeline::embedded_default().expect("the default pipeline");
    for rt in &mut p.returns {
        if rt.id == "project_ledger" {
            rt.rhythm = rhythm;
            rt.owed_by = vec!["蓬江区".into()];
        } else {
            rt.owed_by.clear();
        }
    }
    p
}

fn missing_in(p: &Pipeline, sent: &[&str], period: &str) -> bool {
    let outcomes: Vec<SheetOutcome> = sent
        .iter()
        .map(|m| sheet(&format!("{m}/a.xlsx"), None, &[1.0]))
        .collect();
    let period: Period = period.parse().expect("a period");
    missing_returns(p, &outcomes, period).contains(&"蓬江区".to_string())
}

#[test]
fn a_monthly_return_is_missing_for_a_month_it_was_not_sent_for() {
    let p = owed(Rhythm::Monthly);
    assert!(!missing_in(&p, &["2025-07"], "2025-07"));
    assert!(missing_in(&p, &["2025-06"], "2025-07"));
}

#[test]
fn an_annual_return_is_missing_only_when_nothing_was_sent_in_the_year_so_far() {
    let p = owed(Rhythm::Annual);
    assert!(!missing_in(&p, &["2025-03"], "2025-12"), "sent in March");
    assert!(!missing_in(&p, &["2025-12"], "2025-12"));
    assert!(missing_in(&p, &["2025-12"], "2025-11"), "not yet sent");
    assert!(missing_in(&p, &["2024-12"], "2025-06"), "last year's");
    assert!(missing_in(&p, &[], "2025-06"));
}

#[test]
fn a_quarterly_return_is_missing_only_when_nothing_was_sent_in_the_quarter_so_far() {
    let p = owed(Rhythm::Quarterly);
    assert!(!missing_in(&p, &["2025-04"], "2025-06"));
    assert!(
        missing_in(&p, &["2025-03"], "2025-04"),
        "the previous quarter's"
    );
    assert!(missing_in(&p, &["2025-06"], "2025-05"), "not yet sent");
}

#[test]
fn a_supplement_adds_to_the_return_in_effect_and_competes_with_none() {
    let mut extra = sheet("2025-07/a-补充.xlsx", Some((2025, 7, 9)), &[7.0]);
    extra.supplement = Some("补充".into());
    // With one return, the supplement simply adds to it.
    let outcomes = vec![sheet("2025-07/b.xlsx", None, &[1.0]), extra.clone()];
    assert_eq!(in_effect(&outcomes).len(), 2);
    assert!(duplicate_returns(&outcomes).is_empty());
    // With two, it adds to the winner and is not itself a loser (despite its later date).
    let outcomes = vec![
        sheet("2025-07/b.xlsx", Some((2025, 7, 1)), &[1.0]),
        sheet("2025-07/c.xlsx", Some((2025, 7, 2)), &[2.0]),
        extra,
    ];
    assert_eq!(
        in_effect(&outcomes),
        vec!["2025-07/a-补充.xlsx", "2025-07/c.xlsx"]
    );
    let d = duplicate_returns(&outcomes);
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].kept.as_str(), d[0].superseded.as_str()),
        ("2025-07/c.xlsx", "2025-07/b.xlsx")
    );
}
