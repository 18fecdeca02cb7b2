//! The project ledger's stage funnel 签约 → 注册 → 开工 → 投产 per county, and 亩均效益.

use super::Matcher;
use crate::period::Period;
use crate::pipeline::Pipeline;
use crate::table::Table;
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

pub fn funnel(pipeline: &Pipeline, t: &Table, period: Period) -> Vec<FunnelRow> {
    let Some(f) = &pipeline.funnel else {
        return Vec::new();
    };
    let stage_vocab = pipeline
        .returns
        .iter()
        .flat_map(|rt| rt.columns.iter())
        .find(|c| c.name == f.stage_column)
        .and_then(|c| pipeline.vocabulary(&c.kind));
    let Some(stages) = stage_vocab else {
        return Vec::new();
    };
    let (Some(sc), Some(ac), Some(tc), Some(lc)) = (
        t.col(&f.stage_column),
        t.col(&f.amount_column),
        t.col(&f.tax_column),
        t.col(&f.land_column),
    ) else {
        return Vec::new();
    };
    let county_col = t.col("county");
    let matcher = Matcher::new(t, &f.conditions, period);
    let mut scopes: Vec<(String, Option<String>)> = vec![("city".into(), None)];
    scopes.extend(
        pipeline
            .counties
            .iter()
            .map(|c| ("county".to_string(), Some(c.clone()))),
    );
    scopes
        .into_iter()
        .map(|(scope, value)| {
            let rows: Vec<_> = t
                .rows
                .iter()
                .filter(|r| match (&value, county_col) {
                    (Some(v), Some(cc)) => r[cc].as_text() == Some(v.as_str()),
                    _ => true,
                })
                .filter(|r| matcher.matches(r))
                .collect();
            let projects = rows.len() as u64;
            let stage_of =
                |r: &&Vec<crate::record::Value>| r[sc].as_text().and_then(|s| stages.index_of(s));
            let st = stages
                .values
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let at: Vec<_> = rows
                        .iter()
                        .filter(|r| stage_of(r).map(|k| k >= i).unwrap_or(i == 0))
                        .collect();
                    let count = at.len() as u64;
                    FunnelStage {
                        stage: name.clone(),
                        count,
                        amount: at
                            .iter()
                            .fold(0.0, |s, r| s + r[ac].as_number().unwrap_or(0.0)),
                        rate: (projects > 0).then(|| count as f64 / projects as f64),
                    }
                })
                .collect();
            let (tax, land) = rows.iter().fold((0.0, 0.0), |(t, l), r| {
                match (r[tc].as_number(), r[lc].as_number()) {
                    (Some(x), Some(y)) if y > 0.0 => (t + x, l + y),
                    _ => (t, l),
                }
            });
            let tax_per_mu = (land > 0.0).then(|| tax / land);
            FunnelRow {
                scope,
                scope_value: value.unwrap_or_else(|| pipeline.city.clone()),
                projects,
                stages: st,
                tax_per_mu_wan: tax_per_mu,
                tax_per_mu_threshold_wan: f.tax_per_mu_threshold_wan,
                meets_tax_threshold: tax_per_mu.map(|v| v >= f.tax_per_mu_threshold_wan),
            }
        })
        .collect()
}
