//! Identity and snapshots (DESIGN §2–3): which return of each filer is in effect for a
//! period (carried forward when missing), and the deduplicated state of the period.

mod dedup;
mod months;

pub use dedup::{
    current_table, record_key, record_keys, Build, Conflict, CurrentTables, RecordKeys,
};
pub use months::same_records;

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

/// Per (filer, return type), the latest return on or before `period` in the same year. When
/// the filer sent several returns of the type for that month, only the winner of
/// [`duplicate_returns`]'s rule is in effect (a workbook's sheets of one return count together),
/// with every file marked as a supplement (补充).
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
            |((return_id, filer), (return_period, filer_kind, sheets))| {
                let mut sheets = match rank_returns(&sheets) {
                    Some((winner, _, supplements)) => winner
                        .sheets
                        .into_iter()
                        .chain(supplements.into_iter().flat_map(|f| f.sheets))
                        .collect(),
                    None => sheets,
                };
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

/// Two returns of one type from one filer for one month: the one in effect (`kept`) and one
/// that is read but not counted (`superseded`), and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicateReturn {
    pub filer: String,
    #[serde(rename = "return")]
    pub return_id: String,
    pub period: Period,
    /// The file in effect.
    pub kept: String,
    /// The file read but not counted.
    pub superseded: String,
    /// Why `kept` won, in Chinese (for messages and the report).
    pub reason: String,
}

/// One file's sheets of one return (a workbook with several sheets of it is one return).
#[derive(Debug, Clone)]
pub struct ReturnFile<'a> {
    pub file: String,
    pub sheets: Vec<&'a SheetOutcome>,
    /// The latest 填报日期 of its sheets.
    pub filed_on: Option<chrono::NaiveDate>,
    /// The correction mark found (更正, 修改 …), if any.
    pub correction: Option<String>,
    /// Rows that name something (accepted + rejected).
    pub rows: u64,
}

impl<'a> ReturnFile<'a> {
    fn of(file: &str, sheets: Vec<&'a SheetOutcome>) -> ReturnFile<'a> {
        ReturnFile {
            file: file.to_string(),
            filed_on: sheets.iter().filter_map(|s| s.filed_on).max(),
            correction: sheets.iter().find_map(|s| s.correction.clone()),
            rows: sheets
                .iter()
                .map(|s| s.accounting.rows_accepted + s.accounting.rows_rejected)
                .sum(),
            sheets,
        }
    }

    /// The winner rule, as an order (the greatest wins): the later 填报日期 (a return with a
    /// date beats one without), then a correction mark, then more rows, and only then the file
    /// name (the later name in sort order), so that renaming files never changes the figures
    /// unless everything else is equal.
    fn rank(&self) -> (Option<chrono::NaiveDate>, bool, u64, &str) {
        (
            self.filed_on,
            self.correction.is_some(),
            self.rows,
            &self.file,
        )
    }
}

/// Why `w` beats `l`, in Chinese.
fn why(w: &ReturnFile, l: &ReturnFile) -> String {
    let zh = |d: chrono::NaiveDate| {
        use chrono::Datelike;
        format!("{}年{}月{}日", d.year(), d.month(), d.day())
    };
    match (w.filed_on, l.filed_on) {
        (Some(a), Some(b)) if a != b => {
            return format!("采用的文件填报日期较晚：{}，另一份为{}", zh(a), zh(b));
        }
        (Some(a), None) => {
            return format!("采用的文件填有填报日期（{}），另一份未填", zh(a));
        }
        _ => {}
    }
    if let (Some(mark), None) = (&w.correction, &l.correction) {
        return format!("填报日期相同或均未填，采用的文件注明“{mark}”");
    }
    if w.rows != l.rows {
        return format!(
            "填报日期和更正标记无法区分，采用的文件行数较多（{} 行对 {} 行）",
            w.rows, l.rows
        );
    }
    "填报日期、更正标记和行数均无法区分，采用文件名排序在后的一份".to_string()
}

/// The files of one (return type, filer, month), ranked: the winner, the losers and the
/// supplements (files marked 补充 …, which add to the winner and compete with nothing).
type Ranked<'a> = (ReturnFile<'a>, Vec<ReturnFile<'a>>, Vec<ReturnFile<'a>>);

/// None when fewer than two files compete.
fn rank_returns<'a>(sheets: &[&'a SheetOutcome]) -> Option<Ranked<'a>> {
    let mut by_file: BTreeMap<&str, Vec<&'a SheetOutcome>> = BTreeMap::new();
    for s in sheets {
        by_file.entry(s.file.as_str()).or_default().push(s);
    }
    if by_file.len() < 2 {
        return None;
    }
    let (supplements, mut files): (Vec<ReturnFile<'a>>, Vec<ReturnFile<'a>>) = by_file
        .into_iter()
        .map(|(f, sheets)| ReturnFile::of(f, sheets))
        .partition(|f| f.sheets.iter().any(|s| s.supplement.is_some()));
    if files.len() < 2 {
        return None;
    }
    files.sort_by(|a, b| b.rank().cmp(&a.rank()));
    let winner = files.remove(0);
    Some((winner, files, supplements))
}

/// Every case of two or more returns of one type from one filer for one month, one entry per
/// file that is read but not counted, by month, return type and filer.
pub fn duplicate_returns(outcomes: &[SheetOutcome]) -> Vec<DuplicateReturn> {
    let mut groups: BTreeMap<(Period, &str, &str), Vec<&SheetOutcome>> = BTreeMap::new();
    for o in outcomes {
        let (Some(rid), Some(filer)) = (&o.return_id, &o.filer) else {
            continue;
        };
        groups
            .entry((o.period, rid.as_str(), filer.name.as_str()))
            .or_default()
            .push(o);
    }
    let mut out = Vec::new();
    for ((period, rid, filer), sheets) in groups {
        let Some((winner, losers, _)) = rank_returns(&sheets) else {
            continue;
        };
        for l in &losers {
            out.push(DuplicateReturn {
                filer: filer.to_string(),
                return_id: rid.to_string(),
                period,
                kept: winner.file.clone(),
                superseded: l.file.clone(),
                reason: why(&winner, l),
            });
        }
    }
    out
}

/// Filers that owe a return and sent none of it for this period (未报送), in reference order,
/// once each. What counts as sent follows the return's rhythm: a monthly return for exactly
/// this month, a quarterly one in this quarter up to this month, an annual one in this year up
/// to this month.
pub fn missing_returns(
    pipeline: &Pipeline,
    outcomes: &[SheetOutcome],
    period: Period,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for rt in &pipeline.returns {
        for f in &rt.owed_by {
            let sent = outcomes.iter().any(|o| {
                rt.rhythm.covers(o.period, period)
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

#[cfg(test)]
mod returns_tests;
