//! Bar charts of metric values: per county against targets (`county_bars`), shares with a target
//! line (`share_bars`) and completion of several metrics against 100 % (`target_bars`).

use super::scene::{
    draw_x_axis, draw_y_axis, fmt_target, header, is_ratio, no_data, palette, period_label, size,
    unit_label, value_label, wrap, Align, Axis, Key, Scene,
};
use super::ChartData;
use crate::assess::MetricValue;
use crate::pipeline::Progress;
use crate::render::fmt_pct;

/// The metric's name, unit and progress kind as the pipeline declares them.
pub(super) fn metric_info<'a>(data: &'a ChartData, id: &'a str) -> (&'a str, &'a str, Progress) {
    data.pipeline
        .metrics
        .iter()
        .find(|m| m.id == id)
        .map(|m| (m.name.as_str(), m.unit.as_str(), m.progress))
        .unwrap_or((id, "", Progress::Cumulative))
}

pub(super) fn subtitle(data: &ChartData, unit: &str) -> String {
    let unit = unit_label(unit);
    if unit.is_empty() {
        period_label(data.period)
    } else {
        format!("{} · 单位：{}", period_label(data.period), unit)
    }
}

fn status_color(on_track: Option<bool>) -> super::scene::Rgb {
    match on_track {
        Some(true) => palette::ON_TRACK,
        Some(false) => palette::BEHIND,
        None => palette::NEUTRAL,
    }
}

/// Legend entries for the bar colours that occur (`statuses`: on_track of the bars drawn).
pub(super) fn status_keys(statuses: &[Option<bool>], level: bool) -> Vec<(Key, &'static str)> {
    let mut keys = Vec::new();
    if statuses.contains(&Some(true)) {
        let label = if level {
            "达到目标"
        } else {
            "达到序时进度"
        };
        keys.push((Key::Swatch(palette::ON_TRACK), label));
    }
    if statuses.contains(&Some(false)) {
        let label = if level {
            "未达目标"
        } else {
            "未达序时进度"
        };
        keys.push((Key::Swatch(palette::BEHIND), label));
    }
    if statuses.contains(&None) {
        keys.push((Key::Swatch(palette::NEUTRAL), "无目标"));
    }
    keys
}

fn drawn_statuses(rows: &[&MetricValue]) -> Vec<Option<bool>> {
    rows.iter()
        .filter(|m| m.value.is_some_and(f64::is_finite))
        .map(|m| m.on_track)
        .collect()
}

/// Sorted by value, largest first; no value last; ties keep the data's (reference) order.
fn by_value_desc(rows: &mut [&MetricValue]) {
    rows.sort_by(|a, b| {
        let key = |m: &MetricValue| m.value.filter(|v| v.is_finite()).unwrap_or(f64::MIN);
        key(b).total_cmp(&key(a))
    });
}

/// Centre of a value label above a bar whose top is `bar_top`, moved up past any marker line
/// (at the y of `markers`) it would cover.
pub(super) fn label_above(bar_top: f64, text_size: f64, markers: &[f64]) -> f64 {
    let half = text_size * 0.36;
    let mut yc = bar_top - 6.0 - half;
    let mut ys: Vec<f64> = markers.iter().copied().filter(|y| y.is_finite()).collect();
    ys.sort_by(|a, b| b.total_cmp(a));
    for y in ys {
        if y >= yc - half - 6.0 && y <= yc + half + 6.0 {
            yc = y - 8.0 - half;
        }
    }
    yc
}

/// The metric per county, sorted descending, with each county's 序时进度 and annual target.
pub fn county_bars(data: &ChartData, title: &str, metric: &str) -> Scene {
    let (_, unit, progress) = metric_info(data, metric);
    let mut rows: Vec<&MetricValue> = data
        .metrics
        .iter()
        .filter(|m| m.id == metric && m.scope == data.pipeline.unit_column)
        .collect();
    by_value_desc(&mut rows);
    let n = rows.len();
    let width = (200 + 130 * n as u32).max(1200);
    let mut s = Scene::new(width, 720);
    let level = progress == Progress::Level;
    let mut legend = status_keys(&drawn_statuses(&rows), level);
    if !level && rows.iter().any(|m| m.target_to_date.is_some()) {
        legend.push((Key::Line(palette::PACE), "序时进度目标"));
    }
    if rows.iter().any(|m| m.target.is_some()) {
        legend.push((Key::Dashed(palette::TARGET), "年度目标"));
    }
    let top = header(&mut s, title, &subtitle(data, unit), &legend);
    if n == 0 {
        no_data(
            &mut s,
            top,
            &format!("暂无各{}数据", data.pipeline.unit_label),
        );
        return s;
    }
    let (left, right, bottom) = (100.0, f64::from(width) - 40.0, 720.0 - 110.0);
    let max = rows
        .iter()
        .flat_map(|m| [m.value, m.target, m.target_to_date])
        .flatten()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let ratio = is_ratio(unit);
    let integer = !ratio
        && rows
            .iter()
            .all(|m| m.value.is_none_or(|v| v.fract() == 0.0));
    let axis = Axis::new(max * 1.1, bottom, top + 30.0, integer);
    draw_y_axis(&mut s, &axis, left, right, ratio);
    let slot = (right - left) / n as f64;
    let bar_w = (slot * 0.46).min(70.0);
    for (i, m) in rows.iter().enumerate() {
        let cx = left + slot * (i as f64 + 0.5);
        let y0 = axis.at(0.0);
        let y1 = m.value.map(|v| axis.at(v)).unwrap_or(y0);
        if y1 < y0 {
            s.rect(
                cx - bar_w / 2.0,
                y1,
                cx + bar_w / 2.0,
                y0,
                status_color(m.on_track),
            );
        }
        let span = (slot * 0.36).max(bar_w / 2.0 + 8.0);
        let mut markers = Vec::new();
        if let (Some(t), false) = (m.target_to_date, level) {
            let y = axis.at(t);
            s.line(&[(cx - span, y), (cx + span, y)], palette::PACE, 3);
            markers.push(y);
        }
        if let Some(t) = m.target {
            let y = axis.at(t);
            s.dashed((cx - span, y), (cx + span, y), palette::TARGET, 2);
            markers.push(y);
        }
        let label = value_label(m.value, unit);
        let yl = label_above(y1, size::VALUE, &markers);
        s.text(cx, yl, &label, size::VALUE, palette::TEXT, Align::Center);
        s.text(
            cx,
            bottom + 26.0,
            &m.scope_value,
            size::LABEL,
            palette::TEXT,
            Align::Center,
        );
        if let Some(t) = m.target {
            let line = format!("目标 {}", fmt_target(t, unit));
            s.text(
                cx,
                bottom + 56.0,
                &line,
                size::SMALL,
                palette::MUTED,
                Align::Center,
            );
        }
        if let Some(c) = m.completion.filter(|_| !ratio) {
            let line = format!("完成 {}", fmt_pct(c));
            s.text(
                cx,
                bottom + 82.0,
                &line,
                size::SMALL,
                palette::MUTED,
                Align::Center,
            );
        }
    }
    s
}

/// A share or rate for the city, then each county (descending), as %, with a target line.
pub fn share_bars(data: &ChartData, title: &str, metric: &str) -> Scene {
    let (_, unit, _) = metric_info(data, metric);
    let city: Vec<&MetricValue> = data
        .metrics
        .iter()
        .filter(|m| m.id == metric && m.scope == "city")
        .collect();
    let mut counties: Vec<&MetricValue> = data
        .metrics
        .iter()
        .filter(|m| m.id == metric && m.scope == data.pipeline.unit_column)
        .collect();
    by_value_desc(&mut counties);
    let rows: Vec<&MetricValue> = city.iter().chain(counties.iter()).copied().collect();
    let n = rows.len();
    let width = (200 + 120 * n as u32).max(1200);
    let mut s = Scene::new(width, 700);
    let target = city
        .first()
        .and_then(|m| m.target)
        .filter(|t| t.is_finite());
    let target_label = target.map(|t| format!("目标 {}", fmt_target(t, unit)));
    let mut legend = vec![(Key::Swatch(palette::CITY), "全市")];
    legend.extend(status_keys(&drawn_statuses(&counties), true));
    if let Some(l) = &target_label {
        legend.push((Key::Dashed(palette::TARGET), l.as_str()));
    }
    let top = header(&mut s, title, &subtitle(data, unit), &legend);
    if n == 0 {
        no_data(&mut s, top, "暂无数据");
        return s;
    }
    let (left, right, bottom) = (100.0, f64::from(width) - 130.0, 700.0 - 80.0);
    let max = rows
        .iter()
        .flat_map(|m| [m.value, m.target])
        .flatten()
        .filter(|v| v.is_finite())
        .fold(if is_ratio(unit) { 1.0 } else { 0.0 }, f64::max);
    let ratio = is_ratio(unit);
    let max = if ratio && max <= 1.0 { 1.0 } else { max * 1.05 };
    let axis = Axis::new(max, bottom, top + 30.0, false);
    draw_y_axis(&mut s, &axis, left, right, ratio);
    let mut target_y = None;
    if let (Some(t), Some(l)) = (target, &target_label) {
        let y = axis.at(t);
        s.dashed((left, y), (right + 10.0, y), palette::TARGET, 2);
        s.text(
            right + 16.0,
            y,
            l,
            size::SMALL,
            palette::TARGET,
            Align::Left,
        );
        target_y = Some(y);
    }
    let slot = (right - left) / n as f64;
    let bar_w = (slot * 0.5).min(70.0);
    for (i, m) in rows.iter().enumerate() {
        let cx = left + slot * (i as f64 + 0.5);
        let y0 = axis.at(0.0);
        let y1 = m.value.map(|v| axis.at(v)).unwrap_or(y0);
        let color = if m.scope == "city" {
            palette::CITY
        } else {
            status_color(m.on_track)
        };
        if y1 < y0 {
            s.rect(cx - bar_w / 2.0, y1, cx + bar_w / 2.0, y0, color);
        }
        let label = value_label(m.value, unit);
        let markers: Vec<f64> = target_y.into_iter().collect();
        let yl = label_above(y1, size::VALUE, &markers);
        s.text(cx, yl, &label, size::VALUE, palette::TEXT, Align::Center);
        let name = if m.scope == "city" {
            "全市"
        } else {
            m.scope_value.as_str()
        };
        s.text(
            cx,
            bottom + 26.0,
            name,
            size::LABEL,
            palette::TEXT,
            Align::Center,
        );
        if m.value.is_none() {
            s.text(
                cx,
                bottom + 54.0,
                "无项目",
                size::SMALL,
                palette::MUTED,
                Align::Center,
            );
        }
    }
    s
}

/// For each metric (city scope): completion = value ÷ annual target as a horizontal bar
/// against 100 %, with the 序时进度 mark; value / target and completion in a column on the right.
/// The x axis of completion bars (0 to the largest finite figure, at least 100 %, at most
/// 300 %, with room), drawn with the dashed 100 % line.
fn completion_axis(
    s: &mut Scene,
    figures: impl Iterator<Item = f64>,
    (left, right): (f64, f64),
    (top, bottom): (f64, f64),
) -> Axis {
    let max = figures
        .filter(|c| c.is_finite())
        .fold(1.0, f64::max)
        .min(3.0);
    let axis = Axis::new(max * 1.1, left, right, false);
    draw_x_axis(s, &axis, top, bottom, true);
    let x100 = axis.at(1.0);
    s.dashed((x100, top), (x100, bottom), palette::TARGET, 2);
    axis
}

pub fn target_bars(data: &ChartData, title: &str, metrics: &[String]) -> Scene {
    let rows: Vec<(&str, &str, Progress, Option<&MetricValue>)> = metrics
        .iter()
        .map(|id| {
            let (name, unit, progress) = metric_info(data, id);
            let m = data
                .metrics
                .iter()
                .find(|m| &m.id == id && m.scope == "city");
            (name, unit, progress, m)
        })
        .collect();
    let n = rows.len();
    let row_h = 90.0;
    let width = 1200.0;
    let mut s = Scene::new(width as u32, (215.0 + row_h * n as f64) as u32);
    let drawn: Vec<&MetricValue> = rows.iter().filter_map(|r| r.3).collect();
    let mut legend = status_keys(&drawn_statuses(&drawn), false);
    if rows
        .iter()
        .any(|r| r.2 == Progress::Cumulative && r.3.is_some_and(|m| m.target.is_some()))
    {
        legend.push((Key::Line(palette::PACE), "序时进度"));
    }
    legend.push((Key::Dashed(palette::TARGET), "年度目标（100%）"));
    let sub = format!("{} · 完成率 = 完成值 ÷ 年度目标", period_label(data.period));
    let top = header(&mut s, title, &sub, &legend) + 10.0;
    if n == 0 {
        no_data(&mut s, top, "暂无数据");
        return s;
    }
    let (label_w, value_w) = (330.0, 290.0);
    let (left, right) = (30.0 + label_w, width - value_w - 20.0);
    let bottom = top + row_h * n as f64;
    let completion = |m: &MetricValue| {
        m.completion.or(match (m.value, m.target) {
            (Some(v), Some(t)) if t != 0.0 => Some(v / t),
            _ => None,
        })
    };
    let axis = completion_axis(
        &mut s,
        rows.iter().filter_map(|r| r.3.and_then(completion)),
        (left, right),
        (top, bottom),
    );
    for (i, (name, unit, progress, m)) in rows.iter().enumerate() {
        let cy = top + row_h * (i as f64 + 0.5);
        let lines = wrap(name, size::LABEL, label_w - 20.0);
        let y_first = cy - 15.0 * (lines.len() as f64 - 1.0);
        for (k, line) in lines.iter().enumerate() {
            let y = y_first + 30.0 * k as f64;
            s.text(
                left - 16.0,
                y,
                line,
                size::LABEL,
                palette::TEXT,
                Align::Right,
            );
        }
        let value_x = right + 24.0;
        let Some(m) = m else {
            s.text(
                value_x,
                cy,
                "无数据",
                size::VALUE,
                palette::MUTED,
                Align::Left,
            );
            continue;
        };
        let c = completion(m).filter(|c| c.is_finite());
        let bar_end = c.map(|c| axis.at(c)).unwrap_or(left);
        if bar_end > left {
            s.rect(
                left,
                cy - 17.0,
                bar_end,
                cy + 17.0,
                status_color(m.on_track),
            );
        }
        if let (Some(td), Some(t), Progress::Cumulative) = (m.target_to_date, m.target, progress) {
            if t != 0.0 {
                let x = axis.at(td / t);
                s.line(&[(x, cy - 25.0), (x, cy + 25.0)], palette::PACE, 3);
            }
        }
        let value = value_label(m.value, unit);
        let (line1, line2) = match (m.target, c) {
            (Some(t), c) if is_ratio(unit) => (
                format!("{value} / 目标 {}", fmt_target(t, unit)),
                c.map(|c| format!("完成 {}", fmt_pct(c))),
            ),
            (Some(t), c) => (
                format!("{value} / {} {unit}", fmt_target(t, unit)),
                c.map(|c| format!("完成 {}", fmt_pct(c))),
            ),
            (None, _) => (
                format!("{value} {}", unit_label(unit)),
                Some("无年度目标".into()),
            ),
        };
        let (y1, y2) = if line2.is_some() {
            (cy - 13.0, cy + 15.0)
        } else {
            (cy, cy)
        };
        s.text(value_x, y1, &line1, size::VALUE, palette::TEXT, Align::Left);
        if let Some(l) = line2 {
            s.text(value_x, y2, &l, size::SMALL, palette::MUTED, Align::Left);
        }
    }
    s
}

/// Progress of each numeric indicator of the scorecard in the assessed year: a bar from the
/// base (0 %) towards the target (100 %, dashed), coloured by met; an indicator without a value
/// that counts says 无数据. Progress below the base is drawn as no bar, its figure given.
pub fn indicator_progress(data: &ChartData, title: &str) -> Scene {
    let rows: Vec<&crate::assess::IndicatorRow> = data
        .indicators
        .map(|r| {
            r.rows
                .iter()
                .filter(|row| row.year == r.year && !row.qualitative)
                .collect()
        })
        .unwrap_or_default();
    let n = rows.len();
    let row_h = 56.0;
    let width = 1200.0;
    let mut s = Scene::new(width as u32, (215.0 + row_h * n as f64) as u32);
    let mut legend = Vec::new();
    if rows.iter().any(|r| r.met == Some(true)) {
        legend.push((Key::Swatch(palette::ON_TRACK), "达到目标"));
    }
    if rows.iter().any(|r| r.met == Some(false)) {
        legend.push((Key::Swatch(palette::BEHIND), "未达目标"));
    }
    legend.push((Key::Dashed(palette::TARGET), "目标值（100%）"));
    let sub = match data.indicators {
        Some(r) => format!(
            "{}年 · 完成进度 = (当年值 - {}年基期值) ÷ ({}年目标值 - 基期值)",
            r.year, r.base_year, r.target_year
        ),
        None => period_label(data.period),
    };
    let top = header(&mut s, title, &sub, &legend) + 10.0;
    if n == 0 {
        no_data(&mut s, top, "暂无数据");
        return s;
    }
    let (label_w, value_w) = (420.0, 230.0);
    let (left, right) = (30.0 + label_w, width - value_w - 20.0);
    let bottom = top + row_h * n as f64;
    let axis = completion_axis(
        &mut s,
        rows.iter().filter_map(|r| r.progress),
        (left, right),
        (top, bottom),
    );
    for (i, r) in rows.iter().enumerate() {
        let cy = top + row_h * (i as f64 + 0.5);
        let label = format!("{} {}", r.key, r.name);
        let lines = wrap(&label, size::SMALL, label_w - 20.0);
        let y_first = cy - 12.0 * (lines.len() as f64 - 1.0);
        for (k, line) in lines.iter().enumerate() {
            let y = y_first + 24.0 * k as f64;
            s.text(
                left - 16.0,
                y,
                line,
                size::SMALL,
                palette::TEXT,
                Align::Right,
            );
        }
        let value_x = right + 24.0;
        let Some(p) = r.progress.filter(|p| p.is_finite()) else {
            s.text(
                value_x,
                cy,
                "无数据",
                size::SMALL,
                palette::MUTED,
                Align::Left,
            );
            continue;
        };
        let bar_end = axis.at(p.clamp(0.0, axis.top));
        if bar_end > left {
            s.rect(left, cy - 14.0, bar_end, cy + 14.0, status_color(r.met));
        }
        // An indicator's `%` values are percentages already (2.5 = 2.5 %), not shares.
        let line1 = match r.value {
            Some(v) => {
                let d = if (v - v.round()).abs() < 1e-9 { 0 } else { 2 };
                let gap = if r.unit == "%" { "" } else { " " };
                format!("{}{gap}{}", crate::render::fmt_num(v, d), r.unit)
            }
            None => "—".into(),
        };
        s.text(
            value_x,
            cy - 11.0,
            &line1,
            size::SMALL,
            palette::TEXT,
            Align::Left,
        );
        s.text(
            value_x,
            cy + 13.0,
            &format!("进度 {}", fmt_pct(p)),
            size::SMALL,
            palette::MUTED,
            Align::Left,
        );
    }
    s
}
