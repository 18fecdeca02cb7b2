//! What changed since the previous month (for the bulletin): projects new since then, stage
//! advances, projects that left a ledger (withdrawn) or moved county, amount changes, and
//! filers that stopped reporting.

use crate::pipeline::{ChangesSpec, Pipeline};
use crate::record::Value;
use crate::table::{DType, Table};
use polars::prelude::*;
use serde::Serialize;

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

/// The change kinds in the order they are listed for one record.
const KINDS: [&str; 5] = ["new", "moved", "stage_advanced", "amount_changed", "left"];

/// A text column of `frame` (null when it has none).
fn text_col(schema: &Schema, name: Option<&str>, alias: &str) -> Expr {
    match name.filter(|n| schema.get(n).is_some()) {
        Some(n) => col(n).cast(DataType::String).alias(alias),
        None => lit(NULL).cast(DataType::String).alias(alias),
    }
}

/// The columns a comparison needs, under fixed names: record key, name, unit, stage (and its
/// index in the stage vocabulary, null when unknown), amount, filer.
fn comparable(
    pipeline: &Pipeline,
    spec: &ChangesSpec,
    frame: &DataFrame,
    name_col: Option<&str>,
) -> PolarsResult<LazyFrame> {
    let schema = frame.schema();
    let stage = spec.stage_column.as_deref();
    let amount = spec
        .amount_column
        .as_deref()
        .filter(|a| schema.get(a) == Some(&DataType::Float64));
    let lf = frame.clone().lazy().select([
        text_col(schema, Some("record_key"), "record_key"),
        text_col(schema, name_col, "name"),
        text_col(schema, Some(pipeline.unit_column.as_str()), "unit"),
        text_col(schema, stage, "stage"),
        match amount {
            Some(a) => col(a).alias("amount"),
            None => lit(NULL).cast(DataType::Float64).alias("amount"),
        },
        text_col(schema, Some("filer"), "filer"),
    ]);
    let values: Vec<String> = stage
        .and_then(|s| {
            pipeline
                .returns
                .iter()
                .flat_map(|r| r.columns.iter())
                .find(|c| c.name == s)
        })
        .and_then(|c| pipeline.vocabulary(&c.kind))
        .map(|v| v.values.clone())
        .unwrap_or_default();
    let ranks = DataFrame::new(
        values.len(),
        vec![
            Column::new("stage".into(), values.clone()),
            Column::new(
                "rank".into(),
                (0..values.len() as u32).collect::<Vec<u32>>(),
            ),
        ],
    )?;
    Ok(lf.join(
        ranks.lazy(),
        [col("stage")],
        [col("stage")],
        JoinArgs::new(JoinType::Left),
    ))
}

/// One kind of change as rows of the output: the record's columns, what it was and is, and
/// its place in the list (section 0: this month's records in key order; 1: records that left).
fn listed(lf: LazyFrame, kind: usize, section: u32, previous: Expr, current: Expr) -> LazyFrame {
    lf.select([
        lit(section).cast(DataType::UInt32).alias("section"),
        col("record_key"),
        lit(kind as u32).cast(DataType::UInt32).alias("kind"),
        col("name"),
        col("unit"),
        previous.alias("previous"),
        current.alias("current"),
        col("filer"),
    ])
}

/// Compares the deduplicated table of the period with the previous month's (None in January:
/// every record is new), as polars joins over their frames; `same` pairs each record key of
/// this month with its record key last month (`identity::same_records`).
pub fn compute_changes(
    pipeline: &Pipeline,
    spec: &ChangesSpec,
    current: &DataFrame,
    previous: Option<&DataFrame>,
    same: &[(String, String)],
    reported_now: &[String],
    reported_before: &[String],
) -> PolarsResult<Vec<Change>> {
    let rt = pipeline
        .returns
        .iter()
        .find(|r| format!("{}_current", r.table) == spec.table);
    let name_col = rt.and_then(|r| {
        r.identity
            .fallback
            .first()
            .map(|&i| r.columns[i].name.as_str())
    });
    let now = comparable(pipeline, spec, current, name_col)?;
    let empty = current.clear();
    let before = comparable(pipeline, spec, previous.unwrap_or(&empty), name_col)?;
    let pairs = DataFrame::new(
        same.len(),
        vec![
            Column::new(
                "record_key".into(),
                same.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "prev_key".into(),
                same.iter().map(|p| p.1.as_str()).collect::<Vec<_>>(),
            ),
        ],
    )?
    .lazy();
    let renamed = before.clone().select([
        col("record_key").alias("prev_key"),
        col("unit").alias("unit_before"),
        col("stage").alias("stage_before"),
        col("rank").alias("rank_before"),
        col("amount").alias("amount_before"),
    ]);
    let left_join = |a: LazyFrame, b: LazyFrame, on: &str| {
        a.join(b, [col(on)], [col(on)], JoinArgs::new(JoinType::Left))
    };
    let joined = left_join(
        left_join(now, pairs.clone(), "record_key"),
        renamed,
        "prev_key",
    );
    let matched = col("prev_key").is_not_null();
    let none = || lit(NULL).cast(DataType::String);
    let number = |c: &str| col(c).cast(DataType::String);
    let (a, b) = (col("amount"), col("amount_before"));
    let tolerance = lit(1e-9)
        * polars::lazy::dsl::max_horizontal([a.clone().abs(), b.clone().abs(), lit(1.0)])?;
    let parts = vec![
        listed(
            joined.clone().filter(matched.clone().not()),
            0,
            0,
            none(),
            none(),
        ),
        listed(
            joined.clone().filter(
                matched
                    .clone()
                    .and(col("unit").neq_missing(col("unit_before"))),
            ),
            1,
            0,
            col("unit_before"),
            col("unit"),
        ),
        listed(
            joined.clone().filter(
                matched
                    .clone()
                    .and(col("rank").gt(col("rank_before")))
                    .fill_null(lit(false)),
            ),
            2,
            0,
            col("stage_before"),
            col("stage"),
        ),
        listed(
            joined.filter(
                matched
                    .and((a - b).abs().gt(tolerance))
                    .fill_null(lit(false)),
            ),
            3,
            0,
            number("amount_before"),
            number("amount"),
        ),
        listed(
            before.join(
                pairs.select([col("prev_key").alias("record_key")]),
                [col("record_key")],
                [col("record_key")],
                JoinArgs::new(JoinType::Anti),
            ),
            4,
            1,
            none(),
            none(),
        ),
    ];
    let all = concat(parts, UnionArgs::default())?
        .sort(
            ["section", "record_key", "kind"],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .collect()?;
    let text = |c: &str| -> PolarsResult<Vec<Option<String>>> {
        Ok(all
            .column(c)?
            .str()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    };
    let kinds: Vec<Option<u32>> = all.column("kind")?.u32()?.iter().collect();
    let (keys, names, units, prevs, curs, filers) = (
        text("record_key")?,
        text("name")?,
        text("unit")?,
        text("previous")?,
        text("current")?,
        text("filer")?,
    );
    // The list as metrics.json carries it (an amount as the filer would write it: 12, 12.5).
    let amount_text = |v: Option<String>| {
        v.map(|s| match s.parse::<f64>() {
            Ok(n) => crate::ingest::format_number_public(n),
            Err(_) => s,
        })
    };
    let mut out: Vec<Change> = (0..all.height())
        .map(|i| {
            let kind = kinds[i]
                .and_then(|k| KINDS.get(k as usize).copied())
                .unwrap_or("left");
            let is_amount = kind == "amount_changed";
            let fmt = |v: &Option<String>| {
                if is_amount {
                    amount_text(v.clone())
                } else {
                    v.clone()
                }
            };
            Change {
                change: kind.to_string(),
                record_key: keys[i].clone(),
                name: names[i].clone(),
                county: units[i].clone(),
                previous: fmt(&prevs[i]),
                current: fmt(&curs[i]),
                filer: filers[i].clone(),
            }
        })
        .collect();
    out.extend(
        reported_before
            .iter()
            .filter(|f| !reported_now.contains(f))
            .map(|f| Change {
                change: "stopped_reporting".into(),
                record_key: None,
                name: None,
                county: None,
                previous: None,
                current: None,
                filer: Some(f.clone()),
            }),
    );
    Ok(out)
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
    use crate::record::Record;
    use std::collections::BTreeMap;

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
        crate::identity::current_table(
            rt,
            &snaps,
            period,
            &BTreeMap::new(),
            &BTreeMap::new(),
            crate::identity::Build::Everything,
        )
        .current
        .into_table()
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
        let spec = p.changes.clone().unwrap();
        let rt = p.return_type("project_ledger");
        let same = crate::identity::same_records(rt, &now, &before);
        compute_changes(
            &p,
            &spec,
            &now.to_frame().unwrap(),
            Some(&before.to_frame().unwrap()),
            &same,
            &filers,
            &filers,
        )
        .unwrap()
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
