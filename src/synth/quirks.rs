//! Small text helpers that make values look like the ones in real returns: number formatting,
//! full-width digits, thousands separators, dates in their many spellings, header decorations.

use super::rng::Rng;
use chrono::{Datelike, NaiveDate};

/// Shortest decimal text of a value with at most 4 decimals (no float noise, no trailing zeros).
pub(crate) fn fmt_num(x: f64) -> String {
    let s = format!("{:.4}", x);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".to_string()
    } else {
        s.to_string()
    }
}

pub(crate) fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round() / f
}

/// ASCII digits and letters to their full-width forms (１２３, ＡＢ); `-` and `.` stay ASCII,
/// as in the real returns (ＪＭ２０２５-０４２１, ０.５９).
pub(crate) fn fullwidth(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

/// `24300` -> `24,300`; keeps decimals (`1234.5` -> `1,234.5`).
pub(crate) fn thousands(x: f64) -> String {
    let s = fmt_num(x);
    let (sign, body) = match s.strip_prefix('-') {
        Some(b) => ("-", b.to_string()),
        None => ("", s.clone()),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i.to_string(), format!(".{f}")),
        None => (body.clone(), String::new()),
    };
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{sign}{out}{frac}")
}

pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    let first_next = NaiveDate::from_ymd_opt(ny, nm, 1).expect("valid date");
    first_next.pred_opt().expect("valid date").day()
}

pub(crate) fn month_end(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, days_in_month(year, month)).expect("valid date")
}

pub(crate) fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("valid date")
}

/// Excel serial number of a date (1900 date system; valid after 1900-03-01).
pub(crate) fn excel_serial(d: NaiveDate) -> f64 {
    let base = ymd(1899, 12, 30);
    (d - base).num_days() as f64
}

/// The text spellings of a date seen in returns: 0 `2025年3月5日`, 1 `2025.3.5`, 2 `2025/3/5`,
/// 3 `2025-03-05`.
pub(crate) fn date_text(kind: usize, d: NaiveDate) -> String {
    let (y, m, dd) = (d.year(), d.month(), d.day());
    match kind % 4 {
        0 => format!("{y}年{m}月{dd}日"),
        1 => format!("{y}.{m}.{dd}"),
        2 => format!("{y}/{m}/{dd}"),
        _ => format!("{y}-{m:02}-{dd:02}"),
    }
}

/// Month precision (`2025年3月`): only ever used for dates that are the 1st of their month.
pub(crate) fn month_text(d: NaiveDate) -> String {
    format!("{}年{}月", d.year(), d.month())
}

/// Header decorations that survive NFKC + space removal: full-width parentheses, a U+3000 or
/// ASCII space inside the label.
pub(crate) fn decorate_header(rng: &mut Rng, s: &str) -> String {
    let mut out = s.to_string();
    if rng.chance(0.5) {
        out = out.replace('(', "（").replace(')', "）");
    } else if rng.chance(0.3) {
        out = out.replace('（', "(").replace('）', ")");
    }
    if rng.chance(0.12) {
        let chars: Vec<char> = out.chars().collect();
        let stop = chars
            .iter()
            .position(|c| *c == '(' || *c == '（')
            .unwrap_or(chars.len());
        if stop >= 2 {
            let at = 1 + rng.below(stop - 1);
            let sp = if rng.chance(0.5) { '\u{3000}' } else { ' ' };
            let mut v = chars.clone();
            v.insert(at, sp);
            out = v.into_iter().collect();
        }
    }
    out
}

/// Append a unit to a header unless its spelling already carries one.
pub(crate) fn with_unit(rng: &mut Rng, header: &str, unit: &str) -> String {
    if header.contains('(') || header.contains('（') {
        return header.to_string();
    }
    if rng.chance(0.5) {
        format!("{header}（{unit}）")
    } else {
        format!("{header}({unit})")
    }
}

/// A spelling that the pipeline's identity normalisation (NFKC, trim, collapse inner
/// whitespace, ASCII lower case) maps back to the original.
pub(crate) fn identity_variant(rng: &mut Rng, s: &str) -> String {
    let has_ascii = s.chars().any(|c| c.is_ascii_alphanumeric());
    let k = if has_ascii {
        rng.below(6)
    } else {
        rng.below(3)
    };
    match k {
        0 => format!("{s} "),
        1 => format!("\u{3000}{s}"),
        2 => format!(" {s}\u{3000}"),
        3 => fullwidth(s),
        4 => {
            if s.chars().any(|c| c.is_ascii_uppercase()) {
                s.to_ascii_lowercase()
            } else {
                s.to_ascii_uppercase()
            }
        }
        _ => format!("{} ", fullwidth(&s.to_ascii_lowercase())),
    }
}

const SURNAMES: &[&str] = &[
    "陈", "李", "黄", "张", "梁", "吴", "刘", "何", "林", "周", "谭", "邓",
];
const GIVEN: &[&str] = &[
    "志明", "慧", "伟强", "丽华", "建国", "晓东", "美玲", "国栋", "嘉欣", "文杰", "少华", "秀英",
];

pub(crate) fn person(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

pub(crate) fn phone(rng: &mut Rng) -> String {
    format!("1{}{:08}", rng.range(33, 89), rng.range(0, 99_999_999))
}

/// `江门市` -> `江门`: the prefix with which a city bureau's name is also written.
pub(crate) fn city_stem(city: &str) -> String {
    city.strip_suffix('市').unwrap_or(city).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_texts() {
        assert_eq!(fmt_num(3.3200000001), "3.32");
        assert_eq!(fmt_num(10.0), "10");
        assert_eq!(fmt_num(-1.5), "-1.5");
        assert_eq!(thousands(24300.0), "24,300");
        assert_eq!(thousands(338700.0), "338,700");
        assert_eq!(thousands(-1234.5), "-1,234.5");
        assert_eq!(thousands(300.0), "300");
        assert_eq!(fullwidth("JM2025-0421"), "ＪＭ２０２５-０４２１");
        assert_eq!(fullwidth("0.59"), "０.５９");
    }

    #[test]
    fn dates() {
        let d = ymd(2025, 3, 5);
        assert_eq!(date_text(0, d), "2025年3月5日");
        assert_eq!(date_text(1, d), "2025.3.5");
        assert_eq!(date_text(2, d), "2025/3/5");
        assert_eq!(date_text(3, d), "2025-03-05");
        assert_eq!(excel_serial(ymd(2025, 1, 1)), 45658.0);
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(month_end(2025, 12), ymd(2025, 12, 31));
    }
}
