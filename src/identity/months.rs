//! The same record in two months: which row of the previous month's deduplicated table each
//! row of this month's is (for "what changed since last month").

use crate::pipeline::ReturnType;
use crate::record::{Record, Value};
use crate::table::Table;
use std::collections::{BTreeMap, BTreeSet};

/// The identity keys of a deduplicated row, as [`super::record_keys`] computes them for the
/// record it came from.
fn row_keys(rt: &ReturnType, t: &Table, row: &[Value]) -> super::RecordKeys {
    let values = rt
        .columns
        .iter()
        .map(|c| {
            t.col(&c.name)
                .map(|i| row[i].clone())
                .unwrap_or(Value::Null)
        })
        .collect();
    super::record_keys(rt, &Record { row: 0, values })
}

fn record_key(t: &Table, row: &[Value]) -> Option<String> {
    t.col("record_key")
        .and_then(|i| row[i].as_text())
        .map(str::to_string)
}

/// (record key this month, record key of the same record last month) for every row of
/// `current` that was in `previous`: the same record key first; then, as in the deduplication
/// (DESIGN §3), the same normalised fallback columns when either side lacks an id, so a filer
/// whose ledger gains or loses its id column keeps its projects. Each previous row is matched
/// at most once, in record-key order.
pub fn same_records(
    rt: Option<&ReturnType>,
    current: &Table,
    previous: &Table,
) -> Vec<(String, String)> {
    let index = |t: &Table| -> BTreeMap<String, usize> {
        t.rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((record_key(t, r)?, i)))
            .collect()
    };
    let (now, before) = (index(current), index(previous));
    let mut pairs: BTreeMap<String, String> = now
        .keys()
        .filter(|k| before.contains_key(*k))
        .map(|k| (k.clone(), k.clone()))
        .collect();
    if let Some(rt) = rt.filter(|rt| rt.identity.id.is_some()) {
        let taken: BTreeSet<&String> = pairs.values().collect();
        // Unmatched previous rows by fallback key: (record key, has an id).
        let mut by_pair: BTreeMap<String, Vec<(String, bool)>> = BTreeMap::new();
        for (k, &j) in &before {
            if taken.contains(k) {
                continue;
            }
            if let (id, Some(pair)) = row_keys(rt, previous, &previous.rows[j]) {
                by_pair
                    .entry(pair)
                    .or_default()
                    .push((k.clone(), id.is_some()));
            }
        }
        let mut more = Vec::new();
        for (k, &i) in &now {
            if pairs.contains_key(k) {
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
                .position(|(_, had_id)| id.is_none() || !had_id)
            {
                let (j, _) = candidates.remove(pos);
                more.push((k.clone(), j));
            }
        }
        pairs.extend(more);
    }
    pairs.into_iter().collect()
}
