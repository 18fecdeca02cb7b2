//! Text normalisation shared by every stage: NFKC, space removal, identity keys.

use std::borrow::Cow;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Characters whose NFKC quick check is Yes and whose combining class is 0, so that a text
/// of only these is in NFKC without asking the library's tables (most cells: ASCII, the CJK
/// unified ideographs and the common Chinese punctuation 、。〈〉《》「」『』【】‘’“”). A text
/// with any other character goes to the library's quick check. The unit test checks every
/// character of these ranges against the library.
const SURELY_NFKC: [(char, char); 6] = [
    ('\u{0}', '\u{7F}'),
    ('\u{2018}', '\u{2019}'),
    ('\u{201C}', '\u{201D}'),
    ('\u{3001}', '\u{3002}'),
    ('\u{3008}', '\u{3011}'),
    ('\u{4E00}', '\u{9FFF}'),
];

fn surely_nfkc(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii() || SURELY_NFKC.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)))
}

/// NFKC of `s`, borrowed when `s` is already in NFKC (most cells: plain Chinese and ASCII),
/// which the quick check tells without normalising.
fn nfkc_cow(s: &str) -> Cow<'_, str> {
    if surely_nfkc(s) || is_nfkc_quick(s.chars()) == IsNormalized::Yes {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.nfkc().collect())
    }
}

/// NFKC-normalise and trim (full-width digits, letters and parentheses become ASCII; U+3000 becomes a space).
pub fn nfkc(s: &str) -> String {
    nfkc_cow(s).trim().to_string()
}

/// NFKC and remove every whitespace character: the form header spellings and vocabulary
/// aliases are compared in.
pub fn compact(s: &str) -> String {
    compact_cow(s).into_owned()
}

/// [`compact`], borrowed when `s` is already compact (in NFKC, without whitespace).
pub fn compact_cow(s: &str) -> Cow<'_, str> {
    match nfkc_cow(s) {
        n if !n.chars().any(char::is_whitespace) => n,
        n => Cow::Owned(n.chars().filter(|c| !c.is_whitespace()).collect()),
    }
}

/// The identity form of DESIGN §3: NFKC, trim, collapse inner whitespace, ASCII lower case.
pub fn identity_key(s: &str) -> String {
    let n = nfkc_cow(s);
    let mut out = String::with_capacity(n.len());
    for word in n.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.to_ascii_lowercase()
}

/// A header label as compared with the spellings: compact form without a trailing
/// required-field marker (`*`, `※`) and without line breaks.
pub fn header_label(s: &str) -> String {
    let c = compact_cow(s);
    c.trim_start_matches(['*', '※'])
        .trim_end_matches(['*', '※', ':'])
        .to_string()
}

/// Splits `计划总投资(万元)` into (`计划总投资`, Some(`万元`)). Only a parenthesised suffix counts.
pub fn split_paren_suffix(label: &str) -> (&str, Option<&str>) {
    if let Some(stripped) = label.strip_suffix(')') {
        if let Some(open) = stripped.rfind('(') {
            let base = &stripped[..open];
            let inner = &stripped[open + 1..];
            if !base.is_empty() && !inner.is_empty() {
                return (base, Some(inner));
            }
        }
    }
    (label, None)
}

/// Removes a trailing suffix (e.g. 区, 市, 县) when something remains.
pub fn strip_any_suffix<'a>(name: &'a str, suffixes: &[&str]) -> &'a str {
    for suf in suffixes {
        if let Some(s) = name.strip_suffix(suf) {
            if !s.is_empty() {
                return s;
            }
        }
    }
    name
}

/// Spreadsheet column letters for a 0-based column index (0 -> A, 26 -> AA).
pub fn column_letters(mut col: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// An A1-style cell address from 0-based row and column.
pub fn cell_address(row: u32, col: u32) -> String {
    format!("{}{}", column_letters(col), row + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_characters_taken_as_nfkc_without_the_tables_are_nfkc_for_the_library_too() {
        use unicode_normalization::char::canonical_combining_class;
        let mut checked = 0;
        for (lo, hi) in SURELY_NFKC {
            for c in lo..=hi {
                let one = c.to_string();
                assert_eq!(
                    is_nfkc_quick(one.chars()),
                    IsNormalized::Yes,
                    "U+{:04X}",
                    c as u32
                );
                assert_eq!(canonical_combining_class(c), 0, "U+{:04X}", c as u32);
                assert!(surely_nfkc(&one));
                checked += 1;
            }
        }
        assert_eq!(checked, 128 + 2 + 2 + 2 + 10 + 20992);
        // Outside the ranges the library decides: full-width forms and U+3000 are not NFKC.
        assert!(!surely_nfkc("\u{3000}"));
        for s in ["（亿元）", "ＪＭ", "：", "\u{F900}"] {
            assert!(!surely_nfkc(s), "{s}");
            assert_ne!(nfkc(s), s.trim(), "{s}");
        }
    }

    #[test]
    fn nfkc_turns_full_width_into_ascii() {
        assert_eq!(nfkc("ＪＭ２０２５-０４２１ "), "JM2025-0421");
        assert_eq!(compact("所属县（市、区）"), "所属县(市、区)");
        assert_eq!(compact("项目\u{3000}名称\n"), "项目名称");
    }

    #[test]
    fn identity_key_collapses_and_lowercases() {
        assert_eq!(identity_key("  ＪＭ２０２５-０４２１"), "jm2025-0421");
        assert_eq!(
            identity_key("广东  华瑞 Co\u{3000}Ltd "),
            "广东 华瑞 co ltd"
        );
    }

    #[test]
    fn header_label_strips_markers() {
        assert_eq!(header_label("*项目名称"), "项目名称");
        assert_eq!(header_label("签约时间："), "签约时间");
    }

    #[test]
    fn paren_suffix_is_split() {
        assert_eq!(
            split_paren_suffix("计划总投资(万元)"),
            ("计划总投资", Some("万元"))
        );
        assert_eq!(split_paren_suffix("县(市、区)"), ("县", Some("市、区")));
        assert_eq!(split_paren_suffix("项目名称"), ("项目名称", None));
    }

    #[test]
    fn cell_addresses() {
        assert_eq!(cell_address(0, 0), "A1");
        assert_eq!(cell_address(13, 6), "G14");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
    }
}
