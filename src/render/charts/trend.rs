//! The year-to-date value month by month against 序时进度 (`cumulative`) and the project stage
//! funnel per county (`funnel`).

use super::bars::{label_above, metric_info, status_keys, subtitle};
use super::scene::{
    draw_y_axis, fmt_value, header, is_ratio, no_data, palette, period_label, size, value_label,
    Align, Axis, Key, Scene,
};
use super::ChartData;
use crate::assess::FunnelRow;
use crate::pipeline::Progress;
use crate::render::fmt_pct;

/// The city's value at each month's end of the year, the 序时进度 line (annual target × m ÷ 12,
/// or the target itself for a level metric) and the annual target.
pub fn cumulative(data: &ChartData, title: &str, metric: &str) -> Scene {
    let (_, unit, progress) = metric_info(data, metric);
    let points: Vec<(u32, Option<f64>, Option<bool>)> = data
        .history
        .iter()
        .filter(|(p, _)| p.year == data.period.year && *p <= data.period)
        .filter_map(|(p, ms)| {
            let m = ms.iter().find(|m| m.id == metric && m.scope == "city")?;
            Some((p.month, m.value, m.on_track))
        })
        .collect();
    let target = data
        .metrics
        .iter()
        .find(|m| m.id == metric && m.scope == "city")
        .and_then(|m| m.target)
        .filter(|t| t.is_finite());
    let pace = |month: u32| {
        target.map(|t| match progress {
            Progress::Cumulative => t * f64::from(month) / 12.0,
            Progress::Level => t,
        })
    };
    let mut s = Scene::new(1200, 700);
    let target_label = target.map(|t| format!("年度目标 {}", fmt_value(t, unit)));
    let statuses: Vec<Option<bool>> = points
        .iter()
        .filter(|p| p.1.is_some_and(f64::is_finite))
        .map(|p| p.2)
        .collect();
    let mut legend = status_keys(&statuses, progress == Progress::Level);
    if target.is_some() && progress == Progress::Cumulative {
        legend.push((Key::Line(palette::PACE), "序时进度（年度目标×月份÷12）"));
    }
    if let Some(l) = &target_label {
        legend.push((Key::Dashed(palette::TARGET), l.as_str()));
    }
    let sub = format!("{} · 各月末累计", subtitle(data, unit));
    let top = header(&mut s, title, &sub, &legend);
    if points.is_empty() {
        no_data(&mut s, top, "暂无数据");
        return s;
    }
    let (left, right, bottom) = (100.0, 1200.0 - 40.0, 700.0 - 70.0);
    let max = points
        .iter()
        .filter_map(|p| p.1)
        .chain(target)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let ratio = is_ratio(unit);
    let integer = !ratio && points.iter().all(|p| p.1.is_none_or(|v| v.fract() == 0.0));
    let axis = Axis::new(max * 1.1, bottom, top + 30.0, integer);
    draw_y_axis(&mut s, &axis, left, right, ratio);
    let slot = (right - left) / 12.0;
    let x = |month: u32| left + slot * (f64::from(month) - 0.5);
    if let Some(t) = target {
        s.dashed((left, axis.at(t)), (right, axis.at(t)), palette::TARGET, 2);
    }
    let pace_line: Vec<(f64, f64)> = (1..=12)
        .filter_map(|m| pace(m).map(|v| (x(m), axis.at(v))))
        .collect();
    if progress == Progress::Cumulative && pace_line.len() > 1 {
        s.line(&pace_line, palette::PACE, 2);
        for &(px, py) in &pace_line {
            s.circle(px, py, 4.0, palette::PACE);
        }
    }
    let bar_w = slot * 0.56;
    for &(month, value, on_track) in &points {
        let cx = x(month);
        let y0 = axis.at(0.0);
        let y1 = value.map(|v| axis.at(v)).unwrap_or(y0);
        let color = match on_track {
            Some(true) => palette::ON_TRACK,
            Some(false) => palette::BEHIND,
            None => palette::NEUTRAL,
        };
        if y1 < y0 {
            s.rect(cx - bar_w / 2.0, y1, cx + bar_w / 2.0, y0, color);
        }
        let mut markers: Vec<f64> = pace(month).map(|v| axis.at(v)).into_iter().collect();
        markers.extend(target.map(|t| axis.at(t)));
        let label = value_label(value, unit);
        let yl = label_above(y1, size::VALUE, &markers);
        s.text(cx, yl, &label, size::VALUE, palette::TEXT, Align::Center);
    }
    for month in 1..=12u32 {
        let color = if month <= data.period.month {
            palette::TEXT
        } else {
            palette::MUTED
        };
        let label = format!("{month}月");
        s.text(
            x(month),
            bottom + 24.0,
            &label,
            size::LABEL,
            color,
            Align::Center,
        );
    }
    s
}

/// Counts at each stage (签约 → 注册 → 开工 → 投产) for the city (own panel and scale) and each
/// county, as grouped bars, with each county's 开工率 and 投产率 below it.
pub fn funnel(data: &ChartData, title: &str) -> Scene {
    let rows: &[FunnelRow] = data.stages;
    let stages: Vec<&str> = rows
        .first()
        .map(|r| r.stages.iter().map(|s| s.stage.as_str()).collect())
        .unwrap_or_default();
    let city: Vec<&FunnelRow> = rows.iter().filter(|r| r.scope == "city").collect();
    let counties: Vec<&FunnelRow> = rows.iter().filter(|r| r.scope != "city").collect();
    let groups = city.len() + counties.len();
    let width = (240 + 120 * groups as u32).max(1200);
    let mut s = Scene::new(width, 720);
    let legend: Vec<(Key, &str)> = stages
        .iter()
        .enumerate()
        .map(|(i, st)| (Key::Swatch(stage_color(i)), *st))
        .collect();
    let sub = format!(
        "{} · 单位：个（已达到该阶段或更后阶段的项目数）",
        period_label(data.period)
    );
    let top = header(&mut s, title, &sub, &legend);
    if groups == 0 || stages.is_empty() {
        no_data(&mut s, top, "暂无项目");
        return s;
    }
    let bottom = 720.0 - 110.0;
    let (left, right) = (90.0, f64::from(width) - 30.0);
    // The city panel takes one group's width plus room for its own axis.
    let slot = (right - left - if city.is_empty() { 0.0 } else { 90.0 }) / groups as f64;
    let mut x = left;
    if !city.is_empty() {
        let panel_right = x + slot * city.len() as f64;
        draw_panel(&mut s, &city, &stages, x, panel_right, top, bottom);
        x = panel_right + 90.0;
    }
    if !counties.is_empty() {
        draw_panel(&mut s, &counties, &stages, x, right, top, bottom);
    }
    s
}

fn stage_color(i: usize) -> super::scene::Rgb {
    palette::STAGES[i % palette::STAGES.len()]
}

fn draw_panel(
    s: &mut Scene,
    rows: &[&FunnelRow],
    stages: &[&str],
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
) {
    let max = rows
        .iter()
        .flat_map(|r| r.stages.iter().map(|st| st.count))
        .max()
        .unwrap_or(0)
        .max(r_projects(rows));
    let axis = Axis::new(max as f64 * 1.1, bottom, top + 30.0, true);
    draw_y_axis(s, &axis, left, right, false);
    let slot = (right - left) / rows.len() as f64;
    let k = stages.len().max(1) as f64;
    let bar_w = (slot * 0.8 / k).min(40.0);
    for (g, r) in rows.iter().enumerate() {
        let cx = left + slot * (g as f64 + 0.5);
        let x0 = cx - bar_w * k / 2.0;
        for (i, st) in r.stages.iter().enumerate() {
            let bx = x0 + bar_w * i as f64;
            let y1 = axis.at(st.count as f64);
            if st.count > 0 {
                s.rect(bx + 1.0, y1, bx + bar_w - 1.0, axis.at(0.0), stage_color(i));
            }
            let label = st.count.to_string();
            s.text(
                bx + bar_w / 2.0,
                y1 - 14.0,
                &label,
                18.0,
                palette::TEXT,
                Align::Center,
            );
        }
        let name = if r.scope == "city" {
            "全市"
        } else {
            r.scope_value.as_str()
        };
        s.text(
            cx,
            bottom + 26.0,
            name,
            size::LABEL,
            palette::TEXT,
            Align::Center,
        );
        // The rates of the later stages (开工率, 投产率).
        let from = if r.stages.len() > 2 {
            2
        } else {
            r.stages.len().saturating_sub(1)
        };
        for (j, st) in r.stages.iter().skip(from).take(2).enumerate() {
            let rate = st
                .rate
                .filter(|r| r.is_finite())
                .map(fmt_pct)
                .unwrap_or("—".into());
            let line = format!("{}率 {rate}", st.stage);
            let y = bottom + 54.0 + 24.0 * j as f64;
            s.text(cx, y, &line, size::SMALL, palette::MUTED, Align::Center);
        }
    }
}

fn r_projects(rows: &[&FunnelRow]) -> u64 {
    rows.iter().map(|r| r.projects).max().unwrap_or(0)
}
