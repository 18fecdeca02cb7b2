//! Identity and snapshots (DESIGN §2–3): which return of each filer is in effect for a
//! period (carried forward when missing), and the deduplicated state of the period.

mod dedup;

pub use dedup::{current_table, record_key, record_keys, Conflict, CurrentTables, RecordKeys};

use crate::normalise::SheetOutcome;
use crate::period::Period;
use crate::pipeline::{FilerKind, Pipeline};
use serde::Serialize;
use std::collections::BTreeMap;

/// The return of one filer of one type that is in effect for a period.
#[derive(Debug, Clone)]
pub struct Snapshot<'a> {
    pub filer: String,
    pub filer_kind: FilerKind,
    pub return_id: String,
    /// The month the return was sent for (earlier than the period when carried forward).
    pub return_period: Period,
    pub sheets: Vec<&'a SheetOutcome>,
}

impl Snapshot<'_> {
    pub fn carried_forward(&self, period: Period) -> bool {
        self.return_period < period
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CarriedForward {
    pub filer: String,
    #[serde(rename = "return")]
    pub return_id: String,
    pub from_period: String,
}

/// Per (filer, return type), the latest return on or before `period` in the same year.
pub fn snapshots_for<'a>(outcomes: &'a [SheetOutcome], period: Period) -> Vec<Snapshot<'a>> {
    // (return_id, filer) -> latest period -> sheets
    let mut latest: BTreeMap<(String, String), (Period, FilerKind, Vec<&SheetOutcome>)> =
        BTreeMap::new();
    for o in outcomes {
        let (Some(rid), Some(filer)) = (&o.return_id, &o.filer) else {
            continue;
        };
        if o.period.year != period.year || o.period > period {
            continue;
        }
        let key = (rid.clone(), filer.name.clone());
        let entry = latest
            .entry(key)
            .or_insert((o.period, filer.kind, Vec::new()));
        if o.period > entry.0 {
            *entry = (o.period, filer.kind, vec![o]);
        } else if o.period == entry.0 {
            entry.2.push(o);
        }
    }
    latest
        .into_iter()
        .map(
            |((return_id, filer), (return_period, filer_kind, mut sheets))| {
                sheets.sort_by(|a, b| (&a.file, &a.sheet).cmp(&(&b.file, &b.sheet)));
                Snapshot {
                    filer,
                    filer_kind,
                    return_id,
                    return_period,
                    sheets,
                }
            },
        )
        .collect()
}

/// Filers that owe a return and sent none of it for exactly this period (未报送), in
/// reference order, once each.
pub fn missing_returns(
    pipeline: &Pipeline,
    outcomes: &[SheetOutcome],
    period: Period,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for rt in &pipeline.returns {
        for f in &rt.owed_by {
            let sent = outcomes.iter().any(|o| {
                o.period == period
                    && o.return_id.as_deref() == Some(rt.id.as_str())
                    && o.filer.as_ref().map(|x| &x.name) == Some(f)
            });
            if !sent && !out.contains(f) {
                out.push(f.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
