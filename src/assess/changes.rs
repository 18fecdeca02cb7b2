//! What changed since the previous month (for the bulletin): projects new since then, stage
//! advances, projects that left a ledger (withdrawn) or moved county, amount changes, and
//! filers that stopped reporting.

use crate::identity::RecordKeys;
use crate::pipeline::{Pipeline, ReturnType};
use crate::record::{Record, Value};
use crate::table::{DType, Table};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    /// new | left | moved | stage_advanced | amount_changed | stopped_reporting
    pub change: String,
    pub record_key: Option<String>,
    pub name: Option<String>,
    /// The county now (for `left`: the county it had).
    pub county: Option<String>,
    pub previous: Option<String>,
    pub current: Option<String>,
    pub filer: Option<String>,
}

pub const CHANGE_COLUMNS: [(&str, DType); 8] = [
    ("period", DType::Text),
    ("change", DType::Text),
    ("record_key", DType::Text),
    ("name", DType::Text),
    ("county", DType::Text),
    ("previous", DType::Text),
    ("current", DType::Text),
    ("filer", DType::Text),
];

fn text(t: &Table, row: &[Value], col: &str) -> Option<String> {
    let v = &row[t.col(col)?];
    match v {
        Value::Text(s) => Some(s.clone()),
        Value::Number(n) => Some(crate::ingest::format_number_public(*n)),
        Value::Date(d) => Some(d.to_string()),
        _ => None,
    }
}

/// Compares the deduplicated project table of the period with the previous month's (None in
/// January: every project is new), and the filers that reported in each.
pub fn compute_changes(
    pipeline: &Pipeline,
    current: &Table,
    previous: Option<&Table>,
    reported_now: &[String],
    reported_before: &[String],
) -> Vec<Change> {
    let Some(f) = &pipeline.funnel else {
        return Vec::new();
    };
    let rt = pipeline
        .returns
        .iter()
        .find(|r| format!("{}_current", r.table) == current.name);
    let name_col = rt.and_then(|r| {
        r.identity
            .fallback
            .first()
            .map(|&i| r.columns[i].name.clone())
    });
    let key = |t: &Table, r: &[Value]| text(t, r, "record_key").unwrap_or_default();
    let index = |t: &Table| -> BTreeMap<String, usize> {
        t.rows
            .iter()
            .enumerate()
            .map(|(i, r)| (key(t, r), i))
            .collect()
    };
    let now = index(current);
    let empty = Table::new(&current.name, current.columns.clone());
    let prev_t = previous.unwrap_or(&empty);
    let before = index(prev_t);
    let stages = pipeline
        .returns
        .iter()
        .flat_map(|r| r.columns.iter())
        .find(|c| c.name == f.stage_column)
        .and_then(|c| pipeline.vocabulary(&c.kind));
    let stage_rank =
        |s: &Option<String>| s.as_ref().and_then(|s| stages.and_then(|v| v.index_of(s)));
    let mut out = Vec::new();
    let mk = |change: &str,
              t: &Table,
              r: &[Value],
              previous: Option<String>,
              current: Option<String>| Change {
        change: change.into(),
        record_key: Some(key(t, r)),
        name: name_col.as_ref().and_then(|c| text(t, r, c)),
        county: text(t, r, "county"),
        previous,
        current,
        filer: text(t, r, "filer"),
    };
    let pairs = matching(rt, current, &now, prev_t, &before);
    let matched: std::collections::BTreeSet<usize> = pairs.values().copied().collect();
    for &i in now.values() {
        let r = &current.rows[i];
        let Some(&j) = pairs.get(&i) else {
            out.push(mk("new", current, r, None, None));
            continue;
        };
        let p = &prev_t.rows[j];
        let (c_now, c_before) = (text(current, r, "county"), text(prev_t, p, "county"));
        if c_now != c_before {
            out.push(mk("moved", current, r, c_before, c_now));
        }
        let (s_now, s_before) = (
            text(current, r, &f.stage_column),
            text(prev_t, p, &f.stage_column),
        );
        if let (Some(a), Some(b)) = (stage_rank(&s_now), stage_rank(&s_before)) {
            if a > b {
                out.push(mk("stage_advanced", current, r, s_before, s_now));
            }
        }
        let (a_now, a_before) = (
            current.col(&f.amount_column).and_then(|c| r[c].as_number()),
            prev_t.col(&f.amount_column).and_then(|c| p[c].as_number()),
        );
        if let (Some(a), Some(b)) = (a_now, a_before) {
            if (a - b).abs() > 1e-9 * a.abs().max(b.abs()).max(1.0) {
                out.push(mk(
                    "amount_changed",
                    current,
                    r,
                    text(prev_t, p, &f.amount_column),
                    text(current, r, &f.amount_column),
                ));
            }
        }
    }
    for &j in before.values() {
        if !matched.contains(&j) {
            out.push(mk("left", prev_t, &prev_t.rows[j], None, None));
        }
    }
    for f in reported_before {
        if !reported_now.contains(f) {
            out.push(Change {
                change: "stopped_reporting".into(),
                record_key: None,
                name: None,
                county: None,
                previous: None,
                current: None,
                filer: Some(f.clone()),
            });
        }
    }
    out
}

/// The identity keys (normalised id, normalised fallback columns) of a deduplicated row, as
/// `identity::record_keys` computes them for the record.
fn row_keys(rt: &ReturnType, t: &Table, row: &[Value]) -> RecordKeys {
    let values = rt
        .columns
        .iter()
        .map(|c| {
            t.col(&c.name)
                .map(|i| row[i].clone())
                .unwrap_or(Value::Null)
        })
        .collect();
    crate::identity::record_keys(rt, &Record { row: 0, values })
}

/// Which row of the previous month's table each row of this month's is (current index ->
/// previous index). The same record key first; then, as in the deduplication (DESIGN §3), the
/// same normalised fallback columns when either side lacks an id: a filer whose ledger gains
/// or loses its id column keeps its projects. Each previous row is matched at most once, in
/// record-key order.
fn matching(
    rt: Option<&ReturnType>,
    current: &Table,
    now: &BTreeMap<String, usize>,
    previous: &Table,
    before: &BTreeMap<String, usize>,
) -> BTreeMap<usize, usize> {
    let mut pairs: BTreeMap<usize, usize> = BTreeMap::new();
    for (k, &i) in now {
        if let Some(&j) = before.get(k) {
            pairs.insert(i, j);
        }
    }
    let Some(rt) = rt.filter(|rt| rt.identity.id.is_some()) else {
        return pairs;
    };
    let taken: std::collections::BTreeSet<usize> = pairs.values().copied().collect();
    // Unmatched previous rows by fallback key: (index, has an id).
    let mut by_pair: BTreeMap<String, Vec<(usize, bool)>> = BTreeMap::new();
    for &j in before.values() {
        if taken.contains(&j) {
            continue;
        }
        if let (id, Some(pair)) = row_keys(rt, previous, &previous.rows[j]) {
            by_pair.entry(pair).or_default().push((j, id.is_some()));
        }
    }
    for &i in now.values() {
        if pairs.contains_key(&i) {
            continue;
        }
        let (id, Some(pair)) = row_keys(rt, current, &current.rows[i]) else {
            continue;
        };
        let Some(candidates) = by_pair.get_mut(&pair) else {
            continue;
        };
        if let Some(pos) = candidates
            .iter()
            .position(|&(_, had_id)| id.is_none() || !had_id)
        {
            let (j, _) = candidates.remove(pos);
            pairs.insert(i, j);
        }
    }
    pairs
}

/// The `changes` Parquet table of a period.
pub fn changes_table(changes: &[Change], period: crate::period::Period) -> Table {
    let mut t = Table::new(
        "changes",
        CHANGE_COLUMNS
            .iter()
            .map(|(n, d)| (n.to_string(), *d))
            .collect(),
    );
    let v = |s: &Option<String>| s.clone().map(Value::Text).unwrap_or(Value::Null);
    for c in changes {
        t.push(vec![
            Value::Text(period.to_string()),
            Value::Text(c.change.clone()),
            v(&c.record_key),
            v(&c.name),
            v(&c.county),
            v(&c.previous),
            v(&c.current),
            v(&c.filer),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::{Accounting, SheetOutcome};
    use crate::pipeline::{Filer, FilerKind};

    /// A ledger row of `county`: id (or none), name, investor, stage, amount.
    fn row(p: &Pipeline, n: u32, id: &str, name: &str, county: &str, amount: f64) -> Record {
        let rt = p.return_type("project_ledger").unwrap();
        let mut values = vec![Value::Null; rt.columns.len()];
        let mut set = |col: &str, v: Value| values[rt.column_index(col).unwrap()] = v;
        if !id.is_empty() {
            set("project_id", Value::Text(id.into()));
        }
        set("project_name", Value::Text(name.into()));
        set("investor", Value::Text(format!("{name}公司")));
        set("county", Value::Text(county.into()));
        set("sector", Value::Text("制造业".into()));
        set("stage", Value::Text("签约".into()));
        set("planned_investment_yi", Value::Number(amount));
        Record { row: n, values }
    }

    fn ledger(filer: &str, period: &str, records: Vec<Record>) -> SheetOutcome {
        SheetOutcome {
            file: format!("{period}/{filer}.xlsx"),
            period: period.parse().unwrap(),
            sheet: "Sheet1".into(),
            return_id: Some("project_ledger".into()),
            filer: Some(Filer {
                name: filer.into(),
                kind: FilerKind::County,
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

    /// The deduplicated project table of `period` from these returns.
    fn table(p: &Pipeline, outcomes: &[SheetOutcome], period: &str) -> Table {
        let period = period.parse().unwrap();
        let rt = p.return_type("project_ledger").unwrap();
        let snaps: Vec<_> = crate::identity::snapshots_for(outcomes, period)
            .into_iter()
            .filter(|s| s.return_id == rt.id)
            .collect();
        crate::identity::current_table(rt, &snaps, period, &BTreeMap::new(), &BTreeMap::new())
            .current
    }

    fn kinds(changes: &[Change]) -> Vec<(String, Option<String>)> {
        let mut k: Vec<_> = changes
            .iter()
            .map(|c| (c.change.clone(), c.name.clone()))
            .collect();
        k.sort();
        k
    }

    /// Two months of one filer: `first` then `second`, compared.
    fn changes_between(first: Vec<Record>, second: Vec<Record>) -> Vec<Change> {
        let p = Pipeline::embedded_default().unwrap();
        let jan = vec![ledger("蓬江区", "2025-01", first)];
        let feb = vec![ledger("蓬江区", "2025-02", second)];
        let before = table(&p, &jan, "2025-01");
        let now = table(&p, &feb, "2025-02");
        let filers = vec!["蓬江区".to_string()];
        compute_changes(&p, &now, Some(&before), &filers, &filers)
    }

    #[test]
    fn a_ledger_that_loses_its_id_column_keeps_its_projects() {
        let p = Pipeline::embedded_default().unwrap();
        let changes = changes_between(
            vec![
                row(&p, 5, "JM-1", "甲项目", "蓬江区", 5.0),
                row(&p, 6, "JM-2", "乙项目", "蓬江区", 2.0),
            ],
            vec![
                row(&p, 5, "", "甲项目", "蓬江区", 6.0),
                row(&p, 6, "", "乙项目", "蓬江区", 2.0),
                row(&p, 7, "", "丙项目", "蓬江区", 1.0),
            ],
        );
        assert_eq!(
            kinds(&changes),
            vec![
                ("amount_changed".to_string(), Some("甲项目".to_string())),
                ("new".to_string(), Some("丙项目".to_string())),
            ],
            "no left/new pair for 甲 and 乙: {changes:?}"
        );
    }

    #[test]
    fn a_ledger_that_gains_its_id_column_keeps_its_projects() {
        let p = Pipeline::embedded_default().unwrap();
        let changes = changes_between(
            vec![
                row(&p, 5, "", "甲项目", "蓬江区", 5.0),
                row(&p, 6, "", "乙项目", "蓬江区", 2.0),
            ],
            vec![row(&p, 5, "JM-1", "甲项目", "蓬江区", 5.0)],
        );
        assert_eq!(
            kinds(&changes),
            vec![("left".to_string(), Some("乙项目".to_string()))],
            "甲 is the same project, 乙 left: {changes:?}"
        );
    }

    #[test]
    fn two_different_ids_are_two_projects_even_with_the_same_name() {
        let p = Pipeline::embedded_default().unwrap();
        let changes = changes_between(
            vec![row(&p, 5, "JM-1", "甲项目", "蓬江区", 5.0)],
            vec![row(&p, 5, "JM-7", "甲项目", "蓬江区", 5.0)],
        );
        assert_eq!(
            kinds(&changes),
            vec![
                ("left".to_string(), Some("甲项目".to_string())),
                ("new".to_string(), Some("甲项目".to_string())),
            ]
        );
    }
}
