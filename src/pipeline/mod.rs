//! The pipeline file: reference data, return formats, metrics, targets and ranking.
//!
//! `raw.rs` is the file format (serde, unknown keys rejected); `compile.rs` turns it into the
//! validated [`Pipeline`] used by every stage, reporting every problem at once.

mod compile;
pub mod raw;
pub mod sql;

pub use compile::{check_roles, compile, condition_column, hex as hex_digest, ConfigProblem};

use crate::error::PipelineError;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// The pipeline embedded in the binary (`pipelines/jiangmen.toml`), used when `--pipeline` is not given.
pub const EMBEDDED_DEFAULT: (&str, &str) = (
    "pipelines/jiangmen.toml",
    include_str!("../../pipelines/jiangmen.toml"),
);

/// The roles files of the committed pipelines (`fixtures/synth/`), by pipeline id: what
/// `zhaoshang synth` uses when `--roles` is not given.
pub const EMBEDDED_ROLES: [(&str, &str); 4] = [
    (
        "jiangmen",
        include_str!("../../fixtures/synth/jiangmen.toml"),
    ),
    (
        "zhenjiang-tech",
        include_str!("../../fixtures/synth/zhenjiang-tech.toml"),
    ),
    (
        "jiangmen-innovation-city",
        include_str!("../../fixtures/synth/jiangmen-innovation-city.toml"),
    ),
    (
        "jiangmen-land-efficiency",
        include_str!("../../fixtures/synth/jiangmen-land-efficiency.toml"),
    ),
];

/// A validated pipeline.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub id: String,
    pub title: String,
    pub city: String,
    pub min_date: NaiveDate,
    /// sha256 of the file's text: part of every cache key and of the manifest.
    pub hash: String,
    /// Where it was loaded from (`embedded:pipelines/jiangmen.toml` for the default).
    pub source: String,
    /// The file's text as loaded (the reading workers compile the same pipeline from it).
    pub text: String,
    /// Resource limits for reading one file (`[limits]` over the defaults).
    pub limits: crate::ingest::ReadLimits,
    pub counties: Vec<String>,
    /// Chinese name of the first-level units (`reference.unit_label`, default "县(市、区)").
    pub unit_label: String,
    /// The column holding the first-level unit, and its scope's name (`reference.unit_column`,
    /// default `county`).
    pub unit_column: String,
    pub filers: Vec<Filer>,
    filer_lookup: BTreeMap<String, usize>,
    pub county_vocabulary: Vocabulary,
    pub vocabularies: BTreeMap<String, Vocabulary>,
    pub returns: Vec<ReturnType>,
    pub filters: BTreeMap<String, Vec<Condition>>,
    pub metrics: Vec<Metric>,
    /// year -> metric id -> target.
    pub targets: BTreeMap<i32, BTreeMap<String, Target>>,
    pub ranking: Option<Ranking>,
    pub funnel: Option<Funnel>,
    pub changes: Option<ChangesSpec>,
    pub synth: Option<raw::RawSynth>,
    pub report: Option<Report>,
    /// A reference-list scorecard (`[scorecard]` and `[[indicators]]`), if declared.
    pub scorecard: Option<Scorecard>,
}

/// A reference-list scorecard: indicators with base, target and monitoring units.
#[derive(Debug, Clone)]
pub struct Scorecard {
    /// The return type carrying the values.
    pub return_id: String,
    /// Its deduplicated table (`<table>_current`).
    pub table: String,
    /// Rating words, best first (empty when no indicator is qualitative).
    pub ratings: Vec<String>,
    /// The vocabulary the ratings are read with.
    pub rating_vocabulary: Option<String>,
    pub base_year: i32,
    pub target_year: i32,
    pub indicators: Vec<Indicator>,
    /// Every monitoring unit, in reference order.
    pub monitors: Vec<String>,
    /// The declared rules (row-wise SQL): numeric met, progress, qualitative met.
    pub met: String,
    pub progress: String,
    pub rating_met: String,
    /// The report's sentence on how progress and met are judged (empty: none).
    pub rules_note: String,
}

/// One indicator × part of a [`Scorecard`].
#[derive(Debug, Clone)]
pub struct Indicator {
    pub no: u32,
    pub name: String,
    pub group: String,
    pub unit: String,
    pub part: Option<String>,
    pub base: Option<f64>,
    pub goal: Goal,
    pub national: bool,
    pub monitors: Vec<String>,
    /// The units whose values count (summed when several).
    pub counts_from: Vec<String>,
}

impl Indicator {
    /// `4.国家级`, or `1` for a one-part indicator.
    pub fn key(&self) -> String {
        match &self.part {
            Some(p) => format!("{}.{p}", self.no),
            None => self.no.to_string(),
        }
    }
}

/// What an indicator aims at.
#[derive(Debug, Clone, PartialEq)]
pub enum Goal {
    Number(f64),
    /// Index in [`Scorecard::ratings`] (0 = best) of the lowest rating that meets the target.
    Rating(usize),
}

/// The report's declaration (titles, headline metrics, charts, tables).
#[derive(Debug, Clone)]
pub struct Report {
    pub monthly_title: String,
    pub annual_title: String,
    pub quarterly_title: Option<String>,
    pub headline: Vec<String>,
    pub charts: Vec<Chart>,
    pub tables: Vec<ReportTable>,
}

#[derive(Debug, Clone)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub kind: ChartKind,
}

#[derive(Debug, Clone)]
pub enum ChartKind {
    CountyBars {
        metric: String,
    },
    Cumulative {
        metric: String,
    },
    ShareBars {
        metric: String,
    },
    Heatmap {
        table: String,
        rows: String,
        columns: String,
        value: String,
        conditions: Vec<Condition>,
    },
    Funnel,
    TargetBars {
        metrics: Vec<String>,
    },
    /// Progress of each numeric indicator of the scorecard (`[scorecard]`).
    IndicatorProgress,
}

#[derive(Debug, Clone)]
pub struct ReportTable {
    pub id: String,
    pub title: String,
    pub kind: TableKind,
}

#[derive(Debug, Clone)]
pub enum TableKind {
    Ranking,
    Rows {
        table: String,
        conditions: Vec<Condition>,
        columns: Vec<String>,
        sort: Option<String>,
    },
    Group {
        table: String,
        group: String,
        sum: String,
        conditions: Vec<Condition>,
    },
    Funnel,
    /// The scorecard's indicators × years (values, base, target, progress, met).
    Indicators,
    /// The scorecard's summary per group × year (indicators, with a value, met).
    IndicatorSummary,
}

impl Pipeline {
    /// Loads and validates a pipeline file.
    pub fn load(path: &Path) -> Result<Pipeline, PipelineError> {
        let text = fs_err::read_to_string(path).map_err(PipelineError::Read)?;
        Self::from_text(&path.display().to_string(), &text)
    }

    /// The embedded default pipeline.
    pub fn embedded_default() -> Result<Pipeline, PipelineError> {
        let (name, text) = EMBEDDED_DEFAULT;
        Self::from_text(&format!("embedded:{name}"), text)
    }

    pub fn from_text(source: &str, text: &str) -> Result<Pipeline, PipelineError> {
        let raw: raw::RawPipeline = toml::from_str(text).map_err(|e| PipelineError::Parse {
            file: source.to_string(),
            source: Box::new(e),
        })?;
        compile(source, text, raw).map_err(|problems| PipelineError::Invalid {
            file: source.to_string(),
            problems,
        })
    }

    /// The pipeline with the roles of generated fixtures from a roles file's text (checked
    /// against the pipeline: every problem with its key path).
    pub fn with_roles(mut self, source: &str, text: &str) -> Result<Pipeline, PipelineError> {
        let raw: raw::RawRoles = toml::from_str(text).map_err(|e| PipelineError::Parse {
            file: source.to_string(),
            source: Box::new(e),
        })?;
        let problems = check_roles(&self, &raw.synth);
        if !problems.is_empty() {
            return Err(PipelineError::Invalid {
                file: source.to_string(),
                problems,
            });
        }
        self.synth = Some(raw.synth);
        Ok(self)
    }

    /// The committed roles file for this pipeline's id, if any (`fixtures/synth/<id>.toml`).
    pub fn embedded_roles(&self) -> Option<(String, &'static str)> {
        EMBEDDED_ROLES
            .iter()
            .find(|(id, _)| *id == self.id)
            .map(|(id, text)| (format!("embedded:fixtures/synth/{id}.toml"), *text))
    }

    /// Finds the canonical filer for a spelling (exact alias match after compaction).
    pub fn filer(&self, spelling: &str) -> Option<&Filer> {
        self.filer_lookup
            .get(&crate::text::compact(spelling))
            .map(|&i| &self.filers[i])
    }

    /// Finds a filer named inside a longer text (a file name): the longest alias it contains.
    pub fn filer_in_text(&self, text: &str) -> Option<&Filer> {
        let t = crate::text::compact(text);
        self.filer_lookup
            .iter()
            .filter(|(alias, _)| t.contains(alias.as_str()))
            .max_by_key(|(alias, _)| alias.chars().count())
            .map(|(_, &i)| &self.filers[i])
    }

    /// Every accepted spelling of a filer (compacted), sorted.
    pub fn filer_aliases(&self, name: &str) -> Vec<String> {
        let Some(idx) = self.filers.iter().position(|f| f.name == name) else {
            return Vec::new();
        };
        self.filer_lookup
            .iter()
            .filter(|(_, &i)| i == idx)
            .map(|(a, _)| a.clone())
            .collect()
    }

    pub fn return_type(&self, id: &str) -> Option<&ReturnType> {
        self.returns.iter().find(|r| r.id == id)
    }

    pub fn vocabulary(&self, kind: &ColumnKind) -> Option<&Vocabulary> {
        match kind {
            ColumnKind::County => Some(&self.county_vocabulary),
            ColumnKind::Vocabulary(name) | ColumnKind::Tags(name) => self.vocabularies.get(name),
            _ => None,
        }
    }

    pub fn target(&self, year: i32, metric: &str) -> Option<&Target> {
        self.targets.get(&year).and_then(|m| m.get(metric))
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum FilerKind {
    County,
    Bureau,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Filer {
    pub name: String,
    pub kind: FilerKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownPolicy {
    Reject,
    Warn,
}

/// A coded value list with its spellings.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    pub name: String,
    pub values: Vec<String>,
    lookup: BTreeMap<String, usize>,
    none: BTreeSet<String>,
    pub unknown: UnknownPolicy,
    /// (value index, compacted words), in the order declared.
    keywords: Vec<(usize, Vec<String>)>,
    /// Compacted words that make a keyword a plan (计划, 拟, 预计).
    future_words: Vec<String>,
    /// Prefixes that may come before a value in a place cell (the city and its short forms,
    /// compacted, longest first): `江门市江海区高新技术产业园`. Only the county vocabulary has them.
    place_prefixes: Vec<String>,
}

/// What a raw word means in a vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Value(usize),
    NoValue,
    Unknown,
}

/// What a place cell (落户地, 所在地, 板块) names: a county, possibly with a place below it.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// Value `i`, and the place below it (town, park) when the text names one: `台山市广海镇`
    /// is (台山市, `广海镇`).
    Value(usize, Option<String>),
    NoValue,
    Unknown,
}

impl Vocabulary {
    pub fn resolve(&self, raw: &str) -> Resolved {
        let key = crate::text::compact(raw);
        if key.is_empty() || self.none.contains(&key) {
            return Resolved::NoValue;
        }
        match self.lookup.get(&key) {
            Some(&i) => Resolved::Value(i),
            None => Resolved::Unknown,
        }
    }

    /// The value a sentence gives by the declared keywords: the first entry one of whose
    /// words the text contains.
    pub fn by_keyword(&self, raw: &str) -> Option<usize> {
        let text = crate::text::compact(raw);
        let is_fact = |at: usize| {
            let clause_start = text[..at]
                .rfind([',', ';', '.', '。', '、', '，', '；'])
                .map(|i| i + 1)
                .unwrap_or(0);
            let clause = &text[clause_start..at];
            !self
                .future_words
                .iter()
                .any(|f| clause.contains(f.as_str()))
        };
        self.keywords
            .iter()
            .find(|(_, words)| {
                words
                    .iter()
                    .any(|w| text.match_indices(w.as_str()).any(|(at, _)| is_fact(at)))
            })
            .map(|(i, _)| *i)
    }

    /// Resolves a place cell: an exact spelling first (as [`Vocabulary::resolve`]), then the
    /// longest spelling the text starts with, with or without a city prefix before it
    /// (`江门市江海区高新技术产业园`, `蓬江区棠下镇工业园`); the rest is the place below the value.
    /// A text that names a second value after the first (`蓬江区、江海区`, `台山开平`, or any
    /// canonical name of another value in the rest) is [`Place::Unknown`], as is a text that
    /// starts with no spelling.
    pub fn resolve_place(&self, raw: &str) -> Place {
        match self.resolve(raw) {
            Resolved::Value(i) => return Place::Value(i, None),
            Resolved::NoValue => return Place::NoValue,
            Resolved::Unknown => {}
        }
        let key = crate::text::compact(raw);
        // (end of the spelling in bytes, value): the longest match wins.
        let mut best: Option<(usize, usize)> = None;
        let starts = std::iter::once(0).chain(
            self.place_prefixes
                .iter()
                .filter(|p| key.starts_with(p.as_str()))
                .map(String::len),
        );
        for start in starts {
            let rest = &key[start..];
            for (alias, &i) in &self.lookup {
                if alias.len() < rest.len()
                    && rest.starts_with(alias.as_str())
                    && best.is_none_or(|(end, _)| start + alias.len() > end)
                {
                    best = Some((start + alias.len(), i));
                }
            }
        }
        let Some((end, i)) = best else {
            return Place::Unknown;
        };
        let below = key[end..].trim_matches(|c: char| !c.is_alphanumeric());
        if below.is_empty() {
            return Place::Value(i, None);
        }
        // A second value: the rest up to a list separator is another value's spelling, or the
        // rest holds another value's canonical name.
        let first_part = below
            .split(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or(below);
        let other = |j: usize| j != i;
        if self.lookup.get(first_part).is_some_and(|&j| other(j))
            || self
                .values
                .iter()
                .enumerate()
                .any(|(j, v)| other(j) && below.contains(crate::text::compact(v).as_str()))
        {
            return Place::Unknown;
        }
        Place::Value(i, Some(below.to_string()))
    }

    /// Sets the prefixes a place cell may start with before its value (see
    /// [`Vocabulary::resolve_place`]); compacted, longest first.
    pub fn set_place_prefixes(&mut self, prefixes: &[String]) {
        let mut p: Vec<String> = prefixes
            .iter()
            .map(|s| crate::text::compact(s))
            .filter(|s| !s.is_empty())
            .collect();
        p.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        p.dedup();
        self.place_prefixes = p;
    }

    /// Every accepted spelling of value `i` (compacted), sorted.
    pub fn aliases(&self, i: usize) -> Vec<String> {
        self.lookup
            .iter()
            .filter(|(_, &j)| j == i)
            .map(|(a, _)| a.clone())
            .collect()
    }

    /// The words meaning "no value" (compacted), sorted.
    pub fn none_words(&self) -> Vec<String> {
        self.none.iter().cloned().collect()
    }

    /// Appends a keyword entry (compiler only).
    pub(crate) fn set_future_words(&mut self, words: &[String]) {
        self.future_words = words.iter().map(|w| crate::text::compact(w)).collect();
    }

    pub(crate) fn set_keywords(&mut self, value: usize, words: &[String]) {
        let words = words.iter().map(|w| crate::text::compact(w)).collect();
        self.keywords.push((value, words));
    }

    pub fn index_of(&self, canonical: &str) -> Option<usize> {
        self.values.iter().position(|v| v == canonical)
    }
}

/// A money unit, as a multiple of 元.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MoneyUnit {
    pub name: &'static str,
    pub yuan: f64,
}

impl MoneyUnit {
    pub const ALL: [MoneyUnit; 4] = [
        MoneyUnit {
            name: "亿元",
            yuan: 1e8,
        },
        MoneyUnit {
            name: "万元",
            yuan: 1e4,
        },
        MoneyUnit {
            name: "千元",
            yuan: 1e3,
        },
        MoneyUnit {
            name: "元",
            yuan: 1.0,
        },
    ];

    /// Parses a unit word: 亿元/亿, 万元/万, 千元, 元.
    pub fn parse(word: &str) -> Option<MoneyUnit> {
        // Every unit word has 元, 亿 or 万, and no other character has them in its NFKC (the
        // unit test checks every character): most words are told apart without normalising.
        if !word.contains(['元', '亿', '万']) {
            return None;
        }
        let w = crate::text::compact_cow(word);
        // `(亿元)` after a number, `3个亿` as clerks say it.
        let w = w.trim_start_matches('(').trim_end_matches(')');
        let w = w.strip_prefix('个').unwrap_or(w);
        let w = w.trim_start_matches("人民币");
        let w = w.strip_suffix("/年").unwrap_or(w);
        let w = w.strip_suffix("人民币").unwrap_or(w);
        match w {
            "亿元" | "亿" => Some(Self::ALL[0]),
            "万元" | "万" => Some(Self::ALL[1]),
            "千元" => Some(Self::ALL[2]),
            "元" => Some(Self::ALL[3]),
            _ => None,
        }
    }

    /// Factor converting an amount in `self` to `to`.
    pub fn factor_to(self, to: MoneyUnit) -> f64 {
        self.yuan / to.yuan
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ColumnKind {
    Text,
    County,
    Vocabulary(String),
    Money {
        unit: MoneyUnit,
        default_unit: MoneyUnit,
    },
    Number {
        unit: Option<String>,
    },
    Date,
    /// Yes/no (是/否 …), stored as a Parquet Boolean.
    Bool,
    /// Several values of the named vocabulary in one cell (canonical names joined by "、").
    Tags(String),
}

/// A format check on a text column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// 统一社会信用代码 (GB 32100-2015).
    Uscc,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub label: String,
    pub kind: ColumnKind,
    pub required: bool,
    pub default_from_filer: bool,
    pub derive_from_dates: Vec<usize>,
    pub not_after_period: bool,
    pub max: Option<f64>,
    pub check: Option<Check>,
    /// An unreadable value rejects the row even though the column is optional.
    pub strict: bool,
    /// For vocabulary columns: the text column receiving the cell's text as typed.
    pub text_column: Option<usize>,
    pub spellings: Vec<String>,
    /// For a county column: the text column that receives the place below the county named in
    /// the cell (`台山市广海镇` → 台山市, and `广海镇` in this column). Without it, only exact
    /// spellings are accepted.
    pub place_column: Option<usize>,
}

impl Column {
    /// A value that cannot be read rejects the row (required or strict); otherwise it becomes
    /// null with a warning and the row still counts.
    pub fn rejects_row(&self) -> bool {
        self.required || self.strict
    }
}

#[derive(Debug, Clone)]
pub struct Identity {
    /// The id column, if the return has one (else rows are identified by `fallback` only).
    pub id: Option<usize>,
    pub fallback: Vec<usize>,
    /// The filer is part of the identity (each filer's row is kept).
    pub per_filer: bool,
    /// Fallback columns that may be empty.
    pub optional: Vec<usize>,
}

/// How often a return is owed (`returns.<id>.rhythm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Rhythm {
    /// Every month: missing for P when nothing was sent for P.
    #[default]
    Monthly,
    /// Once a quarter: missing for P when nothing was sent in P's quarter up to P.
    Quarterly,
    /// Once a year: missing for P when nothing was sent in P's year up to P.
    Annual,
}

impl Rhythm {
    /// Whether a return sent for `sent` answers what is owed for `period`.
    pub fn covers(self, sent: crate::period::Period, period: crate::period::Period) -> bool {
        match self {
            Rhythm::Monthly => sent == period,
            Rhythm::Quarterly => {
                sent.year == period.year && sent.quarter() == period.quarter() && sent <= period
            }
            Rhythm::Annual => sent.year == period.year && sent <= period,
        }
    }
}

/// A kind of return (报表) and how it is read.
#[derive(Debug, Clone)]
pub struct ReturnType {
    pub id: String,
    pub name: String,
    pub table: String,
    pub identity: Identity,
    pub merge_columns: bool,
    /// Filers that owe this return every month, in reference order.
    pub owed_by: Vec<String>,
    /// How often it is owed (which months count when looking for a missing return).
    pub rhythm: Rhythm,
    /// NFKC words that mark a corrected return (in the file name or a title cell).
    pub correction_marks: Vec<String>,
    /// NFKC words that mark a supplement to the month's return (it adds, it does not compete).
    pub supplement_marks: Vec<String>,
    pub ignored_headers: BTreeSet<String>,
    /// Header words of a row-number column (序号), compacted.
    pub index_headers: BTreeSet<String>,
    pub recognise_any: Vec<usize>,
    pub columns: Vec<Column>,
    /// compacted spelling -> column index
    pub spellings: HashMap<String, usize>,
}

impl ReturnType {
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The column a header spelling names, trying the label as written and without a
    /// parenthesised unit. Returns the column and the unit found in the header, if any.
    pub fn match_header(&self, label: &str) -> Option<(usize, Option<String>)> {
        if let Some(&i) = self.spellings.get(label) {
            return Some((i, None));
        }
        let (base, inner) = crate::text::split_paren_suffix(label);
        if let Some(&i) = self.spellings.get(base) {
            return Some((i, inner.map(str::to_string)));
        }
        // A money unit written after the label without parentheses: `计划总投资/万元`,
        // `总投资万元`, `计划总投资_亿元`.
        for unit in MoneyUnit::ALL {
            if let Some(rest) = label.strip_suffix(unit.name) {
                let rest = rest.trim_end_matches(['/', '_', '-', ':']);
                if let Some(&i) = self.spellings.get(rest) {
                    return Some((i, Some(unit.name.to_string())));
                }
            }
        }
        None
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Eq(String, String),
    Ne(String, String),
    Cmp(String, CmpOp, f64),
    NotNull(String),
    IsNull(String),
    InYearToPeriod(String),
    IsTrue(String),
    IsFalse(String),
    /// A tags column holds this canonical tag.
    Contains(String, String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CmpOp {
    Ge,
    Gt,
    Le,
    Lt,
}

#[derive(Debug, Clone)]
pub enum Aggregate {
    Sum(String),
    Count,
    /// Distinct non-null values of a column.
    CountDistinct(String),
    /// A polars SQL aggregate expression, with the period's bounds as `$` parameters.
    Sql(String),
}

#[derive(Debug, Clone)]
pub struct AggregateSpec {
    pub aggregate: Aggregate,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Cumulative,
    Level,
}

#[derive(Debug, Clone)]
pub struct Metric {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub table: String,
    pub value: AggregateSpec,
    pub denominator: Option<AggregateSpec>,
    /// scope -> the scope its denominator is computed at.
    pub denominator_scope: BTreeMap<Scope, Scope>,
    pub progress: Progress,
    pub scopes: Vec<Scope>,
    /// The growth of another metric against an earlier period, instead of an aggregate (then
    /// `value` is the compared metric's, not computed again).
    pub change_of: Option<ChangeOf>,
    /// Graded bands, highest first (empty: the metric is not graded).
    pub grades: Vec<Grade>,
}

/// One graded band of a metric: values ≥ `min` (the last band: every other value).
#[derive(Debug, Clone, PartialEq)]
pub struct Grade {
    pub grade: String,
    pub min: Option<f64>,
}

impl Metric {
    /// The grade of `value`: the first band whose `min` it reaches, else the last band (no
    /// `min`); None when the metric is not graded or has no value.
    pub fn grade_of(&self, value: Option<f64>) -> Option<String> {
        let v = value.filter(|v| v.is_finite())?;
        // Up to rounding, as `on_track`: a sum printed 20 that polars gives as 19.999999999999996
        // reaches a band starting at 20.
        self.grades
            .iter()
            .find(|g| g.min.is_none_or(|min| v >= min - 1e-9 * min.abs().max(1.0)))
            .map(|g| g.grade.clone())
    }
}

/// `change_of`: which metric, against which earlier period.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeOf {
    pub metric: String,
    pub against: Against,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// 环比: the month before (December of the year before, for January).
    PreviousMonth,
    /// 同比: the same month of the year before.
    SameMonthLastYear,
}

impl Against {
    pub fn period(self, p: crate::period::Period) -> crate::period::Period {
        match self {
            Against::PreviousMonth if p.month == 1 => crate::period::Period {
                year: p.year - 1,
                month: 12,
            },
            Against::PreviousMonth => p.prev(),
            Against::SameMonthLastYear => crate::period::Period {
                year: p.year - 1,
                month: p.month,
            },
        }
    }
}

/// Where a metric is computed: the whole city, each first-level unit (`reference.unit_column`),
/// or each value of another column of the metric's table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    City,
    Unit,
    Column(String),
}

impl Scope {
    /// The scope's name in metrics.json and the `metrics` table (`city`, the unit column's
    /// name, the column's name).
    pub fn name<'a>(&'a self, pipeline: &'a Pipeline) -> &'a str {
        match self {
            Scope::City => "city",
            Scope::Unit => &pipeline.unit_column,
            Scope::Column(c) => c,
        }
    }

    /// The column grouped by (None for the city).
    pub fn column<'a>(&'a self, pipeline: &'a Pipeline) -> Option<&'a str> {
        match self {
            Scope::City => None,
            Scope::Unit => Some(&pipeline.unit_column),
            Scope::Column(c) => Some(c),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Target {
    pub city: f64,
    pub county: BTreeMap<String, f64>,
}

#[derive(Debug, Clone)]
pub struct Ranking {
    pub terms: Vec<RankingTerm>,
}

#[derive(Debug, Clone)]
pub struct RankingTerm {
    pub metric: String,
    pub weight: f64,
    pub cap: f64,
}

/// `[changes]`: what is compared month to month.
#[derive(Debug, Clone)]
pub struct ChangesSpec {
    pub table: String,
    pub stage_column: Option<String>,
    pub amount_column: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Funnel {
    pub table: String,
    pub stage_column: String,
    pub amount_column: String,
    pub conditions: Vec<Condition>,
    pub tax_column: String,
    pub land_column: String,
    pub tax_per_mu_threshold_wan: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_yuan_yi_and_wan_have_themselves_in_their_nfkc_so_a_unit_word_needs_one() {
        let with_unit_char: Vec<char> = (0..=0x10FFFF_u32)
            .filter_map(char::from_u32)
            .filter(|c| crate::text::compact(&c.to_string()).contains(['元', '亿', '万']))
            .collect();
        assert_eq!(with_unit_char, ['万', '亿', '元']);
        assert_eq!(MoneyUnit::parse(" 万 元 "), Some(MoneyUnit::ALL[1]));
        assert_eq!(MoneyUnit::parse("（亿元）"), Some(MoneyUnit::ALL[0]));
        assert_eq!(MoneyUnit::parse("个亿"), Some(MoneyUnit::ALL[0]));
        assert_eq!(MoneyUnit::parse("美元"), None);
        assert_eq!(MoneyUnit::parse("亩"), None);
    }

    #[test]
    fn a_money_unit_after_a_header_without_parentheses_is_its_unit() {
        let p = Pipeline::embedded_default().unwrap();
        let rt = p.return_type("project_ledger").unwrap();
        let inv = rt.column_index("planned_investment_yi").unwrap();
        for (label, unit) in [
            ("计划总投资/万元", "万元"),
            ("总投资万元", "万元"),
            ("计划总投资_亿元", "亿元"),
            ("计划总投资(万元)", "万元"),
        ] {
            assert_eq!(
                rt.match_header(&crate::text::header_label(label)),
                Some((inv, Some(unit.to_string()))),
                "{label}"
            );
        }
    }

    #[test]
    fn money_units_convert() {
        let wan = MoneyUnit::parse("万元").unwrap();
        let yi = MoneyUnit::parse("亿").unwrap();
        assert!((wan.factor_to(yi) - 1e-4).abs() < 1e-15);
        assert_eq!(MoneyUnit::parse("万元/年").unwrap().name, "万元");
        assert_eq!(MoneyUnit::parse("（亿元）").unwrap().name, "亿元");
        assert_eq!(MoneyUnit::parse("个亿").unwrap().name, "亿元");
        assert!(MoneyUnit::parse("亩").is_none());
    }

    fn place(p: &Pipeline, raw: &str) -> Option<(String, Option<String>)> {
        let v = &p.county_vocabulary;
        match v.resolve_place(raw) {
            Place::Value(i, below) => Some((v.values[i].clone(), below)),
            _ => None,
        }
    }

    fn named(county: &str, below: Option<&str>) -> Option<(String, Option<String>)> {
        Some((county.to_string(), below.map(str::to_string)))
    }

    #[test]
    fn a_place_below_a_county_resolves_to_the_county_by_its_longest_spelling() {
        let p = Pipeline::embedded_default().unwrap();
        assert_eq!(place(&p, "台山市广海镇"), named("台山市", Some("广海镇")));
        // `台山` is a spelling too, but `台山市` is the longer one: the rest is not `市广海镇`.
        assert_eq!(place(&p, "台山市"), named("台山市", None));
        assert_eq!(place(&p, "台山广海镇"), named("台山市", Some("广海镇")));
        // The city before the county, in full or short.
        assert_eq!(
            place(&p, "江门市江海区高新技术产业园"),
            named("江海区", Some("高新技术产业园"))
        );
        // An alias that is a prefix of the place: 高新区 is 江海区's.
        assert_eq!(place(&p, "江门高新区XX园"), named("江海区", Some("XX园")));
        assert_eq!(
            place(&p, " 蓬江区 棠下镇 "),
            named("蓬江区", Some("棠下镇"))
        );
    }

    #[test]
    fn a_place_naming_two_counties_or_none_is_unknown() {
        let p = Pipeline::embedded_default().unwrap();
        for raw in [
            "蓬江区、江海区",
            "蓬江区江海区",
            "台山/开平",
            "台山市和开平市",
            "广海镇",
            "江门市广海镇",
        ] {
            assert_eq!(
                p.county_vocabulary.resolve_place(raw),
                Place::Unknown,
                "{raw}"
            );
        }
        // A street named like another county's short name is only a street.
        assert_eq!(place(&p, "蓬江区江海路"), named("蓬江区", Some("江海路")));
    }

    #[test]
    fn a_place_below_a_zhenjiang_unit_is_read_with_the_city_prefix_or_without() {
        let text = include_str!("../../pipelines/zhenjiang-tech.toml");
        let p = Pipeline::from_text("zhenjiang-tech.toml", text).unwrap();
        assert_eq!(place(&p, "丹阳市司徒镇"), named("丹阳市", Some("司徒镇")));
        assert_eq!(
            place(&p, "镇江市京口区大市口街道"),
            named("京口区", Some("大市口街道"))
        );
        // 镇江新区 starts with the city's short name: the unit's own name wins.
        assert_eq!(
            place(&p, "镇江新区大港街道"),
            named("镇江新区", Some("大港街道"))
        );
        assert_eq!(place(&p, "镇江京口区"), named("京口区", None));
    }
}
