//! Deduplication (DESIGN §3): rows are the same record when their normalised ids are equal,
//! or, when either lacks an id, their normalised fallback columns are equal. Within a group a
//! county's row wins over a bureau's, a later return over an earlier one, and a filer that
//! listed the record later (its new county, 项目流转) over one that listed it first.

use super::Snapshot;
use crate::period::Period;
use crate::pipeline::{ColumnKind, FilerKind, ReturnType};
use crate::record::{Record, Value};
use crate::table::{DType, RecordTable, Table};
use crate::text::identity_key;
use serde::Serialize;
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::BTreeMap;

/// Two rows of one record that disagree on an amount, a county or a date.
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    pub record_key: String,
    pub name: String,
    pub column: String,
    pub label: String,
    pub kept: ConflictSide,
    pub other: ConflictSide,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConflictSide {
    pub filer: String,
    pub file: String,
    pub sheet: String,
    pub row: u32,
    pub value: String,
}

/// The rows of the snapshots in effect, the deduplicated table, and the conflicts.
pub struct CurrentTables<'a> {
    pub rows: Table,
    /// One row per record: its values borrowed from the winning row (merged when the return
    /// merges columns), then its lineage.
    pub current: RecordTable<'a>,
    pub conflicts: Vec<Conflict>,
}

struct Row<'a> {
    record: &'a Record,
    snapshot: usize,
    file: &'a str,
    sheet: &'a str,
    id: Option<String>,
    pair: Option<String>,
    first_reported: Period,
}

pub const ROW_LINEAGE: [(&str, DType); 10] = [
    ("period", DType::Text),
    ("return_period", DType::Text),
    ("carried_forward", DType::Bool),
    ("filer", DType::Text),
    ("filer_kind", DType::Text),
    ("source_file", DType::Text),
    ("sheet", DType::Text),
    ("source_row", DType::Int),
    ("file_sha256", DType::Text),
    ("record_key", DType::Text),
];

pub const CURRENT_LINEAGE: [(&str, DType); 10] = [
    ("period", DType::Text),
    ("record_key", DType::Text),
    ("filer", DType::Text),
    ("return_period", DType::Text),
    ("source_file", DType::Text),
    ("sheet", DType::Text),
    ("source_row", DType::Int),
    ("file_sha256", DType::Text),
    ("reported_by", DType::Int),
    ("filers", DType::Text),
];

fn text_key(v: &Value) -> Option<String> {
    match v {
        Value::Text(s) => Some(identity_key(s)).filter(|k| !k.is_empty()),
        Value::Number(n) => Some(crate::ingest::format_number_public(*n)),
        Value::Date(d) => Some(d.to_string()),
        _ => None,
    }
}

fn display(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Text(s) => s.clone(),
        Value::Number(n) => crate::ingest::format_number_public(*n),
        Value::Date(d) => d.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
    }
}

fn kind_str(k: FilerKind) -> &'static str {
    match k {
        FilerKind::County => "county",
        FilerKind::Bureau => "bureau",
    }
}

/// What [`current_table`] builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Build {
    /// The snapshot rows, the current table and the conflicts between filers.
    Everything,
    /// The current table alone (the snapshot rows and the conflicts are left empty): what a
    /// month needs whose metrics are only charted.
    CurrentOnly,
}

/// Builds the tables of one return type for `period` from its snapshots.
/// `history` lists, per filer, every (return period, record keys) of the year so far, so that
/// the filer that listed a record most recently first can be preferred (项目流转).
pub fn current_table<'a>(
    rt: &ReturnType,
    snapshots: &[Snapshot<'a>],
    period: Period,
    sha_by_file: &BTreeMap<String, String>,
    history: &BTreeMap<String, BTreeMap<String, Period>>,
    build: Build,
) -> CurrentTables<'a> {
    let mut rows: Vec<Row> = Vec::new();
    for (si, s) in snapshots.iter().enumerate() {
        for &o in &s.sheets {
            for (ri, rec) in o.records.iter().enumerate() {
                let (mut id, mut pair) = match o.keys.get(ri) {
                    Some(k) if o.keys.len() == o.records.len() => k.clone(),
                    _ => record_keys(rt, rec),
                };
                // The first month the filer listed the record under its id or under its
                // fallback key: a ledger that gains or loses its id column keeps its months.
                let listed = history.get(&s.filer);
                let first_reported = [id.as_ref(), pair.as_ref()]
                    .into_iter()
                    .flatten()
                    .filter_map(|k| listed.and_then(|h| h.get(k)))
                    .min()
                    .copied()
                    .unwrap_or(s.return_period);
                if rt.identity.per_filer {
                    let own = |k: Option<String>| k.map(|k| format!("{}|{k}", s.filer));
                    id = own(id);
                    pair = own(pair);
                }
                rows.push(Row {
                    record: rec,
                    snapshot: si,
                    file: &o.file,
                    sheet: &o.sheet,
                    id,
                    pair,
                    first_reported,
                });
            }
        }
    }
    // Winner first.
    rows.sort_by(|a, b| {
        let sa = &snapshots[a.snapshot];
        let sb = &snapshots[b.snapshot];
        (
            sa.filer_kind,
            Reverse(sa.return_period),
            Reverse(a.first_reported),
            &sa.filer,
            a.file,
            a.sheet,
            a.record.row,
        )
            .cmp(&(
                sb.filer_kind,
                Reverse(sb.return_period),
                Reverse(b.first_reported),
                &sb.filer,
                b.file,
                b.sheet,
                b.record.row,
            ))
    });

    // Group.
    let mut group_of: Vec<usize> = Vec::with_capacity(rows.len());
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_pair_any: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_pair_idless: BTreeMap<String, usize> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        let found = match (&r.id, &r.pair) {
            (Some(id), pair) => by_id
                .get(id)
                .or_else(|| pair.as_ref().and_then(|p| by_pair_idless.get(p)))
                .copied(),
            (None, Some(pair)) => by_pair_any.get(pair).copied(),
            (None, None) => None,
        };
        let g = found.unwrap_or_else(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
        group_of.push(g);
        if let Some(id) = &r.id {
            by_id.entry(id.clone()).or_insert(g);
        }
        if let Some(p) = &r.pair {
            by_pair_any.entry(p.clone()).or_insert(g);
            if r.id.is_none() {
                by_pair_idless.entry(p.clone()).or_insert(g);
            }
        }
    }

    let period_s = period.to_string();
    let mut row_table = Table::for_return(&rt.table, rt, &ROW_LINEAGE);
    let mut current = RecordTable::like(Table::for_return(
        &format!("{}_current", rt.table),
        rt,
        &CURRENT_LINEAGE,
    ));
    let mut conflicts = Vec::new();

    let group_key = |g: &[usize]| -> String {
        let w = &rows[g[0]];
        w.id.clone()
            .or_else(|| w.pair.clone())
            .unwrap_or_else(|| format!("{}#{}", w.file, w.record.row))
    };

    // The snapshot rows, in a stable order (filer, file, sheet, row).
    let mut order: Vec<usize> = match build {
        Build::Everything => (0..rows.len()).collect(),
        Build::CurrentOnly => Vec::new(),
    };
    order.sort_by(|&a, &b| {
        let (ra, rb) = (&rows[a], &rows[b]);
        (
            &snapshots[ra.snapshot].filer,
            ra.file,
            ra.sheet,
            ra.record.row,
        )
            .cmp(&(
                &snapshots[rb.snapshot].filer,
                rb.file,
                rb.sheet,
                rb.record.row,
            ))
    });
    for i in order {
        let r = &rows[i];
        let s = &snapshots[r.snapshot];
        let mut v = r.record.values.clone();
        v.extend([
            Value::Text(period_s.clone()),
            Value::Text(s.return_period.to_string()),
            Value::Bool(s.carried_forward(period)),
            Value::Text(s.filer.clone()),
            Value::Text(kind_str(s.filer_kind).into()),
            Value::Text(r.file.to_string()),
            Value::Text(r.sheet.to_string()),
            Value::Int(r.record.row as i64),
            Value::Text(sha_by_file.get(r.file).cloned().unwrap_or_default()),
            Value::Text(group_key(&groups[group_of[i]])),
        ]);
        row_table.push(v);
    }

    // One row per group, ordered by key.
    let mut keyed: Vec<(String, &Vec<usize>)> = groups.iter().map(|g| (group_key(g), g)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, g) in keyed {
        let w = &rows[g[0]];
        let ws = &snapshots[w.snapshot];
        let values: Cow<'a, [Value]> = if rt.merge_columns {
            Cow::Owned(
                (0..rt.columns.len())
                    .map(|c| {
                        g.iter()
                            .map(|&i| &rows[i].record.values[c])
                            .find(|v| !v.is_null())
                            .cloned()
                            .unwrap_or(Value::Null)
                    })
                    .collect(),
            )
        } else {
            Cow::Borrowed(&w.record.values)
        };
        let mut filers: Vec<&str> = g
            .iter()
            .map(|&i| snapshots[rows[i].snapshot].filer.as_str())
            .collect();
        filers.sort();
        filers.dedup();
        if !rt.merge_columns && build == Build::Everything {
            for &i in &g[1..] {
                let o = &rows[i];
                let os = &snapshots[o.snapshot];
                for (c, col) in rt.columns.iter().enumerate() {
                    if !matches!(
                        col.kind,
                        ColumnKind::Money { .. } | ColumnKind::County | ColumnKind::Date
                    ) {
                        continue;
                    }
                    let (a, b) = (&w.record.values[c], &o.record.values[c]);
                    let differ = match (a, b) {
                        (Value::Number(x), Value::Number(y)) => {
                            (x - y).abs() > 1e-9 * x.abs().max(y.abs()).max(1.0)
                        }
                        (Value::Null, _) | (_, Value::Null) => false,
                        (x, y) => x != y,
                    };
                    if differ {
                        let name = rt
                            .identity
                            .fallback
                            .first()
                            .map(|&f| display(&values[f]))
                            .unwrap_or_else(|| key.clone());
                        conflicts.push(Conflict {
                            record_key: key.clone(),
                            name,
                            column: col.name.clone(),
                            label: col.label.clone(),
                            kept: ConflictSide {
                                filer: ws.filer.clone(),
                                file: w.file.to_string(),
                                sheet: w.sheet.to_string(),
                                row: w.record.row,
                                value: display(a),
                            },
                            other: ConflictSide {
                                filer: os.filer.clone(),
                                file: o.file.to_string(),
                                sheet: o.sheet.to_string(),
                                row: o.record.row,
                                value: display(b),
                            },
                        });
                    }
                }
            }
        }
        let lineage = vec![
            Value::Text(period_s.clone()),
            Value::Text(key.clone()),
            Value::Text(ws.filer.clone()),
            Value::Text(ws.return_period.to_string()),
            Value::Text(w.file.to_string()),
            Value::Text(w.sheet.to_string()),
            Value::Int(w.record.row as i64),
            Value::Text(sha_by_file.get(w.file).cloned().unwrap_or_default()),
            Value::Int(g.len() as i64),
            Value::Text(filers.join("、")),
        ];
        current.push(values, lineage);
    }
    CurrentTables {
        rows: row_table,
        current,
        conflicts,
    }
}

/// The normalised fallback columns joined by `|`, when all are present.
fn fallback_key(rt: &ReturnType, rec: &Record) -> Option<String> {
    if rt.identity.fallback.is_empty() {
        return None;
    }
    let parts: Option<Vec<String>> = rt
        .identity
        .fallback
        .iter()
        .map(|&c| match text_key(&rec.values[c]) {
            None if rt.identity.optional.contains(&c) => Some(String::new()),
            k => k,
        })
        .collect();
    parts.map(|p| p.join("|"))
}

/// A record's identity: its normalised id and its normalised fallback columns joined by `|`.
pub type RecordKeys = (Option<String>, Option<String>);

/// The identity keys of a record (computed once per sheet, see `SheetOutcome::keys`).
pub fn record_keys(rt: &ReturnType, rec: &Record) -> RecordKeys {
    (
        rt.identity.id.and_then(|c| text_key(&rec.values[c])),
        fallback_key(rt, rec),
    )
}

/// The record key of a row as [`current_table`] computes it (id, else the fallback columns).
pub fn record_key(rt: &ReturnType, rec: &Record) -> Option<String> {
    rt.identity
        .id
        .and_then(|c| text_key(&rec.values[c]))
        .or_else(|| fallback_key(rt, rec))
}
