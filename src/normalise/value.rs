//! Parsing of cell values: amounts with units, plain numbers and dates in every form
//! that real returns use (DESIGN §2.3). This comment is the reference for the accepted forms.
//!
//! # Numbers
//! [`parse_number_text`] / [`read_number`] are strict: a number (`1,600`, `１２３`, `-3`, `¥12,000`)
//! followed by at most a unit word (`12.5亿`, `8000万元`, `274亩`).
//!
//! [`parse_approx_number_text`] / [`read_approx_number`] also recover **approximate amounts**, counted
//! at the written number, with [`ParsedNumber::approx`] naming the word(s) that made them approximate
//! so the caller can warn "按3亿元计":
//! - before the number: `约`, `大约`, `大概`, `约计`, `近`, `将近`, `接近`, `预计`, `预估`, `估计`,
//!   `超`, `超过`, `逾`, `不低于`, `不少于`, `～`/`~` (`约3亿`, `大约3亿元`, `近5000万`, `预计2亿`,
//!   `约 3 亿`, `～3亿`);
//! - after the number or the unit: `左右`, `上下`, `以上`, `以下`, `以内`, `多`, `余`, `许`
//!   (`2.3亿元左右`, `5000万元以上`, `3亿多`, `5000余万`, `5000多万元`);
//! - a parenthesised remark at the end that is one of `暂定`, `预计`, `预估`, `估算`, `估计`, `约`,
//!   `初步估算`, `拟` (`3亿（暂定）`, `3亿(预计)`, `3亿元(拟)`); `+` after the unit (`3亿+`).
//!
//! A remark that breaks the amount down or comments on it — it holds a figure or one of `其中`,
//! `含`, `包括`, `期`, `已到位`, `累计` … — in parentheses (`1.2亿元（其中一期5000万）`,
//! `3亿（含设备）`, `5亿（分两期建设）`) or after a comma or semicolon
//! (`3.2亿元，其中固定资产投资2.5亿`) leaves the amount before it, with the remark in
//! [`ParsedNumber::remark`] for a warning. Any other text after a comma is no amount (a comma
//! before a digit is a thousands separator). A full stop or separator at the end is ignored
//! (`3.5亿元。`).
//!
//! Not recovered (stay unparseable, the filer must choose or fill in): ranges `3-5亿`, `3~5亿`,
//! `3至5亿`, `3到5亿`; words without a number `待定`, `待核实`, `未定`; a currency in the remark
//! (`2000万（美元）`) and any other remark (`3亿（待核实）`).
//!
//! # Counts
//! [`count_unit`] gives the factor and the counter word of a count's unit: `万` ×10000, `千` ×1000,
//! `百` ×100, `亿` ×10⁸, optionally followed by a counter word (`人`, `人次`, `名`, `位`, `个`, `家`,
//! `户`, `套`, `间`, `场`, `场次`, `次`, `项`, `栋`, `幢`, `台`, `件`, `批`, `所`, `座`, `宗`, `张`),
//! or a counter word alone (×1). `1.2万` = 12000, `1.5万人` = 15000 人, `2万套`, `120人`, `35间`.
//! [`parse_count_text`] / [`read_count`] apply it (approximate words allowed, as for amounts).
//!
//! # Dates
//! [`read_date`] / [`parse_date_text`] (no period known): date cells, serial numbers, `20250305`,
//! `2025年3月5日`, `2025.3.5`, `2025/3/5`, `2025-03-05`, `2025年3月` (the month's first day).
//!
//! [`read_date_in`] / [`parse_date_text_in`] know the return's period and say what they assumed
//! ([`DateRead::assumed`]); the caller warns with [`DateRead::assumption_text`] and flags a date
//! after the period itself ([`DateRead::after_period`]; for a date whose year was assumed
//! [`DateRead::year_assumed`] tells it apart):
//! - full dates, as above, and also `2025年3月5号`, `2025.3.5.` (a trailing dot), `2025。3。5`;
//! - **year of the return** ([`DateAssumption::YearOfReturn`]): `3月12日`, `3月12号`, `03-12`,
//!   `3/12`, and `3.12` **written as text** (month first, the Chinese order). A *number* cell 3.12 is
//!   not read as a date (3.1 and 3.10 are the same number): [`ValueError::NotDate`];
//! - **month only**, read as the month's first day ([`DateAssumption::MonthOnly`]): `2025.11`,
//!   `2025年11月`, `2025年11月份`, `2025/11`, `2025-11`, `202511` (text or number), `11月` /
//!   `11月份` (year of the return too), and a number cell holding year.month (`2025.11` typed as a
//!   number, never an Excel serial of 1905). A number cell `2025.1` is read as January and flagged
//!   `january_or_october` (a number drops the 0 of `2025.10`); the text `2025.1` is January;
//! - **part of a month** ([`DateAssumption::PartOfMonth`]): `2025年3月上旬` → 1st, `中旬` → 11th,
//!   `下旬` → 21st (the first day of the part, as a month alone is its first day), `初` → 1st,
//!   `底` / `末` → the month's last day; also without a year (`3月底`);
//! - **a remark after a complete date** is dropped and returned in [`DateRead::note`]: a
//!   parenthesised remark of any content (`2025年3月5日（已签约）`) and the words `前`, `之前`,
//!   `以前`, `左右`, `前后` (`2025年3月5日前`), and the event that happened on it (`签约`, `签订`,
//!   `签署`, `开工`, `动工`, `竣工`, `投产`, `达产`, `注册`, `落地`, `建成`, `入驻`, `开业`, `完成`,
//!   optionally after `已`: `2025年3月5日签约`, `3月5日已开工`, also after a date without a year).
//!   `已于` / `于` before a date are dropped (`已于3月5日签约`). Any other trailing text is not a
//!   date (`2025年3月5日后`, `2025年3月拟签约`).
//!
//! Not dates: a bare year (`2025`, text or number), `三月`, a month beyond 12, a day beyond the
//! month's end, `2025年底`.

use crate::ingest::Cell;
use crate::period::Period;
use chrono::{Datelike, Duration, NaiveDate};

/// A text column read as numbers the way [`parse_number_text`] reads one cell (`2.50%`, `1,845`,
/// `132人年` → the number; the unit word is dropped); null where a cell is not a number.
pub fn numbers_of_texts(texts: &polars::prelude::StringChunked) -> polars::prelude::Float64Chunked {
    texts
        .iter()
        .map(|t| t.and_then(parse_number_text).map(|n| n.value))
        .collect::<polars::prelude::Float64Chunked>()
        .with_name(texts.name().clone())
}

/// A text column read as places in `vocabulary` (0 = its first value); null where a cell is
/// no value of it.
pub fn indices_of_texts(
    vocabulary: &crate::pipeline::Vocabulary,
    texts: &polars::prelude::StringChunked,
) -> polars::prelude::UInt32Chunked {
    use crate::pipeline::Resolved;
    texts
        .iter()
        .map(|t| match vocabulary.resolve(t?) {
            Resolved::Value(i) => Some(i as u32),
            _ => None,
        })
        .collect::<polars::prelude::UInt32Chunked>()
        .with_name(texts.name().clone())
}

/// A number written as text, with the unit word that followed it (`12.5亿` -> (12.5, "亿")).
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedNumber {
    pub value: f64,
    pub unit: Option<String>,
    /// The words that made the amount approximate (`约`, `左右`, `暂定`), joined by `、`; None for
    /// an exact amount. Only [`parse_approx_number_text`] sets it.
    pub approx: Option<String>,
    /// A parenthesised remark after the amount that breaks it down or comments on it
    /// (`其中一期5000万` of `1.2亿元（其中一期5000万）`): not read, said in a warning. Only
    /// [`parse_approx_number_text`] sets it.
    pub remark: Option<String>,
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
    Some(ParsedNumber {
        value,
        unit,
        approx: None,
        remark: None,
    })
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
            approx: None,
            remark: None,
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

// ---------------------------------------------------------------------------------------------
// Approximate amounts
// ---------------------------------------------------------------------------------------------

/// Words before a number that make it approximate, longest first.
const APPROX_BEFORE: &[&str] = &[
    "不低于",
    "不少于",
    "大约",
    "大概",
    "约计",
    "将近",
    "接近",
    "预计",
    "预估",
    "估计",
    "超过",
    "约",
    "近",
    "超",
    "逾",
    "~",
];
/// Words after a number or its unit that make it approximate, longest first.
const APPROX_AFTER: &[&str] = &[
    "左右", "上下", "以上", "以下", "以内", "多", "余", "许", "+",
];
/// Parenthesised remarks after an amount that only say it is not final.
const APPROX_REMARKS: &[&str] = &[
    "暂定",
    "预计",
    "预估",
    "估算",
    "估计",
    "约",
    "初步估算",
    "拟",
];
/// Words inside a unit that only say "more than" (`5000余万`, `3亿多元`).
const APPROX_INSIDE: &[char] = &['余', '多'];
/// Words of a parenthesised remark that breaks an amount down or comments on it (`其中一期5000万`,
/// `含设备投资2亿`, `分两期建设`, `已到位3000万`): the amount before it is the figure. `期` stands
/// for 一期, 二期, 首期, 分期, 分两期.
const REMARK_WORDS: &[&str] = &[
    "其中",
    "含",
    "包括",
    "包含",
    "期",
    "已到位",
    "已完成",
    "已投",
    "累计",
    "注",
    "备注",
];

/// A parenthesised remark after an amount that is a note, not a unit or a currency: it holds a
/// figure of its own or one of [`REMARK_WORDS`], or it says what has been done (`已开工`). `（美元）`, `（万元）` or `（待核实）` are not: the
/// cell stays unreadable rather than be read in a unit the filer did not mean.
fn is_amount_remark(remark: &str) -> bool {
    let unit_like = ["美元", "港元", "港币", "欧元", "日元", "外币"]
        .iter()
        .any(|w| remark.contains(w));
    !unit_like
        && (remark.chars().any(|c| c.is_ascii_digit())
            || remark.starts_with('已')
            || REMARK_WORDS.iter().any(|w| remark.contains(w)))
}

/// Like [`parse_number_text`], and also recovers approximate amounts (`约3亿`, `2.3亿元左右`,
/// `近5000万`, `5000余万`, `3亿（暂定）`) at the written number, naming the approximating words in
/// [`ParsedNumber::approx`]. Ranges (`3-5亿`, `3至5亿`) and words alone (`待定`) give None.
pub fn parse_approx_number_text(raw: &str) -> Option<ParsedNumber> {
    let compact = crate::text::compact(raw);
    // A full stop or separator at the very end says nothing: `3.5亿元。`.
    let compact = compact.trim_end_matches(['。', ',', ';', '、']);
    let mut note: Option<String> = None;
    // A remark after a comma or semicolon (`3.2亿元，其中固定资产投资2.5亿`) is a note beside the
    // amount when it is one by [`is_amount_remark`]; a comma before a digit is a thousands
    // separator (`12,000万元`).
    let sep = compact.char_indices().find(|&(i, c)| {
        (c == ',' || c == ';') && !compact[i + 1..].starts_with(|d: char| d.is_ascii_digit())
    });
    let body = match sep {
        Some((i, _)) => {
            let remark = &compact[i + 1..];
            if !is_amount_remark(remark) {
                return None;
            }
            note = Some(remark.to_string());
            &compact[..i]
        }
        None => compact,
    };
    let mut s: String = body.chars().filter(|c| *c != ',').collect();
    let mut words: Vec<String> = Vec::new();
    // A parenthesised remark at the end: `3亿(暂定)` makes it approximate, `1.2亿(其中一期5000万)`
    // is a note beside it; any other remark is not an amount.
    if let Some(inner) = s.strip_suffix(')') {
        let open = inner.rfind('(')?;
        let remark = &inner[open + 1..];
        if APPROX_REMARKS.contains(&remark) {
            words.push(remark.to_string());
        } else if is_amount_remark(remark) && note.is_none() {
            note = Some(remark.to_string());
        } else {
            return None;
        }
        s.truncate(open);
    }
    // Words before the number.
    'before: loop {
        for w in APPROX_BEFORE {
            if let Some(rest) = s.strip_prefix(w) {
                words.push(w.to_string());
                s = rest.to_string();
                continue 'before;
            }
        }
        break;
    }
    // Words after the number or unit.
    'after: loop {
        for w in APPROX_AFTER {
            if let Some(rest) = s.strip_suffix(w) {
                words.push(w.to_string());
                s = rest.to_string();
                continue 'after;
            }
        }
        break;
    }
    // `5000余万`, `3亿多元`: 余 / 多 inside the unit word.
    let number_end = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (c == '-' && i == 0)))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(number_end);
    let mut unit_clean = String::with_capacity(unit.len());
    for c in unit.chars() {
        if APPROX_INSIDE.contains(&c) {
            let w = c.to_string();
            if !words.contains(&w) {
                words.push(w);
            }
        } else {
            unit_clean.push(c);
        }
    }
    let mut parsed = if words.is_empty() {
        parse_number_text(&s)?
    } else {
        let mut p = parse_number_text(&format!("{num}{unit_clean}"))?;
        p.approx = Some(words.join("、"));
        p
    };
    parsed.remark = note;
    Some(parsed)
}

/// Reads a number cell like [`read_number`], recovering approximate amounts through
/// [`parse_approx_number_text`].
pub fn read_approx_number(cell: &Cell) -> Result<Option<ParsedNumber>, ValueError> {
    match cell {
        Cell::Text(t) => {
            let c = crate::text::compact(t);
            if c.is_empty() || c == "-" || c == "/" || c == "—" || c == "无" {
                return Ok(None);
            }
            parse_approx_number_text(t)
                .map(Some)
                .ok_or(ValueError::NotNumber)
        }
        other => read_number(other),
    }
}

// ---------------------------------------------------------------------------------------------
// Counts
// ---------------------------------------------------------------------------------------------

/// Counter words a count may carry after its number (`120人`, `35套`).
const COUNTER_WORDS: &[&str] = &[
    "人次", "场次", "人", "名", "位", "个", "家", "户", "套", "间", "场", "次", "项", "栋", "幢",
    "台", "件", "批", "所", "座", "宗", "张",
];
/// Magnitude words before a counter word, with their power of ten.
const MAGNITUDES: &[(&str, i32)] = &[("亿", 8), ("万", 4), ("千", 3), ("百", 2)];

/// The unit word of a count: its factor and the counter word left after the magnitude.
#[derive(Debug, Clone, PartialEq)]
pub struct CountUnit {
    /// A power of ten: `万` is 10000.
    pub power: i32,
    /// The counter word (`人`, `套`), None when only a magnitude was written (`1.2万`).
    pub word: Option<String>,
}

impl CountUnit {
    pub fn factor(&self) -> f64 {
        10f64.powi(self.power)
    }

    /// The value times the factor, rounded as the decimal would be (`1.2万` is exactly 12000).
    pub fn apply(&self, value: f64) -> f64 {
        if self.power == 0 {
            return value;
        }
        format!("{value}e{}", self.power)
            .parse()
            .unwrap_or(value * self.factor())
    }
}

/// The factor and counter word of a count's unit word: `万` → ×10000, `1.5万人` → ×10000 人,
/// `人` → ×1 人, `千` → ×1000. None for any other word (`万元`, `亩`, `%`).
pub fn count_unit(word: &str) -> Option<CountUnit> {
    let w = crate::text::compact(word);
    let (power, rest) = MAGNITUDES
        .iter()
        .find_map(|(m, p)| w.strip_prefix(m).map(|rest| (*p, rest)))
        .unwrap_or((0, w.as_str()));
    if rest.is_empty() {
        return (power != 0).then_some(CountUnit { power, word: None });
    }
    COUNTER_WORDS.contains(&rest).then(|| CountUnit {
        power,
        word: Some(rest.to_string()),
    })
}

/// A count read from text, its unit applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedCount {
    /// The count with the magnitude applied (`1.2万` → 12000).
    pub value: f64,
    /// The counter word written (`人`), if any.
    pub word: Option<String>,
    /// As [`ParsedNumber::approx`].
    pub approx: Option<String>,
    /// As [`ParsedNumber::remark`] (`120人（其中博士5人）`).
    pub remark: Option<String>,
}

/// Parses `1.2万`, `1.5万人`, `120人`, `约300人`, `1,200`. None for a unit that is not a count's.
pub fn parse_count_text(raw: &str) -> Option<ParsedCount> {
    let n = parse_approx_number_text(raw)?;
    let unit = match &n.unit {
        None => CountUnit {
            power: 0,
            word: None,
        },
        Some(u) => count_unit(u)?,
    };
    Some(ParsedCount {
        value: unit.apply(n.value),
        word: unit.word,
        approx: n.approx,
        remark: n.remark,
    })
}

/// Reads a count cell: numbers directly, text through [`parse_count_text`].
pub fn read_count(cell: &Cell) -> Result<Option<ParsedCount>, ValueError> {
    match cell {
        Cell::Text(t) => {
            let c = crate::text::compact(t);
            if c.is_empty() || c == "-" || c == "/" || c == "—" || c == "无" {
                return Ok(None);
            }
            parse_count_text(t).map(Some).ok_or(ValueError::NotNumber)
        }
        other => Ok(read_number(other)?.map(|n| ParsedCount {
            value: n.value,
            word: None,
            approx: None,
            remark: None,
        })),
    }
}

// ---------------------------------------------------------------------------------------------
// Dates read against the return's period
// ---------------------------------------------------------------------------------------------

/// A part of a month written instead of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonthPart {
    /// 上旬: read as the 1st.
    Early,
    /// 中旬: the 11th.
    Middle,
    /// 下旬: the 21st.
    Late,
    /// 初: the 1st.
    Beginning,
    /// 底 / 末: the month's last day.
    End,
}

impl MonthPart {
    fn word(self) -> &'static str {
        match self {
            MonthPart::Early => "上旬",
            MonthPart::Middle => "中旬",
            MonthPart::Late => "下旬",
            MonthPart::Beginning => "初",
            MonthPart::End => "底",
        }
    }
}

/// What [`read_date_in`] assumed to make a date of what was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateAssumption {
    /// Month and day written, the year taken from the return (`3月12日`, `3/12`, `03-12`).
    YearOfReturn,
    /// Only a month written: its first day. `year_of_return` when the year was not written either
    /// (`11月`); `january_or_october` for a number cell `2025.1`, which could be `2025.10` with its
    /// 0 dropped by the number format (read as January).
    MonthOnly {
        year_of_return: bool,
        january_or_october: bool,
    },
    /// A part of a month (`2025年3月上旬`, `3月底`), read as the day [`MonthPart`] names.
    PartOfMonth {
        part: MonthPart,
        year_of_return: bool,
    },
    /// The year written in two digits (`25.3.5`, `25年3月5日`), read as 20xx: only when that year
    /// is at most nine years before the return's or one after, so `03/05/25` is no date.
    ShortYear,
}

impl DateAssumption {
    /// The year was not written: it is the return's.
    pub fn year_of_return(&self) -> bool {
        match *self {
            DateAssumption::YearOfReturn => true,
            DateAssumption::MonthOnly { year_of_return, .. }
            | DateAssumption::PartOfMonth { year_of_return, .. } => year_of_return,
            DateAssumption::ShortYear => false,
        }
    }
}

/// A date read against the return's period, with what had to be assumed.
#[derive(Debug, Clone, PartialEq)]
pub struct DateRead {
    pub date: NaiveDate,
    /// None when the cell held a complete date.
    pub assumed: Option<DateAssumption>,
    /// A remark written after a complete date and not read (`已签约` of `2025年3月5日（已签约）`,
    /// `前` of `2025年3月5日前`).
    pub note: Option<String>,
}

impl DateRead {
    fn exact(date: NaiveDate) -> DateRead {
        DateRead {
            date,
            assumed: None,
            note: None,
        }
    }

    /// The year was taken from the return.
    pub fn year_assumed(&self) -> bool {
        self.assumed.is_some_and(|a| a.year_of_return())
    }

    /// The date falls after the return's month (the caller flags it; with [`Self::year_assumed`]
    /// it may be the previous year's).
    pub fn after_period(&self, period: Period) -> bool {
        self.date > period.last_day()
    }

    /// What was assumed, in the filer's words, for a warning; None for a complete date.
    pub fn assumption_text(&self) -> Option<String> {
        let d = self.date;
        let mut parts: Vec<String> = Vec::new();
        if let Some(a) = self.assumed {
            parts.push(match a {
                DateAssumption::YearOfReturn => {
                    format!("未写年份，按报表所属年份计为{d}")
                }
                DateAssumption::MonthOnly {
                    year_of_return,
                    january_or_october,
                } => {
                    let mut t = if year_of_return {
                        format!("只写了月份，按报表所属年份该月1日计为{d}")
                    } else {
                        format!("只写到月份，按该月1日计为{d}")
                    };
                    if january_or_october {
                        t.push_str(&format!(
                            "；数字“{}.1”也可能是{}年10月（数字格式会去掉末尾的0），请以文本填写如“{}-10-01”",
                            d.year(),
                            d.year(),
                            d.year()
                        ));
                    }
                    t
                }
                DateAssumption::PartOfMonth {
                    part,
                    year_of_return,
                } => {
                    let y = if year_of_return {
                        "未写年份，按报表所属年份；"
                    } else {
                        ""
                    };
                    format!("{y}“{}”按{d}计", part.word())
                }
                DateAssumption::ShortYear => {
                    format!("年份只写了两位，按{}年计为{d}", d.year())
                }
            });
        }
        if let Some(n) = &self.note {
            parts.push(format!("日期后的“{n}”未计入"));
        }
        (!parts.is_empty()).then(|| parts.join("；") + "；请填写完整日期，如2025-03-05")
    }
}

/// Words after a complete date that do not change it (the remark is returned in [`DateRead::note`]).
const DATE_REMARK_WORDS: &[&str] = &["之前", "以前", "前后", "左右", "前"];

/// Events written after the date they happened on (`2025年3月5日签约`, `3月5日已开工`).
const EVENT_WORDS: &[&str] = &[
    "签约", "签订", "签署", "开工", "动工", "竣工", "投产", "达产", "注册", "落地", "建成", "入驻",
    "开业", "完成",
];

/// Reads a date cell against the return's period: everything [`read_date`] reads, plus dates
/// without a year, month-only dates and parts of a month (see the module documentation).
pub fn read_date_in(cell: &Cell, period: Period) -> Result<Option<DateRead>, ValueError> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Date(d) => Ok(Some(DateRead::exact(*d))),
        Cell::Number(n) => number_to_date_in(*n).map(Some).ok_or(ValueError::NotDate),
        Cell::Text(t) => {
            let c = crate::text::compact(t);
            if c.is_empty() || c == "-" || c == "/" || c == "—" {
                return Ok(None);
            }
            parse_date_text_in(t, period)
                .map(Some)
                .ok_or(ValueError::NotDate)
        }
        Cell::Error(e) => Err(ValueError::ErrorCell(e.clone())),
        Cell::Bool(_) => Err(ValueError::NotDate),
    }
}

fn plausible_year(y: i64) -> bool {
    (1900..=2100).contains(&y)
}

fn month_only(y: i32, m: u32, year_of_return: bool, january_or_october: bool) -> Option<DateRead> {
    Some(DateRead {
        date: NaiveDate::from_ymd_opt(y, m, 1)?,
        assumed: Some(DateAssumption::MonthOnly {
            year_of_return,
            january_or_october,
        }),
        note: None,
    })
}

fn number_to_date_in(n: f64) -> Option<DateRead> {
    if n.fract() == 0.0 {
        let v = n as i64;
        // 202511: year and month.
        if (190_001..=210_012).contains(&v) && plausible_year(v / 100) {
            return month_only((v / 100) as i32, (v % 100) as u32, false, false);
        }
        // A bare year is not a date (nor the serial of a day in 1905).
        if plausible_year(v) {
            return None;
        }
        return number_to_date(n).map(DateRead::exact);
    }
    // 2025.11 typed as a number: year.month.
    if plausible_year(n.trunc() as i64) {
        let text = format!("{n}");
        let (y, m) = text.split_once('.')?;
        if m.len() > 2 {
            return None;
        }
        let month: u32 = m.parse().ok()?;
        return month_only(y.parse().ok()?, month, false, m == "1");
    }
    // 3.12 typed as a number is not 12 March (3.1 and 3.10 are one number).
    if n < 1000.0 {
        return None;
    }
    number_to_date(n).map(DateRead::exact)
}

/// Parses a date written as text against the return's period (see the module documentation).
pub fn parse_date_text_in(raw: &str, period: Period) -> Option<DateRead> {
    let n = crate::text::nfkc(raw);
    // A time of day after a space or `T` is dropped; any other text after a space is kept.
    let (head, tail) = match n.find(|c: char| c.is_whitespace() || c == 'T') {
        Some(i) => (&n[..i], n[i..].trim_start_matches('T')),
        None => (n.as_str(), ""),
    };
    let tail_is_time = tail
        .trim()
        .chars()
        .all(|c| c.is_ascii_digit() || c == ':' || c == '.' || c.is_whitespace());
    let mut s: String = if tail_is_time {
        head.to_string()
    } else {
        format!("{head}{tail}")
    }
    .chars()
    .filter(|c| !c.is_whitespace())
    .map(|c| if c == '。' { '.' } else { c })
    .collect();
    let mut note: Option<String> = None;
    // The event written after the date (`签约`) may follow a date without a year; any other
    // remark only a complete date.
    let mut event = false;
    if let Some(inner) = s.strip_suffix(')') {
        let open = inner.rfind('(')?;
        note = Some(inner[open + 1..].to_string());
        s.truncate(open);
    }
    if note.is_none() {
        if let Some(w) = DATE_REMARK_WORDS.iter().find(|w| s.ends_with(*w)) {
            note = Some(w.to_string());
            s.truncate(s.len() - w.len());
        }
    }
    if note.is_none() {
        // What happened on the date, written after it: `2025年3月5日签约`, `3月5日已开工`. Only
        // the events of [`EVENT_WORDS`]: a plan (`拟签约`) or `后` is not the date of the event.
        let found = EVENT_WORDS.iter().find_map(|w| {
            let head = s.strip_suffix(w)?;
            let head = head.strip_suffix('已').unwrap_or(head);
            (!head.is_empty()).then_some(head.len())
        });
        if let Some(i) = found {
            note = Some(s[i..].to_string());
            event = true;
            s.truncate(i);
        }
    }
    // `已于3月5日签约`, `于2025年3月5日`: the words before the date say nothing of it.
    for lead in ["已于", "于"] {
        if let Some(rest) = s.strip_prefix(lead) {
            s = rest.to_string();
            break;
        }
    }
    let s = s.trim_end_matches('.');
    let mut read = parse_date_core(s, period)?;
    if note.is_some() {
        // A remark only follows a complete date.
        if read.assumed.is_some() && !event {
            return None;
        }
        read.note = note;
    }
    Some(read)
}

fn parse_date_core(s: &str, period: Period) -> Option<DateRead> {
    if s.is_empty() {
        return None;
    }
    if s.chars().all(|c| c.is_ascii_digit()) {
        return match s.len() {
            4..=8 => number_to_date_in(s.parse().ok()?),
            _ => None,
        };
    }
    let mut short_year = false;
    let (year, rest, year_of_return) = match s.split_once('年') {
        Some((y, rest)) => {
            if !y.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let year = match y.len() {
                4 => y.parse::<i32>().ok()?,
                2 => {
                    short_year = true;
                    short_year_of(y, period)?
                }
                _ => return None,
            };
            (year, rest, false)
        }
        None => (period.year, s, true),
    };
    if let Some((m, after)) = rest.split_once('月') {
        let month = small_number(m, 12)?;
        let parts = [
            ("上旬", MonthPart::Early),
            ("中旬", MonthPart::Middle),
            ("下旬", MonthPart::Late),
            ("初", MonthPart::Beginning),
            ("底", MonthPart::End),
            ("末", MonthPart::End),
        ];
        if after.is_empty() || after == "份" {
            return month_only(year, month, year_of_return, false);
        }
        if let Some((_, part)) = parts.iter().find(|(w, _)| *w == after) {
            let first = NaiveDate::from_ymd_opt(year, month, 1)?;
            let date = match part {
                MonthPart::Early | MonthPart::Beginning => first,
                MonthPart::Middle => first.with_day(11)?,
                MonthPart::Late => first.with_day(21)?,
                MonthPart::End => Period::new(year, month)?.last_day(),
            };
            return Some(DateRead {
                date,
                assumed: Some(DateAssumption::PartOfMonth {
                    part: *part,
                    year_of_return,
                }),
                note: None,
            });
        }
        let day = small_number(after.strip_suffix(['日', '号'])?, 31)?;
        let date = NaiveDate::from_ymd_opt(year, month, day)?;
        let assumed = if short_year {
            Some(DateAssumption::ShortYear)
        } else {
            year_of_return.then_some(DateAssumption::YearOfReturn)
        };
        return Some(DateRead {
            date,
            assumed,
            note: None,
        });
    }
    if !year_of_return {
        // `2025年` with no month, or `2025年底`.
        return None;
    }
    let parts: Vec<&str> = s.split(['.', '/', '-']).collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => ymd(y, m, d).map(DateRead::exact),
        [y, m, d] if y.len() == 2 && d.len() <= 2 => Some(DateRead {
            date: ymd(&short_year_of(y, period)?.to_string(), m, d)?,
            assumed: Some(DateAssumption::ShortYear),
            note: None,
        }),
        [y, m] if y.len() == 4 => {
            let y: i32 = y.parse().ok()?;
            month_only(y, small_number(m, 12)?, false, false)
        }
        [m, d] if m.len() <= 2 => {
            let date =
                NaiveDate::from_ymd_opt(period.year, small_number(m, 12)?, small_number(d, 31)?)?;
            Some(DateRead {
                date,
                assumed: Some(DateAssumption::YearOfReturn),
                note: None,
            })
        }
        _ => None,
    }
}

/// A two-digit year as 20xx, when that is at most nine years before the return's year or one
/// after it.
fn short_year_of(y: &str, period: Period) -> Option<i32> {
    if y.len() != 2 || !y.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let year = 2000 + y.parse::<i32>().ok()?;
    (period.year - 9..=period.year + 1)
        .contains(&year)
        .then_some(year)
}

/// One or two ASCII digits, 1..=max.
fn small_number(s: &str, max: u32) -> Option<u32> {
    if s.is_empty() || s.len() > 2 || !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let v: u32 = s.parse().ok()?;
    (1..=max).contains(&v).then_some(v)
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
                unit: None,
                approx: None,
                remark: None
            })
        );
        assert_eq!(
            parse_number_text("12.5亿").unwrap(),
            ParsedNumber {
                value: 12.5,
                unit: Some("亿".into()),
                approx: None,
                remark: None
            }
        );
        assert_eq!(
            parse_number_text("８０００万元").unwrap(),
            ParsedNumber {
                value: 8000.0,
                unit: Some("万元".into()),
                approx: None,
                remark: None
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

#[cfg(test)]
mod recoverable_tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn june() -> Period {
        Period::new(2025, 6).unwrap()
    }

    fn approx(s: &str) -> (f64, Option<String>, String) {
        let n = parse_approx_number_text(s).unwrap_or_else(|| panic!("{s} not read"));
        (n.value, n.unit, n.approx.unwrap_or_default())
    }

    #[test]
    fn an_approximate_amount_counts_at_its_number_and_names_its_word() {
        let cases: &[(&str, f64, Option<&str>, &str)] = &[
            ("约3亿", 3.0, Some("亿"), "约"),
            ("大约3亿元", 3.0, Some("亿元"), "大约"),
            ("2.3亿元左右", 2.3, Some("亿元"), "左右"),
            ("近5000万", 5000.0, Some("万"), "近"),
            ("5000万元以上", 5000.0, Some("万元"), "以上"),
            ("3亿多", 3.0, Some("亿"), "多"),
            ("5000余万", 5000.0, Some("万"), "余"),
            ("5000多万元", 5000.0, Some("万元"), "多"),
            ("预计2亿", 2.0, Some("亿"), "预计"),
            ("约 3 亿", 3.0, Some("亿"), "约"),
            ("～3亿", 3.0, Some("亿"), "~"),
            ("3亿（暂定）", 3.0, Some("亿"), "暂定"),
            ("3亿(预计)", 3.0, Some("亿"), "预计"),
            ("约1,200", 1200.0, None, "约"),
            ("大约3亿元左右", 3.0, Some("亿元"), "大约、左右"),
            ("3亿元(拟)", 3.0, Some("亿元"), "拟"),
            ("3亿+", 3.0, Some("亿"), "+"),
        ];
        for (s, v, unit, word) in cases {
            let (value, u, w) = approx(s);
            assert_eq!(value, *v, "{s}");
            assert_eq!(u.as_deref(), *unit, "{s}");
            assert_eq!(w, *word, "{s}");
        }
    }

    #[test]
    fn an_amount_followed_by_a_breakdown_in_parentheses_is_the_amount_with_its_remark() {
        let cases: &[(&str, f64, Option<&str>, Option<&str>, &str)] = &[
            (
                "1.2亿元（其中一期5000万）",
                1.2,
                Some("亿元"),
                None,
                "其中一期5000万",
            ),
            (
                "8000万(含设备投资3000万)",
                8000.0,
                Some("万"),
                None,
                "含设备投资3000万",
            ),
            ("5亿（分两期建设）", 5.0, Some("亿"), None, "分两期建设"),
            (
                "3.2亿元，其中固定资产投资2.5亿",
                3.2,
                Some("亿元"),
                None,
                "其中固定资产投资2.5亿",
            ),
            ("8000万;含设备", 8000.0, Some("万"), None, "含设备"),
            ("12（已到位3）", 12.0, None, None, "已到位3"),
            (
                "约3亿（其中一期1亿）",
                3.0,
                Some("亿"),
                Some("约"),
                "其中一期1亿",
            ),
        ];
        for (s, v, unit, approx, remark) in cases {
            let n = parse_approx_number_text(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!(n.value, *v, "{s}");
            assert_eq!(n.unit.as_deref(), *unit, "{s}");
            assert_eq!(n.approx.as_deref(), *approx, "{s}");
            assert_eq!(n.remark.as_deref(), Some(*remark), "{s}");
        }
        // A currency or an unexplained word in the parentheses is no remark: not an amount.
        for s in [
            "2000万（美元）",
            "3亿（港币）",
            "5亿（待核实）",
            "1.2亿(其中美元部分3000万)",
        ] {
            assert_eq!(parse_approx_number_text(s), None, "{s}");
        }
    }

    #[test]
    fn an_exact_amount_is_not_marked_approximate() {
        let n = parse_approx_number_text("12.5亿").unwrap();
        assert_eq!((n.value, n.approx), (12.5, None));
        assert_eq!(
            read_approx_number(&Cell::Number(3.0))
                .unwrap()
                .unwrap()
                .approx,
            None
        );
    }

    #[test]
    fn a_range_or_a_word_without_a_number_is_not_recovered() {
        for s in [
            "3-5亿",
            "3~5亿",
            "3～5亿",
            "3至5亿",
            "3到5亿",
            "约3-5亿",
            "待定",
            "待核实",
            "未定",
            "3亿（待核实）",
            "3亿（美元）",
            "约",
            "近期",
            "3亿元，待核实",
            "2000万，美元",
            "3亿，4亿",
        ] {
            assert_eq!(parse_approx_number_text(s), None, "{s}");
        }
        assert_eq!(
            read_approx_number(&Cell::Text("待核实".into())),
            Err(ValueError::NotNumber)
        );
    }

    #[test]
    fn the_strict_reader_does_not_recover_approximate_amounts() {
        assert_eq!(parse_number_text("约3亿"), None);
        // The suffix stays in the unit word, which the caller does not know.
        let n = parse_number_text("2.3亿元左右").unwrap();
        assert_eq!((n.unit.as_deref(), n.approx), (Some("亿元左右"), None));
        assert_eq!(
            read_number(&Cell::Text("约3亿".into())),
            Err(ValueError::NotNumber)
        );
    }

    #[test]
    fn a_count_unit_gives_its_factor_and_counter_word() {
        let u = count_unit("万").unwrap();
        assert_eq!((u.factor(), u.word), (10000.0, None));
        let u = count_unit("万人").unwrap();
        assert_eq!((u.factor(), u.word.as_deref()), (10000.0, Some("人")));
        assert_eq!(count_unit("千").unwrap().factor(), 1000.0);
        assert_eq!(count_unit("套").unwrap().factor(), 1.0);
        assert_eq!(count_unit("万元"), None);
        assert_eq!(count_unit("亩"), None);
        assert_eq!(count_unit("%"), None);
    }

    #[test]
    fn a_count_with_a_magnitude_is_multiplied_exactly() {
        let cases: &[(&str, f64, Option<&str>)] = &[
            ("1.2万", 12000.0, None),
            ("3千", 3000.0, None),
            ("120人", 120.0, Some("人")),
            ("35套", 35.0, Some("套")),
            ("35间", 35.0, Some("间")),
            ("40个", 40.0, Some("个")),
            ("12家", 12.0, Some("家")),
            ("5场", 5.0, Some("场")),
            ("1.5万人", 15000.0, Some("人")),
            ("2万套", 20000.0, Some("套")),
            ("0.07万", 700.0, None),
            ("1,200", 1200.0, None),
        ];
        for (s, v, w) in cases {
            let c = parse_count_text(s).unwrap_or_else(|| panic!("{s} not read"));
            assert_eq!(c.value, *v, "{s}");
            assert_eq!(c.word.as_deref(), *w, "{s}");
            assert_eq!(c.approx, None, "{s}");
        }
        let c = parse_count_text("约1.2万人").unwrap();
        assert_eq!((c.value, c.approx.as_deref()), (12000.0, Some("约")));
        assert_eq!(parse_count_text("3亩"), None);
        assert_eq!(read_count(&Cell::Number(7.0)).unwrap().unwrap().value, 7.0);
        assert_eq!(
            read_count(&Cell::Text("很多".into())),
            Err(ValueError::NotNumber)
        );
    }

    fn text(s: &str) -> DateRead {
        parse_date_text_in(s, june()).unwrap_or_else(|| panic!("{s} not read"))
    }

    #[test]
    fn a_date_without_a_year_takes_the_year_of_the_return() {
        for s in ["3月12日", "3月12号", "03-12", "3/12", "3.12", "３月１２日"] {
            let r = text(s);
            assert_eq!(r.date, d(2025, 3, 12), "{s}");
            assert_eq!(r.assumed, Some(DateAssumption::YearOfReturn), "{s}");
            assert!(r.year_assumed(), "{s}");
            assert!(!r.after_period(june()), "{s}");
        }
    }

    #[test]
    fn a_two_digit_year_near_the_returns_is_20xx_and_said() {
        for s in ["25.3.5", "25/3/5", "25-03-05", "25年3月5日", "25.03.05"] {
            let r = text(s);
            assert_eq!(r.date, d(2025, 3, 5), "{s}");
            assert_eq!(r.assumed, Some(DateAssumption::ShortYear), "{s}");
            assert!(!r.year_assumed(), "{s}");
            let t = r.assumption_text().unwrap();
            assert!(t.contains("两位") && t.contains("2025-03-05"), "{t}");
        }
        assert_eq!(text("24.12.30").date, d(2024, 12, 30));
        // Too far from the return's year to be a short year: `03/05/25` is no date.
        for s in ["03/05/25", "12/05/25", "99.3.5", "27.3.5"] {
            assert_eq!(parse_date_text_in(s, june()), None, "{s}");
        }
    }

    #[test]
    fn a_date_without_a_year_after_the_return_month_is_still_read_and_can_be_flagged() {
        let r = text("9月1日");
        assert_eq!(r.date, d(2025, 9, 1));
        assert!(r.year_assumed() && r.after_period(june()));
    }

    #[test]
    fn a_number_cell_like_3_12_is_not_a_date() {
        assert_eq!(
            read_date_in(&Cell::Number(3.12), june()),
            Err(ValueError::NotDate)
        );
    }

    #[test]
    fn a_month_only_date_is_its_first_day_in_every_form() {
        for s in [
            "2025.11",
            "2025年11月",
            "2025/11",
            "2025-11",
            "202511",
            "2025年11月份",
            "2025。11",
        ] {
            let r = text(s);
            assert_eq!(r.date, d(2025, 11, 1), "{s}");
            assert_eq!(
                r.assumed,
                Some(DateAssumption::MonthOnly {
                    year_of_return: false,
                    january_or_october: false
                }),
                "{s}"
            );
        }
        for s in ["11月", "11月份"] {
            let r = text(s);
            assert_eq!(r.date, d(2025, 11, 1), "{s}");
            assert!(r.year_assumed(), "{s}");
        }
    }

    #[test]
    fn a_year_month_number_cell_is_not_an_excel_serial_of_1905() {
        let r = read_date_in(&Cell::Number(2025.11), june())
            .unwrap()
            .unwrap();
        assert_eq!(r.date, d(2025, 11, 1));
        let r = read_date_in(&Cell::Number(202511.0), june())
            .unwrap()
            .unwrap();
        assert_eq!(r.date, d(2025, 11, 1));
        let r = read_date_in(&Cell::Number(2025.03), june())
            .unwrap()
            .unwrap();
        assert_eq!(r.date, d(2025, 3, 1));
        assert_eq!(
            read_date_in(&Cell::Number(2025.13), june()),
            Err(ValueError::NotDate)
        );
        assert_eq!(
            read_date_in(&Cell::Number(2025.0), june()),
            Err(ValueError::NotDate)
        );
    }

    #[test]
    fn a_number_2025_1_is_january_and_names_the_october_ambiguity() {
        let r = read_date_in(&Cell::Number(2025.1), june())
            .unwrap()
            .unwrap();
        assert_eq!(r.date, d(2025, 1, 1));
        assert_eq!(
            r.assumed,
            Some(DateAssumption::MonthOnly {
                year_of_return: false,
                january_or_october: true
            })
        );
        assert!(r.assumption_text().unwrap().contains("10月"));
        // Written as text, the digits are the filer's: January.
        assert_eq!(
            text("2025.1").assumed,
            Some(DateAssumption::MonthOnly {
                year_of_return: false,
                january_or_october: false
            })
        );
    }

    #[test]
    fn a_part_of_a_month_is_read_as_the_day_it_names() {
        let cases = [
            ("2025年3月上旬", d(2025, 3, 1)),
            ("2025年3月中旬", d(2025, 3, 11)),
            ("2025年3月下旬", d(2025, 3, 21)),
            ("2025年3月初", d(2025, 3, 1)),
            ("2025年2月底", d(2025, 2, 28)),
            ("2025年4月末", d(2025, 4, 30)),
        ];
        for (s, date) in cases {
            let r = text(s);
            assert_eq!(r.date, date, "{s}");
            assert!(
                matches!(
                    r.assumed,
                    Some(DateAssumption::PartOfMonth {
                        year_of_return: false,
                        ..
                    })
                ),
                "{s}"
            );
        }
        let r = text("3月底");
        assert_eq!(r.date, d(2025, 3, 31));
        assert!(r.year_assumed());
    }

    #[test]
    fn a_complete_date_in_a_looser_form_is_read_without_assumption() {
        for s in [
            "2025年3月5号",
            "2025.3.5.",
            "2025。3。5",
            "2025-03-05 00:00:00",
            "20250305",
            "2025/3/5",
        ] {
            let r = text(s);
            assert_eq!(r, DateRead::exact(d(2025, 3, 5)), "{s}");
        }
        assert_eq!(
            read_date_in(&Cell::Number(45660.0), june()).unwrap(),
            Some(DateRead::exact(d(2025, 1, 3)))
        );
    }

    #[test]
    fn a_remark_after_a_complete_date_is_dropped_and_returned() {
        let r = text("2025年3月5日前");
        assert_eq!((r.date, r.note.as_deref()), (d(2025, 3, 5), Some("前")));
        let r = text("2025年3月5日（已签约）");
        assert_eq!((r.date, r.note.as_deref()), (d(2025, 3, 5), Some("已签约")));
        let r = text("2025-03-05 (已签约)");
        assert_eq!(r.note.as_deref(), Some("已签约"));
        assert!(r.assumption_text().unwrap().contains("已签约"));
        assert_eq!(r.assumed, None);
    }

    #[test]
    fn the_event_written_after_a_date_is_dropped_and_returned() {
        let r = text("2025年3月5日签约");
        assert_eq!((r.date, r.note.as_deref()), (d(2025, 3, 5), Some("签约")));
        assert_eq!(r.assumed, None);
        let r = text("已于3月5日签约");
        assert_eq!((r.date, r.note.as_deref()), (d(2025, 3, 5), Some("签约")));
        assert_eq!(r.assumed, Some(DateAssumption::YearOfReturn));
        let t = r.assumption_text().unwrap();
        assert!(t.contains("未写年份") && t.contains("签约"), "{t}");
        let r = text("于2025-03-05已开工");
        assert_eq!((r.date, r.note.as_deref()), (d(2025, 3, 5), Some("已开工")));
        for s in [
            "2025年3月5日拟签约",
            "2025年3月计划开工",
            "签约",
            "2025年3月5日后签约",
        ] {
            assert_eq!(parse_date_text_in(s, june()), None, "{s}");
        }
    }

    #[test]
    fn text_that_is_not_a_date_stays_unread() {
        for s in [
            "2025",
            "三月",
            "2025年13月",
            "2025-02-30",
            "2025年底",
            "13/12",
            "3月32日",
            "2025年3月5日后",
            "待定",
            "3月底前",
        ] {
            assert_eq!(parse_date_text_in(s, june()), None, "{s}");
        }
        assert_eq!(
            read_date_in(&Cell::Text("待定".into()), june()),
            Err(ValueError::NotDate)
        );
        assert_eq!(read_date_in(&Cell::Text("/".into()), june()), Ok(None));
    }

    #[test]
    fn the_assumption_text_says_what_was_assumed() {
        assert_eq!(text("2025-03-05").assumption_text(), None);
        let t = text("3月12日").assumption_text().unwrap();
        assert!(t.contains("未写年份") && t.contains("2025-03-12"), "{t}");
        let t = text("2025年11月").assumption_text().unwrap();
        assert!(t.contains("1日") && t.contains("2025-11-01"), "{t}");
    }
}
