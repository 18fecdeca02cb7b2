//! Dedup, carry-forward and 项目流转 rules on hand-built returns.

use super::*;
use crate::normalise::{Accounting, SheetOutcome};
use crate::pipeline::{Filer, FilerKind, Pipeline};
use crate::record::{Record, Value};
use std::collections::BTreeMap;

fn pipeline() -> Pipeline {
    Pipeline::embedded_default().unwrap()
}

/// A ledger row: id, name, investor, county, amount.
fn row(
    p: &Pipeline,
    n: u32,
    id: &str,
    name: &str,
    investor: &str,
    county: &str,
    amount: f64,
) -> Record {
    let rt = p.return_type("project_ledger").unwrap();
    let mut values = vec![Value::Null; rt.columns.len()];
    let mut set = |col: &str, v: Value| values[rt.column_index(col).unwrap()] = v;
    if !id.is_empty() {
        set("project_id", Value::Text(id.into()));
    }
    set("project_name", Value::Text(name.into()));
    set("investor", Value::Text(investor.into()));
    set("county", Value::Text(county.into()));
    set("sector", Value::Text("制造业".into()));
    set("planned_investment_yi", Value::Number(amount));
    Record { row: n, values }
}

fn ledger(filer: &str, kind: FilerKind, period: &str, records: Vec<Record>) -> SheetOutcome {
    SheetOutcome {
        file: format!("{period}/{filer}.xlsx"),
        period: period.parse().unwrap(),
        sheet: "Sheet1".into(),
        return_id: Some("project_ledger".into()),
        filer: Some(Filer {
            name: filer.into(),
            kind,
        }),
        header_row: Some(3),
        accounting: Accounting::default(),
        records,
        issues: vec![],
        keys: vec![],
        filed_on: None,
        correction: None,
        supplement: None,
    }
}

fn current(p: &Pipeline, outcomes: &[SheetOutcome], period: &str) -> Built {
    current_with(p, outcomes, period, false)
}

/// As `current`; with `both_keys`, the first-listed history records every row under its id
/// and under its fallback key (what `run::state::FirstListed` must do for item 8).
fn current_with(p: &Pipeline, outcomes: &[SheetOutcome], period: &str, both_keys: bool) -> Built {
    let period = period.parse().unwrap();
    let rt = p.return_type("project_ledger").unwrap();
    let snaps: Vec<_> = snapshots_for(outcomes, period)
        .into_iter()
        .filter(|s| s.return_id == rt.id)
        .collect();
    let mut history: BTreeMap<String, BTreeMap<String, crate::period::Period>> = BTreeMap::new();
    for o in outcomes {
        for r in &o.records {
            let keys: Vec<String> = if both_keys {
                let (id, pair) = record_keys(rt, r);
                id.into_iter().chain(pair).collect()
            } else {
                record_key(rt, r).into_iter().collect()
            };
            for k in keys {
                let e = history
                    .entry(o.filer.as_ref().unwrap().name.clone())
                    .or_default()
                    .entry(k)
                    .or_insert(o.period);
                *e = (*e).min(o.period);
            }
        }
    }
    let ct = current_table(
        rt,
        &snaps,
        period,
        &BTreeMap::new(),
        &history,
        Build::Everything,
    );
    Built {
        rows: ct.rows.into_table(),
        current: ct.current.into_table(),
        conflicts: ct.conflicts,
    }
}

/// [`CurrentTables`] with the current table made a [`crate::table::Table`].
struct Built {
    rows: crate::table::Table,
    current: crate::table::Table,
    conflicts: Vec<Conflict>,
}

fn col(t: &crate::table::Table, r: usize, name: &str) -> Value {
    t.rows[r][t.col(name).unwrap()].clone()
}

#[test]
fn same_project_by_id_or_by_name_and_investor_counts_once_and_the_county_wins() {
    let p = pipeline();
    let outcomes = vec![
        ledger(
            "蓬江区",
            FilerKind::County,
            "2025-02",
            vec![
                row(&p, 5, "JM-1", "甲项目", "甲公司", "蓬江区", 5.0),
                row(&p, 6, "", "乙项目", "乙 公司", "蓬江区", 2.0),
            ],
        ),
        ledger(
            "市商务局",
            FilerKind::Bureau,
            "2025-02",
            vec![
                row(&p, 4, "ＪＭ-1", "甲项目（商务局）", "甲公司", "蓬江区", 6.0),
                row(&p, 5, "", " 乙项目", "乙  公司", "蓬江区", 2.0),
                row(&p, 6, "JM-9", "丙项目", "丙公司", "江海区", 1.0),
            ],
        ),
    ];
    let ct = current(&p, &outcomes, "2025-02");
    assert_eq!(
        ct.rows.rows.len(),
        5,
        "every snapshot row is kept in `projects`"
    );
    assert_eq!(
        ct.current.rows.len(),
        3,
        "甲 by id, 乙 by name+investor, 丙 alone"
    );
    let keys: Vec<Value> = (0..3).map(|r| col(&ct.current, r, "record_key")).collect();
    assert_eq!(
        keys,
        vec![
            Value::Text("jm-1".into()),
            Value::Text("jm-9".into()),
            Value::Text("乙项目|乙 公司".into())
        ]
    );
    // The county's amount wins and the disagreement is listed.
    assert_eq!(
        col(&ct.current, 0, "planned_investment_yi"),
        Value::Number(5.0)
    );
    assert_eq!(col(&ct.current, 0, "filer"), Value::Text("蓬江区".into()));
    assert_eq!(col(&ct.current, 0, "reported_by"), Value::Int(2));
    assert_eq!(ct.conflicts.len(), 1);
    assert_eq!(ct.conflicts[0].column, "planned_investment_yi");
    assert_eq!(
        (
            ct.conflicts[0].kept.value.as_str(),
            ct.conflicts[0].other.value.as_str()
        ),
        ("5", "6")
    );
    // A bureau's own project counts at the county its row names.
    assert_eq!(col(&ct.current, 1, "county"), Value::Text("江海区".into()));
}

#[test]
fn a_missing_return_is_carried_forward_and_listed() {
    let p = pipeline();
    let outcomes = vec![
        ledger(
            "蓬江区",
            FilerKind::County,
            "2025-01",
            vec![row(&p, 5, "A", "a", "a", "蓬江区", 1.0)],
        ),
        ledger(
            "蓬江区",
            FilerKind::County,
            "2025-02",
            vec![
                row(&p, 5, "A", "a", "a", "蓬江区", 1.5),
                row(&p, 6, "B", "b", "b", "蓬江区", 2.0),
            ],
        ),
        ledger(
            "江海区",
            FilerKind::County,
            "2025-01",
            vec![row(&p, 5, "C", "c", "c", "江海区", 3.0)],
        ),
        // A return of the previous year is never carried into a new year.
        ledger(
            "新会区",
            FilerKind::County,
            "2024-12",
            vec![row(&p, 5, "D", "d", "d", "新会区", 9.0)],
        ),
    ];
    let period = "2025-02".parse().unwrap();
    let snaps = snapshots_for(&outcomes, period);
    let got: Vec<(String, String, bool)> = snaps
        .iter()
        .map(|s| {
            (
                s.filer.clone(),
                s.return_period.to_string(),
                s.carried_forward(period),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("江海区".to_string(), "2025-01".to_string(), true),
            ("蓬江区".to_string(), "2025-02".to_string(), false)
        ]
    );
    assert_eq!(
        missing_returns(&p, &outcomes, period),
        vec!["江海区", "新会区", "台山市", "开平市", "鹤山市", "恩平市"]
    );
    let ct = current(&p, &outcomes, "2025-02");
    let amounts: Vec<Value> = (0..ct.current.rows.len())
        .map(|r| col(&ct.current, r, "planned_investment_yi"))
        .collect();
    assert_eq!(
        amounts,
        vec![Value::Number(1.5), Value::Number(2.0), Value::Number(3.0)],
        "蓬江区's February snapshot, 江海区's January one"
    );
    let carried: Vec<Value> = (0..ct.rows.rows.len())
        .filter(|&r| col(&ct.rows, r, "carried_forward") == Value::Bool(true))
        .map(|r| col(&ct.rows, r, "filer"))
        .collect();
    assert_eq!(carried, vec![Value::Text("江海区".into())]);
}

#[test]
fn a_moved_project_counts_once_at_its_new_county() {
    let p = pipeline();
    let moved = |county: &str, n| row(&p, n, "M-1", "流转项目", "流转公司", county, 4.0);
    // 鹤山市 listed it since January; 恩平市 takes it in March while 鹤山市 has not yet removed it.
    let both = vec![
        ledger(
            "鹤山市",
            FilerKind::County,
            "2025-01",
            vec![moved("鹤山市", 5)],
        ),
        ledger(
            "鹤山市",
            FilerKind::County,
            "2025-03",
            vec![moved("鹤山市", 5)],
        ),
        ledger(
            "恩平市",
            FilerKind::County,
            "2025-03",
            vec![moved("恩平市", 7)],
        ),
    ];
    let ct = current(&p, &both, "2025-03");
    assert_eq!(ct.current.rows.len(), 1);
    assert_eq!(col(&ct.current, 0, "county"), Value::Text("恩平市".into()));
    assert_eq!(
        ct.conflicts.iter().filter(|c| c.column == "county").count(),
        1,
        "the disagreement on county is listed"
    );
    // 鹤山市 did not report in March: its January snapshot still lists it; the later return wins.
    let carried = vec![
        ledger(
            "鹤山市",
            FilerKind::County,
            "2025-01",
            vec![moved("鹤山市", 5)],
        ),
        ledger(
            "恩平市",
            FilerKind::County,
            "2025-03",
            vec![moved("恩平市", 7)],
        ),
    ];
    let ct = current(&p, &carried, "2025-03");
    assert_eq!(ct.current.rows.len(), 1);
    assert_eq!(col(&ct.current, 0, "county"), Value::Text("恩平市".into()));
}

#[test]
fn a_ledger_that_gains_or_loses_its_id_column_keeps_its_projects() {
    let p = pipeline();
    let with_id = |n| row(&p, n, "JM-1", "甲项目", "甲公司", "蓬江区", 5.0);
    let without = |n| row(&p, n, "", "甲项目", "甲公司", "蓬江区", 5.0);
    for (jan, feb) in [(with_id(5), without(5)), (without(5), with_id(5))] {
        let outcomes = vec![
            ledger("蓬江区", FilerKind::County, "2025-01", vec![jan]),
            ledger("蓬江区", FilerKind::County, "2025-02", vec![feb]),
        ];
        let ct = current(&p, &outcomes, "2025-02");
        assert_eq!(ct.current.rows.len(), 1, "one project, February's row");
        assert_eq!(ct.rows.rows.len(), 1);
    }
}

#[test]
fn a_moved_project_wins_at_its_new_county_when_the_old_one_drops_its_ids() {
    let p = pipeline();
    // 鹤山市 listed it with its id since January and sends its March ledger without the id
    // column; 恩平市 took it over in February (with the id). 恩平市 listed it later: it wins.
    let outcomes = vec![
        ledger(
            "鹤山市",
            FilerKind::County,
            "2025-01",
            vec![row(&p, 5, "M-1", "流转项目", "流转公司", "鹤山市", 4.0)],
        ),
        ledger(
            "鹤山市",
            FilerKind::County,
            "2025-03",
            vec![row(&p, 5, "", "流转项目", "流转公司", "鹤山市", 4.0)],
        ),
        ledger(
            "恩平市",
            FilerKind::County,
            "2025-02",
            vec![row(&p, 7, "M-1", "流转项目", "流转公司", "恩平市", 4.0)],
        ),
        ledger(
            "恩平市",
            FilerKind::County,
            "2025-03",
            vec![row(&p, 7, "M-1", "流转项目", "流转公司", "恩平市", 4.0)],
        ),
    ];
    let ct = current_with(&p, &outcomes, "2025-03", true);
    assert_eq!(ct.current.rows.len(), 1, "one project");
    assert_eq!(col(&ct.current, 0, "county"), Value::Text("恩平市".into()));
    // And the reverse: 鹤山市 gains the id column in March; it listed the project (by name and
    // investor) since January, so 恩平市 (since February) still wins.
    let mut reverse = outcomes.clone();
    reverse[0].records = vec![row(&p, 5, "", "流转项目", "流转公司", "鹤山市", 4.0)];
    reverse[1].records = vec![row(&p, 5, "M-1", "流转项目", "流转公司", "鹤山市", 4.0)];
    let ct = current_with(&p, &reverse, "2025-03", true);
    assert_eq!(ct.current.rows.len(), 1);
    assert_eq!(col(&ct.current, 0, "county"), Value::Text("恩平市".into()));
}
