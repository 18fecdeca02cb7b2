//! The bundled font (Noto Sans SC, GB2312 subset, SIL OFL 1.1: fonts/OFL.txt): registration with
//! plotters for the PNG charts, glyph coverage (a character the font lacks is reported once and
//! drawn as a blank, never as a silent box), and per-document subsets that report.html and the SVG
//! charts embed as `@font-face` so that Chinese renders on a machine with no CJK font.
//!
//! The font is TrueType (`glyf` outlines); a subset keeps every table, glyph id and the full
//! `cmap`, and empties the glyphs a document does not use (rebuilding `glyf` and `loca`).

use base64::Engine as _;
use std::collections::BTreeSet;
use std::sync::{Mutex, Once, OnceLock};

/// The font family name used in SVG and HTML (and registered with plotters).
pub const FAMILY: &str = "ZhaoshangSans";

static FONT: &[u8] = include_bytes!("fonts/NotoSansSC-GB2312.ttf");

/// The whole bundled font file.
pub fn bytes() -> &'static [u8] {
    FONT
}

/// Registers the font with plotters (once), as [`FAMILY`] and as `sans-serif` (plotters' default
/// family, so that no text can fall through to a missing system font), normal and bold (the same
/// face: there is no bold one).
pub fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use plotters::style::{register_font, FontStyle};
        for family in [FAMILY, "sans-serif"] {
            for style in [FontStyle::Normal, FontStyle::Bold] {
                if register_font(family, style, FONT).is_err() {
                    eprintln!("warning: the bundled font could not be registered for charts");
                }
            }
        }
    });
}

/// Characters met that the font lacks and that `take_missing` has not returned yet.
static MISSING: Mutex<BTreeSet<char>> = Mutex::new(BTreeSet::new());
/// Characters already warned about (a warning is printed once per process and character).
static WARNED: Mutex<BTreeSet<char>> = Mutex::new(BTreeSet::new());

/// Does the font have a glyph for `c`?
pub fn has_glyph(c: char) -> bool {
    sfnt().glyph_id(c) != 0
}

fn ignorable(c: char) -> bool {
    c.is_whitespace() || c.is_control()
}

/// Records every character of `text` that the font lacks (whitespace and control characters
/// aside); the first time a character is met, one warning line goes to stderr.
pub fn check(text: &str) {
    let font = sfnt();
    let lacking: BTreeSet<char> = text
        .chars()
        .filter(|&c| !ignorable(c) && font.glyph_id(c) == 0)
        .collect();
    if lacking.is_empty() {
        return;
    }
    MISSING
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .extend(lacking.iter().copied());
    let mut warned = WARNED.lock().unwrap_or_else(|e| e.into_inner());
    for c in lacking {
        if warned.insert(c) {
            eprintln!(
                "warning: the bundled font has no glyph for '{c}' (U+{:04X}); it is drawn as a blank",
                c as u32
            );
        }
    }
}

/// `check`s `text` and returns it with every character the font lacks replaced by an
/// ideographic space (U+3000), so that it is drawn as a blank rather than a box.
pub fn drawable(text: &str) -> String {
    check(text);
    let font = sfnt();
    text.chars()
        .map(|c| {
            if ignorable(c) || font.glyph_id(c) != 0 {
                c
            } else {
                '\u{3000}'
            }
        })
        .collect()
}

/// Characters the font lacks that were met so far (each once, sorted), emptied by the call.
pub fn take_missing() -> Vec<char> {
    let mut set = MISSING.lock().unwrap_or_else(|e| e.into_inner());
    std::mem::take(&mut *set).into_iter().collect()
}

/// The factor from plotters' SVG `font-size` (its size ÷ 1.24) to the CSS font size at which the
/// browser draws the text as large as plotters rasterises it in the PNG (ab_glyph scales a font
/// so that ascent − descent spans the size).
pub fn svg_font_size_factor() -> f64 {
    let f = sfnt();
    let span = f64::from(f.ascent) - f64::from(f.descent);
    if span <= 0.0 || f.units_per_em == 0 {
        return 1.0;
    }
    1.24 * f64::from(f.units_per_em) / span
}

/// The width in pixels of `text` as plotters lays it out at font size `size` (ab_glyph scales
/// ascent − descent to `size`; the font has no kerning). Characters the font lacks count as an
/// ideographic space, as [`drawable`] draws them.
pub fn text_width(text: &str, size: f64) -> f64 {
    let f = sfnt();
    let span = f64::from(f.ascent) - f64::from(f.descent);
    if span <= 0.0 {
        return 0.0;
    }
    let units: f64 = text
        .chars()
        .map(|c| match f.glyph_id(c) {
            0 => f.advance(f.glyph_id('\u{3000}')),
            g => f.advance(g),
        })
        .map(f64::from)
        .sum();
    units * size / span
}

/// Where each visible character of `text` starts, at font size `size`: the x of the left edge
/// of its outline (pen position + left side bearing), from the start of the text, in pixels.
/// (plotters' bitmap text drops the side bearings; the charts place glyphs one by one instead.)
pub fn glyph_lefts(text: &str, size: f64) -> Vec<(char, f64)> {
    let f = sfnt();
    let span = f64::from(f.ascent) - f64::from(f.descent);
    if span <= 0.0 {
        return Vec::new();
    }
    let scale = size / span;
    let mut pen = 0.0;
    let mut out = Vec::new();
    for c in text.chars() {
        let g = match f.glyph_id(c) {
            0 => f.glyph_id('\u{3000}'),
            g => g,
        };
        let outline = f.glyph(g);
        if outline.len() >= 10 && !ignorable(c) {
            out.push((c, pen + f64::from(rd_i16(outline, 2)) * scale));
        }
        pen += f64::from(f.advance(g)) * scale;
    }
    out
}

/// `@font-face` CSS rule that embeds the subset of the font for `text`, with a `unicode-range`
/// of exactly the characters it draws: several such rules (e.g. inline SVG charts in one HTML
/// page) then combine into one family instead of the last hiding the others' glyphs.
pub fn font_face_css(text: &str) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(subset(text));
    let mut cps: Vec<u32> = text
        .chars()
        .filter(|&c| has_glyph(c))
        .map(u32::from)
        .collect();
    cps.sort_unstable();
    cps.dedup();
    let mut ranges: Vec<String> = Vec::new();
    let mut i = 0;
    while i < cps.len() {
        let mut j = i;
        while j + 1 < cps.len() && cps[j + 1] == cps[j] + 1 {
            j += 1;
        }
        ranges.push(if i == j {
            format!("U+{:X}", cps[i])
        } else {
            format!("U+{:X}-{:X}", cps[i], cps[j])
        });
        i = j + 1;
    }
    let range = if ranges.is_empty() {
        String::new()
    } else {
        format!("unicode-range:{};", ranges.join(","))
    };
    format!(
        "@font-face{{font-family:'{FAMILY}';src:url(data:font/ttf;base64,{data}) format('truetype');{range}}}"
    )
}

/// A copy of the font in which every glyph not needed for the characters of `text` (other than
/// .notdef and the components of composite glyphs) is empty. Glyph ids, the cmap and every other
/// table are kept; `glyf`, `loca`, `head` and the table directory are rebuilt.
pub fn subset(text: &str) -> Vec<u8> {
    let font = sfnt();
    let mut keep: BTreeSet<u16> = BTreeSet::from([0]);
    keep.extend(text.chars().map(|c| font.glyph_id(c)));
    let mut todo: Vec<u16> = keep.iter().copied().collect();
    while let Some(g) = todo.pop() {
        for comp in composite_components(font.glyph(g)) {
            if comp < font.num_glyphs && keep.insert(comp) {
                todo.push(comp);
            }
        }
    }
    let mut glyf = Vec::new();
    let mut offsets = Vec::with_capacity(usize::from(font.num_glyphs) + 1);
    for g in 0..font.num_glyphs {
        offsets.push(glyf.len());
        if keep.contains(&g) {
            glyf.extend_from_slice(font.glyph(g));
            pad4(&mut glyf);
        }
    }
    offsets.push(glyf.len());
    let short = glyf.len() <= 0x1FFFE;
    let mut loca = Vec::with_capacity(offsets.len() * if short { 2 } else { 4 });
    for o in offsets {
        if short {
            loca.extend_from_slice(&((o / 2) as u16).to_be_bytes());
        } else {
            loca.extend_from_slice(&(o as u32).to_be_bytes());
        }
    }
    font.rebuild(glyf, loca, short)
}

fn pad4(v: &mut Vec<u8>) {
    while !v.len().is_multiple_of(4) {
        v.push(0);
    }
}

/// Glyph ids of the components of a composite glyph (none for a simple or empty glyph).
fn composite_components(glyph: &[u8]) -> Vec<u16> {
    let mut out = Vec::new();
    if glyph.len() < 10 || rd_i16(glyph, 0) >= 0 {
        return out;
    }
    let mut p = 10;
    while p + 4 <= glyph.len() {
        let flags = rd_u16(glyph, p);
        out.push(rd_u16(glyph, p + 2));
        p += 4 + if flags & 0x0001 != 0 { 4 } else { 2 };
        p += if flags & 0x0008 != 0 {
            2
        } else if flags & 0x0040 != 0 {
            4
        } else if flags & 0x0080 != 0 {
            8
        } else {
            0
        };
        if flags & 0x0020 == 0 {
            break;
        }
    }
    out
}

fn rd_u16(d: &[u8], at: usize) -> u16 {
    d.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .unwrap_or(0)
}

fn rd_i16(d: &[u8], at: usize) -> i16 {
    rd_u16(d, at) as i16
}

fn rd_u32(d: &[u8], at: usize) -> u32 {
    d.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(0)
}

/// TrueType table checksum (the data padded with zeros to a multiple of 4).
fn checksum(d: &[u8]) -> u32 {
    d.chunks(4).fold(0u32, |acc, c| {
        let mut w = [0u8; 4];
        w[..c.len()].copy_from_slice(c);
        acc.wrapping_add(u32::from_be_bytes(w))
    })
}

/// The parts of an sfnt (TrueType) file that coverage and subsetting need.
struct Sfnt<'a> {
    data: &'a [u8],
    /// (tag, offset, length) in directory order.
    tables: Vec<([u8; 4], usize, usize)>,
    cmap: Cmap<'a>,
    num_glyphs: u16,
    long_loca: bool,
    units_per_em: u16,
    ascent: i16,
    descent: i16,
}

enum Cmap<'a> {
    /// Format 4: segments (end, start, delta, range offset position, range offset).
    Format4 {
        data: &'a [u8],
        segments: Vec<(u16, u16, u16, usize, u16)>,
    },
    /// Format 12: groups (first char, last char, first glyph).
    Format12(Vec<(u32, u32, u32)>),
    None,
}

fn sfnt() -> &'static Sfnt<'static> {
    static PARSED: OnceLock<Sfnt<'static>> = OnceLock::new();
    PARSED.get_or_init(|| Sfnt::parse(FONT))
}

impl<'a> Sfnt<'a> {
    /// Parses leniently: a damaged font gives no glyphs rather than a panic.
    fn parse(data: &'a [u8]) -> Sfnt<'a> {
        let n = usize::from(rd_u16(data, 4));
        let tables = (0..n)
            .map(|i| 12 + 16 * i)
            .filter(|&r| r + 16 <= data.len())
            .map(|r| {
                let tag = [data[r], data[r + 1], data[r + 2], data[r + 3]];
                (
                    tag,
                    rd_u32(data, r + 8) as usize,
                    rd_u32(data, r + 12) as usize,
                )
            })
            .filter(|&(_, off, len)| off.checked_add(len).is_some_and(|end| end <= data.len()))
            .collect();
        let mut f = Sfnt {
            data,
            tables,
            cmap: Cmap::None,
            num_glyphs: 0,
            long_loca: false,
            units_per_em: 1000,
            ascent: 0,
            descent: 0,
        };
        let head = f.table(b"head");
        f.units_per_em = rd_u16(head, 18);
        f.long_loca = rd_i16(head, 50) == 1;
        f.num_glyphs = rd_u16(f.table(b"maxp"), 4);
        let hhea = f.table(b"hhea");
        f.ascent = rd_i16(hhea, 4);
        f.descent = rd_i16(hhea, 6);
        f.cmap = Cmap::parse(f.table(b"cmap"));
        f
    }

    fn table(&self, tag: &[u8; 4]) -> &'a [u8] {
        self.tables
            .iter()
            .find(|(t, _, _)| t == tag)
            .map(|&(_, off, len)| &self.data[off..off + len])
            .unwrap_or(&[])
    }

    /// Horizontal advance of glyph `g` in font units.
    fn advance(&self, g: u16) -> u16 {
        let n = usize::from(rd_u16(self.table(b"hhea"), 34));
        if n == 0 {
            return 0;
        }
        rd_u16(self.table(b"hmtx"), 4 * usize::from(g).min(n - 1))
    }

    fn glyph_id(&self, c: char) -> u16 {
        let g = self.cmap.lookup(c as u32);
        if g < self.num_glyphs {
            g
        } else {
            0
        }
    }

    /// The outline data of glyph `g` (empty when out of range or inconsistent).
    fn glyph(&self, g: u16) -> &'a [u8] {
        let (loca, glyf) = (self.table(b"loca"), self.table(b"glyf"));
        let g = usize::from(g);
        let (a, b) = if self.long_loca {
            (
                rd_u32(loca, 4 * g) as usize,
                rd_u32(loca, 4 * g + 4) as usize,
            )
        } else {
            (
                2 * usize::from(rd_u16(loca, 2 * g)),
                2 * usize::from(rd_u16(loca, 2 * g + 2)),
            )
        };
        if a <= b && b <= glyf.len() {
            &glyf[a..b]
        } else {
            &[]
        }
    }

    /// The font with `glyf` and `loca` replaced (tables in directory order, 4-byte aligned,
    /// checksums and head.checkSumAdjustment recomputed).
    fn rebuild(&self, glyf: Vec<u8>, loca: Vec<u8>, short_loca: bool) -> Vec<u8> {
        let n = self.tables.len();
        let mut parts: Vec<([u8; 4], Vec<u8>)> = Vec::with_capacity(n);
        for &(tag, off, len) in &self.tables {
            let body = match &tag {
                b"glyf" => glyf.clone(),
                b"loca" => loca.clone(),
                b"head" => {
                    let mut h = self.data[off..off + len].to_vec();
                    if h.len() >= 54 {
                        h[8..12].copy_from_slice(&[0; 4]);
                        let fmt: i16 = if short_loca { 0 } else { 1 };
                        h[50..52].copy_from_slice(&fmt.to_be_bytes());
                    }
                    h
                }
                _ => self.data[off..off + len].to_vec(),
            };
            parts.push((tag, body));
        }
        let mut out = Vec::new();
        out.extend_from_slice(&self.data[0..4]);
        out.extend_from_slice(&(n as u16).to_be_bytes());
        let mut pow = 1usize;
        let mut log = 0u16;
        while pow * 2 <= n {
            pow *= 2;
            log += 1;
        }
        let search_range = (pow * 16) as u16;
        out.extend_from_slice(&search_range.to_be_bytes());
        out.extend_from_slice(&log.to_be_bytes());
        out.extend_from_slice(&((n * 16) as u16).wrapping_sub(search_range).to_be_bytes());
        let mut offset = 12 + 16 * n;
        let mut head_at = None;
        for (tag, body) in &parts {
            out.extend_from_slice(tag);
            out.extend_from_slice(&checksum(body).to_be_bytes());
            out.extend_from_slice(&(offset as u32).to_be_bytes());
            out.extend_from_slice(&(body.len() as u32).to_be_bytes());
            if tag == b"head" {
                head_at = Some(offset);
            }
            offset += body.len().div_ceil(4) * 4;
        }
        for (_, body) in &parts {
            out.extend_from_slice(body);
            pad4(&mut out);
        }
        if let Some(at) = head_at {
            let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
            out[at + 8..at + 12].copy_from_slice(&adjust.to_be_bytes());
        }
        out
    }
}

impl<'a> Cmap<'a> {
    /// Picks the best Unicode subtable: format 12 (full repertoire) over format 4 (BMP).
    fn parse(cmap: &'a [u8]) -> Cmap<'a> {
        let n = usize::from(rd_u16(cmap, 2));
        let mut best = Cmap::None;
        for i in 0..n {
            let r = 4 + 8 * i;
            let (platform, encoding) = (rd_u16(cmap, r), rd_u16(cmap, r + 2));
            let unicode = platform == 0 || (platform == 3 && matches!(encoding, 1 | 10));
            let Some(sub) = cmap.get(rd_u32(cmap, r + 4) as usize..) else {
                continue;
            };
            if !unicode {
                continue;
            }
            match rd_u16(sub, 0) {
                12 => {
                    let groups = rd_u32(sub, 12) as usize;
                    let groups = (0..groups.min(sub.len() / 12))
                        .map(|g| 16 + 12 * g)
                        .map(|p| (rd_u32(sub, p), rd_u32(sub, p + 4), rd_u32(sub, p + 8)))
                        .collect();
                    return Cmap::Format12(groups);
                }
                4 if matches!(best, Cmap::None) => {
                    let seg = usize::from(rd_u16(sub, 6) / 2);
                    let segments = (0..seg)
                        .map(|s| {
                            let range_at = 16 + 6 * seg + 2 * s;
                            (
                                rd_u16(sub, 14 + 2 * s),
                                rd_u16(sub, 16 + 2 * seg + 2 * s),
                                rd_u16(sub, 16 + 4 * seg + 2 * s),
                                range_at,
                                rd_u16(sub, range_at),
                            )
                        })
                        .collect();
                    best = Cmap::Format4 {
                        data: sub,
                        segments,
                    };
                }
                _ => {}
            }
        }
        best
    }

    fn lookup(&self, c: u32) -> u16 {
        match self {
            Cmap::Format12(groups) => {
                let i = groups.partition_point(|&(_, end, _)| end < c);
                match groups.get(i) {
                    Some(&(start, _, glyph)) if start <= c => (glyph + (c - start)) as u16,
                    _ => 0,
                }
            }
            Cmap::Format4 { data, segments } => {
                let Ok(c) = u16::try_from(c) else { return 0 };
                let i = segments.partition_point(|&(end, ..)| end < c);
                let Some(&(_, start, delta, range_at, range)) = segments.get(i) else {
                    return 0;
                };
                if start > c {
                    return 0;
                }
                if range == 0 {
                    return c.wrapping_add(delta);
                }
                let at = range_at + usize::from(range) + 2 * usize::from(c - start);
                match rd_u16(data, at) {
                    0 => 0,
                    g => g.wrapping_add(delta),
                }
            }
            Cmap::None => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_of_the_bundled_font() {
        for c in "江门市招商引资（亿元）：→％2025ABC·—".chars() {
            assert!(has_glyph(c), "{c} should be covered");
        }
        assert!(!has_glyph('\u{20000}'));
        assert!(!has_glyph('㎡'));
        assert_eq!(drawable("面积㎡"), "面积\u{3000}");
        check("𠀀 x\t");
        // (Other tests' runs may take the global set meanwhile: look at the warned set.)
        let warned = WARNED.lock().unwrap().clone();
        assert!(warned.contains(&'\u{20000}') && warned.contains(&'㎡'));
        assert!(!warned.contains(&' ') && !warned.contains(&'\t') && !warned.contains(&'x'));
        let missing = take_missing();
        assert!(missing.windows(2).all(|w| w[0] < w[1]), "sorted, once each");
        let w = text_width("江门A", 29.0);
        assert!(
            (w - 29.0 / 1.448 * 2.0 - text_width("A", 29.0)).abs() < 1e-9,
            "{w}"
        );
        assert!(svg_font_size_factor() > 0.5 && svg_font_size_factor() < 1.0);
    }

    #[test]
    fn subset_is_small_and_consistent() {
        let text = "江门市招商引资2025";
        let sub = subset(text);
        assert!(sub.len() * 5 < FONT.len(), "subset is {} bytes", sub.len());
        assert_eq!(sub.len() % 4, 0);
        let f = Sfnt::parse(&sub);
        let orig = sfnt();
        assert_eq!(f.num_glyphs, orig.num_glyphs);
        assert_eq!(f.tables.len(), orig.tables.len());
        // Every table 4-byte aligned, inside the file, with a correct checksum (head aside).
        for &(tag, off, len) in &f.tables {
            assert_eq!(off % 4, 0);
            let rec = f.tables.iter().position(|t| t.0 == tag).unwrap();
            let stored = rd_u32(&sub, 12 + 16 * rec + 4);
            if &tag != b"head" {
                assert_eq!(stored, checksum(&sub[off..off + len]), "{tag:?}");
            }
        }
        assert_eq!(checksum(&sub), 0xB1B0_AFBA);
        // loca is monotonic and ends at glyf's length; glyphs are 4-byte aligned.
        let loca = f.table(b"loca");
        let glyf_len = f.table(b"glyf").len();
        let entry = |g: usize| {
            if f.long_loca {
                rd_u32(loca, 4 * g) as usize
            } else {
                2 * usize::from(rd_u16(loca, 2 * g))
            }
        };
        let width = if f.long_loca { 4 } else { 2 };
        assert_eq!(loca.len(), (usize::from(f.num_glyphs) + 1) * width);
        for g in 0..usize::from(f.num_glyphs) {
            assert!(entry(g) <= entry(g + 1));
            assert_eq!(entry(g) % 4, 0);
        }
        assert_eq!(entry(usize::from(f.num_glyphs)), glyf_len);
        // The text's glyphs are intact, others are empty; .notdef is kept.
        for c in text.chars() {
            let g = f.glyph_id(c);
            assert_ne!(g, 0);
            // The same outline, padded to 4 bytes.
            assert!(f.glyph(g).starts_with(orig.glyph(g)));
            assert!(f.glyph(g).len() < orig.glyph(g).len() + 4);
        }
        assert!(!f.glyph(0).is_empty());
        let other = f.glyph_id('湾');
        assert_ne!(other, 0);
        assert!(f.glyph(other).is_empty());
        assert!(!orig.glyph(other).is_empty());
        // Deterministic.
        assert_eq!(subset(text), sub);
        let css = font_face_css("门江 ABC𠀀");
        let head = "@font-face{font-family:'ZhaoshangSans';src:url(data:font/ttf;base64,";
        assert!(css.starts_with(head));
        let tail = ") format('truetype');unicode-range:U+20,U+41-43,U+6C5F,U+95E8;}";
        assert!(css.ends_with(tail), "{}", &css[css.len() - 80..]);
        assert_eq!(
            font_face_css(""),
            font_face_css("").replace("unicode-range", "")
        );
    }
}
