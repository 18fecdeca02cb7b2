//! The project ledger's stage funnel 签约 → 注册 → 开工 → 投产 per county, and 亩均效益.

use crate::period::Period;
use crate::pipeline::Pipeline;
use polars::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FunnelStage {
    pub stage: String,
    /// Projects at this stage or beyond.
    pub count: u64,
    pub amount: f64,
    /// count ÷ all projects (开工率, 投产率 for those stages).
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FunnelRow {
    pub scope: String,
    pub scope_value: String,
    pub projects: u64,
    pub stages: Vec<FunnelStage>,
    /// 预计亩均税收 = Σ 预计年税收 ÷ Σ 用地面积 (万元/亩), over projects with both.
    pub tax_per_mu_wan: Option<f64>,
    pub tax_per_mu_threshold_wan: f64,
    pub meets_tax_threshold: Option<bool>,
}

/// The funnel of the city and of each county, as polars aggregations over the table's frame:
/// a project counts at its stage and every stage before it (a project without a known stage at
/// the first stage only); 亩均税收 over the projects with both tax and land (land > 0).
pub fn funnel(
    pipeline: &Pipeline,
    frame: &DataFrame,
    period: Period,
) -> PolarsResult<Vec<FunnelRow>> {
    let Some(f) = &pipeline.funnel else {
        return Ok(Vec::new());
    };
    let stage_vocab = pipeline
        .returns
        .iter()
        .flat_map(|rt| rt.columns.iter())
        .find(|c| c.name == f.stage_column)
        .and_then(|c| pipeline.vocabulary(&c.kind));
    let Some(stages) = stage_vocab else {
        return Ok(Vec::new());
    };
    let schema = frame.schema();
    let has = |c: &str, t: &DataType| schema.get(c) == Some(t);
    if !(has(&f.stage_column, &DataType::String)
        && has(&f.amount_column, &DataType::Float64)
        && has(&f.tax_column, &DataType::Float64)
        && has(&f.land_column, &DataType::Float64))
    {
        return Ok(Vec::new());
    }
    // Each row's stage index (0 when the stage is empty or unknown).
    let index = DataFrame::new(
        stages.values.len(),
        vec![
            Column::new(f.stage_column.as_str().into(), stages.values.clone()),
            Column::new(
                "__stage".into(),
                (0..stages.values.len() as u32).collect::<Vec<u32>>(),
            ),
        ],
    )?;
    let rows = frame
        .clone()
        .lazy()
        .filter(super::expr::all_hold(&f.conditions, schema, period))
        .join(
            index.lazy(),
            [col(f.stage_column.as_str())],
            [col(f.stage_column.as_str())],
            JoinArgs {
                maintain_order: MaintainOrderJoin::Left,
                ..JoinArgs::new(JoinType::Left)
            },
        )
        .with_column(col("__stage").fill_null(lit(0u32)));
    let at = |i: usize| col("__stage").gt_eq(lit(i as u32));
    let mut aggs = vec![len().cast(DataType::Float64).alias("projects")];
    for i in 0..stages.values.len() {
        aggs.push(
            at(i)
                .cast(DataType::Float64)
                .sum()
                .alias(format!("count{i}")),
        );
        aggs.push(
            when(at(i))
                .then(col(f.amount_column.as_str()))
                .otherwise(lit(0.0))
                .sum()
                .alias(format!("amount{i}")),
        );
    }
    let both = col(f.tax_column.as_str())
        .is_not_null()
        .and(col(f.land_column.as_str()).gt(lit(0.0)))
        .fill_null(lit(false));
    for (name, c) in [("tax", &f.tax_column), ("land", &f.land_column)] {
        aggs.push(
            when(both.clone())
                .then(col(c.as_str()))
                .otherwise(lit(0.0))
                .sum()
                .alias(name),
        );
    }
    let unit = pipeline.unit_column.as_str();
    let mut out = Vec::new();
    let scopes: [(&str, super::expr::ScopeValues); 2] =
        [("city", None), (unit, Some((unit, &pipeline.counties)))];
    for (scope, by) in scopes {
        if by.is_some() && schema.get(unit).is_none() {
            continue;
        }
        let agg = super::expr::per_scope(rows.clone(), by, aggs.clone(), lit(0.0))?;
        let n = |name: &str| super::expr::numbers(&agg, name);
        let projects = n("projects")?;
        let (tax, land) = (n("tax")?, n("land")?);
        let per_stage: Vec<(Vec<f64>, Vec<f64>)> = (0..stages.values.len())
            .map(|i| Ok((n(&format!("count{i}"))?, n(&format!("amount{i}"))?)))
            .collect::<PolarsResult<_>>()?;
        let values: Vec<String> = match by {
            None => vec![pipeline.city.clone()],
            Some((_, v)) => v.to_vec(),
        };
        for (k, value) in values.into_iter().enumerate() {
            let total = projects[k] as u64;
            let tax_per_mu = (land[k] > 0.0).then(|| tax[k] / land[k]);
            out.push(FunnelRow {
                scope: scope.to_string(),
                scope_value: value,
                projects: total,
                stages: stages
                    .values
                    .iter()
                    .zip(&per_stage)
                    .map(|(name, (count, amount))| FunnelStage {
                        stage: name.clone(),
                        count: count[k] as u64,
                        amount: amount[k],
                        rate: (total > 0).then(|| count[k] / total as f64),
                    })
                    .collect(),
                tax_per_mu_wan: tax_per_mu,
                tax_per_mu_threshold_wan: f.tax_per_mu_threshold_wan,
                meets_tax_threshold: tax_per_mu.map(|v| v >= f.tax_per_mu_threshold_wan),
            });
        }
    }
    Ok(out)
}
