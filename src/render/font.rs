//! The bundled font (Noto Sans SC, GB2312 subset, SIL OFL 1.1: fonts/OFL.txt).
//! (Being written: registration with plotters, glyph coverage, per-document subsets.)

/// The font family name used in SVG and HTML.
pub const FAMILY: &str = "ZhaoshangSans";

/// Characters the font lacks that were met so far (each once), emptied by the call.
pub fn take_missing() -> Vec<char> {
    Vec::new()
}
