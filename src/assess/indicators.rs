//! Reference-list scorecards (`[scorecard]` + `[[indicators]]`, e.g. 创新型城市考核指标): per
//! indicator (and part) and year, the value of the unit that counts, progress from the base
//! towards the target (whichever side of the base the target lies), met / not met; summaries
//! per group, for the national indicators and overall; monitoring units that sent nothing.
//!
//! Every indicator, name and number comes from the pipeline file.

use super::MetricValue;
use crate::normalise::value::{indices_of_texts, numbers_of_texts};
use crate::period::Period;
use crate::pipeline::{sql, Goal, Pipeline, Scorecard};
use polars::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// The scorecard of one period (metrics.json `indicators`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IndicatorReport {
    /// The assessed year (the period's).
    pub year: i32,
    pub base_year: i32,
    pub target_year: i32,
    /// The years with values in the returns, up to the period's year (the period's year always).
    pub years: Vec<i32>,
    /// One row per indicator × part × year, in reference order then by year.
    pub rows: Vec<IndicatorRow>,
    /// Per year: each group (in reference order), the national indicators and all indicators.
    pub summary: Vec<IndicatorSummary>,
    /// Monitoring units that owe a return and sent none for the period.
    pub missing_units: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IndicatorRow {
    /// `4.国家级`, or `1` for a one-part indicator.
    pub key: String,
    pub no: u32,
    pub part: Option<String>,
    pub name: String,
    pub group: String,
    pub unit: String,
    pub national: bool,
    pub qualitative: bool,
    pub year: i32,
    /// The units whose value counts (summed when several).
    pub counts_from: Vec<String>,
    /// The value that counts (numeric indicators).
    pub value: Option<f64>,
    /// The rating that counts (qualitative indicators).
    pub rating: Option<String>,
    pub base: Option<f64>,
    pub target: Option<f64>,
    pub target_rating: Option<String>,
    /// The pipeline's `scorecard.progress` rule (e.g. (value − base) ÷ (target − base)).
    pub progress: Option<f64>,
    pub met: Option<bool>,
    /// What each unit reported for this indicator and year (as written, normalised), by unit.
    pub reported: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IndicatorSummary {
    pub year: i32,
    /// `group` (one 一级指标), `national` (the * indicators) or `all`.
    pub scope: String,
    /// The group's name for scope `group`.
    pub group: Option<String>,
    /// Entries (indicator × part) in scope.
    pub indicators: usize,
    /// Of which with a value that counts.
    pub with_value: usize,
    /// Of which met.
    pub met: usize,
}

/// The entry column: an indicator × part's place in the reference list.
const ENTRY: &str = "__entry";

/// One row per entry (indicator × part), in reference order: its number, its part (`""` for a
/// one-part indicator), base, target (numeric) or target rank (qualitative), how many units
/// count, its group's place and whether it is national.
fn entries_frame(sc: &Scorecard, groups: &[&str]) -> PolarsResult<DataFrame> {
    let ind = &sc.indicators;
    let numeric = |i: &crate::pipeline::Indicator| match i.goal {
        Goal::Number(t) => Some(t),
        Goal::Rating(_) => None,
    };
    let rank = |i: &crate::pipeline::Indicator| match i.goal {
        Goal::Rating(r) => Some(r as f64),
        Goal::Number(_) => None,
    };
    let group = |i: &crate::pipeline::Indicator| {
        groups.iter().position(|g| *g == i.group).unwrap_or(0) as u32
    };
    DataFrame::new(
        ind.len(),
        vec![
            Column::new(ENTRY.into(), (0..ind.len() as u32).collect::<Vec<_>>()),
            Column::new(
                "no".into(),
                ind.iter().map(|i| i.no as i64).collect::<Vec<_>>(),
            ),
            Column::new(
                "entry_part".into(),
                ind.iter()
                    .map(|i| i.part.clone().unwrap_or_default())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "one_part".into(),
                ind.iter().map(|i| i.part.is_none()).collect::<Vec<_>>(),
            ),
            Column::new(
                "qualitative".into(),
                ind.iter().map(|i| numeric(i).is_none()).collect::<Vec<_>>(),
            ),
            Column::new(
                "base".into(),
                ind.iter().map(|i| i.base).collect::<Vec<_>>(),
            ),
            Column::new("target".into(), ind.iter().map(numeric).collect::<Vec<_>>()),
            Column::new(
                "target_rank".into(),
                ind.iter().map(rank).collect::<Vec<_>>(),
            ),
            Column::new(
                "counted".into(),
                ind.iter()
                    .map(|i| i.counts_from.len() as u32)
                    .collect::<Vec<_>>(),
            ),
            Column::new("group".into(), ind.iter().map(group).collect::<Vec<_>>()),
            Column::new(
                "national".into(),
                ind.iter().map(|i| i.national).collect::<Vec<_>>(),
            ),
        ],
    )
}

/// The rows of the indicator table that can count for `year`: indicator number, part (`""`
/// when none), year, filer and the value as filed, for indicators of the list and years up to
/// `year`; of several rows of one unit for one indicator, part and year the first wins.
fn reported(frame: Option<&DataFrame>, entries: &DataFrame, year: i32) -> PolarsResult<LazyFrame> {
    let empty = || {
        DataFrame::new(
            0,
            vec![
                Column::new_empty("no".into(), &DataType::Int64),
                Column::new_empty("part".into(), &DataType::String),
                Column::new_empty("year".into(), &DataType::Int32),
                Column::new_empty("filer".into(), &DataType::String),
                Column::new_empty("text".into(), &DataType::String),
            ],
        )
    };
    let Some(frame) = frame else {
        return Ok(empty()?.lazy());
    };
    let schema = frame.schema();
    let is = |c: &str, t: DataType| schema.get(c) == Some(&t);
    if !(is("indicator_no", DataType::Float64)
        && is("year", DataType::Float64)
        && is("value", DataType::String)
        && is("filer", DataType::String))
    {
        return Ok(empty()?.lazy());
    }
    let whole = |c: &str| {
        (col(c) + lit(0.5))
            .floor_div(lit(1.0))
            .cast(DataType::Int64)
    };
    let part = if is("part", DataType::String) {
        col("part").fill_null(lit(""))
    } else {
        lit("")
    };
    let nos = entries
        .clone()
        .lazy()
        .select([col("no")])
        .unique_stable(None, UniqueKeepStrategy::First);
    Ok(frame
        .clone()
        .lazy()
        .select([
            whole("indicator_no").alias("no"),
            part.alias("part"),
            whole("year").cast(DataType::Int32).alias("year"),
            col("filer"),
            col("value").alias("text"),
        ])
        .drop_nulls(None)
        .filter(col("year").lt_eq(lit(year)))
        .join(
            nos,
            [col("no")],
            [col("no")],
            JoinArgs {
                maintain_order: MaintainOrderJoin::Left,
                ..JoinArgs::new(JoinType::Inner)
            },
        )
        .unique_stable(
            Some(cols(["no", "part", "year", "filer"])),
            UniqueKeepStrategy::First,
        ))
}

/// What each unit reported for each entry and year: an entry with a part takes that part's
/// row; a one-part entry takes the unit's row without a part, else its first row by part.
/// Columns: entry, year, filer, text, and the text read as a number and as a rating.
fn matched(
    reported: LazyFrame,
    entries: &DataFrame,
    ratings: Option<&crate::pipeline::Vocabulary>,
) -> PolarsResult<DataFrame> {
    let mut m = entries
        .clone()
        .lazy()
        .select([col(ENTRY), col("no"), col("entry_part"), col("one_part")])
        .join(
            reported,
            [col("no")],
            [col("no")],
            JoinArgs {
                maintain_order: MaintainOrderJoin::Left,
                ..JoinArgs::new(JoinType::Inner)
            },
        )
        .filter(col("one_part").or(col("part").eq(col("entry_part"))))
        .sort(
            [ENTRY, "year", "filer", "part"],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .unique_stable(
            Some(cols([ENTRY, "year", "filer"])),
            UniqueKeepStrategy::First,
        )
        .select([col(ENTRY), col("year"), col("filer"), col("text")])
        .collect()?;
    let texts = m.column("text")?.str()?.clone();
    let number = numbers_of_texts(&texts).with_name("number".into());
    let rank = match ratings {
        Some(v) => indices_of_texts(v, &texts),
        None => UInt32Chunked::full_null("rank".into(), texts.len()),
    }
    .with_name("rank".into());
    m.with_column(number.into_column())?;
    m.with_column(rank.into_column())?;
    Ok(m)
}

/// Per entry × year: the value that counts (the sum over the counting units, when each of them
/// reported a number) and the rating that counts (the worst of theirs, when each reported a
/// rating), then the pipeline's met and progress rules where there is one.
fn scored(
    sc: &Scorecard,
    entries: &DataFrame,
    matched: &DataFrame,
    years: &[i32],
    period: Period,
) -> PolarsResult<DataFrame> {
    let (units, entry_of): (Vec<String>, Vec<u32>) = sc
        .indicators
        .iter()
        .enumerate()
        .flat_map(|(k, i)| i.counts_from.iter().map(move |u| (u.clone(), k as u32)))
        .unzip();
    let counts = DataFrame::new(
        units.len(),
        vec![
            Column::new(ENTRY.into(), entry_of),
            Column::new("filer".into(), units),
        ],
    )?;
    let by_entry_year = [col(ENTRY), col("year")];
    let counted = matched
        .clone()
        .lazy()
        .join(
            counts.lazy(),
            [col(ENTRY), col("filer")],
            [col(ENTRY), col("filer")],
            JoinArgs::new(JoinType::Inner),
        )
        .group_by(by_entry_year.clone())
        .agg([
            len().alias("units"),
            col("number").null_count().alias("no_number"),
            col("number").sum().alias("sum"),
            col("rank").null_count().alias("no_rank"),
            col("rank").max().cast(DataType::Float64).alias("worst"),
        ]);
    let year_frame = DataFrame::new(
        years.len(),
        vec![Column::new("year".into(), years.to_vec())],
    )?;
    let constant = |lf: LazyFrame| lf.with_column(lit(1u32).alias("__one"));
    let all = col("units").eq(col("counted"));
    let grid = constant(entries.clone().lazy())
        .join(
            constant(year_frame.lazy()),
            [col("__one")],
            [col("__one")],
            JoinArgs::new(JoinType::Inner),
        )
        .join(
            counted,
            by_entry_year.clone(),
            by_entry_year,
            JoinArgs::new(JoinType::Left),
        )
        .select([
            col(ENTRY),
            col("year"),
            col("qualitative"),
            col("base"),
            col("target"),
            col("target_rank"),
            col("group"),
            col("national"),
            when(
                all.clone()
                    .and(col("no_number").eq(lit(0u32)))
                    .and(col("qualitative").not()),
            )
            .then(col("sum"))
            .otherwise(lit(NULL).cast(DataType::Float64))
            .alias("value"),
            when(
                all.and(col("no_rank").eq(lit(0u32)))
                    .and(col("qualitative")),
            )
            .then(col("worst"))
            .otherwise(lit(NULL).cast(DataType::Float64))
            .alias("rank"),
        ])
        .sort([ENTRY, "year"], SortMultipleOptions::default())
        .collect()?;
    // In order: `progress` may read `met`.
    let mut rules = vec![
        ("met", sc.met.as_str()),
        ("__progress", sc.progress.as_str()),
    ];
    if !sc.rating_met.is_empty() {
        rules.push(("__rating_met", sc.rating_met.as_str()));
    }
    let ruled = sql::with_columns(grid, &rules, period)?;
    let numeric = col("qualitative")
        .not()
        .and(col("value").is_not_null())
        .and(col("base").is_not_null());
    let rated = col("qualitative").and(col("rank").is_not_null());
    let rating_met = if sc.rating_met.is_empty() {
        lit(NULL).cast(DataType::Boolean)
    } else {
        col("__rating_met").cast(DataType::Boolean)
    };
    ruled
        .lazy()
        .with_columns([
            when(numeric.clone())
                .then(col("met").cast(DataType::Boolean))
                .when(rated)
                .then(rating_met)
                .otherwise(lit(NULL).cast(DataType::Boolean))
                .alias("met"),
            when(numeric)
                .then(col("__progress").cast(DataType::Float64))
                .otherwise(lit(NULL).cast(DataType::Float64))
                .alias("progress"),
            (col("value").is_not_null().or(col("rank").is_not_null())).alias("has_value"),
        ])
        .collect()
}

/// Per year: entries, entries with a value that counts and entries met, of each group (by
/// place), of the national entries and of all.
fn summary(
    scored: &DataFrame,
    groups: &[&str],
    years: &[i32],
) -> PolarsResult<Vec<IndicatorSummary>> {
    let aggs = [
        len().alias("indicators"),
        col("has_value")
            .cast(DataType::UInt32)
            .sum()
            .alias("with_value"),
        col("met")
            .fill_null(lit(false))
            .cast(DataType::UInt32)
            .sum()
            .alias("met"),
    ];
    let lf = scored.clone().lazy();
    let per = |lf: LazyFrame, by: Vec<Expr>| -> PolarsResult<BTreeMap<(i32, u32), [usize; 3]>> {
        let df = lf.group_by(by).agg(aggs.clone()).collect()?;
        let group = match df.column("group") {
            Ok(c) => c.u32()?.iter().map(|g| g.unwrap_or(0)).collect(),
            Err(_) => vec![0; df.height()],
        };
        let count = |c: &str| -> PolarsResult<Vec<usize>> {
            Ok(df
                .column(c)?
                .cast(&DataType::UInt64)?
                .u64()?
                .iter()
                .map(|v| v.unwrap_or(0) as usize)
                .collect())
        };
        let (n, v, m) = (count("indicators")?, count("with_value")?, count("met")?);
        let years = df.column("year")?.i32()?.iter().map(|y| y.unwrap_or(0));
        Ok(years
            .zip(group)
            .zip(n.into_iter().zip(v).zip(m))
            .map(|((y, g), ((n, v), m))| ((y, g), [n, v, m]))
            .collect())
    };
    let by_group = per(lf.clone(), vec![col("year"), col("group")])?;
    let national = per(lf.clone().filter(col("national")), vec![col("year")])?;
    let all = per(lf, vec![col("year")])?;
    let line = |year: i32, scope: &str, group: Option<&str>, n: Option<&[usize; 3]>| {
        let [indicators, with_value, met] = n.copied().unwrap_or([0; 3]);
        IndicatorSummary {
            year,
            scope: scope.to_string(),
            group: group.map(str::to_string),
            indicators,
            with_value,
            met,
        }
    };
    Ok(years
        .iter()
        .flat_map(|&y| {
            let mut out: Vec<IndicatorSummary> = groups
                .iter()
                .enumerate()
                .map(|(k, g)| line(y, "group", Some(g), by_group.get(&(y, k as u32))))
                .collect();
            out.push(line(y, "national", None, national.get(&(y, 0))));
            out.push(line(y, "all", None, all.get(&(y, 0))));
            out
        })
        .collect())
}

/// The scorecard of `period` from the deduplicated indicator table's frame (one row per unit):
/// polars joins and aggregations, the met and progress rules the pipeline declares.
pub fn assess_indicators(
    pipeline: &Pipeline,
    sc: &Scorecard,
    frame: Option<&DataFrame>,
    period: Period,
    missing_returns: &[String],
) -> PolarsResult<IndicatorReport> {
    let mut groups: Vec<&str> = Vec::new();
    for i in &sc.indicators {
        if !groups.contains(&i.group.as_str()) {
            groups.push(&i.group);
        }
    }
    let entries = entries_frame(sc, &groups)?;
    let ratings = sc
        .rating_vocabulary
        .as_ref()
        .and_then(|v| pipeline.vocabularies.get(v));
    let reported = reported(frame, &entries, period.year)?.collect()?;
    let mut years: Vec<i32> = reported
        .column("year")?
        .i32()?
        .iter()
        .flatten()
        .chain([period.year])
        .collect();
    years.sort_unstable();
    years.dedup();
    let matched = matched(reported.lazy(), &entries, ratings)?;
    let scored = scored(sc, &entries, &matched, &years, period)?;
    let summary = summary(&scored, &groups, &years)?;
    // What each unit reported, by entry and year.
    let mut said: BTreeMap<(u32, i32), BTreeMap<String, String>> = BTreeMap::new();
    let (e, y, f, t) = (
        matched.column(ENTRY)?.u32()?,
        matched.column("year")?.i32()?,
        matched.column("filer")?.str()?,
        matched.column("text")?.str()?,
    );
    for (((e, y), f), t) in e.iter().zip(y.iter()).zip(f.iter()).zip(t.iter()) {
        if let (Some(e), Some(y), Some(f), Some(t)) = (e, y, f, t) {
            said.entry((e, y))
                .or_default()
                .insert(f.to_string(), t.to_string());
        }
    }
    let floats = |c: &str| -> PolarsResult<Vec<Option<f64>>> {
        Ok(scored.column(c)?.f64()?.iter().collect())
    };
    let (value, rank, progress) = (floats("value")?, floats("rank")?, floats("progress")?);
    let met: Vec<Option<bool>> = scored.column("met")?.bool()?.iter().collect();
    let entry: Vec<u32> = scored.column(ENTRY)?.u32()?.iter().flatten().collect();
    let year: Vec<i32> = scored.column("year")?.i32()?.iter().flatten().collect();
    let rating_of = |r: Option<f64>| r.and_then(|k| sc.ratings.get(k as usize).cloned());
    let rows = (0..scored.height())
        .map(|k| {
            let ind = &sc.indicators[entry[k] as usize];
            IndicatorRow {
                key: ind.key(),
                no: ind.no,
                part: ind.part.clone(),
                name: ind.name.clone(),
                group: ind.group.clone(),
                unit: ind.unit.clone(),
                national: ind.national,
                qualitative: matches!(ind.goal, Goal::Rating(_)),
                year: year[k],
                counts_from: ind.counts_from.clone(),
                value: value[k],
                rating: rating_of(rank[k]),
                base: ind.base,
                target: match ind.goal {
                    Goal::Number(t) => Some(t),
                    Goal::Rating(_) => None,
                },
                target_rating: match ind.goal {
                    Goal::Rating(t) => sc.ratings.get(t).cloned(),
                    Goal::Number(_) => None,
                },
                progress: progress[k],
                met: met[k],
                reported: said.remove(&(entry[k], year[k])).unwrap_or_default(),
            }
        })
        .collect();
    let missing_units = missing_returns
        .iter()
        .filter(|u| sc.monitors.contains(u))
        .cloned()
        .collect();
    Ok(IndicatorReport {
        year: period.year,
        base_year: sc.base_year,
        target_year: sc.target_year,
        years,
        rows,
        summary,
        missing_units,
    })
}

/// One `metrics` row per indicator × part of the assessed year: scope `indicator`, scope_value
/// the key (`4.国家级`), completion = progress, on_track = met. Qualitative indicators have no
/// numeric value or target.
pub fn indicator_metrics(report: &IndicatorReport) -> Vec<MetricValue> {
    report
        .rows
        .iter()
        .filter(|r| r.year == report.year)
        .map(|r| MetricValue {
            id: "indicator".into(),
            name: r.name.clone(),
            scope: "indicator".into(),
            scope_value: r.key.clone(),
            value: r.value,
            unit: r.unit.clone(),
            target: r.target,
            target_to_date: r.target,
            completion: r.progress,
            on_track: r.met,
            numerator: None,
            denominator: None,
            grade: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Pipeline;

    /// The innovation-city pipeline's declared rules, run over (value, base, target) rows.
    fn rules() -> Scorecard {
        let p = Pipeline::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/pipelines/jiangmen-innovation-city.toml"
        )))
        .expect("the innovation pipeline loads");
        p.scorecard.expect("it declares a scorecard")
    }

    /// (met, progress) of each (value, base, target) under the pipeline's rules.
    fn judge(rows: &[(f64, f64, f64)]) -> Vec<(Option<bool>, Option<f64>)> {
        let sc = rules();
        let col = |name: &str, k: usize| {
            Column::new(
                name.into(),
                rows.iter()
                    .map(|r| [r.0, r.1, r.2][k])
                    .collect::<Vec<f64>>(),
            )
        };
        let frame = DataFrame::new(
            rows.len(),
            vec![col("value", 0), col("base", 1), col("target", 2)],
        )
        .unwrap();
        let period = Period::new(2023, 12).unwrap();
        let out = sql::with_columns(
            frame,
            &[("met", &sc.met), ("progress", &sc.progress)],
            period,
        )
        .unwrap();
        let met = out.column("met").unwrap().bool().unwrap().clone();
        let progress = out
            .column("progress")
            .unwrap()
            .cast(&DataType::Float64)
            .unwrap();
        met.iter().zip(progress.f64().unwrap().iter()).collect()
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn the_declared_rules_meet_a_target_above_the_base_at_or_over_it() {
        let out = judge(&[
            (2.4, 2.3, 2.5),
            (2.5, 2.3, 2.5),
            (2.6, 2.3, 2.5),
            (2.2, 2.3, 2.5),
            // Floating noise does not fail a value equal to its target.
            (0.1 + 0.2, 0.0, 0.3),
        ]);
        assert_eq!(out[0].0, Some(false));
        assert!(close(out[0].1, 0.5));
        assert_eq!(out[1].0, Some(true));
        assert_eq!(out[2].0, Some(true));
        assert!(close(out[2].1, 1.5));
        assert!(close(out[3].1, -0.5));
        assert_eq!(out[4].0, Some(true));
    }

    #[test]
    fn the_declared_rules_meet_a_target_below_the_base_at_or_under_it() {
        // 万元GDP综合能耗-like: 0.40 -> 0.38.
        let out = judge(&[
            (0.39, 0.40, 0.38),
            (0.38, 0.40, 0.38),
            (0.37, 0.40, 0.38),
            (0.42, 0.40, 0.38),
        ]);
        assert_eq!(out[0].0, Some(false));
        assert!(close(out[0].1, 0.5));
        assert_eq!(out[1].0, Some(true));
        assert_eq!(out[2].0, Some(true));
        assert_eq!(out[3].0, Some(false));
        assert!(close(out[3].1, -1.0));
    }

    #[test]
    fn the_declared_progress_of_a_target_equal_to_its_base_is_one_if_met_else_zero() {
        let out = judge(&[
            (32.63, 32.63, 32.63),
            (33.0, 32.63, 32.63),
            (30.0, 32.63, 32.63),
        ]);
        assert!(close(out[0].1, 1.0));
        assert!(close(out[1].1, 1.0));
        assert!(close(out[2].1, 0.0));
    }

    #[test]
    fn the_declared_rating_rule_meets_a_target_when_as_good_or_better() {
        // 0 = best (优秀), 1 = 良好, 2 = 一般, 3 = 较差; target 良好.
        let sc = rules();
        let frame = DataFrame::new(
            4,
            vec![
                Column::new("rank".into(), vec![0.0, 1.0, 2.0, 3.0]),
                Column::new("target_rank".into(), vec![1.0; 4]),
            ],
        )
        .unwrap();
        let out = sql::with_columns(
            frame,
            &[("ok", &sc.rating_met)],
            Period::new(2023, 12).unwrap(),
        )
        .unwrap();
        let ok: Vec<Option<bool>> = out.column("ok").unwrap().bool().unwrap().iter().collect();
        assert_eq!(ok, vec![Some(true), Some(true), Some(false), Some(false)]);
    }

    #[test]
    fn values_are_read_as_filed() {
        let parse = |t: &str| crate::normalise::value::parse_number_text(t).map(|n| n.value);
        assert_eq!(parse("2.50%"), Some(2.5));
        assert_eq!(parse("２．５０％"), Some(2.5));
        assert_eq!(parse("1,845"), Some(1845.0));
        assert_eq!(parse("132人年"), Some(132.0));
        assert_eq!(parse("良好"), None);
    }
}
