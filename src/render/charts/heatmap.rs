//! The heat map (招商热力地图): Σ value of a table's rows by two columns (e.g. county × chain),
//! rows filtered by the chart's conditions.

use super::bars::subtitle;
use super::scene::{
    fmt_value, header, no_data, palette, size, text_width, wrap, Align, Rgb, Scene,
};
use super::ChartData;
use crate::pipeline::ColumnKind;
use std::collections::BTreeMap;

/// Label of the column for rows with no value (e.g. a project in no key chain).
const NONE_LABEL: &str = "其他";

pub struct HeatmapSpec<'a> {
    /// The chart's id: its figures in [`crate::assess::ReportFigures::cross`].
    pub id: &'a str,
    pub table: &'a str,
    pub rows: &'a str,
    pub columns: &'a str,
    pub value: &'a str,
}

/// The declared kind of a table column (from the return types that feed the table).
fn column_kind<'a>(data: &'a ChartData, table: &str, column: &str) -> Option<&'a ColumnKind> {
    let base = table.strip_suffix("_current").unwrap_or(table);
    let returns = &data.pipeline.returns;
    let by_table = returns
        .iter()
        .filter(|rt| rt.table == base || rt.table == table);
    by_table
        .chain(returns.iter())
        .flat_map(|rt| rt.columns.iter())
        .find(|c| c.name == column)
        .map(|c| &c.kind)
}

/// Categories in reference order (the vocabulary's, or the counties'), then any other value met
/// (sorted), then the no-value category when it was met.
fn categories(
    data: &ChartData,
    spec: &HeatmapSpec,
    column: &str,
    seen: &[Option<String>],
) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = Vec::new();
    let reference: Vec<String> = match column_kind(data, spec.table, column) {
        Some(ColumnKind::County) => data.pipeline.counties.clone(),
        Some(kind) => data
            .pipeline
            .vocabulary(kind)
            .map(|v| v.values.clone())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    out.extend(reference.iter().cloned().map(Some));
    let mut others: Vec<&String> = seen
        .iter()
        .flatten()
        .filter(|v| !reference.contains(v))
        .collect();
    others.sort();
    others.dedup();
    out.extend(others.into_iter().cloned().map(Some));
    if seen.iter().any(Option::is_none) {
        out.push(None);
    }
    out
}

fn mix(a: Rgb, b: Rgb, t: f64) -> Rgb {
    let t = t.clamp(0.0, 1.0);
    let m = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    (m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

fn heat(v: f64, max: f64) -> Rgb {
    if max <= 0.0 {
        return palette::HEAT_LOW;
    }
    // A square root scale keeps the small cells visible next to a large one.
    mix(palette::HEAT_LOW, palette::HEAT_HIGH, (v / max).sqrt())
}

pub fn heatmap(data: &ChartData, title: &str, spec: &HeatmapSpec) -> Scene {
    let unit = match column_kind(data, spec.table, spec.value) {
        Some(ColumnKind::Money { unit, .. }) => unit.name.to_string(),
        Some(ColumnKind::Number { unit: Some(u) }) => u.clone(),
        _ => String::new(),
    };
    // The sums are the assessment's (`assess::report`); here they are only laid out.
    let mut cells: BTreeMap<(Option<String>, Option<String>), f64> = data
        .figures
        .cross
        .get(spec.id)
        .map(|x| x.cells.clone())
        .unwrap_or_default();
    let seen_rows: Vec<Option<String>> = cells.keys().map(|(r, _)| r.clone()).collect();
    let seen_cols: Vec<Option<String>> = cells.keys().map(|(_, c)| c.clone()).collect();
    let rows = categories(data, spec, spec.rows, &seen_rows);
    let cols = categories(data, spec, spec.columns, &seen_cols);
    // Too many categories for one chart: the largest, and the rest merged.
    let (rows, cols) = (
        cap(rows, &mut cells, 0, MAX_ROWS),
        cap(cols, &mut cells, 1, MAX_COLS),
    );
    let label_size = 18.0;
    let row_label_w = rows
        .iter()
        .map(|r| text_width(&row_label(r), size::LABEL))
        .fold(90.0, f64::max)
        + 24.0;
    let cell_w = 70.0f64;
    let total_w = 90.0;
    let width = (row_label_w + cell_w * cols.len() as f64 + total_w + 40.0).max(1200.0);
    let cell_w = ((width - row_label_w - total_w - 40.0) / cols.len().max(1) as f64).min(110.0);
    let col_lines: Vec<Vec<String>> = cols
        .iter()
        .map(|c| {
            let mut lines = wrap(c.as_deref().unwrap_or(NONE_LABEL), label_size, cell_w - 6.0);
            if lines.len() > 3 {
                lines.truncate(3);
                let last = &mut lines[2];
                last.pop();
                last.push('…');
            }
            lines
        })
        .collect();
    let head_lines = col_lines.iter().map(Vec::len).max().unwrap_or(1) as f64;
    let cell_h = 52.0;
    let header_h = 22.0 * head_lines + 20.0;
    let height = 150.0 + header_h + cell_h * (rows.len() as f64 + 1.0) + 80.0;
    let mut s = Scene::new(width.round() as u32, height.round() as u32);
    let top = header(&mut s, title, &subtitle(data, &unit), &[]);
    if cells.is_empty() {
        no_data(&mut s, top, "暂无符合条件的项目");
        return s;
    }
    let max = cells.values().copied().fold(0.0, f64::max);
    let grid_left =
        (width - (row_label_w + cell_w * cols.len() as f64 + total_w)) / 2.0 + row_label_w;
    let grid_top = top + header_h;
    // Column labels (wrapped, bottom-aligned over their column), and the total column.
    for (j, lines) in col_lines.iter().enumerate() {
        let cx = grid_left + cell_w * (j as f64 + 0.5);
        let first = grid_top - 12.0 - 22.0 * (lines.len() as f64 - 1.0) - 8.0;
        for (k, line) in lines.iter().enumerate() {
            let y = first + 22.0 * k as f64;
            s.text(cx, y, line, label_size, palette::TEXT, Align::Center);
        }
    }
    let total_x = grid_left + cell_w * cols.len() as f64;
    s.bold(
        total_x + total_w / 2.0,
        grid_top - 20.0,
        "合计",
        label_size,
        palette::TEXT,
        Align::Center,
    );
    let value_size = if cell_w < 70.0 { 17.0 } else { size::SMALL };
    let mut col_totals = vec![0.0; cols.len()];
    for (i, r) in rows.iter().enumerate() {
        let y0 = grid_top + cell_h * i as f64;
        let cy = y0 + cell_h / 2.0;
        let name = row_label(r);
        s.text(
            grid_left - 14.0,
            cy,
            &name,
            size::LABEL,
            palette::TEXT,
            Align::Right,
        );
        let mut row_total = 0.0;
        for (j, c) in cols.iter().enumerate() {
            let x0 = grid_left + cell_w * j as f64;
            let v = cells.get(&(r.clone(), c.clone())).copied().unwrap_or(0.0);
            row_total += v;
            col_totals[j] += v;
            let fill = if v > 0.0 {
                heat(v, max)
            } else {
                palette::BACKGROUND
            };
            s.rect(
                x0 + 1.0,
                y0 + 1.0,
                x0 + cell_w - 1.0,
                y0 + cell_h - 1.0,
                fill,
            );
            if v > 0.0 {
                let ink = if (v / max).sqrt() > 0.5 {
                    palette::BACKGROUND
                } else {
                    palette::TEXT
                };
                let label = fmt_cell(v, &unit);
                s.text(
                    x0 + cell_w / 2.0,
                    cy,
                    &label,
                    value_size,
                    ink,
                    Align::Center,
                );
            }
        }
        let label = fmt_cell(row_total, &unit);
        s.text(
            total_x + total_w / 2.0,
            cy,
            &label,
            value_size,
            palette::TEXT,
            Align::Center,
        );
    }
    // Grid frame lines, the total row.
    let grid_bottom = grid_top + cell_h * rows.len() as f64;
    let grid_right = total_x;
    for i in 0..=rows.len() {
        let y = grid_top + cell_h * i as f64;
        s.line(
            &[(grid_left, y), (grid_right + total_w, y)],
            palette::GRID,
            1,
        );
    }
    for j in 0..=cols.len() {
        let x = grid_left + cell_w * j as f64;
        s.line(
            &[(x, grid_top), (x, grid_bottom + cell_h)],
            palette::GRID,
            1,
        );
    }
    let cy = grid_bottom + cell_h / 2.0;
    s.bold(
        grid_left - 14.0,
        cy,
        "合计",
        size::LABEL,
        palette::TEXT,
        Align::Right,
    );
    for (j, t) in col_totals.iter().enumerate() {
        if *t > 0.0 {
            let cx = grid_left + cell_w * (j as f64 + 0.5);
            s.text(
                cx,
                cy,
                &fmt_cell(*t, &unit),
                value_size,
                palette::TEXT,
                Align::Center,
            );
        }
    }
    let all: f64 = col_totals.iter().sum();
    s.bold(
        total_x + total_w / 2.0,
        cy,
        &fmt_cell(all, &unit),
        value_size,
        palette::TEXT,
        Align::Center,
    );
    s.line(
        &[
            (grid_left, grid_bottom + cell_h),
            (grid_right + total_w, grid_bottom + cell_h),
        ],
        palette::GRID,
        1,
    );
    // Colour scale.
    let ly = grid_bottom + cell_h + 44.0;
    let (lx0, lx1) = (grid_left, grid_left + 320.0);
    let steps = 32;
    for k in 0..steps {
        let a = lx0 + (lx1 - lx0) * k as f64 / steps as f64;
        let b = lx0 + (lx1 - lx0) * (k + 1) as f64 / steps as f64;
        let t = (k as f64 + 0.5) / steps as f64;
        s.rect(a, ly - 9.0, b + 0.5, ly + 9.0, heat(t * t * max, max));
    }
    s.text(
        lx0 - 10.0,
        ly,
        "0",
        size::SMALL,
        palette::MUTED,
        Align::Right,
    );
    let max_label = format!("{} {unit}（颜色越深数额越大）", fmt_cell(max, &unit));
    s.text(
        lx1 + 10.0,
        ly,
        &max_label,
        size::SMALL,
        palette::MUTED,
        Align::Left,
    );
    s
}

const MAX_ROWS: usize = 30;
const MAX_COLS: usize = 24;
const MAX_ROW_LABEL: f64 = 240.0;

/// A row's label, cut with … to fit [`MAX_ROW_LABEL`].
fn row_label(r: &Option<String>) -> String {
    let full = r.as_deref().unwrap_or(NONE_LABEL);
    if text_width(full, size::LABEL) <= MAX_ROW_LABEL {
        return full.to_string();
    }
    let mut cut: String = String::new();
    for c in full.chars() {
        if text_width(&format!("{cut}{c}…"), size::LABEL) > MAX_ROW_LABEL {
            break;
        }
        cut.push(c);
    }
    format!("{cut}…")
}

/// Keeps at most `max` categories of one axis (`side` 0: rows, 1: columns): the `max − 1` with
/// the largest totals, in their order, and one "其余N项" holding the others (cells re-keyed).
fn cap(
    cats: Vec<Option<String>>,
    cells: &mut BTreeMap<(Option<String>, Option<String>), f64>,
    side: usize,
    max: usize,
) -> Vec<Option<String>> {
    if cats.len() <= max {
        return cats;
    }
    let key =
        |k: &(Option<String>, Option<String>)| if side == 0 { k.0.clone() } else { k.1.clone() };
    let total = |c: &Option<String>| -> f64 {
        cells
            .iter()
            .filter(|(k, _)| key(k) == *c)
            .map(|(_, v)| v)
            .sum()
    };
    let mut order: Vec<(usize, f64)> = cats
        .iter()
        .enumerate()
        .map(|(i, c)| (i, total(c)))
        .collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut keep: Vec<usize> = order.iter().take(max - 1).map(|(i, _)| *i).collect();
    keep.sort_unstable();
    let rest = Some(format!("其余{}项", cats.len() - keep.len()));
    let kept: Vec<Option<String>> = keep.iter().map(|&i| cats[i].clone()).collect();
    let old = std::mem::take(cells);
    for (k, v) in old {
        let k = if kept.contains(&key(&k)) {
            k
        } else if side == 0 {
            (rest.clone(), k.1)
        } else {
            (k.0, rest.clone())
        };
        *cells.entry(k).or_insert(0.0) += v;
    }
    kept.into_iter().chain([rest]).collect()
}

fn fmt_cell(v: f64, unit: &str) -> String {
    if v.abs() >= 100.0 {
        crate::render::fmt_num(v, 0)
    } else {
        fmt_value((v * 10.0).round() / 10.0, unit)
    }
}
