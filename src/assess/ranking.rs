//! County ranking (比进度、比质量): score = Σ weight × min(value ÷ target to date, cap).

use super::MetricValue;
use crate::pipeline::Pipeline;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RankingTerm {
    pub metric: String,
    pub value: Option<f64>,
    pub target_to_date: Option<f64>,
    /// min(value ÷ target to date, cap); 0 without a value or target.
    pub ratio: f64,
    pub points: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RankingRow {
    pub rank: u32,
    pub county: String,
    pub score: f64,
    pub terms: Vec<RankingTerm>,
}

pub fn rank_counties(pipeline: &Pipeline, metrics: &[MetricValue]) -> Vec<RankingRow> {
    let Some(ranking) = &pipeline.ranking else {
        return Vec::new();
    };
    let mut rows: Vec<RankingRow> = pipeline
        .counties
        .iter()
        .map(|county| {
            let terms: Vec<RankingTerm> = ranking
                .terms
                .iter()
                .map(|t| {
                    let m = metrics.iter().find(|m| {
                        m.id == t.metric
                            && m.scope == pipeline.unit_column
                            && &m.scope_value == county
                    });
                    let value = m.and_then(|m| m.value);
                    let target_to_date = m.and_then(|m| m.target_to_date);
                    let ratio = match (value, target_to_date) {
                        (Some(v), Some(tg)) if tg > 0.0 => (v / tg).min(t.cap),
                        _ => 0.0,
                    };
                    RankingTerm {
                        metric: t.metric.clone(),
                        value,
                        target_to_date,
                        ratio,
                        points: t.weight * ratio,
                    }
                })
                .collect();
            let score = terms.iter().fold(0.0, |s, t| s + t.points);
            RankingRow {
                rank: 0,
                county: county.clone(),
                score,
                terms,
            }
        })
        .collect();
    // Stable sort keeps reference order among equal scores.
    rows.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    assign_ranks(&mut rows);
    rows
}

/// Ties (equal to 1e-9) share a rank: 1, 2, 2, 4.
fn assign_ranks(rows: &mut [RankingRow]) {
    for i in 0..rows.len() {
        rows[i].rank = if i > 0 && (rows[i].score - rows[i - 1].score).abs() <= 1e-9 {
            rows[i - 1].rank
        } else {
            i as u32 + 1
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_a_rank() {
        let mut rows: Vec<RankingRow> = [90.0, 80.0, 80.0, 70.0]
            .iter()
            .map(|s| RankingRow {
                rank: 0,
                county: String::new(),
                score: *s,
                terms: vec![],
            })
            .collect();
        assign_ranks(&mut rows);
        assert_eq!(
            rows.iter().map(|r| r.rank).collect::<Vec<_>>(),
            vec![1, 2, 2, 4]
        );
    }
}
