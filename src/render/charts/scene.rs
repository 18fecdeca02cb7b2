//! A chart as a list of shapes and texts in pixel coordinates, laid out once and drawn the same
//! way on plotters' SVG and bitmap backends; the palette, number formats, axes and legends that
//! every chart shares.

use crate::render::font;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;

pub type Rgb = (u8, u8, u8);

/// The one palette of every chart.
pub mod palette {
    use super::Rgb;
    pub const BACKGROUND: Rgb = (255, 255, 255);
    pub const TEXT: Rgb = (33, 37, 41);
    pub const MUTED: Rgb = (104, 112, 120);
    pub const GRID: Rgb = (228, 231, 236);
    pub const AXIS: Rgb = (150, 156, 162);
    /// A value that reaches its 序时进度 (or target).
    pub const ON_TRACK: Rgb = (47, 109, 181);
    /// A value behind its 序时进度 (or target).
    pub const BEHIND: Rgb = (226, 128, 72);
    /// A value with no target to compare with.
    pub const NEUTRAL: Rgb = (120, 150, 190);
    /// The city as a whole.
    pub const CITY: Rgb = (24, 55, 102);
    /// 序时进度 (the time-proportional target).
    pub const PACE: Rgb = (40, 40, 40);
    /// The annual target.
    pub const TARGET: Rgb = (200, 40, 40);
    /// The project stages 签约 → 注册 → 开工 → 投产 (light to dark).
    pub const STAGES: [Rgb; 4] = [
        (166, 198, 232),
        (103, 157, 214),
        (47, 109, 181),
        (24, 55, 102),
    ];
    /// Heat map: the colour of the smallest and of the largest non-zero value.
    pub const HEAT_LOW: Rgb = (232, 240, 250);
    pub const HEAT_HIGH: Rgb = (20, 60, 120);
}

/// Font sizes (plotters' size: ascent − descent in pixels; the em is about 0.69 of it).
pub mod size {
    pub const TITLE: f64 = 36.0;
    pub const SUBTITLE: f64 = 22.0;
    pub const LABEL: f64 = 23.0;
    pub const VALUE: f64 = 21.0;
    pub const SMALL: f64 = 19.0;
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Align {
    Left,
    Center,
    Right,
}

enum Item {
    Rect([(i32, i32); 2], Rgb),
    Line(Vec<(i32, i32)>, Rgb, u32),
    Circle((i32, i32), i32, Rgb),
    Text {
        at: (i32, i32),
        text: String,
        size: f64,
        color: Rgb,
        align: Align,
        bold: bool,
    },
}

/// A chart laid out in pixels.
pub struct Scene {
    pub width: u32,
    pub height: u32,
    items: Vec<Item>,
    /// Every text drawn (for the SVG's font subset).
    text: String,
}

fn px(v: f64) -> i32 {
    v.round() as i32
}

impl Scene {
    pub fn new(width: u32, height: u32) -> Scene {
        Scene {
            width,
            height,
            items: Vec::new(),
            text: String::new(),
        }
    }

    pub fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, fill: Rgb) {
        self.items.push(Item::Rect(
            [
                (px(x0.min(x1)), px(y0.min(y1))),
                (px(x0.max(x1)), px(y0.max(y1))),
            ],
            fill,
        ));
    }

    pub fn line(&mut self, points: &[(f64, f64)], color: Rgb, width: u32) {
        let pts = points.iter().map(|&(x, y)| (px(x), px(y))).collect();
        self.items.push(Item::Line(pts, color, width));
    }

    /// A dashed straight line (dashes drawn as segments, identical in SVG and PNG).
    pub fn dashed(&mut self, from: (f64, f64), to: (f64, f64), color: Rgb, width: u32) {
        let (dx, dy) = (to.0 - from.0, to.1 - from.1);
        let len = (dx * dx + dy * dy).sqrt();
        let (dash, gap) = (8.0, 5.0);
        let mut s = 0.0;
        while s < len {
            let e = (s + dash).min(len);
            let p = |t: f64| (from.0 + dx * t / len, from.1 + dy * t / len);
            self.line(&[p(s), p(e)], color, width);
            s += dash + gap;
        }
    }

    pub fn circle(&mut self, x: f64, y: f64, r: f64, color: Rgb) {
        self.items.push(Item::Circle((px(x), px(y)), px(r), color));
    }

    /// Text whose box is vertically centred on `y`; returns its width. Characters the font
    /// lacks are reported (font::check) and drawn as blanks.
    pub fn text(&mut self, x: f64, y: f64, text: &str, size: f64, color: Rgb, align: Align) -> f64 {
        self.push_text(x, y, text, size, color, align, false)
    }

    pub fn bold(&mut self, x: f64, y: f64, text: &str, size: f64, color: Rgb, align: Align) -> f64 {
        self.push_text(x, y, text, size, color, align, true)
    }

    #[allow(clippy::too_many_arguments)]
    fn push_text(
        &mut self,
        x: f64,
        y: f64,
        text: &str,
        size: f64,
        color: Rgb,
        align: Align,
        bold: bool,
    ) -> f64 {
        let text = font::drawable(text);
        if text.trim().is_empty() {
            return 0.0;
        }
        self.text.push_str(&text);
        let w = text_width(&text, size);
        self.items.push(Item::Text {
            at: (px(x), px(y)),
            text,
            size,
            color,
            align,
            bold,
        });
        w
    }

    /// Every text of the chart, concatenated.
    pub fn all_text(&self) -> &str {
        &self.text
    }

    /// Draws the scene; `bitmap` for plotters' bitmap backend (see the text drawing below; the
    /// SVG leaves text layout and bold to the browser).
    pub fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        bitmap: bool,
    ) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let (r, g, b) = palette::BACKGROUND;
        area.fill(&RGBColor(r, g, b)).map_err(err)?;
        for item in &self.items {
            match item {
                Item::Rect(corners, c) => {
                    let style = rgb(*c).filled();
                    area.draw(&Rectangle::new(*corners, style)).map_err(err)?;
                }
                Item::Line(points, c, w) => {
                    let style = rgb(*c).stroke_width(*w);
                    area.draw(&PathElement::new(points.clone(), style))
                        .map_err(err)?;
                }
                Item::Circle(at, radius, c) => {
                    let style = rgb(*c).filled();
                    area.draw(&Circle::new(*at, *radius, style)).map_err(err)?;
                }
                Item::Text {
                    at,
                    text,
                    size,
                    color,
                    align,
                    bold,
                } => {
                    let h = match align {
                        Align::Left => HPos::Left,
                        Align::Center => HPos::Center,
                        Align::Right => HPos::Right,
                    };
                    let weight = if *bold && !bitmap {
                        FontStyle::Bold
                    } else {
                        FontStyle::Normal
                    };
                    let c = rgb(*color);
                    let font = (font::FAMILY, *size).into_font().style(weight);
                    // plotters puts the baseline about half the size below a top anchor.
                    let top = at.1 - px(size * TOP_OFFSET);
                    if !bitmap {
                        let style = font.color(&c).pos(Pos::new(h, VPos::Top));
                        area.draw_text(text, &style, (at.0, top)).map_err(err)?;
                        continue;
                    }
                    // Bitmap: glyph by glyph, each at its own left edge (plotters' bitmap text
                    // ignores side bearings), bold as two passes 1 px apart.
                    let style = font.color(&c).pos(Pos::new(HPos::Left, VPos::Top));
                    let w = text_width(text, *size);
                    let x0 = f64::from(at.0)
                        - match align {
                            Align::Left => 0.0,
                            Align::Center => w / 2.0,
                            Align::Right => w,
                        };
                    let mut one = [0u8; 4];
                    for (ch, dx) in font::glyph_lefts(text, *size) {
                        let ch: &str = ch.encode_utf8(&mut one);
                        let x = px(x0 + dx);
                        area.draw_text(ch, &style, (x, top)).map_err(err)?;
                        if *bold {
                            area.draw_text(ch, &style, (x + 1, top)).map_err(err)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// From a text's vertical centre to plotters' top anchor, in sizes.
const TOP_OFFSET: f64 = 0.27;

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

pub fn text_width(text: &str, size: f64) -> f64 {
    font::text_width(text, size)
}

/// Splits `text` into as few lines as fit `max_width`. Two lines break before 与/和/或 or after
/// 及/、 when that fits, else with the second line the longer, as evenly as possible.
pub fn wrap(text: &str, size: f64, max_width: f64) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    if text_width(text, size) <= max_width || n < 2 {
        return vec![text.to_string()];
    }
    let part = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
    let fits = |k: usize| {
        text_width(&part(0, k), size) <= max_width && text_width(&part(k, n), size) <= max_width
    };
    let score = |k: usize| {
        let natural = matches!(chars[k], '与' | '和' | '或') || matches!(chars[k - 1], '及' | '、');
        // Chinese names often end in a two- or four-character word: on a tie, the second
        // line is the longer one.
        (!natural, 2 * k >= n, (2 * k).abs_diff(n))
    };
    if let Some(k) = (1..n).filter(|&k| fits(k)).min_by_key(|&k| score(k)) {
        return vec![part(0, k), part(k, n)];
    }
    for lines in 3..=n {
        let per = n.div_ceil(lines);
        let parts: Vec<String> = chars.chunks(per).map(|c| c.iter().collect()).collect();
        if parts.iter().all(|p| text_width(p, size) <= max_width) {
            return parts;
        }
    }
    chars.iter().map(|c| c.to_string()).collect()
}

/// A target for people: like `fmt_value` without trailing zeros ("80%", not "80.0%").
pub fn fmt_target(v: f64, unit: &str) -> String {
    if is_ratio(unit) {
        format!("{}%", crate::render::fmt_num(v * 100.0, 1))
    } else {
        fmt_value(v, unit)
    }
}

/// Is the unit a ratio (drawn as a percentage)?
pub fn is_ratio(unit: &str) -> bool {
    matches!(unit, "比例" | "比率" | "%" | "％" | "率")
}

/// A value for people, in its unit: ratios as percentages, counts without decimals.
pub fn fmt_value(v: f64, unit: &str) -> String {
    if is_ratio(unit) {
        return crate::render::fmt_pct(v);
    }
    let decimals = if (v - v.round()).abs() < 1e-9 {
        0
    } else if v.abs() < 10.0 {
        2
    } else {
        1
    };
    crate::render::fmt_num(v, decimals)
}

/// A value's label: "—" when there is none (or it is not a number).
pub fn value_label(v: Option<f64>, unit: &str) -> String {
    v.filter(|v| v.is_finite())
        .map(|v| fmt_value(v, unit))
        .unwrap_or_else(|| "—".to_string())
}

/// The unit as an axis shows it.
pub fn unit_label(unit: &str) -> &str {
    if is_ratio(unit) {
        "%"
    } else {
        unit
    }
}

/// The period as a chart subtitle shows it: "2025年1—6月".
pub fn period_label(p: crate::period::Period) -> String {
    if p.month == 1 {
        format!("{}年1月", p.year)
    } else {
        format!("{}年1—{}月", p.year, p.month)
    }
}

/// A value axis from 0 to a round number at or above `max`.
pub struct Axis {
    pub top: f64,
    pub step: f64,
    /// Pixel positions of 0 and of `top`.
    pub from: f64,
    pub to: f64,
}

impl Axis {
    /// The lowest round top (steps of 1, 2, 2.5 or 5 × 10ⁿ, at most 8 of them) at or above
    /// `max`. `integer`: whole steps only (counts).
    pub fn new(max: f64, from: f64, to: f64, integer: bool) -> Axis {
        let max = if max.is_finite() && max > 0.0 {
            max
        } else {
            1.0
        };
        let mag = 10f64.powf((max / 8.0).log10().floor());
        // (top, step); the fallback is one step from 0 to max.
        let fallback = if integer { max.ceil() } else { max };
        let mut best: Option<(f64, f64)> = None;
        for m in [1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 25.0, 50.0] {
            let step = m * mag;
            if integer && (step < 1.0 || step.fract() != 0.0) {
                continue;
            }
            let n = (max / step - 1e-9).ceil().max(1.0);
            let top = n * step;
            if n > 8.0 {
                continue;
            }
            // The lowest top; on a tie, the number of steps nearest 5.
            let better = match best {
                None => true,
                Some((bt, bs)) => {
                    top < bt - 1e-9 || (top <= bt + 1e-9 && (n - 5.0).abs() < (bt / bs - 5.0).abs())
                }
            };
            if better {
                best = Some((top, step));
            }
        }
        let best = best.unwrap_or((fallback, fallback));
        Axis {
            top: best.0,
            step: best.1,
            from,
            to,
        }
    }

    /// Pixel position of value `v` (clamped to the axis).
    pub fn at(&self, v: f64) -> f64 {
        let v = if v.is_finite() {
            v.clamp(0.0, self.top)
        } else {
            0.0
        };
        self.from + (self.to - self.from) * v / self.top
    }

    pub fn ticks(&self) -> Vec<f64> {
        let n = (self.top / self.step).round() as usize;
        (0..=n).map(|i| i as f64 * self.step).collect()
    }

    /// Tick label: as many decimals as the step needs (percentages for ratio axes).
    pub fn label(&self, v: f64, ratio: bool) -> String {
        if ratio {
            let pct = v * 100.0;
            return format!(
                "{}%",
                crate::render::fmt_num(pct, decimals(self.step * 100.0))
            );
        }
        crate::render::fmt_num(v, decimals(self.step))
    }
}

fn decimals(step: f64) -> usize {
    let mut d = 0;
    while d < 4 && (step * 10f64.powi(d as i32)).fract().abs() > 1e-6 {
        d += 1;
    }
    d
}

/// Horizontal grid lines and value labels of a vertical axis (values go up).
pub fn draw_y_axis(s: &mut Scene, axis: &Axis, left: f64, right: f64, ratio: bool) {
    for t in axis.ticks() {
        let y = axis.at(t);
        let color = if t == 0.0 {
            palette::AXIS
        } else {
            palette::GRID
        };
        s.line(&[(left, y), (right, y)], color, 1);
        let label = axis.label(t, ratio);
        s.text(
            left - 10.0,
            y,
            &label,
            size::SMALL,
            palette::MUTED,
            Align::Right,
        );
    }
}

/// Vertical grid lines and value labels of a horizontal axis (values go right).
pub fn draw_x_axis(s: &mut Scene, axis: &Axis, top: f64, bottom: f64, ratio: bool) {
    for t in axis.ticks() {
        let x = axis.at(t);
        let color = if t == 0.0 {
            palette::AXIS
        } else {
            palette::GRID
        };
        s.line(&[(x, top), (x, bottom)], color, 1);
        let label = axis.label(t, ratio);
        s.text(
            x,
            bottom + 16.0,
            &label,
            size::SMALL,
            palette::MUTED,
            Align::Center,
        );
    }
}

/// A legend entry's symbol.
#[derive(Debug, Clone, Copy)]
pub enum Key {
    Swatch(Rgb),
    Line(Rgb),
    Dashed(Rgb),
}

/// The title (bold, centred), the subtitle (muted) and the legend (one row, centred);
/// returns the y below them where the plot may start.
pub fn header(s: &mut Scene, title: &str, subtitle: &str, legend: &[(Key, &str)]) -> f64 {
    let cx = f64::from(s.width) / 2.0;
    let max_w = f64::from(s.width) - 60.0;
    let mut y = 38.0;
    for line in wrap(title, size::TITLE, max_w) {
        s.bold(cx, y, &line, size::TITLE, palette::TEXT, Align::Center);
        y += 40.0;
    }
    if !subtitle.is_empty() {
        s.text(
            cx,
            y - 4.0,
            subtitle,
            size::SUBTITLE,
            palette::MUTED,
            Align::Center,
        );
        y += 30.0;
    }
    if !legend.is_empty() {
        let key_w = 28.0;
        let widths: Vec<f64> = legend
            .iter()
            .map(|(_, l)| key_w + 8.0 + text_width(l, size::SMALL))
            .collect();
        let gap = 28.0;
        let total = widths.iter().sum::<f64>() + gap * (legend.len() - 1) as f64;
        let mut x = cx - total / 2.0;
        for ((key, label), w) in legend.iter().zip(&widths) {
            match *key {
                Key::Swatch(c) => s.rect(x + 4.0, y - 8.0, x + key_w - 4.0, y + 8.0, c),
                Key::Line(c) => s.line(&[(x, y), (x + key_w, y)], c, 3),
                Key::Dashed(c) => s.dashed((x, y), (x + key_w, y), c, 2),
            }
            s.text(
                x + key_w + 8.0,
                y,
                label,
                size::SMALL,
                palette::TEXT,
                Align::Left,
            );
            x += w + gap;
        }
        y += 26.0;
    }
    y + 10.0
}

/// A chart with nothing to show says so.
pub fn no_data(s: &mut Scene, top: f64, what: &str) {
    let (cx, cy) = (f64::from(s.width) / 2.0, (top + f64::from(s.height)) / 2.0);
    s.text(cx, cy, what, size::LABEL, palette::MUTED, Align::Center);
}
