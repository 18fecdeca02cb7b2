//! The `[report]` section: titles, headline metrics, charts and tables.

use super::*;
use crate::pipeline::raw::*;
use crate::pipeline::*;

pub(super) fn compile_report(
    p: &mut Problems,
    r: &RawReport,
    metrics: &[Metric],
    returns: &[ReturnType],
    filters: &BTreeMap<String, Vec<Condition>>,
    has_scorecard: bool,
) -> Report {
    let metric_ok = |p: &mut Problems, path: String, id: &str| {
        if !metrics.iter().any(|m| m.id == id) {
            p.add(path, format!("no metric `{id}`"));
        }
    };
    for (i, h) in r.headline.iter().enumerate() {
        metric_ok(p, format!("report.headline[{i}]"), h);
    }
    let table_of = |t: &str| returns.iter().find(|r| format!("{}_current", r.table) == t);
    let need = |p: &mut Problems, path: &str, key: &str, v: &Option<String>| -> String {
        match v {
            Some(v) => v.clone(),
            None => {
                p.add(format!("{path}.{key}"), "is required for this kind");
                String::new()
            }
        }
    };
    let check_table =
        |p: &mut Problems, path: &str, table: &str, cols: &[&str]| match table_of(table) {
            None => p.add(
                format!("{path}.table"),
                format!("no table `{table}` (use <table>_current)"),
            ),
            Some(rt) => {
                for c in cols {
                    if !c.is_empty() && rt.column_index(c).is_none() {
                        p.add(
                            path.to_string(),
                            format!("table `{table}` has no column `{c}`"),
                        );
                    }
                }
            }
        };
    let conds = |p: &mut Problems, path: &str, names: &[String]| -> Vec<Condition> {
        let mut out = Vec::new();
        for (i, n) in names.iter().enumerate() {
            match filters.get(n) {
                Some(c) => out.extend(c.iter().cloned()),
                None => p.add(
                    format!("{path}.filters[{i}]"),
                    format!("no filter `{n}` in [filters]"),
                ),
            }
        }
        out
    };
    let mut charts = Vec::new();
    for (i, c) in r.charts.iter().enumerate() {
        let path = format!("report.charts[{i}]");
        let kind = match c.kind.as_str() {
            "county_bars" | "cumulative" | "share_bars" => {
                let metric = need(p, &path, "metric", &c.metric);
                metric_ok(p, format!("{path}.metric"), &metric);
                match c.kind.as_str() {
                    "county_bars" => ChartKind::CountyBars { metric },
                    "cumulative" => ChartKind::Cumulative { metric },
                    _ => ChartKind::ShareBars { metric },
                }
            }
            "heatmap" => {
                let table = need(p, &path, "table", &c.table);
                let rows = need(p, &path, "rows", &c.rows);
                let columns = need(p, &path, "columns", &c.columns);
                let value = need(p, &path, "value", &c.value);
                check_table(p, &path, &table, &[&rows, &columns, &value]);
                ChartKind::Heatmap {
                    conditions: conds(p, &path, &c.filters),
                    table,
                    rows,
                    columns,
                    value,
                }
            }
            "funnel" => ChartKind::Funnel,
            "indicator_progress" => {
                if !has_scorecard {
                    p.add(
                        format!("{path}.kind"),
                        "`indicator_progress` needs [scorecard] and [[indicators]]",
                    );
                }
                ChartKind::IndicatorProgress
            }
            "target_bars" => {
                for (j, m) in c.metrics.iter().enumerate() {
                    metric_ok(p, format!("{path}.metrics[{j}]"), m);
                }
                ChartKind::TargetBars {
                    metrics: c.metrics.clone(),
                }
            }
            other => {
                p.add(format!("{path}.kind"), format!("`{other}` is not county_bars, cumulative, share_bars, heatmap, funnel, target_bars or indicator_progress"));
                ChartKind::Funnel
            }
        };
        charts.push(Chart {
            id: c.id.clone(),
            title: c.title.clone(),
            kind,
        });
    }
    let mut tables = Vec::new();
    for (i, t) in r.tables.iter().enumerate() {
        let path = format!("report.tables[{i}]");
        let kind = match t.kind.as_str() {
            "ranking" => TableKind::Ranking,
            "funnel" => TableKind::Funnel,
            "indicators" | "indicator_summary" => {
                if !has_scorecard {
                    p.add(
                        format!("{path}.kind"),
                        format!("`{}` needs [scorecard] and [[indicators]]", t.kind),
                    );
                }
                if t.kind == "indicators" {
                    TableKind::Indicators
                } else {
                    TableKind::IndicatorSummary
                }
            }
            "rows" => {
                let table = need(p, &path, "table", &t.table);
                let mut cols: Vec<&str> = t.columns.iter().map(String::as_str).collect();
                if let Some(s) = &t.sort {
                    cols.push(s);
                }
                check_table(p, &path, &table, &cols);
                TableKind::Rows {
                    conditions: conds(p, &path, &t.filters),
                    table,
                    columns: t.columns.clone(),
                    sort: t.sort.clone(),
                }
            }
            "group" => {
                let table = need(p, &path, "table", &t.table);
                let group = need(p, &path, "group", &t.group);
                let sum = need(p, &path, "sum", &t.sum);
                check_table(p, &path, &table, &[&group, &sum]);
                TableKind::Group {
                    conditions: conds(p, &path, &t.filters),
                    table,
                    group,
                    sum,
                }
            }
            other => {
                p.add(
                    format!("{path}.kind"),
                    format!("`{other}` is not ranking, rows, group, funnel, indicators or indicator_summary"),
                );
                TableKind::Funnel
            }
        };
        tables.push(ReportTable {
            id: t.id.clone(),
            title: t.title.clone(),
            kind,
        });
    }
    Report {
        monthly_title: r.monthly_title.clone(),
        annual_title: r.annual_title.clone(),
        quarterly_title: r.quarterly_title.clone(),
        headline: r.headline.clone(),
        charts,
        tables,
    }
}
