//! Parsing of cell values: amounts with units, plain numbers and dates in every form
//! that real returns use (DESIGN §2.3).

use crate::ingest::Cell;
use chrono::{Duration, NaiveDate};

/// A number written as text, with the unit word that followed it (`12.5亿` -> (12.5, "亿")).
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedNumber {
    pub value: f64,
    pub unit: Option<String>,
}

/// Parses `1,600`, `１２３`, `12.5亿`, `8000万元`, `-3`, `274亩`. Returns None when the text is
/// not a number followed by at most a unit word.
pub fn parse_number_text(raw: &str) -> Option<ParsedNumber> {
    let s: String = crate::text::compact(raw)
        .chars()
        .filter(|c| *c != ',')
        .collect();
    // A currency sign before the number: ¥12,000 (NFKC turns ￥ into ¥).
    let s = s.trim_start_matches(['¥', '$']);
    let s = s.trim_start_matches('+');
    let mut end = 0;
    let mut seen_digit = false;
    let mut seen_dot = false;
    for (i, ch) in s.char_indices() {
        match ch {
            '-' if i == 0 => {}
            '0'..='9' => seen_digit = true,
            '.' if !seen_dot => seen_dot = true,
            _ => break,
        }
        end = i + ch.len_utf8();
    }
    if !seen_digit {
        return None;
    }
    let value: f64 = s[..end].parse().ok()?;
    let rest = &s[end..];
    let unit = (!rest.is_empty()).then(|| rest.to_string());
    if let Some(u) = &unit {
        // A unit word is letters only: no digits or further punctuation.
        if u.chars()
            .any(|c| c.is_ascii_digit() || c == '.' || c == '-')
        {
            return None;
        }
    }
    Some(ParsedNumber { value, unit })
}

/// What went wrong reading a value.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueError {
    /// The cell holds an error value (#N/A, #REF!).
    ErrorCell(String),
    /// Not a number.
    NotNumber,
    /// Not a date.
    NotDate,
}

/// Reads a number cell: numeric cells directly, text through [`parse_number_text`].
pub fn read_number(cell: &Cell) -> Result<Option<ParsedNumber>, ValueError> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Number(n) => Ok(Some(ParsedNumber {
            value: *n,
            unit: None,
        })),
        Cell::Text(t) => {
            let c = crate::text::compact(t);
            if c.is_empty() || c == "-" || c == "/" || c == "—" || c == "无" {
                return Ok(None);
            }
            parse_number_text(t).map(Some).ok_or(ValueError::NotNumber)
        }
        Cell::Error(e) => Err(ValueError::ErrorCell(e.clone())),
        Cell::Date(_) | Cell::Bool(_) => Err(ValueError::NotNumber),
    }
}

/// Excel's 1900 date system: serial 1 is 1900-01-01 (with the phantom 1900-02-29).
pub fn excel_serial_to_date(serial: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let days = if days < 61 { days + 1 } else { days };
    base.checked_add_signed(Duration::days(days))
}

/// Reads a date cell: date cells, serial numbers, `20250305`, and text in the forms
/// 2025年3月5日, 2025.3.5, 2025/3/5, 2025-03-05, 2025年3月 (the month's first day).
pub fn read_date(cell: &Cell) -> Result<Option<NaiveDate>, ValueError> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Date(d) => Ok(Some(*d)),
        Cell::Number(n) => number_to_date(*n).map(Some).ok_or(ValueError::NotDate),
        Cell::Text(t) => {
            let c = crate::text::compact(t);
            if c.is_empty() || c == "-" || c == "/" || c == "—" {
                return Ok(None);
            }
            parse_date_text(t).map(Some).ok_or(ValueError::NotDate)
        }
        Cell::Error(e) => Err(ValueError::ErrorCell(e.clone())),
        Cell::Bool(_) => Err(ValueError::NotDate),
    }
}

fn number_to_date(n: f64) -> Option<NaiveDate> {
    if n.fract() == 0.0 && (19_000_101.0..=21_001_231.0).contains(&n) {
        let v = n as i64;
        return NaiveDate::from_ymd_opt(
            (v / 10_000) as i32,
            ((v / 100) % 100) as u32,
            (v % 100) as u32,
        );
    }
    excel_serial_to_date(n)
}

pub fn parse_date_text(raw: &str) -> Option<NaiveDate> {
    let n = crate::text::nfkc(raw);
    // Drop a time of day: `2025-03-05 00:00:00`, `2025-03-05T08:00`.
    let first = n
        .split(|c: char| c.is_whitespace() || c == 'T')
        .next()
        .unwrap_or("");
    let s: String = first.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return None;
    }
    if s.chars().all(|c| c.is_ascii_digit()) {
        return match s.len() {
            8 => number_to_date(s.parse().ok()?),
            4..=6 => number_to_date(s.parse().ok()?),
            _ => None,
        };
    }
    if s.contains('年') {
        let (y, rest) = s.split_once('年')?;
        let rest = rest.trim_end_matches(['日', '号']);
        let (m, d) = match rest.split_once('月') {
            Some((m, d)) => (m, d),
            None => (rest, ""),
        };
        return ymd(y, m, if d.is_empty() { "1" } else { d });
    }
    let parts: Vec<&str> = s.split(['.', '/', '-']).collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => ymd(y, m, d),
        [y, m] if y.len() == 4 => ymd(y, m, "1"),
        _ => None,
    }
}

fn ymd(y: &str, m: &str, d: &str) -> Option<NaiveDate> {
    let all_digits =
        |s: &str| !s.is_empty() && s.len() <= 4 && s.chars().all(|c| c.is_ascii_digit());
    if !(all_digits(y) && y.len() == 4 && all_digits(m) && all_digits(d)) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn numbers_with_units_and_separators() {
        assert_eq!(
            parse_number_text("1,600"),
            Some(ParsedNumber {
                value: 1600.0,
                unit: None
            })
        );
        assert_eq!(
            parse_number_text("12.5亿").unwrap(),
            ParsedNumber {
                value: 12.5,
                unit: Some("亿".into())
            }
        );
        assert_eq!(
            parse_number_text("８０００万元").unwrap(),
            ParsedNumber {
                value: 8000.0,
                unit: Some("万元".into())
            }
        );
        assert_eq!(parse_number_text(" ３.３２ ").unwrap().value, 3.32);
        assert_eq!(parse_number_text("-3").unwrap().value, -3.0);
        assert_eq!(parse_number_text("24，300").unwrap().value, 24300.0);
        assert_eq!(parse_number_text("待定"), None);
        assert_eq!(parse_number_text("约5亿"), None);
        assert_eq!(parse_number_text("1.2.3"), None);
    }

    #[test]
    fn number_cells() {
        assert_eq!(read_number(&Cell::Number(2.5)).unwrap().unwrap().value, 2.5);
        assert_eq!(
            read_number(&Cell::Error("#N/A".into())),
            Err(ValueError::ErrorCell("#N/A".into()))
        );
        assert_eq!(read_number(&Cell::Text("/".into())), Ok(None));
    }

    #[test]
    fn dates_in_every_form() {
        assert_eq!(excel_serial_to_date(45658.0), Some(d(2025, 1, 1)));
        assert_eq!(excel_serial_to_date(59.0), Some(d(1900, 2, 28)));
        assert_eq!(excel_serial_to_date(61.0), Some(d(1900, 3, 1)));
        assert_eq!(
            read_date(&Cell::Number(45660.0)).unwrap(),
            Some(d(2025, 1, 3))
        );
        for s in [
            "2025年3月5日",
            "2025.3.5",
            "2025/3/5",
            "2025-03-05",
            "２０２５年３月５日",
            "2025-03-05 00:00:00",
            "20250305",
        ] {
            assert_eq!(parse_date_text(s), Some(d(2025, 3, 5)), "{s}");
        }
        assert_eq!(parse_date_text("2025年3月"), Some(d(2025, 3, 1)));
        assert_eq!(parse_date_text("2025.3"), Some(d(2025, 3, 1)));
        assert_eq!(parse_date_text("2025年13月"), None);
        assert_eq!(parse_date_text("2025-02-30"), None);
        assert_eq!(parse_date_text("三月"), None);
        assert_eq!(
            read_date(&Cell::Text("45660".into())).unwrap(),
            Some(d(2025, 1, 3))
        );
    }
}
