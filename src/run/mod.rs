//! The `run` command: discover → read (cached) → normalise → identity → assess → store →
//! render, for one period or many, under a lock, staged and committed atomically.

pub mod cache;
pub mod commit;
pub mod lock;
pub mod outputs;
pub mod state;
pub mod worker;

pub use outputs::{
    InputManifest, Manifest, MetricsJson, SheetManifest, Timings, UnreadableFile, GRADE_COLUMN,
    METRIC_COLUMNS, REJECT_COLUMNS,
};

use crate::assess::{self, MetricValue};
use crate::error::FileError;
use crate::ingest::{self, Discovery, InputFile};
use crate::issue::{Issue, Rule, Severity};
use crate::normalise::{self, Accounting, SheetOutcome};
use crate::period::Period;
use crate::pipeline::Pipeline;
use crate::render::{self, ReportData};
use crate::store::{self, DatasetMeta};
use crate::table::Table;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

pub struct RunOptions {
    pub input: PathBuf,
    pub out: PathBuf,
    /// None: the latest period found.
    pub period: Option<Period>,
}

/// Which periods a run computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Periods {
    /// `RunOptions::period`, else the latest month folder found.
    #[default]
    One,
    /// Every month from..=to (months without a folder are carried forward).
    Range(Period, Period),
    /// Every month folder found.
    All,
}

#[derive(Debug, Clone, Default)]
pub struct RunSettings {
    pub periods: Periods,
    /// Re-read every file instead of using the parse cache.
    pub no_cache: bool,
    /// Show progress bars (only when stderr is a terminal).
    pub progress: bool,
    /// How files are read: where, and under which limits.
    pub reading: Reading,
}

/// Where files are read and which limits apply.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    /// Read each file in a worker process started from this binary (`zhaoshang read-worker`),
    /// with the memory and time limits enforced; None reads in this process (a panic is still
    /// that file's error, but an abort or a hang is not contained: library use and tests).
    pub worker_exe: Option<PathBuf>,
    /// Limits given on the command line, over the pipeline file's `[limits]`.
    pub overrides: ingest::LimitOverrides,
}

impl Reading {
    /// The limits in force for `pipeline`.
    pub fn limits(&self, pipeline: &Pipeline) -> ingest::ReadLimits {
        self.overrides.apply(pipeline.limits)
    }
}

/// What a run produced for one period.
pub struct RunOutcome {
    pub period: Period,
    pub metrics: MetricsJson,
    pub files_read: usize,
    pub files_in_period: usize,
    pub issues: Vec<Issue>,
    pub report_dir: PathBuf,
    pub dataset_dir: PathBuf,
    pub timings: Timings,
    pub rendered: render::RenderSummary,
    /// Everything under the input root that was not read, and why (the same in every period).
    pub ignored: Vec<ingest::IgnoredFile>,
    /// Things the user must hear about this period that are not a filer's problem (English,
    /// with the Chinese words that matter), e.g. a year without targets in the pipeline file.
    pub warnings: Vec<String>,
    /// The period's manifest.json.
    pub manifest: Manifest,
}

impl RunOutcome {
    /// Exit status: 2 when a file could not be read, 1 under `strict` with rejected rows, else 0.
    pub fn exit_code(&self, strict: bool) -> i32 {
        if !self.metrics.unreadable_files.is_empty() {
            2
        } else if strict && self.metrics.accounting.rows_rejected > 0 {
            1
        } else {
            0
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("Failed to list the input folder `{}`", path.display())]
    Discover {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("No returns found under `{}` (expected <input>/<YYYY-MM>/<file>.xlsx)", path.display())]
    NoInputs { path: PathBuf },
    #[error("Period range {from}..{to} is empty")]
    EmptyRange { from: Period, to: Period },
    #[error("{}", no_returns_message(*period, *first, path))]
    NoReturnsYet {
        period: Period,
        /// The first month of the period's year that has returns, if any.
        first: Option<Period>,
        path: PathBuf,
    },
    #[error(transparent)]
    Lock(#[from] lock::LockError),
    #[error(transparent)]
    Output(#[from] crate::error::OutputError),
    #[error("Failed to render the reports")]
    Render(#[from] crate::render::RenderError),
    #[error("Failed to compute the assessment over the period's tables")]
    Frame(#[from] polars::prelude::PolarsError),
}

fn no_returns_message(period: Period, first: Option<Period>, path: &Path) -> String {
    let zh = |p: Period| format!("{}年{}月", p.year, p.month);
    match first {
        Some(f) => format!(
            "No returns of {year} up to {period} under `{}`: the first month folder of {year} is {f}; nothing was written (a report of zeros would mislead). Pass --period {f} or later. / 截至{}，{year}年尚无任何报表（本年最早的是{}），未生成报告。",
            path.display(),
            zh(period),
            zh(f),
            year = period.year,
        ),
        None => format!(
            "No returns of {year} under `{}` (no month folder of {year}); nothing was written for {period}. / {year}年没有任何报表（无该年的月份文件夹），未生成{}的报告。",
            path.display(),
            zh(period),
            year = period.year,
        ),
    }
}

/// Refuses a period before any return of its year: its report would be all zeros.
fn check_periods_have_returns(
    periods: &[Period],
    d: &Discovery,
    input: &Path,
) -> Result<(), RunError> {
    for &p in periods {
        let of_year = d.files.iter().filter(|f| f.period.year == p.year);
        if !of_year.clone().any(|f| f.period <= p) {
            return Err(RunError::NoReturnsYet {
                period: p,
                first: of_year.map(|f| f.period).min(),
                path: input.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// Per-period warnings for the summary: a year the pipeline file sets no targets for.
fn period_warnings(pipeline: &Pipeline, period: Period) -> Vec<String> {
    let mut out = Vec::new();
    if !pipeline.metrics.is_empty() && !pipeline.targets.contains_key(&period.year) {
        out.push(format!(
            "no targets for {year} in the pipeline file ({}): for {period} completion, targets to date and on-track are empty and every ranking score is 0 / 流水线文件未设{year}年目标：{period}的完成率、序时进度为空，排名得分均为0",
            pipeline.source,
            year = period.year,
        ));
    }
    out
}

fn ms(t: Instant) -> f64 {
    (t.elapsed().as_secs_f64() * 1e6).round() / 1e3
}

/// A file read: its sha256, size and sheets, or why it could not be read.
pub type Parsed = Result<(String, u64, Vec<SheetOutcome>), FileError>;

/// Every file read: its outcome, whether it came from the cache.
pub struct ReadFile {
    pub file: InputFile,
    pub result: Parsed,
    pub cached: bool,
}

fn progress_bar(show: bool, len: usize, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !show || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg:10} [{bar:40}] {pos}/{len} {elapsed}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_string());
    bar
}

/// Reads and normalises files in parallel (one task per file; a file's sheets in order),
/// using the parse cache when given: in worker processes when `reading.worker_exe` is set,
/// else on this process's threads.
pub fn read_files(
    files: &[InputFile],
    pipeline: &Pipeline,
    cache: Option<&cache::Cache>,
    use_cache: bool,
    progress: bool,
    reading: &Reading,
    timings: &mut Timings,
) -> Vec<ReadFile> {
    let t = Instant::now();
    let bar = progress_bar(progress, files.len(), "reading");
    let spent = StageClock::default();
    let limits = reading.limits(pipeline);
    // Limits are not part of the cache key: they guard reading, and a cached parse was read.
    let cache_key = pipeline.hash.as_str();
    let before = |f: &InputFile| before_reading(f, &limits, cache, cache_key, use_cache);
    let in_process = |f: &InputFile| {
        let (result, read_ns, normalise_ns) = read_and_normalise(f, pipeline, &limits);
        spent.add(read_ns, normalise_ns);
        remember(f, &result, cache, cache_key);
        ReadFile {
            file: f.clone(),
            result,
            cached: false,
        }
    };
    let read: Vec<ReadFile> = match &reading.worker_exe {
        Some(exe) => {
            let spec = worker::WorkerSpec {
                exe,
                pipeline,
                limits,
            };
            let after = |f: &InputFile, r: &worker::WorkerResult| {
                spent.add(r.read_ns, r.normalise_ns);
                remember_answer(f, r, cache, cache_key);
                bar.inc(1);
            };
            let cached = |f: &InputFile| {
                let hit = before(f);
                if hit.is_some() {
                    bar.inc(1);
                }
                hit
            };
            worker::read_all(
                files,
                &spec,
                rayon::current_num_threads(),
                &cached,
                &after,
                &in_process,
            )
        }
        None => files
            .par_iter()
            .map(|f| {
                let res = before(f).unwrap_or_else(|| in_process(f));
                bar.inc(1);
                res
            })
            .collect(),
    };
    bar.finish_and_clear();
    timings.read_wall_ms = ms(t);
    timings.read_ms = spent.read.load(Ordering::Relaxed) as f64 / 1e6;
    timings.normalise_ms = spent.normalise.load(Ordering::Relaxed) as f64 / 1e6;
    timings.files_cached = read.iter().filter(|r| r.cached).count();
    timings.files_parsed = read.len() - timings.files_cached;
    read
}

/// Time spent in each stage, summed over the worker threads (nanoseconds).
#[derive(Default)]
struct StageClock {
    read: AtomicU64,
    normalise: AtomicU64,
}

impl StageClock {
    fn add(&self, read_ns: u64, normalise_ns: u64) {
        self.read.fetch_add(read_ns, Ordering::Relaxed);
        self.normalise.fetch_add(normalise_ns, Ordering::Relaxed);
    }
}

/// Runs `work` on one file, turning a panic into that file's [`FileError::ReaderPanic`].
fn isolate<T>(f: &InputFile, work: impl FnOnce() -> Result<T, FileError>) -> Result<T, FileError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Err(FileError::ReaderPanic {
            path: f.path.clone(),
            message,
        })
    })
}

/// What can be said of a file before reading it: too large to read (refused by its size,
/// without reading a byte), or its parse is in the cache.
fn before_reading(
    f: &InputFile,
    limits: &ingest::ReadLimits,
    cache: Option<&cache::Cache>,
    cache_key: &str,
    use_cache: bool,
) -> Option<ReadFile> {
    let size = std::fs::metadata(&f.path).map(|m| m.len()).unwrap_or(0);
    if size > limits.max_file_bytes() {
        return Some(ReadFile {
            file: f.clone(),
            result: Err(FileError::Limit {
                path: f.path.clone(),
                hit: crate::error::LimitHit::FileSize {
                    max_mb: limits.max_file_mb,
                    actual_bytes: size,
                },
            }),
            cached: false,
        });
    }
    let cache = cache.filter(|_| use_cache)?;
    let bytes = std::fs::read(&f.path).ok()?;
    let sha = crate::pipeline::hex_digest(&<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let hit = cache.get(f, &sha, cache_key)?;
    Some(ReadFile {
        file: f.clone(),
        result: Ok((hit.sha256, hit.bytes, hit.sheets)),
        cached: true,
    })
}

/// Reads and normalises one file in this process; a panic in either is the file's error.
/// Returns the result and the nanoseconds spent reading and normalising.
pub(crate) fn read_and_normalise(
    f: &InputFile,
    pipeline: &Pipeline,
    limits: &ingest::ReadLimits,
) -> (Parsed, u64, u64) {
    let t = Instant::now();
    let wb = isolate(f, || ingest::read_file(f, limits));
    let read_ns = t.elapsed().as_nanos() as u64;
    let t = Instant::now();
    let result = wb.and_then(|wb| {
        let sheets = isolate(f, || Ok(normalise::normalise_workbook(f, &wb, pipeline)))?;
        Ok((wb.sha256, wb.bytes, sheets))
    });
    (result, read_ns, t.elapsed().as_nanos() as u64)
}

/// Stores a parse in the cache (a failure costs only speed next time: a warning).
fn remember(f: &InputFile, result: &Parsed, cache: Option<&cache::Cache>, cache_key: &str) {
    if let (Ok((sha, bytes, sheets)), Some(cache)) = (result, cache) {
        warn_uncached(cache.put(f, cache_key, sha, *bytes, sheets));
    }
}

/// Stores a worker's answer in the parse cache as the worker encoded it (no second encoding).
fn remember_answer(
    f: &InputFile,
    answer: &worker::WorkerResult,
    cache: Option<&cache::Cache>,
    cache_key: &str,
) {
    match (&answer.result, &answer.encoded, cache) {
        (Ok((sha, _, _)), Some(encoded), Some(cache)) => {
            warn_uncached(cache.put_encoded(f, cache_key, sha, encoded))
        }
        _ => remember(f, &answer.result, cache, cache_key),
    }
}

/// A parse cache that could not be written costs only speed next time: a warning.
fn warn_uncached(written: Result<(), crate::error::OutputError>) {
    if let Err(e) = written {
        eprintln!("warning: could not write the parse cache: {e}");
    }
}

/// Runs one period (`opts.period`, else the latest) and returns its outcome.
pub fn run(pipeline: &Pipeline, opts: &RunOptions) -> Result<RunOutcome, RunError> {
    let mut all = run_with(pipeline, opts, &RunSettings::default())?;
    all.pop().ok_or_else(|| RunError::NoInputs {
        path: opts.input.clone(),
    })
}

fn select_periods(
    opts: &RunOptions,
    settings: &RunSettings,
    d: &Discovery,
) -> Result<Vec<Period>, RunError> {
    let found = d.periods();
    let periods = match settings.periods {
        Periods::One => opts
            .period
            .or_else(|| found.last().copied())
            .into_iter()
            .collect(),
        Periods::All => found,
        Periods::Range(from, to) => {
            let mut v = Vec::new();
            let mut p = from;
            while p <= to {
                v.push(p);
                p = p.next();
            }
            if v.is_empty() {
                return Err(RunError::EmptyRange { from, to });
            }
            v
        }
    };
    if periods.is_empty() {
        return Err(RunError::NoInputs {
            path: opts.input.clone(),
        });
    }
    Ok(periods)
}

/// Runs every selected period, sharing the parsed inputs, under a lock on the output root;
/// outputs are staged and committed at the end.
pub fn run_with(
    pipeline: &Pipeline,
    opts: &RunOptions,
    settings: &RunSettings,
) -> Result<Vec<RunOutcome>, RunError> {
    let total = Instant::now();
    let mut timings = Timings::default();
    let _lock = lock::OutputLock::acquire(&opts.out)?;
    let staging = commit::Staging::begin(&opts.out)?;

    let t = Instant::now();
    let discovery = ingest::discover(&opts.input).map_err(|source| RunError::Discover {
        path: opts.input.clone(),
        source,
    })?;
    let periods = select_periods(opts, settings, &discovery)?;
    check_periods_have_returns(&periods, &discovery, &opts.input)?;
    // Per year, the last month needed.
    let mut last_of_year: BTreeMap<i32, Period> = BTreeMap::new();
    for p in &periods {
        let e = last_of_year.entry(p.year).or_insert(*p);
        *e = (*e).max(*p);
    }
    let files: Vec<InputFile> = discovery
        .files
        .iter()
        .filter(|f| {
            last_of_year
                .get(&f.period.year)
                .is_some_and(|last| f.period <= *last)
        })
        .cloned()
        .collect();
    timings.discover_ms = ms(t);

    // --no-cache re-reads every file; the fresh results still refresh the cache.
    let cache = cache::Cache::new(&opts.out);
    let read = read_files(
        &files,
        pipeline,
        Some(&cache),
        !settings.no_cache,
        settings.progress,
        &settings.reading,
        &mut timings,
    );
    warn_uncached(cache.finish());

    let t = Instant::now();
    let mut outcomes: Vec<SheetOutcome> = Vec::new();
    let mut sha_by_file = BTreeMap::new();
    let mut inputs = Vec::new();
    let mut read = read;
    for r in &mut read {
        inputs.push(input_manifest(r));
        if let Ok((sha, _, sheets)) = &mut r.result {
            sha_by_file.insert(r.file.rel.clone(), sha.clone());
            // The sheets move to `outcomes`; `read` keeps each file's hash and its failure.
            outcomes.append(sheets);
        }
    }

    // Two returns of one type from one filer for one month: one is in effect (identity's
    // rule); the others are read, listed and not counted.
    let duplicates = crate::identity::duplicate_returns(&outcomes);
    mark_superseded(&mut inputs, &duplicates);
    let superseded: BTreeSet<(String, String, String)> = duplicates
        .iter()
        .map(|d| (d.superseded.clone(), d.return_id.clone(), d.filer.clone()))
        .collect();

    // Every month of each year up to its last needed month: metrics for the cumulative chart
    // and "what changed since last month".
    let first_listed = state::FirstListed::new(pipeline, &outcomes, &superseded);
    // Full states for the periods written and the month before each (for "what changed").
    let mut full: BTreeSet<Period> = BTreeSet::new();
    for p in &periods {
        full.insert(*p);
        if p.month > 1 {
            full.insert(p.prev());
        }
    }
    // Metric values at the end of every other month of the year (the cumulative chart): from
    // the history cache when that month's inputs are unchanged, else computed.
    let months: Vec<Period> = last_of_year
        .iter()
        .flat_map(|(year, last)| (1..=last.month).filter_map(move |m| Period::new(*year, m)))
        .filter(|p| !full.contains(p))
        .collect();
    let history_cache = cache::HistoryCache::new(&opts.out);
    let keys: Vec<PathBuf> = months
        .iter()
        .map(|p| history_cache.key(pipeline, &read, *p))
        .collect();
    let mut history: BTreeMap<Period, Vec<MetricValue>> = BTreeMap::new();
    let mut missing: Vec<(Period, &PathBuf)> = Vec::new();
    for (p, key) in months.iter().zip(&keys) {
        let cached = (!settings.no_cache)
            .then(|| history_cache.get(key))
            .flatten();
        match cached {
            Some(m) => {
                history.insert(*p, m);
            }
            None => missing.push((*p, key)),
        }
    }
    let to_compute: Vec<Period> = missing.iter().map(|(p, _)| *p).collect();
    // The full states and the charted months at once: the threads one leaves idle take the
    // other's work.
    let (states, computed) = rayon::join(
        || {
            full.par_iter()
                .map(|p| {
                    state::period_state(pipeline, &outcomes, *p, &sha_by_file, &first_listed)
                        .map(|s| (*p, s))
                })
                .collect::<Result<BTreeMap<Period, state::PeriodState>, _>>()
        },
        || {
            state::period_metrics(
                pipeline,
                &outcomes,
                &to_compute,
                &sha_by_file,
                &first_listed,
            )
        },
    );
    let (mut states, computed) = (states?, computed?);
    for ((p, key), m) in missing.into_iter().zip(computed) {
        if let Err(e) = history_cache.put(key, &m) {
            eprintln!("warning: could not write the history cache: {e}");
        }
        history.insert(p, m);
    }
    // 同比 / 环比: `change_of` metrics, against this run's other months, else the metrics an
    // earlier run wrote to the dataset.
    if pipeline.metrics.iter().any(|m| m.change_of.is_some()) {
        let own: BTreeMap<Period, assess::MetricIndex> = states
            .iter()
            .map(|(p, s)| (*p, assess::metric_index(&s.metrics)))
            .chain(history.iter().map(|(p, m)| (*p, assess::metric_index(m))))
            .collect();
        let earlier = |q: Period| {
            own.get(&q)
                .cloned()
                .or_else(|| store::read_metric_values(&opts.out, q))
        };
        for (p, s) in states.iter_mut() {
            let extra = assess::change_metrics(pipeline, *p, &s.metrics, &earlier);
            s.metrics.extend(extra);
        }
    }
    for (p, s) in &states {
        history.insert(*p, s.metrics.clone());
    }
    timings.identity_ms = ms(t);

    let mut results = Vec::new();
    let bar = progress_bar(settings.progress, periods.len(), "rendering");
    for &period in &periods {
        let r = write_period(
            pipeline,
            opts,
            &staging.root,
            &discovery,
            &read,
            &outcomes,
            &states,
            &history,
            &inputs,
            &duplicates,
            period,
            &mut timings,
        )?;
        bar.inc(1);
        results.push(r);
    }
    bar.finish_and_clear();
    // Every manifest carries the whole run's timings (its total included).
    timings.total_ms = ms(total);
    for r in &mut results {
        r.manifest.timings = timings.clone();
        store::write_json(&r.report_dir.join("manifest.json"), &r.manifest)?;
    }
    let t = Instant::now();
    staging.commit()?;
    timings.store_ms += ms(t);
    // The parsed rows and the period states can take gigabytes on a large month; freeing
    // millions of small values takes seconds. Nothing needs them any more, so they are freed
    // on another thread (when the process exits first, the system reclaims them at once).
    let _ = std::thread::Builder::new()
        .name("free-run-state".into())
        .spawn(move || drop((outcomes, states, history, first_listed, read)));
    timings.total_ms = ms(total);
    for r in &mut results {
        r.timings = timings.clone();
        r.report_dir = opts.out.join("reports").join(r.period.to_string());
    }
    Ok(results)
}

/// Notes on each superseded sheet in the manifest which file is in effect instead.
fn mark_superseded(inputs: &mut [InputManifest], duplicates: &[crate::identity::DuplicateReturn]) {
    for d in duplicates {
        for i in inputs.iter_mut().filter(|i| i.file == d.superseded) {
            for s in i.sheets.iter_mut().filter(|s| {
                s.return_id.as_deref() == Some(d.return_id.as_str())
                    && s.filer.as_deref() == Some(d.filer.as_str())
            }) {
                s.superseded_by = Some(d.kept.clone());
            }
        }
    }
}

/// The warnings of two returns of one type from one filer for one month: on the file that is
/// read but not counted, and on the one in effect, each naming the other and the reason.
fn duplicate_issues(pipeline: &Pipeline, d: &crate::identity::DuplicateReturn) -> [Issue; 2] {
    let name = pipeline
        .return_type(&d.return_id)
        .map(|r| r.name.as_str())
        .unwrap_or(d.return_id.as_str());
    let issue = |file: &str, other: &str, message: String| Issue {
        severity: Severity::Warning,
        rule: Rule::DuplicateReturn,
        file: file.to_string(),
        sheet: None,
        row: None,
        cell: None,
        column: None,
        raw: Some(other.to_string()),
        message,
        filer: Some(d.filer.clone()),
    };
    let (y, m) = (d.period.year, d.period.month);
    [
        issue(
            &d.superseded,
            &d.kept,
            format!(
                "{}{y}年{m}月报送了两份{name}：采用“{}”，本文件“{}”已读取但不计入（{}）。如本文件才是准确版本，请重新报送并填写较晚的填报日期，或在标题中注明“更正”",
                d.filer, d.kept, d.superseded, d.reason
            ),
        ),
        issue(
            &d.kept,
            &d.superseded,
            format!(
                "{}{y}年{m}月报送了两份{name}：以本文件“{}”为准，同月的“{}”已读取但不计入（{}）",
                d.filer, d.kept, d.superseded, d.reason
            ),
        ),
    ]
}

fn input_manifest(r: &ReadFile) -> InputManifest {
    match &r.result {
        Ok((sha, bytes, sheets)) => {
            let mut acc = Accounting::default();
            for s in sheets {
                acc.add(&s.accounting);
            }
            InputManifest {
                file: r.file.rel.clone(),
                period: r.file.period.to_string(),
                sha256: Some(sha.clone()),
                bytes: Some(*bytes),
                status: "ok".into(),
                reason: None,
                accounting: acc,
                sheets: sheets
                    .iter()
                    .map(|s| SheetManifest {
                        sheet: s.sheet.clone(),
                        return_id: s.return_id.clone(),
                        filer: s.filer.as_ref().map(|f| f.name.clone()),
                        header_row: s.header_row,
                        accounting: s.accounting,
                        filed_on: s.filed_on.map(|d| d.to_string()),
                        correction: s.correction.clone(),
                        superseded_by: None,
                        skipped: s
                            .issues
                            .iter()
                            .filter(|i| i.rule == Rule::SkippedRow)
                            .map(|i| outputs::SkippedRow {
                                row: i.row,
                                text: i.raw.clone(),
                                reason: i.message.clone(),
                            })
                            .collect(),
                    })
                    .collect(),
            }
        }
        Err(e) => InputManifest {
            file: r.file.rel.clone(),
            period: r.file.period.to_string(),
            sha256: None,
            bytes: None,
            status: "unreadable".into(),
            reason: Some(e.reason_zh()),
            accounting: Accounting::default(),
            sheets: vec![],
        },
    }
}

/// The located problems of the period's own files (and files that could not be read).
fn period_issues(
    pipeline: &Pipeline,
    read: &[ReadFile],
    outcomes: &[SheetOutcome],
    discovery: &Discovery,
    duplicates: &[crate::identity::DuplicateReturn],
    period: Period,
) -> (Vec<Issue>, Vec<UnreadableFile>) {
    let mut issues = Vec::new();
    for d in duplicates.iter().filter(|d| d.period == period) {
        issues.extend(duplicate_issues(pipeline, d));
    }
    let mut unreadable = Vec::new();
    for o in outcomes.iter().filter(|o| o.period == period) {
        issues.extend(o.issues.iter().cloned());
    }
    for r in read.iter().filter(|r| r.file.period == period) {
        match &r.result {
            Ok(_) => {}
            Err(e) => {
                unreadable.push(UnreadableFile {
                    file: r.file.rel.clone(),
                    reason: e.reason_zh(),
                    detail: e.chain(),
                });
                issues.push(Issue {
                    severity: Severity::Error,
                    rule: Rule::UnreadableFile,
                    file: r.file.rel.clone(),
                    sheet: None,
                    row: None,
                    cell: None,
                    column: None,
                    raw: None,
                    message: e.reason_zh(),
                    filer: normalise::filer::filer_from_file_name(&r.file.rel, pipeline)
                        .map(|f| f.name),
                });
            }
        }
    }
    for ig in discovery
        .ignored
        .iter()
        .filter(|ig| ig.period == Some(period))
    {
        issues.push(Issue {
            severity: Severity::Warning,
            rule: Rule::IgnoredFile,
            file: ig.rel.clone(),
            sheet: None,
            row: None,
            cell: None,
            column: None,
            raw: None,
            message: ig.reason.clone(),
            filer: None,
        });
    }
    // In file order (a file's own problems in sheet and row order), whatever produced them.
    issues.sort_by(|a, b| a.file.cmp(&b.file));
    (issues, unreadable)
}

/// The filers that sent any return for exactly `period`.
fn reporting_filers(outcomes: &[SheetOutcome], period: Period) -> Vec<String> {
    let set: BTreeSet<String> = outcomes
        .iter()
        .filter(|o| o.period == period && o.return_id.is_some())
        .filter_map(|o| o.filer.as_ref().map(|f| f.name.clone()))
        .collect();
    set.into_iter().collect()
}

#[allow(clippy::too_many_arguments)]
fn write_period(
    pipeline: &Pipeline,
    opts: &RunOptions,
    stage_root: &Path,
    discovery: &Discovery,
    read: &[ReadFile],
    outcomes: &[SheetOutcome],
    states: &BTreeMap<Period, state::PeriodState>,
    metric_history: &BTreeMap<Period, Vec<MetricValue>>,
    inputs: &[InputManifest],
    duplicates: &[crate::identity::DuplicateReturn],
    period: Period,
    timings: &mut Timings,
) -> Result<RunOutcome, RunError> {
    let t = Instant::now();
    let state = &states[&period];
    let (issues, unreadable) =
        period_issues(pipeline, read, outcomes, discovery, duplicates, period);
    let history: Vec<(Period, Vec<MetricValue>)> = metric_history
        .range(
            Period {
                year: period.year,
                month: 1,
            }..=period,
        )
        .map(|(p, m)| (*p, m.clone()))
        .collect();
    let mut accounting = Accounting::default();
    for o in outcomes.iter().filter(|o| o.period == period) {
        accounting.add(&o.accounting);
    }
    // Changes against the previous month of the same year (none before January).
    let prev = (period.month > 1).then(|| period.prev());
    let changes = match pipeline.changes.as_ref() {
        Some(spec) => match (state.tables.get(&spec.table), state.frames.get(&spec.table)) {
            (Some(now), Some(now_frame)) => {
                let before = prev.and_then(|p| states.get(&p));
                let before_filers = prev
                    .map(|p| reporting_filers(outcomes, p))
                    .unwrap_or_default();
                let rt = pipeline
                    .returns
                    .iter()
                    .find(|r| format!("{}_current", r.table) == spec.table);
                // Which record of last month each record is: identity's question, asked of
                // the two months' tables; what changed is then computed over their frames.
                let same = before
                    .and_then(|b| b.tables.get(&spec.table))
                    .map(|b| crate::identity::same_records(rt, now, b))
                    .unwrap_or_default();
                assess::compute_changes(
                    pipeline,
                    spec,
                    now_frame,
                    before.and_then(|b| b.frames.get(&spec.table)),
                    &same,
                    &reporting_filers(outcomes, period),
                    &before_filers,
                )?
            }
            _ => Vec::new(),
        },
        None => Vec::new(),
    };
    timings.assess_ms += ms(t);

    let t = Instant::now();
    let meta = DatasetMeta {
        pipeline: &pipeline.id,
        pipeline_hash: &pipeline.hash,
        period,
    };
    // The frames the assessment computed over are the ones written: each table to its own
    // file, so they are written in parallel.
    let mut frames: Vec<(&str, &polars::prelude::DataFrame)> = state
        .row_frames
        .iter()
        .map(|(name, frame)| (name.as_str(), frame))
        .collect();
    for (name, frame) in &state.frames {
        // `talent_current` is published as `talent` (one row per county, merged over filers).
        let published = pipeline
            .returns
            .iter()
            .find(|r| r.merge_columns && format!("{}_current", r.table) == *name)
            .map_or(name.as_str(), |rt| rt.table.as_str());
        frames.push((published, frame));
    }
    // A `grade` column only when some metric is graded: the other pipelines' table is unchanged.
    let graded = pipeline.metrics.iter().any(|m| !m.grades.is_empty());
    let mut columns: Vec<(String, crate::table::DType)> = METRIC_COLUMNS
        .iter()
        .map(|(n, d)| (n.to_string(), *d))
        .collect();
    if graded {
        columns.push((GRADE_COLUMN.0.to_string(), GRADE_COLUMN.1));
    }
    let mut mt = Table::new("metrics", columns);
    for m in &state.metrics {
        mt.push(assess::metric_row(m, period, graded));
    }
    if let Some(ind) = &state.indicators {
        for m in assess::indicator_metrics(ind) {
            mt.push(assess::metric_row(&m, period, graded));
        }
    }
    let tables = [
        outputs::rejects_table(&issues, period),
        mt,
        assess::changes_table(&changes, period),
    ];
    let (written, derived) = rayon::join(
        || {
            frames.par_iter().try_for_each(|(name, frame)| {
                store::write_frame(stage_root, name, frame, &meta).map(drop)
            })
        },
        || {
            tables
                .par_iter()
                .try_for_each(|t| store::write_table(stage_root, t, &meta).map(drop))
        },
    );
    written?;
    derived?;

    let report_dir = stage_root.join("reports").join(period.to_string());
    let metrics_json = MetricsJson {
        pipeline: pipeline.id.clone(),
        title: pipeline.title.clone(),
        period: period.to_string(),
        report_kind: if period.month == 12 {
            "annual".into()
        } else {
            "monthly".into()
        },
        metrics: state.metrics.clone(),
        ranking: state.ranking.clone(),
        stages: state.stages.clone(),
        accounting,
        missing_returns: state.missing_returns.clone(),
        carried_forward: state.carried_forward.clone(),
        changes,
        conflicts: state.conflicts.clone(),
        duplicate_returns: duplicates
            .iter()
            .filter(|d| d.period == period)
            .cloned()
            .collect(),
        unreadable_files: unreadable,
        indicators: state.indicators.clone(),
        pipeline_hash: pipeline.hash.clone(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
    };
    store::write_json(&report_dir.join("issues.json"), &issues)?;
    timings.store_ms += ms(t);

    let t = Instant::now();
    let filers = outputs::filer_quality(pipeline, outcomes, &issues, &metrics_json, period);
    let (kind, title) = render::report_kind(pipeline, period);
    let data = ReportData {
        pipeline,
        period,
        kind,
        title,
        result: &metrics_json,
        history: &history,
        figures: &state.report,
        issues: &issues,
        filers: &filers,
    };
    let rendered = render::render(&data, &report_dir)?;
    timings.render_ms += ms(t);

    let manifest = Manifest {
        tool_version: env!("CARGO_PKG_VERSION").into(),
        build_id: cache::BUILD_ID.into(),
        pipeline: pipeline.id.clone(),
        pipeline_source: pipeline.source.clone(),
        pipeline_hash: pipeline.hash.clone(),
        period: period.to_string(),
        threads: rayon::current_num_threads(),
        inputs: inputs.to_vec(),
        ignored: discovery
            .ignored
            .iter()
            .map(|i| {
                BTreeMap::from([
                    ("file".to_string(), i.rel.clone()),
                    ("reason".to_string(), i.reason.clone()),
                ])
            })
            .collect(),
        timings: timings.clone(),
        rendered: rendered.clone(),
    };
    // The manifest is written again with the run's final timings before the commit.
    store::write_json(&report_dir.join("manifest.json"), &manifest)?;
    store::write_json(&report_dir.join("metrics.json"), &metrics_json)?;

    Ok(RunOutcome {
        period,
        files_read: read
            .iter()
            .filter(|r| r.file.period.year == period.year && r.file.period <= period)
            .count(),
        files_in_period: read.iter().filter(|r| r.file.period == period).count(),
        metrics: metrics_json,
        issues,
        report_dir,
        dataset_dir: opts.out.join("dataset"),
        timings: timings.clone(),
        rendered,
        ignored: discovery.ignored.clone(),
        warnings: period_warnings(pipeline, period),
        manifest,
    })
}

/// The input folder used when `--input` is not given.
pub fn default_input() -> &'static Path {
    Path::new("fixtures/returns")
}

#[cfg(test)]
mod isolation_tests {
    use super::*;

    #[test]
    fn a_panic_while_reading_one_file_is_that_files_error() {
        let f = InputFile {
            path: "2025-07/坏文件.xlsx".into(),
            rel: "2025-07/坏文件.xlsx".into(),
            period: "2025-07".parse().expect("a month"),
        };
        let got: Result<(), FileError> = isolate(&f, || panic!("no entry found for key"));
        match got {
            Err(e @ FileError::ReaderPanic { .. }) => {
                assert!(e.to_string().contains("no entry found for key"));
                assert!(e.reason_zh().contains("另存为.xlsx"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(isolate(&f, || Ok(3)).ok(), Some(3));
    }
}
