//! Charts (plotters), each as SVG and PNG, declared by the pipeline's `[report.charts]`.
//!
//! A chart is laid out once in pixels ([`scene::Scene`]) and drawn on plotters' SVG and bitmap
//! backends. All text is drawn with the bundled font (`font::register`), every string is checked
//! for glyphs the font lacks, and the SVG embeds the subset of the font its text needs, so both
//! files show their Chinese on a machine with no CJK font. Same data → same bytes.

mod bars;
mod heatmap;
mod scene;
mod trend;

use super::{font, RenderError, ReportData};
use crate::assess::{FunnelRow, MetricValue};
use crate::error::OutputError;
use crate::period::Period;
use crate::pipeline::{Chart, ChartKind, Pipeline};
use plotters::prelude::*;
use scene::Scene;
use std::path::{Path, PathBuf};

/// A rendered chart.
#[derive(Debug, Clone)]
pub struct ChartFile {
    pub id: String,
    pub title: String,
    pub svg: PathBuf,
    pub png: PathBuf,
}

/// What the charts are drawn from (the parts of [`ReportData`] they use).
pub(crate) struct ChartData<'a> {
    pub pipeline: &'a Pipeline,
    pub period: Period,
    pub metrics: &'a [MetricValue],
    pub stages: &'a [FunnelRow],
    /// Metric values at each month's end of the year, up to and including the period.
    pub history: &'a [(Period, Vec<MetricValue>)],
    pub figures: &'a crate::assess::ReportFigures,
    /// The reference-list scorecard, when the pipeline declares one.
    pub indicators: Option<&'a crate::assess::IndicatorReport>,
}

/// Draws every chart the pipeline declares into `dir` as `<id>.svg` and `<id>.png`.
pub fn render_charts(data: &ReportData, dir: &Path) -> Result<Vec<ChartFile>, RenderError> {
    let cd = ChartData {
        pipeline: data.pipeline,
        period: data.period,
        metrics: &data.result.metrics,
        stages: &data.result.stages,
        history: data.history,
        figures: data.figures,
        indicators: data.result.indicators.as_ref(),
    };
    let Some(report) = &data.pipeline.report else {
        return Ok(Vec::new());
    };
    fs_err::create_dir_all(dir).map_err(|source| OutputError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    // Each chart is laid out, drawn and encoded on its own (in parallel), in the declared order.
    use rayon::prelude::*;
    report
        .charts
        .par_iter()
        .map(|chart| {
            let scene = layout(&cd, chart);
            let fail = |message: String| RenderError::Chart {
                chart: chart.id.clone(),
                message,
            };
            let svg_path = dir.join(format!("{}.svg", chart.id));
            let png_path = dir.join(format!("{}.png", chart.id));
            let svg = to_svg(&scene).map_err(fail)?;
            crate::store::write_atomic(&svg_path, svg.as_bytes())?;
            let pixels = to_pixels(&scene).map_err(fail)?;
            write_png(&png_path, &scene, &pixels)?.map_err(fail)?;
            #[cfg(test)]
            tests::record_pixels(&png_path, &pixels);
            Ok(ChartFile {
                id: chart.id.clone(),
                title: chart.title.clone(),
                svg: svg_path,
                png: png_path,
            })
        })
        .collect()
}

/// Lays a chart out.
fn layout(data: &ChartData, chart: &Chart) -> Scene {
    let title = chart.title.as_str();
    match &chart.kind {
        ChartKind::CountyBars { metric } => bars::county_bars(data, title, metric),
        ChartKind::Cumulative { metric } => trend::cumulative(data, title, metric),
        ChartKind::ShareBars { metric } => bars::share_bars(data, title, metric),
        ChartKind::Heatmap {
            table,
            rows,
            columns,
            value,
            ..
        } => {
            let spec = heatmap::HeatmapSpec {
                id: &chart.id,
                table,
                rows,
                columns,
                value,
            };
            heatmap::heatmap(data, title, &spec)
        }
        ChartKind::Funnel => trend::funnel(data, title),
        ChartKind::TargetBars { metrics } => bars::target_bars(data, title, metrics),
        ChartKind::IndicatorProgress => bars::indicator_progress(data, title),
    }
}

/// The chart as SVG, with the font subset for its text embedded and CSS font sizes that match
/// the PNG's.
fn to_svg(scene: &Scene) -> Result<String, String> {
    font::register();
    let mut raw = String::new();
    {
        let area =
            SVGBackend::with_string(&mut raw, (scene.width, scene.height)).into_drawing_area();
        scene.draw(&area, false)?;
        area.present().map_err(|e| e.to_string())?;
    }
    let raw = scale_font_sizes(&raw, font::svg_font_size_factor());
    let style = format!(
        "<defs><style>{}</style></defs>",
        font::font_face_css(scene.all_text())
    );
    let at = raw
        .find("<svg")
        .and_then(|i| raw[i..].find('>').map(|j| i + j + 1))
        .ok_or_else(|| "plotters wrote no <svg> element".to_string())?;
    Ok(format!("{}\n{}{}", &raw[..at], style, &raw[at..]))
}

/// Multiplies every `font-size="…"` by `factor` (plotters writes its size ÷ 1.24, while it
/// rasterises glyphs at a different em; see font::svg_font_size_factor).
fn scale_font_sizes(svg: &str, factor: f64) -> String {
    const KEY: &str = "font-size=\"";
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(i) = rest.find(KEY) {
        out.push_str(&rest[..i + KEY.len()]);
        rest = &rest[i + KEY.len()..];
        let end = rest.find('"').unwrap_or(rest.len());
        match rest[..end].parse::<f64>() {
            Ok(v) => out.push_str(&crate::render::fmt_num(v * factor, 2)),
            Err(_) => out.push_str(&rest[..end]),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The chart rasterised (RGB, 8 bits a channel).
fn to_pixels(scene: &Scene) -> Result<Vec<u8>, String> {
    font::register();
    let (w, h) = (scene.width, scene.height);
    let mut buf = vec![0u8; w as usize * h as usize * 3];
    {
        let area = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        scene.draw(&area, true)?;
        area.present().map_err(|e| e.to_string())?;
    }
    Ok(buf)
}

/// Encodes the pixels as PNG (the `image` encoder plotters saves with, at its defaults) into a
/// temporary file beside `path` and renames it into place. The outer error is the file
/// system's, the inner the encoder's.
fn write_png(path: &Path, scene: &Scene, pixels: &[u8]) -> Result<Result<(), String>, OutputError> {
    let io = |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}.png", std::process::id()));
    let encoded = image::save_buffer_with_format(
        &tmp,
        pixels,
        scene.width,
        scene.height,
        image::ColorType::Rgb8,
        image::ImageFormat::Png,
    );
    if let Err(e) = encoded {
        let _ = fs_err::remove_file(&tmp);
        return Ok(Err(e.to_string()));
    }
    fs_err::rename(&tmp, path).map_err(io)?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests;
