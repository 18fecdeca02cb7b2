//! A reporting period: one calendar month, written `YYYY-MM`.

use chrono::{Datelike, NaiveDate};
use std::fmt;
use std::str::FromStr;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "String", try_from = "String")]
pub struct Period {
    pub year: i32,
    pub month: u32,
}

impl Period {
    pub fn new(year: i32, month: u32) -> Option<Period> {
        (1..=12).contains(&month).then_some(Period { year, month })
    }

    /// The first day of the month.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The last day of the month.
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn next(self) -> Period {
        if self.month == 12 {
            Period {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Period {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn prev(self) -> Period {
        if self.month == 1 {
            Period {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Period {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    pub fn contains(self, d: NaiveDate) -> bool {
        d.year() == self.year && d.month() == self.month
    }

    /// The quarter (1–4) the month falls in.
    pub fn quarter(self) -> u32 {
        (self.month - 1) / 3 + 1
    }

    /// A month folder's name in any of the forms clerks write (after NFKC, surrounding spaces
    /// ignored): `2025-07`, `2025-7`, `2025.07`, `2025.7`, `2025_07`, `2025_7`, `2025年7月`,
    /// `2025年07月`, `202507`. Anything else (`2025年7月台账`, `2025-07-01`, `25-07`) is no month.
    pub fn from_folder_name(name: &str) -> Option<Period> {
        let n = crate::text::nfkc(name);
        let s = n.trim();
        let digits = |x: &str| !x.is_empty() && x.chars().all(|c| c.is_ascii_digit());
        let (y, m) = if let Some(rest) = s.strip_suffix('月') {
            rest.split_once('年')?
        } else if let Some(pair) = s.split_once(['-', '.', '_']) {
            pair
        } else if s.len() == 6 && digits(s) {
            s.split_at(4)
        } else {
            return None;
        };
        if y.len() != 4 || !digits(y) || !(1..=2).contains(&m.len()) || !digits(m) {
            return None;
        }
        Period::new(y.parse().ok()?, m.parse().ok()?)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}

impl TryFrom<String> for Period {
    type Error = PeriodParseError;
    fn try_from(s: String) -> Result<Period, PeriodParseError> {
        s.parse()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a period YYYY-MM")]
pub struct PeriodParseError(String);

impl FromStr for Period {
    type Err = PeriodParseError;
    fn from_str(s: &str) -> Result<Period, PeriodParseError> {
        let err = || PeriodParseError(s.to_string());
        let (y, m) = s.trim().split_once('-').ok_or_else(err)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(err());
        }
        let year = y.parse().map_err(|_| err())?;
        let month = m.parse().map_err(|_| err())?;
        Period::new(year, month).ok_or_else(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_bounds() {
        let p: Period = "2025-02".parse().unwrap();
        assert_eq!(p.last_day(), NaiveDate::from_ymd_opt(2025, 2, 28).unwrap());
        assert_eq!(p.to_string(), "2025-02");
        assert!("2025-13".parse::<Period>().is_err());
        assert!("2025-1".parse::<Period>().is_err());
        assert_eq!(
            "2025-12".parse::<Period>().unwrap().next().to_string(),
            "2026-01"
        );
    }

    #[test]
    fn every_month_folder_form_clerks_write_names_its_month() {
        let july = Some(Period {
            year: 2025,
            month: 7,
        });
        for name in [
            "2025-07",
            "2025-7",
            "2025年7月",
            "2025年07月",
            "202507",
            "2025.07",
            "2025.7",
            "2025_07",
            "2025_7",
            " 2025-07 ",
            "２０２５年７月",
        ] {
            assert_eq!(Period::from_folder_name(name), july, "{name}");
        }
        assert_eq!(
            Period::from_folder_name("2025-6"),
            Period::new(2025, 6),
            "a month without its leading zero"
        );
        assert_eq!(
            Period::from_folder_name("2025年12月"),
            Period::new(2025, 12)
        );
    }

    #[test]
    fn a_folder_name_that_is_no_month_is_not_read_as_one() {
        for name in [
            "杂项",
            "2025年7月台账",
            "2025-07-01",
            "25-07",
            "2025-13",
            "2025-00",
            "202513",
            "2025071",
            "2025-",
            "-07",
            "2025年月",
            "2025年7",
            "2025-007",
            "expected.json",
        ] {
            assert_eq!(Period::from_folder_name(name), None, "{name}");
        }
    }

    #[test]
    fn the_quarter_of_a_month() {
        let q = |m| Period::new(2025, m).map(Period::quarter);
        assert_eq!(
            (1..=12).map(q).collect::<Vec<_>>(),
            [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4].map(Some).to_vec()
        );
    }
}
