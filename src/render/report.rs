//! report.html: one self-contained page for the period (charts inlined as PNG data, the text
//! set in a subset of the bundled font embedded as a data URL, no external requests), printable
//! on A4 with a page break between sections. Everything that came from inputs is escaped.

use super::charts::ChartFile;
use super::tables::{build_tables, BuiltTable, TableCell};
use super::{escape_html as esc, fmt_num, fmt_pct, RenderError, ReportData, ReportKind};
use crate::assess::MetricValue;
use base64::Engine;
use std::fmt::Write as _;
use std::path::Path;

const CSS: &str = r#"
:root{--ink:#1f2d3d;--muted:#5b6b7b;--line:#d8dee6;--accent:#1f5fa8;--good:#1b7f4b;--bad:#b3261e;--bg:#f5f7fa}
*{box-sizing:border-box}
body{font-family:'ZhaoshangSans',sans-serif;color:var(--ink);margin:0;background:#fff;font-size:14px;line-height:1.6}
main{max-width:1000px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px;color:var(--accent)}
h2{font-size:19px;border-left:5px solid var(--accent);padding-left:10px;margin:28px 0 12px}
.sub{color:var(--muted);margin:0 0 16px}
.summary{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:12px 16px}
.summary p{margin:4px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:10px}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 12px;break-inside:avoid}
.card .name{color:var(--muted);font-size:13px}
.card .value{font-size:22px;font-weight:bold}
.card .meta{font-size:12px;color:var(--muted)}
.ok{color:var(--good)} .behind{color:var(--bad)}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{background:var(--bg)}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr{break-inside:avoid}
figure{margin:12px 0 20px;break-inside:avoid}
figure img{width:100%;height:auto;border:1px solid var(--line)}
figcaption{color:var(--muted);font-size:13px;text-align:center}
.note{color:var(--muted);font-size:12px}
@page{size:A4;margin:14mm}
@media print{
  main{max-width:none;padding:0}
  section.page{break-before:page}
  h2{break-after:avoid}
}
"#;

/// Writes `<dir>/report.html`; returns its file name.
pub fn write_report(
    data: &ReportData,
    charts: &[ChartFile],
    dir: &Path,
) -> Result<String, RenderError> {
    let tables = build_tables(data);
    let body = body(data, charts, &tables)?;
    let text = visible_text(&body);
    super::font::check(&text);
    let font_css = super::font::font_face_css(&text);
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{font_css}{CSS}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        esc(&data.title)
    );
    let path = dir.join("report.html");
    crate::store::write_atomic(&path, html.as_bytes())?;
    Ok("report.html".into())
}

/// The characters a reader sees: the body without tags, entities decoded enough for coverage.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.push_str("&<>\"'0123456789.%-—（）()");
    out
}

fn metric_name(data: &ReportData, id: &str) -> String {
    data.pipeline
        .metrics
        .iter()
        .find(|m| m.id == id)
        .map(|m| m.name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// A share (a ratio metric in no unit or a share word such as 比例): shown as a percentage. A
/// ratio in a unit of its own (亩均税收, 万元/亩) is a number in that unit.
fn is_ratio(data: &ReportData, id: &str) -> bool {
    data.pipeline.metrics.iter().any(|m| {
        m.id == id
            && m.denominator.is_some()
            && matches!(m.unit.as_str(), "" | "比例" | "比率" | "%" | "％" | "率")
    })
}

/// A metric value for people, with its unit (shares as percentages).
fn show(data: &ReportData, m: &MetricValue, v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if is_ratio(data, &m.id) => fmt_pct(v),
        Some(v) => format!("{}{}", fmt_num(v, 2), m.unit),
    }
}

fn body(
    data: &ReportData,
    charts: &[ChartFile],
    tables: &[BuiltTable],
) -> Result<String, RenderError> {
    let mut h = String::new();
    let r = data.result;
    let last_day = data.period.last_day();
    let kind = match data.kind {
        ReportKind::Annual => "年度考核",
        ReportKind::Quarterly => "季度点评",
        ReportKind::Monthly => "月度通报",
    };
    let _ = writeln!(h, "<h1>{}</h1>", esc(&data.title));
    let _ = writeln!(
        h,
        "<p class=\"sub\">{kind} · 数据截至{}年{}月{}日 · 考核口径：{}</p>",
        last_day.format("%Y"),
        last_day.format("%-m"),
        last_day.format("%-d"),
        esc(&data.pipeline.title)
    );

    // Summary a leader reads first.
    let _ = writeln!(
        h,
        "<section class=\"summary\"><h2 style=\"margin-top:0\">本期要点</h2>"
    );
    let headline: Vec<&str> = data
        .pipeline
        .report
        .as_ref()
        .map(|r| r.headline.iter().map(String::as_str).collect())
        .unwrap_or_default();
    for id in &headline {
        if let Some(m) = data.metric(id, "city", &data.pipeline.city) {
            let mut s = format!("{}：{}", esc(&m.name), show(data, m, m.value));
            if let Some(t) = m.target {
                let _ = write!(s, "，年度目标{}", show(data, m, Some(t)));
                if let Some(c) = m.completion {
                    let _ = write!(s, "，完成{}", fmt_pct(c));
                }
            }
            if let (Some(td), Some(on)) = (m.target_to_date, m.on_track) {
                if data.kind != ReportKind::Annual && td != m.target.unwrap_or(f64::NAN) {
                    let _ = write!(s, "，序时进度目标{}", show(data, m, Some(td)));
                }
                s.push_str(if on {
                    "，<span class=\"ok\">达到进度</span>"
                } else {
                    "，<span class=\"behind\">落后进度</span>"
                });
            }
            let _ = writeln!(h, "<p>{s}。</p>");
        }
    }
    if let Some(top) = r.ranking.first() {
        let last = r.ranking.last().map(|x| x.county.as_str()).unwrap_or("");
        let _ = writeln!(
            h,
            "<p>{}综合排名第一：{}（{}分）；末位：{}。</p>",
            esc(&data.pipeline.unit_label),
            esc(&top.county),
            fmt_num(top.score, 1),
            esc(last)
        );
    }
    if r.missing_returns.is_empty() {
        let _ = writeln!(h, "<p>本期应报单位均已报送。</p>");
    } else {
        let _ = writeln!(
            h,
            "<p class=\"behind\">未报送单位：{}。</p>",
            esc(&r.missing_returns.join("、"))
        );
    }
    let _ = writeln!(
        h,
        "<p>本期读取{}行，有效{}行，退回{}行，跳过{}行（空行、合计、表尾）。</p>",
        r.accounting.rows_read,
        r.accounting.rows_accepted,
        r.accounting.rows_rejected,
        r.accounting.rows_skipped
    );
    h.push_str("</section>\n");

    // Headline cards.
    let _ = writeln!(h, "<section><h2>核心指标完成情况</h2><div class=\"cards\">");
    for id in &headline {
        let Some(m) = data.metric(id, "city", &data.pipeline.city) else {
            continue;
        };
        let status = match m.on_track {
            Some(true) => "<span class=\"ok\">√ 达到序时进度</span>",
            Some(false) => "<span class=\"behind\">× 落后序时进度</span>",
            None => "",
        };
        let _ = writeln!(
            h,
            "<div class=\"card\"><div class=\"name\">{}</div><div class=\"value\">{}{}</div><div class=\"meta\">年度目标 {} · 序时目标 {} · 完成率 {}</div><div class=\"meta\">{status}</div></div>",
            esc(&m.name),
            show(data, m, m.value),
            m.grade
                .as_ref()
                .map(|g| format!("（{}级）", esc(g)))
                .unwrap_or_default(),
            show(data, m, m.target),
            show(data, m, m.target_to_date),
            m.completion.map(fmt_pct).unwrap_or_else(|| "—".into())
        );
    }
    h.push_str("</div>\n");
    grades(&mut h, data, &headline);
    h.push_str("</section>\n");

    // A reference-list scorecard: every indicator against its base and target.
    if let Some(ind) = &r.indicators {
        let note = data
            .pipeline
            .scorecard
            .as_ref()
            .map_or("", |sc| sc.rules_note.as_str());
        indicators(&mut h, ind, note);
    }

    // Laggards: per headline metric, the counties behind their target to date (the
    // quarterly review names them; every report lists them).
    laggards(&mut h, data, &headline);

    // Ranking.
    let mut rest: Vec<&BuiltTable> = tables.iter().collect();
    if let Some(pos) = data.pipeline.report.as_ref().and_then(|rep| {
        rep.tables
            .iter()
            .position(|t| matches!(t.kind, crate::pipeline::TableKind::Ranking))
    }) {
        let t = rest.remove(pos);
        let _ = writeln!(h, "<section class=\"page\"><h2>{}</h2>", esc(&t.title));
        html_table(&mut h, t);
        h.push_str("<p class=\"note\">综合得分 = Σ 权重 × min(完成值 ÷ 序时目标, 封顶值)，权重与封顶值见流水线文件；得分相同者名次并列。</p></section>\n");
    }

    // Changes since last month.
    changes(&mut h, data);

    // Returns and data quality.
    let _ = writeln!(h, "<section class=\"page\"><h2>报送与数据质量</h2>");
    if !r.carried_forward.is_empty() {
        let list: Vec<String> = r
            .carried_forward
            .iter()
            .map(|c| format!("{}（沿用{}报表）", esc(&c.filer), esc(&c.from_period)))
            .collect();
        let _ = writeln!(h, "<p>本期未报送、沿用上期数据：{}。</p>", list.join("、"));
    }
    h.push_str("<table><thead><tr><th>填报单位</th><th>报送情况</th><th>文件数</th><th>读取行</th><th>有效</th><th>退回</th><th>跳过</th><th>错误</th><th>提示</th></tr></thead><tbody>\n");
    for f in data.filers {
        let status = if f.missing {
            match &f.carried_from {
                Some(p) => format!("<span class=\"behind\">未报送（沿用{}）</span>", esc(p)),
                None => "<span class=\"behind\">未报送</span>".into(),
            }
        } else {
            "已报送".into()
        };
        let a = &f.accounting;
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{status}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&f.filer),
            f.files.len(),
            a.rows_read,
            a.rows_accepted,
            a.rows_rejected,
            a.rows_skipped,
            f.errors,
            f.warnings
        );
    }
    h.push_str("</tbody></table>\n");
    if !r.unreadable_files.is_empty() {
        h.push_str("<p class=\"behind\">无法读取的文件：</p><ul>");
        for u in &r.unreadable_files {
            let _ = write!(h, "<li>{}：{}</li>", esc(&u.file), esc(&u.reason));
        }
        h.push_str("</ul>\n");
    }
    if !r.conflicts.is_empty() {
        let _ = writeln!(
            h,
            "<p>同一项目多方报送不一致{}处（以{}报送为准），详见各单位校验反馈表。</p>",
            r.conflicts.len(),
            esc(&data.pipeline.unit_label)
        );
    }
    if !r.duplicate_returns.is_empty() {
        h.push_str("<p>同一单位同月重复报送（只计入一份，另一份已读取但不计入）：</p><ul>");
        for d in &r.duplicate_returns {
            let name = data
                .pipeline
                .return_type(&d.return_id)
                .map(|rt| rt.name.as_str())
                .unwrap_or(d.return_id.as_str());
            let _ = write!(
                h,
                "<li>{}（{}）：采用“{}”，未计入“{}”（{}）</li>",
                esc(&d.filer),
                esc(name),
                esc(&d.kept),
                esc(&d.superseded),
                esc(&d.reason)
            );
        }
        h.push_str("</ul>\n");
    }
    h.push_str("<p class=\"note\">每个单位的退回行及修改要求见 validation/ 目录下的校验反馈表。</p></section>\n");

    // Charts.
    if !charts.is_empty() {
        let _ = writeln!(h, "<section class=\"page\"><h2>图表</h2>");
        for c in charts {
            let png = fs_err::read(&c.png).map_err(|source| crate::error::OutputError::Io {
                path: c.png.clone(),
                source,
            })?;
            let b64 = base64::engine::general_purpose::STANDARD.encode(png);
            let _ = writeln!(h, "<figure><img alt=\"{}\" src=\"data:image/png;base64,{b64}\"><figcaption>{}</figcaption></figure>", esc(&c.title), esc(&c.title));
        }
        h.push_str("</section>\n");
    }

    // The other tables.
    for t in rest {
        let _ = writeln!(h, "<section class=\"page\"><h2>{}</h2>", esc(&t.title));
        if t.rows.is_empty() {
            h.push_str("<p>本期无。</p>");
        } else {
            html_table(&mut h, t);
        }
        h.push_str("</section>\n");
    }
    let _ = writeln!(
        h,
        "<p class=\"note\">由 zhaoshang {} 生成；流水线 {}（{}）。</p>",
        env!("CARGO_PKG_VERSION"),
        esc(&data.pipeline.id),
        &data.pipeline.hash[..12.min(data.pipeline.hash.len())]
    );
    Ok(h)
}

/// The scorecard table of the assessed year and the summary by group.
/// Per graded headline metric (`grades` in the pipeline), the units in each grade, best band
/// first, as the assessment graded them.
fn grades(h: &mut String, data: &ReportData, headline: &[&str]) {
    for id in headline {
        let Some(metric) = data.pipeline.metrics.iter().find(|m| m.id == *id) else {
            continue;
        };
        if metric.grades.is_empty() {
            continue;
        }
        let unit = data.pipeline.unit_column.as_str();
        let bands: Vec<String> = metric
            .grades
            .iter()
            .map(|g| {
                let units: Vec<&str> = data
                    .result
                    .metrics
                    .iter()
                    .filter(|m| {
                        m.id == *id && m.scope == unit && m.grade.as_ref() == Some(&g.grade)
                    })
                    .map(|m| m.scope_value.as_str())
                    .collect();
                let who = if units.is_empty() {
                    "无".to_string()
                } else {
                    units.join("、")
                };
                format!("{}级：{}", esc(&g.grade), esc(&who))
            })
            .collect();
        let _ = writeln!(
            h,
            "<p>{}分级（{}）：{}。</p>",
            esc(&metric.name),
            esc(&data.pipeline.unit_label),
            bands.join("；")
        );
    }
}

/// `rules_note`: the pipeline's sentence on how progress and met are judged (may be empty).
fn indicators(h: &mut String, ind: &crate::assess::IndicatorReport, rules_note: &str) {
    let _ = writeln!(
        h,
        "<section class=\"page\"><h2>考核指标完成情况（{}年）</h2>",
        ind.year
    );
    h.push_str("<table><thead><tr><th>一级指标</th><th>达标</th><th>有数据</th><th>指标数</th></tr></thead><tbody>\n");
    for s in ind.summary.iter().filter(|s| s.year == ind.year) {
        let label = match s.scope.as_str() {
            "group" => esc(s.group.as_deref().unwrap_or("")),
            "national" => "国家考核指标（*）".to_string(),
            _ => "<b>全部指标</b>".to_string(),
        };
        let _ = writeln!(
            h,
            "<tr><td>{label}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            s.met, s.with_value, s.indicators
        );
    }
    h.push_str("</tbody></table>\n");
    let _ = writeln!(
        h,
        "<table><thead><tr><th>序号</th><th>指标</th><th>分项</th><th>单位</th><th>完成值</th><th>{}年基数</th><th>{}年目标</th><th>进度</th><th>达标</th><th>计值单位</th></tr></thead><tbody>",
        ind.base_year, ind.target_year
    );
    let num = |v: Option<f64>| v.map(|v| fmt_num(v, 2)).unwrap_or_else(|| "—".into());
    for row in ind.rows.iter().filter(|x| x.year == ind.year) {
        let value = match (&row.rating, row.value) {
            (Some(r), _) => esc(r),
            (None, v) => num(v),
        };
        let target = match &row.target_rating {
            Some(t) => format!("{}及以上", esc(t)),
            None => num(row.target),
        };
        let met = match row.met {
            Some(true) => "<span class=\"ok\">达标</span>",
            Some(false) => "<span class=\"behind\">未达标</span>",
            None => "<span class=\"behind\">无数据</span>",
        };
        let _ = writeln!(
            h,
            "<tr><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{value}</td><td class=\"num\">{}</td><td class=\"num\">{target}</td><td class=\"num\">{}</td><td>{met}</td><td>{}</td></tr>",
            row.no,
            if row.national { "*" } else { "" },
            esc(&row.name),
            esc(row.part.as_deref().unwrap_or("")),
            esc(&row.unit),
            num(row.base),
            row.progress.map(fmt_pct).unwrap_or_else(|| "—".into()),
            esc(&row.counts_from.join("、"))
        );
    }
    h.push_str("</tbody></table>\n");
    if !ind.missing_units.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"behind\">未报送的监测单位：{}。</p>",
            esc(&ind.missing_units.join("、"))
        );
    }
    let _ = writeln!(
        h,
        "<p class=\"note\">{}带*为国家考核指标。</p></section>",
        esc(rules_note)
    );
}

fn changes(h: &mut String, data: &ReportData) {
    let _ = writeln!(h, "<section><h2>较上月变化</h2>");
    let Some(prev) = data.previous() else {
        h.push_str("<p>本期为年度首月，无上月数据。</p></section>\n");
        return;
    };
    let headline: Vec<&String> = data
        .pipeline
        .report
        .as_ref()
        .map(|r| r.headline.iter().collect())
        .unwrap_or_default();
    h.push_str("<table><thead><tr><th>指标</th><th>上月</th><th>本月</th><th>变化</th></tr></thead><tbody>\n");
    for id in headline {
        let now = data.metric(id, "city", &data.pipeline.city);
        let before = prev.iter().find(|m| &m.id == id && m.scope == "city");
        let (Some(now), Some(before)) = (now, before) else {
            continue;
        };
        let delta = match (now.value, before.value) {
            (Some(a), Some(b)) if is_ratio(data, id) => format!("{:+.1}个百分点", (a - b) * 100.0),
            (Some(a), Some(b)) => format!(
                "{}{}",
                if a - b >= 0.0 { "+" } else { "" }.to_owned() + &fmt_num(a - b, 2),
                now.unit
            ),
            _ => "—".into(),
        };
        let _ = writeln!(h, "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{delta}</td></tr>", esc(&metric_name(data, id)), show(data, before, before.value), show(data, now, now.value));
    }
    h.push_str("</tbody></table>\n");
    // Ranking moves.
    let before_rank = crate::assess::rank_counties(data.pipeline, prev);
    if !before_rank.is_empty() {
        let moves: Vec<String> = data
            .result
            .ranking
            .iter()
            .filter_map(|r| {
                let b = before_rank.iter().find(|x| x.county == r.county)?;
                (b.rank != r.rank)
                    .then(|| format!("{}（第{}名→第{}名）", esc(&r.county), b.rank, r.rank))
            })
            .collect();
        if moves.is_empty() {
            let _ = writeln!(
                h,
                "<p>{}排名与上月相同。</p>",
                esc(&data.pipeline.unit_label)
            );
        } else {
            let _ = writeln!(h, "<p>排名变化：{}。</p>", moves.join("、"));
        }
    }
    h.push_str("</section>\n");
}

fn html_table(h: &mut String, t: &BuiltTable) {
    h.push_str("<table><thead><tr>");
    for head in &t.headers {
        let _ = write!(h, "<th>{}</th>", esc(head));
    }
    h.push_str("</tr></thead><tbody>\n");
    for row in &t.rows {
        h.push_str("<tr>");
        for cell in row {
            match cell {
                TableCell::Empty => h.push_str("<td></td>"),
                TableCell::Text(s) => {
                    let _ = write!(h, "<td>{}</td>", esc(s));
                }
                TableCell::Number(v, d) => {
                    let _ = write!(h, "<td class=\"num\">{}</td>", fmt_num(*v, *d));
                }
                TableCell::Int(i) => {
                    let _ = write!(h, "<td class=\"num\">{i}</td>");
                }
                TableCell::Percent(v) => {
                    let _ = write!(h, "<td class=\"num\">{}</td>", fmt_pct(*v));
                }
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
}

fn laggards(h: &mut String, data: &ReportData, headline: &[&str]) {
    let unit = &data.pipeline.unit_label;
    let title = if data.kind == ReportKind::Quarterly {
        format!("季度点评：落后序时进度的{unit}")
    } else {
        format!("落后序时进度的{unit}")
    };
    let _ = writeln!(h, "<section><h2>{title}</h2>");
    h.push_str("<table><thead><tr><th>指标</th><th>落后单位（完成值 / 序时目标）</th></tr></thead><tbody>\n");
    let mut any = false;
    for id in headline {
        let behind: Vec<String> = data
            .result
            .metrics
            .iter()
            .filter(|m| {
                &m.id == id && m.scope == data.pipeline.unit_column && m.on_track == Some(false)
            })
            .map(|m| {
                format!(
                    "{}（{} / {}）",
                    esc(&m.scope_value),
                    show(data, m, m.value),
                    show(data, m, m.target_to_date)
                )
            })
            .collect();
        if behind.is_empty() {
            continue;
        }
        any = true;
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td></tr>",
            esc(&metric_name(data, id)),
            behind.join("、")
        );
    }
    h.push_str("</tbody></table>\n");
    if !any {
        let _ = writeln!(h, "<p>各{}均达到序时进度。</p>", esc(unit));
    }
    h.push_str("</section>\n");
}
