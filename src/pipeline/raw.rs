//! The pipeline file as written (TOML). These structs are the reference documentation of the
//! file format: every field's doc comment says what it means. They are compiled into a
//! validated [`crate::pipeline::Pipeline`] by `compile.rs`.

use serde::Deserialize;
use std::collections::BTreeMap;

/// A whole pipeline file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPipeline {
    /// Identity and global settings.
    pub pipeline: RawHeader,
    /// Counties, bureaus and vocabularies.
    pub reference: RawReference,
    /// Return types by id (e.g. `project_ledger`, `talent`).
    pub returns: BTreeMap<String, RawReturn>,
    /// Named row filters used by metrics: a list of conditions that must all hold.
    #[serde(default)]
    pub filters: BTreeMap<String, Vec<RawCondition>>,
    /// The metrics, in report order (may be empty for a reference-list scorecard).
    #[serde(default)]
    pub metrics: Vec<RawMetric>,
    /// Targets by year, then by metric id.
    #[serde(default)]
    pub targets: BTreeMap<String, BTreeMap<String, RawTarget>>,
    /// The county ranking.
    pub ranking: Option<RawRanking>,
    /// The stage funnel and land efficiency.
    pub funnel: Option<RawFunnel>,
    /// What changed since last month (the `changes` table and the bulletin's list).
    pub changes: Option<RawChanges>,
    /// What the centre reads: titles, headline metrics, charts and ranked tables.
    pub report: Option<RawReport>,
    /// A reference-list scorecard (e.g. 创新型城市考核指标): which return carries the values of
    /// the `[[indicators]]` below and how they are read. Required when `indicators` is given.
    pub scorecard: Option<RawScorecard>,
    /// The scorecard's reference list: one entry per indicator × part, in report order.
    #[serde(default)]
    pub indicators: Vec<RawIndicator>,
    /// Resource limits for reading one return file; each key is optional and falls back to its
    /// default. The `--max-…` options of `run` and `validate` override them.
    pub limits: Option<RawLimits>,
}

/// Limits that keep one hostile or broken file from costing the run its memory or its time.
/// A file that hits one is not read; it is listed as unreadable with the limit's key, and the
/// run goes on. Example:
///
/// ```toml
/// [limits]
/// max_file_mb = 20       # default 50
/// max_seconds = 30       # default 60
/// ```
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    /// Largest file read, in MB (default 50). Checked before a byte is read.
    pub max_file_mb: Option<u64>,
    /// Most a zip-based workbook (xlsx, xlsm, ods) may inflate to, in MB (default 512); an
    /// entry that inflates at a ratio no spreadsheet has is refused under the same key.
    pub max_inflated_mb: Option<u64>,
    /// Most cells one sheet may hold, counted before its grid is built (default 2000000).
    pub max_cells: Option<u64>,
    /// Most memory reading and normalising one file may take, in MB (default 384): the reading
    /// worker's address space beyond its own at start.
    pub max_memory_mb: Option<u64>,
    /// Longest reading and normalising one file may take, in seconds (default 60).
    pub max_seconds: Option<f64>,
}

/// How the values of a reference-list scorecard are filed. The return must have the columns
/// `indicator_no` (number), `year` (number) and `value` (text: a number, `2.5%`, or a rating),
/// and may have `part` (the part of a two-value indicator). Each monitoring unit's row is kept
/// (give the return `identity.per_filer = true`); a return without `owed_by` is owed by every
/// unit that monitors an indicator.
///
/// Every row is checked against the list (rejected, with the cell and a message naming what is
/// valid): an `indicator_no` not in `[[indicators]]`; a `part` missing for a two-part
/// indicator, given for a one-part one, or not one of the indicator's parts; a `value` that is
/// not a rating of `ratings` (qualitative indicators) or not a number (the others); a `year`
/// outside `base_year..=target_year`. A numeric value cell of a `%` indicator that only makes
/// sense ×100 against the indicator's base and target (a cell formatted as a percentage: 0.642
/// for 64.2 %) is read ×100 with a warning.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawScorecard {
    /// The return type (id under `[returns]`) of the indicator values.
    #[serde(rename = "return")]
    pub return_id: String,
    /// The vocabulary of ratings of qualitative indicators, best first (e.g. 优秀 > 良好 > 一般 >
    /// 较差). Required when an indicator is `qualitative`.
    pub ratings: Option<String>,
    /// The year of the `base` values and of the `target` values (labels of the report).
    pub base_year: i32,
    pub target_year: i32,
    /// When a numeric indicator is met: a row-wise polars SQL expression (true/false) over
    /// `value` (the value that counts), `base` and `target`. Evaluated only where there is a
    /// value that counts; `$year` is the assessed year. Example (the target's side of it, with
    /// a tolerance for floating noise):
    ///
    /// ```toml
    /// met = "CASE WHEN target >= base THEN value >= target - 0.000000001 * GREATEST(ABS(value), ABS(target), 1) ELSE value <= target + 0.000000001 * GREATEST(ABS(value), ABS(target), 1) END"
    /// ```
    pub met: String,
    /// A numeric indicator's progress (1 = at the target): a row-wise polars SQL expression
    /// over `value`, `base`, `target` and `met` (the rule above's result). Example:
    ///
    /// ```toml
    /// progress = "CASE WHEN ABS(target - base) <= 0.000000001 * GREATEST(ABS(base), ABS(target), 1) THEN CASE WHEN met THEN 1.0 ELSE 0.0 END ELSE (value - base) / (target - base) END"
    /// ```
    pub progress: String,
    /// When a qualitative indicator is met: a row-wise polars SQL expression over `rank` (the
    /// rating that counts, as its place in `ratings`: 0 = best) and `target_rank` (the target
    /// rating's). Required when an indicator is `qualitative`. Example: `rating_met = "rank <=
    /// target_rank"` (as good as the target or better).
    pub rating_met: Option<String>,
    /// The report's sentence saying how progress and met are judged, in Chinese for its
    /// readers (the rules above are SQL). Optional: without it the report says nothing of them.
    /// Example: `rules_note = "进度 = (完成值 - 基数) ÷ (目标 - 基数)。"`.
    pub rules_note: Option<String>,
}

/// One indicator (or one part of a two-value indicator) of a reference-list scorecard.
/// progress = (value − base) ÷ (target − base), whichever side of the base the target lies;
/// met = the value is on the target's side of it (≥ target when target ≥ base, ≤ target when
/// target < base); when target = base, progress is 1 if met else 0.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawIndicator {
    /// The indicator's number in the plan (the `indicator_no` of the returns).
    pub no: u32,
    /// Its name (二级指标).
    pub name: String,
    /// Its group (一级指标), for the per-group summary.
    pub group: String,
    /// Display unit.
    #[serde(default)]
    pub unit: String,
    /// For an indicator with two values: which one this entry is (the `part` column's value).
    pub part: Option<String>,
    /// Base-year value (numeric indicators).
    pub base: Option<f64>,
    /// Target value (numeric indicators).
    pub target: Option<f64>,
    /// Target rating (qualitative indicators): a value of the `scorecard.ratings` vocabulary.
    pub target_rating: Option<String>,
    /// A national assessment indicator (* in the plan).
    #[serde(default)]
    pub national: bool,
    /// Rated (定性评价) instead of measured: `value` is a rating, `target_rating` the goal.
    #[serde(default)]
    pub qualitative: bool,
    /// The monitoring units (监测单位): filers (reference.bureaus or counties) that owe a return.
    pub monitors: Vec<String>,
    /// Whose value counts when several units report it (default: the first monitor). Several
    /// units: the sum of their values (each must have reported).
    pub counts_from: Option<RawOwedBy>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawReport {
    /// Title of the monthly bulletin (月通报), e.g. "江门市招商引资工作月通报".
    pub monthly_title: String,
    /// Title of the December report (年度考核).
    pub annual_title: String,
    /// Title for quarter-end months (季度点评); monthly_title when absent.
    pub quarterly_title: Option<String>,
    /// Metrics shown at the top of the report (city scope), in order.
    pub headline: Vec<String>,
    /// Charts, in report order.
    #[serde(default)]
    pub charts: Vec<RawChart>,
    /// Ranked tables, in report order.
    #[serde(default)]
    pub tables: Vec<RawReportTable>,
}

/// One chart. `kind` says which of the other keys apply:
/// - `county_bars`: `metric` for each county against its county target (sorted bars, target marks);
/// - `cumulative`: `metric`'s year-to-date value at each month's end, against 序时进度 and the annual target;
/// - `share_bars`: `metric` (a share) for the city and each county against the target line;
/// - `heatmap`: Σ `value` of `table` over `rows` × `columns` (with `filters`);
/// - `funnel`: the stage funnel (counts at or beyond each stage) per county;
/// - `target_bars`: completion (value ÷ target) of each of `metrics` against 100 %;
/// - `indicator_progress`: the `[scorecard]`'s numeric indicators in the assessed year, each
///   its `progress` (0 % at the base, 100 % at the target), coloured by `met`. Example:
///   `{ id = "indicator_progress", title = "考核指标完成进度", kind = "indicator_progress" }`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawChart {
    /// File stem of the chart (`<id>.svg`, `<id>.png`).
    pub id: String,
    pub kind: String,
    /// Chinese title drawn on the chart.
    pub title: String,
    pub metric: Option<String>,
    #[serde(default)]
    pub metrics: Vec<String>,
    pub table: Option<String>,
    pub rows: Option<String>,
    pub columns: Option<String>,
    pub value: Option<String>,
    #[serde(default)]
    pub filters: Vec<String>,
}

/// One ranked table, written as xlsx, csv and markdown. `kind`:
/// - `ranking`: the county ranking with each metric's value, target and completion;
/// - `rows`: rows of `table` passing `filters`, `columns` shown, sorted by `sort` descending;
/// - `group`: per value of `group`, the count of rows and Σ `sum` (with `filters`);
/// - `funnel`: the stage ledger per county (counts, amounts, rates, 亩均税收);
/// - `indicators`: the `[scorecard]`'s indicators × years (base, target, each year's value or
///   rating, the assessed year's progress and met);
/// - `indicator_summary`: per group of the scorecard, the national indicators and all, per
///   year: indicators with a value and met. Example: `{ id = "indicator_summary", title =
///   "达标情况汇总", kind = "indicator_summary" }`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawReportTable {
    /// File stem (`<id>.xlsx`, `.csv`, `.md`).
    pub id: String,
    pub kind: String,
    /// Chinese title (the sheet's and the section's).
    pub title: String,
    pub table: Option<String>,
    #[serde(default)]
    pub filters: Vec<String>,
    #[serde(default)]
    pub columns: Vec<String>,
    pub sort: Option<String>,
    pub group: Option<String>,
    pub sum: Option<String>,
}

/// Which generator `zhaoshang synth` uses for this pipeline, and the roles it needs.
/// `kind = "ledger"` (default): project ledger + talent return (keys `ledger_return` …
/// `big_filter`). `kind = "registers"`: one row per event and one per enterprise (keys
/// `event_return`, `enterprise_return`, `bureau` and the four `*_metric` ids).
/// A roles file (`fixtures/synth/<pipeline id>.toml`): the `[synth]` roles of the fixtures
/// `zhaoshang synth` writes for a pipeline. Not part of the pipeline file: who plays which part
/// in generated returns is no policy.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawRoles {
    pub synth: RawSynth,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawSynth {
    /// "ledger" (default), "registers" or "indicators" (yearly indicator returns of the
    /// monitoring units of `[[indicators]]`; no other key).
    pub kind: Option<String>,
    /// The return type of the project ledger and of the talent return.
    pub ledger_return: Option<String>,
    pub talent_return: Option<String>,
    /// A bureau that also files a ledger repeating county projects.
    pub ledger_bureau: Option<String>,
    /// The bureau that files the talent figures for every county.
    pub talent_bureau: Option<String>,
    /// The bureau that files the housing figures for every county.
    pub housing_bureau: Option<String>,
    /// Filters that define "manufacturing" and "big project" for the expected figures.
    pub manufacturing_filter: Option<String>,
    pub big_filter: Option<String>,
    /// registers: the event return (columns event_name, event_date, county, organiser,
    /// event_kind, place, projects_signed).
    pub event_return: Option<String>,
    /// registers: the enterprise return (columns enterprise, credit_code, county, park,
    /// in_key_park, in_incubator, tags, landed_date).
    pub enterprise_return: Option<String>,
    /// registers: a bureau that repeats some units' events and enterprises and lists events
    /// of its own.
    pub bureau: Option<String>,
    /// registers: metric ids whose true values expected.json gives: events counted, enterprises
    /// counted, of which in key parks, of which in incubators.
    pub events_metric: Option<String>,
    pub enterprises_metric: Option<String>,
    pub in_park_metric: Option<String>,
    pub in_incubator_metric: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHeader {
    /// Short machine id, written into every output (e.g. `jiangmen`).
    pub id: String,
    /// Chinese title used in reports.
    pub title: String,
    /// The city the figures add up to (scope `city`).
    pub city: String,
    /// Earliest plausible date in a return, `YYYY-MM-DD`.
    pub min_date: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReference {
    /// Alias patterns for counties: `{name}` canonical name, `{short}` the name without suffix.
    #[serde(default)]
    pub county_alias_forms: Vec<String>,
    /// Suffixes removed to make `{short}`.
    #[serde(default)]
    pub county_suffixes: Vec<String>,
    /// Alias patterns for bureaus: `{name}`, and `{short}` the name without a prefix below.
    #[serde(default)]
    pub bureau_alias_forms: Vec<String>,
    /// Prefixes removed to make a bureau's `{short}` (e.g. 市).
    #[serde(default)]
    pub bureau_prefixes: Vec<String>,
    /// Chinese name of the first-level units listed in `counties` (default "县(市、区)"; 镇江:
    /// "板块"), used in reports, tables, charts and messages. Their scope is still named
    /// `county` in metrics.json.
    pub unit_label: Option<String>,
    /// The canonical column (of every return that carries one) holding the first-level unit,
    /// and the name of its scope in metrics (default `county`). Example: `unit_column = "county"`.
    pub unit_column: Option<String>,
    /// The counties, in report order.
    pub counties: Vec<RawNamed>,
    /// The city bureaus that file returns.
    #[serde(default)]
    pub bureaus: Vec<RawNamed>,
    /// Coded value lists by name (referenced by columns of type `vocabulary`).
    #[serde(default)]
    pub vocabularies: BTreeMap<String, RawVocabulary>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum RawOwedBy {
    Group(String),
    List(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNamed {
    /// Canonical name.
    pub name: String,
    /// Other spellings, besides those the alias forms generate.
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVocabulary {
    /// Canonical values, in order (for stages: the order of progress).
    pub values: Vec<String>,
    /// Extra spellings per canonical value.
    #[serde(default)]
    pub aliases: BTreeMap<String, Vec<String>>,
    /// Alias patterns applied to every value (`{name}`).
    #[serde(default)]
    pub alias_forms: Vec<String>,
    /// Words meaning "no value".
    #[serde(default)]
    pub none: Vec<String>,
    /// What to do with any other word: "reject" (default) or "warn". In an optional column
    /// (not `required`, not `strict`) an unknown word never costs the row: it is a warning.
    #[serde(default)]
    pub unknown: Option<String>,
    /// Words that give a value to a sentence that is no listed spelling, tried in order: the
    /// first entry one of whose words the cell's text contains gives its value. E.g. for
    /// stages, `{ value = "投产", words = ["投产", "试生产"] }` reads `已建成投产` as 投产 and
    /// `{ value = "开工", words = ["施工", "调试"] }` reads `主体结构施工，已完成投资40%` as 开工.
    #[serde(default)]
    pub keywords: Vec<RawKeywords>,
    /// Words that make a keyword a plan, not a fact: a keyword preceded by one of them in the
    /// same clause (up to a comma or full stop) is not counted — `计划年底投产` gives no 投产.
    #[serde(default)]
    pub future_words: Vec<String>,
}

/// One entry of a vocabulary's `keywords`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKeywords {
    /// The canonical value given.
    pub value: String,
    /// Any of these words in the cell's text gives the value.
    pub words: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReturn {
    /// Chinese name of the return, used in messages.
    pub name: String,
    /// The table its accepted rows go to.
    pub table: String,
    /// How rows are identified across filers and months.
    pub identity: RawIdentity,
    /// Who owes this return every month: "counties" or a list of filer names.
    pub owed_by: Option<RawOwedBy>,
    /// Header words of a row-number column (序号): recognised, not read, and with the first
    /// column, the identity columns and the unit column one of the label cells from which
    /// blank, section, total and footer rows are told (never from remarks).
    #[serde(default)]
    pub index_headers: Vec<String>,
    /// How often the return is owed: "monthly" (the default), "quarterly" or "annual". An
    /// owing filer is listed as 未报送 for period P when it sent nothing for P (monthly),
    /// nothing in P's quarter up to P (quarterly), or nothing in P's year up to P (annual).
    #[serde(default)]
    pub rhythm: Option<String>,
    /// Words that mark a return as a corrected version (更正, 修改 …), looked for in the file
    /// name and in the title cells above the header. When one filer sends two returns of this
    /// type for one month, the later 填报日期 wins, then the one so marked, then the one with
    /// more rows, then the later file name (DESIGN §2.3; README "Design decisions").
    #[serde(default)]
    pub correction_marks: Vec<String>,
    /// Words that mark a file as a supplement to the month's return (补充 …), in its name or
    /// title: its rows add to the return in effect instead of competing with it.
    #[serde(default)]
    pub supplement_marks: Vec<String>,
    /// Per identity, merge the non-empty columns of several rows instead of taking one row.
    #[serde(default)]
    pub merge_columns: bool,
    /// Header words that are recognised but not read (序号, 备注).
    #[serde(default)]
    pub ignored_headers: Vec<String>,
    /// A sheet is this return only if it also has one of these columns.
    #[serde(default)]
    pub recognise_any: Vec<String>,
    /// The canonical columns.
    pub columns: Vec<RawColumn>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIdentity {
    /// The column whose normalised value identifies a row. Optional: without it rows are
    /// identified by `fallback` only (e.g. events by name and date).
    pub id: Option<String>,
    /// When a row lacks `id`: the columns that identify it together.
    #[serde(default)]
    pub fallback: Vec<String>,
    /// Rows of different filers are never the same record (the filer is part of the identity):
    /// each filer's row is kept, e.g. each monitoring unit's value of an indicator.
    #[serde(default)]
    pub per_filer: bool,
    /// Fallback columns that may be empty (an empty value is then part of the key).
    #[serde(default)]
    pub optional: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawColumn {
    /// Canonical column name (the Parquet column).
    pub name: String,
    /// Chinese label for messages and tables (defaults to the first spelling).
    pub label: Option<String>,
    /// text | county | vocabulary | money | number | date | bool | tags
    /// - `bool`: 是/否, Y/N, √/×, 1/0, 有/无, true/false (anything else rejects the row);
    /// - `tags`: several values of `vocabulary` in one cell, separated by 、 , ， / ; ； or
    ///   spaces, stored as the canonical values joined by "、" in vocabulary order.
    #[serde(rename = "type")]
    pub kind: String,
    /// For `text`: a format check. `uscc` = 18-character 统一社会信用代码 with its GB 32100-2015
    /// check digit (after NFKC and upper-casing; the stored value is the normalised code).
    pub check: Option<String>,
    /// For `vocabulary` and `tags`: which one.
    pub vocabulary: Option<String>,
    /// For money/number: the stored unit (亿元, 万元, 元 for money).
    pub unit: Option<String>,
    /// For money: the unit assumed when header, note row and value all lack one.
    pub default_unit: Option<String>,
    /// A row without this value is rejected.
    #[serde(default)]
    pub required: bool,
    /// For county: a county filer's rows default to the filer's county.
    #[serde(default)]
    pub default_from_filer: bool,
    /// For county: accept a place below the county (`台山市广海镇`, `蓬江区棠下镇工业园`,
    /// `江门市江海区高新技术产业园`: a county spelling at the start, after an optional city
    /// prefix) and store that place in this `text` column of the same return (when the row
    /// leaves it empty). Without it only exact county spellings are accepted.
    pub place_column: Option<String>,
    /// For vocabulary: when empty, the furthest value whose date column is filled.
    #[serde(default)]
    pub derive_from_dates: Vec<String>,
    /// For date: a date after the return's month is rejected.
    #[serde(default)]
    pub not_after_period: bool,
    /// For money/number: values above are rejected as implausible.
    pub max: Option<f64>,
    /// An optional column whose unreadable values reject the row (by default an optional
    /// value that cannot be read becomes null with a warning, and the row still counts).
    #[serde(default)]
    pub strict: bool,
    /// For vocabulary: a text column of this return that receives the cell's text as typed
    /// (e.g. the progress sentence `主体结构施工，已完成投资40%` kept in `progress_note` while
    /// `stage` gets 开工). The named column declares no spellings of its own.
    pub text_column: Option<String>,
    /// Header spellings (compared after NFKC and space removal). Empty only for a column
    /// filled from another column's `text_column`.
    #[serde(default)]
    pub spellings: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    /// Column of the metric's table.
    pub column: String,
    /// eq | ne | ge | gt | le | lt | not_null | is_null | in_year_to_period | is_true |
    /// is_false (bool columns) | contains (tags columns: `value` is a canonical tag)
    pub op: String,
    /// Comparison value for eq/ne/contains (text) and ge/gt/le/lt (number).
    pub value: Option<toml::Value>,
}

/// What a metric adds up over the rows of its table that meet `filters`, at each scope. Give
/// exactly one of `sum`, `count`, `count_distinct` or `sql`. Examples:
///
/// ```toml
/// value = { sum = "planned_investment_yi", filters = ["manufacturing_this_year"] }
/// value = { count = true, filters = ["manufacturing_this_year", "big"] }
/// value = { count_distinct = "investor", filters = ["this_year"] }
/// # Anything else: a polars SQL aggregate expression over the table's columns, evaluated per
/// # scope value; $year_start, $period_start and $period_end are the period's bounds (dates),
/// # $year and $month its numbers.
/// value = { sql = "SUM(CASE WHEN started_date BETWEEN $year_start AND $period_end THEN planned_investment_yi ELSE 0 END)" }
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAggregate {
    /// Sum this column.
    pub sum: Option<String>,
    /// Count rows.
    #[serde(default)]
    pub count: bool,
    /// Count the distinct non-empty values of this column.
    pub count_distinct: Option<String>,
    /// A polars SQL aggregate expression (see above).
    pub sql: Option<String>,
    /// Names of `[filters]` that must all hold.
    #[serde(default)]
    pub filters: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetric {
    /// Machine id (metrics.json `id`).
    pub id: String,
    /// Chinese name.
    pub name: String,
    /// Display unit.
    pub unit: String,
    /// projects_current | talent_current (the deduplicated table of a return's `table`).
    pub table: String,
    /// The aggregate (numerator of a ratio). Required unless `change_of` is given.
    pub value: Option<RawAggregate>,
    /// Makes the metric the growth of another metric against an earlier period:
    /// (value now − value then) ÷ value then, at each of its scopes; empty when the earlier
    /// value is missing or not positive. `against = "previous_month"` (环比; January compares
    /// with December of the year before) or `"same_month_last_year"` (同比); an earlier year's
    /// values come from the dataset's `metrics` table, as an earlier run wrote them. Example:
    ///
    /// ```toml
    /// [[metrics]]
    /// id = "mfg_investment_yoy"
    /// name = "制造业项目计划投资额同比增长"
    /// unit = "比例"
    /// table = "projects_current"
    /// change_of = { metric = "mfg_investment_yi", against = "same_month_last_year" }
    /// progress = "level"
    /// scopes = ["city", "county"]
    /// ```
    pub change_of: Option<RawChangeOf>,
    /// Makes the metric a ratio value ÷ denominator.
    pub denominator: Option<RawAggregate>,
    /// Per scope, compute the denominator at another scope ("city").
    #[serde(default)]
    pub denominator_scope: BTreeMap<String, String>,
    /// cumulative (序时进度 = annual × month ÷ 12) or level (annual target all year).
    pub progress: String,
    /// city, county, chain.
    pub scopes: Vec<String>,
    /// Graded bands of the value (评价等级), highest first: a value gets the grade of the first
    /// band whose `min` it reaches (value ≥ min); the last band has no `min` and takes every
    /// other value; no value (e.g. a ratio without denominator) gets no grade. The grade is
    /// `grade` in metrics.json (and a `grade` column of the `metrics` table when any metric of
    /// the pipeline is graded). `min` must fall from band to band and grades must differ.
    /// Example:
    ///
    /// ```toml
    /// grades = [{ grade = "A", min = 30.0 }, { grade = "B", min = 20.0 }, { grade = "C", min = 10.0 }, { grade = "D" }]
    /// ```
    #[serde(default)]
    pub grades: Vec<RawGrade>,
}

/// One band of [`RawMetric::grades`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrade {
    /// The grade's name (e.g. `A`, `优秀`).
    pub grade: String,
    /// The least value of the band (inclusive); omitted on the last band only.
    pub min: Option<f64>,
}

/// See [`RawMetric::change_of`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChangeOf {
    /// The id of the metric compared (declared before this one).
    pub metric: String,
    /// `previous_month` or `same_month_last_year`.
    pub against: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    /// The city's annual target.
    pub city: f64,
    /// Per-county annual targets (分解目标).
    #[serde(default)]
    pub county: BTreeMap<String, f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRanking {
    /// The scored metrics.
    pub terms: Vec<RawRankingTerm>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRankingTerm {
    pub metric: String,
    pub weight: f64,
    /// Upper bound of value ÷ target to date.
    pub cap: f64,
}

/// What changed since the previous month of the same year, per record of a deduplicated
/// table: `new`, `left` (no longer listed), `moved` (its first-level unit changed),
/// `stage_advanced` (a later value of the stage column's vocabulary), `amount_changed`, and
/// the filers that `stopped_reporting`. Example:
///
/// ```toml
/// [changes]
/// table = "projects_current"
/// stage_column = "stage"
/// amount_column = "planned_investment_yi"
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChanges {
    /// The deduplicated table compared (`<return table>_current`).
    pub table: String,
    /// A vocabulary column whose later values are progress (omit: no `stage_advanced`).
    pub stage_column: Option<String>,
    /// A number column whose changes are listed (omit: no `amount_changed`).
    pub amount_column: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFunnel {
    pub table: String,
    pub stage_column: String,
    pub amount_column: String,
    #[serde(default)]
    pub filters: Vec<String>,
    pub tax_column: String,
    pub land_column: String,
    pub tax_per_mu_threshold_wan: f64,
}
