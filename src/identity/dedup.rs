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
use std::collections::{BTreeMap, HashMap};

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
    /// The snapshot rows: each row's values borrowed from its record, then its lineage.
    pub rows: RecordTable<'a>,
    /// One row per record: its values borrowed from the winning row (merged when the return
    /// merges columns), then its lineage.
    pub current: RecordTable<'a>,
    pub conflicts: Vec<Conflict>,
}

struct Row<'a> {
    record: &'a Record,
    snapshot: usize,
    /// The rank of the row's (filer, file, sheet) among the snapshots' sheets: what the row
    /// orders compare instead of the three strings (equal triples, equal ranks).
    place: usize,
    file: &'a str,
    sheet: &'a str,
    id: Option<Cow<'a, str>>,
    pair: Option<Cow<'a, str>>,
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
    let rows = rows_of(rt, snapshots, history);

    // Group.
    let mut group_of: Vec<usize> = Vec::with_capacity(rows.len());
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    let mut by_pair_any: HashMap<&str, usize> = HashMap::new();
    let mut by_pair_idless: HashMap<&str, usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let found = match (r.id.as_deref(), r.pair.as_deref()) {
            (Some(id), pair) => by_id
                .get(id)
                .or_else(|| pair.and_then(|p| by_pair_idless.get(p)))
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
        if let Some(id) = r.id.as_deref() {
            by_id.entry(id).or_insert(g);
        }
        if let Some(p) = r.pair.as_deref() {
            by_pair_any.entry(p).or_insert(g);
            if r.id.is_none() {
                by_pair_idless.entry(p).or_insert(g);
            }
        }
    }
    // Each group's record key: its winner's id, else its fallback key, else its place.
    let keys: Vec<String> = groups
        .iter()
        .map(|g| {
            let w = &rows[g[0]];
            w.id.as_deref()
                .or(w.pair.as_deref())
                .map(str::to_string)
                .unwrap_or_else(|| format!("{}#{}", w.file, w.record.row))
        })
        .collect();

    let period_s = period.to_string();
    let mut row_table = RecordTable::like(Table::for_return(&rt.table, rt, &ROW_LINEAGE));
    let mut current = RecordTable::like(Table::for_return(
        &format!("{}_current", rt.table),
        rt,
        &CURRENT_LINEAGE,
    ));
    let mut conflicts = Vec::new();

    // The snapshot rows, in a stable order (filer, file, sheet, row).
    if build == Build::Everything {
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by_key(|&i| (rows[i].place, rows[i].record.row));
        for i in order {
            let r = &rows[i];
            let s = &snapshots[r.snapshot];
            row_table.push(
                Cow::Borrowed(&r.record.values),
                vec![
                    Value::Text(period_s.clone()),
                    Value::Text(s.return_period.to_string()),
                    Value::Bool(s.carried_forward(period)),
                    Value::Text(s.filer.clone()),
                    Value::Text(kind_str(s.filer_kind).into()),
                    Value::Text(r.file.to_string()),
                    Value::Text(r.sheet.to_string()),
                    Value::Int(r.record.row as i64),
                    Value::Text(sha_by_file.get(r.file).cloned().unwrap_or_default()),
                    Value::Text(keys[group_of[i]].clone()),
                ],
            );
        }
    }

    // One row per group, ordered by key.
    let mut keyed: Vec<usize> = (0..groups.len()).collect();
    keyed.sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    for gi in keyed {
        let (key, g) = (&keys[gi], &groups[gi]);
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
                conflicts.extend(conflicts_between(
                    rt, key, &values, w, ws, &rows[i], snapshots,
                ));
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

/// The rows of the snapshots with their identity keys, winner first: a county's row before a
/// bureau's, a later return before an earlier one, a filer that listed the record later before
/// one that listed it first, then by place.
fn rows_of<'a>(
    rt: &ReturnType,
    snapshots: &[Snapshot<'a>],
    history: &BTreeMap<String, BTreeMap<String, Period>>,
) -> Vec<Row<'a>> {
    // The rank of each (snapshot, sheet) by (filer, file, sheet).
    let mut places: Vec<(&str, &str, &str, usize, usize)> = snapshots
        .iter()
        .enumerate()
        .flat_map(|(si, s)| {
            s.sheets
                .iter()
                .enumerate()
                .map(move |(k, o)| (s.filer.as_str(), o.file.as_str(), o.sheet.as_str(), si, k))
        })
        .collect();
    places.sort();
    let mut place_of: Vec<Vec<usize>> = snapshots.iter().map(|s| vec![0; s.sheets.len()]).collect();
    let mut rank = 0;
    for (n, p) in places.iter().enumerate() {
        if n > 0 && (p.0, p.1, p.2) != (places[n - 1].0, places[n - 1].1, places[n - 1].2) {
            rank += 1;
        }
        place_of[p.3][p.4] = rank;
    }

    let mut rows: Vec<Row> = Vec::new();
    for (si, s) in snapshots.iter().enumerate() {
        let listed = history.get(&s.filer);
        for (k, &o) in s.sheets.iter().enumerate() {
            let place = place_of[si][k];
            for (ri, rec) in o.records.iter().enumerate() {
                let (id, pair): (Option<Cow<str>>, Option<Cow<str>>) = match o.keys.get(ri) {
                    Some((id, pair)) if o.keys.len() == o.records.len() => (
                        id.as_deref().map(Cow::Borrowed),
                        pair.as_deref().map(Cow::Borrowed),
                    ),
                    _ => {
                        let (id, pair) = record_keys(rt, rec);
                        (id.map(Cow::Owned), pair.map(Cow::Owned))
                    }
                };
                // The first month the filer listed the record under its id or under its
                // fallback key: a ledger that gains or loses its id column keeps its months.
                let first_reported = [id.as_deref(), pair.as_deref()]
                    .into_iter()
                    .flatten()
                    .filter_map(|k| listed.and_then(|h| h.get(k)))
                    .min()
                    .copied()
                    .unwrap_or(s.return_period);
                let (id, pair) = if rt.identity.per_filer {
                    let own =
                        |k: Option<Cow<str>>| k.map(|k| Cow::Owned(format!("{}|{k}", s.filer)));
                    (own(id), own(pair))
                } else {
                    (id, pair)
                };
                rows.push(Row {
                    record: rec,
                    snapshot: si,
                    place,
                    file: &o.file,
                    sheet: &o.sheet,
                    id,
                    pair,
                    first_reported,
                });
            }
        }
    }
    rows.sort_by_key(|r| {
        (
            snapshots[r.snapshot].filer_kind,
            Reverse(snapshots[r.snapshot].return_period),
            Reverse(r.first_reported),
            r.place,
            r.record.row,
        )
    });
    rows
}

/// The conflicts between a group's winner `w` and another of its rows `o`: the amounts,
/// counties and dates on which they disagree.
fn conflicts_between(
    rt: &ReturnType,
    key: &str,
    values: &[Value],
    w: &Row,
    ws: &Snapshot,
    o: &Row,
    snapshots: &[Snapshot],
) -> Vec<Conflict> {
    let os = &snapshots[o.snapshot];
    let mut out = Vec::new();
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
                .unwrap_or_else(|| key.to_string());
            out.push(Conflict {
                record_key: key.to_string(),
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
    out
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
