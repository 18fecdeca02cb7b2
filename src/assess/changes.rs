//! What changed since the previous month (for the bulletin): projects new since then, stage
//! advances, projects that left a ledger (withdrawn) or moved county, amount changes, and
//! filers that stopped reporting.

use crate::pipeline::Pipeline;
use crate::record::Value;
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
    let name_col = pipeline
        .returns
        .iter()
        .find(|r| format!("{}_current", r.table) == current.name)
        .and_then(|r| {
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
    for (k, &i) in &now {
        let r = &current.rows[i];
        let Some(&j) = before.get(k) else {
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
    for (k, &j) in &before {
        if !now.contains_key(k) {
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
