//! Command-line interface: argument definitions and dispatch. `main.rs` only calls [`main`].

use crate::period::Period;
use crate::pipeline::Pipeline;
use crate::run::{self, Periods, RunOptions, RunOutcome, RunSettings};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "zhaoshang",
    version,
    about = "Investment-promotion assessment pipeline: monthly Excel returns in; Parquet, metrics.json and reports out."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the assessment for one period: read every return of the year up to the period,
    /// validate and normalise it, and write the dataset and reports.
    Run(RunArgs),
    /// Check returns (files or folders) without producing an assessment: prints every problem
    /// with its cell; exit status 1 when any row would be rejected, 2 when a file cannot be read.
    Validate(ValidateArgs),
    /// Run SQL (polars SQL) over the dataset's tables: projects, projects_current, talent,
    /// rejects, metrics, changes (each with hive columns year and month).
    Query(QueryArgs),
    /// Write a year of generated, deliberately messy returns (and their expected figures).
    Synth(SynthArgs),
    /// Internal: reads files for a run in a separate process (started by `run` and
    /// `validate`; speaks postcard frames on stdin/stdout).
    #[command(name = "read-worker", hide = true)]
    ReadWorker,
}

/// Limits for reading one file; each overrides the pipeline file's `[limits]`. A file that
/// hits one is listed as unreadable (naming the limit) and the run goes on.
#[derive(Debug, Args, Clone, Default)]
pub struct LimitArgs {
    /// Largest file read, in MB [pipeline default: 50].
    #[arg(long, value_name = "MB", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_file_mb: Option<u64>,
    /// Most a zip-based workbook (xlsx, ods) may inflate to, in MB [default: 512].
    #[arg(long, value_name = "MB", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_inflated_mb: Option<u64>,
    /// Most cells one sheet may hold [default: 2000000].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_cells: Option<u64>,
    /// Most memory reading one file may take, in MB [default: 384].
    #[arg(long, value_name = "MB", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_memory_mb: Option<u64>,
    /// Longest reading one file may take, in seconds [default: 60].
    #[arg(long, value_name = "SECONDS", value_parser = positive_seconds)]
    pub max_seconds: Option<f64>,
    /// Read files in this process instead of in worker processes (no memory or time limit
    /// is then enforced; for debugging).
    #[arg(long)]
    pub in_process: bool,
}

fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        _ => Err(format!("`{s}` is not a positive number of seconds")),
    }
}

impl LimitArgs {
    /// How files are read: in workers started from this binary, under these limits.
    pub fn reading(&self) -> run::Reading {
        run::Reading {
            worker_exe: if self.in_process {
                None
            } else {
                std::env::current_exe().ok()
            },
            overrides: crate::ingest::LimitOverrides {
                max_file_mb: self.max_file_mb,
                max_inflated_mb: self.max_inflated_mb,
                max_cells: self.max_cells,
                max_memory_mb: self.max_memory_mb,
                max_seconds: self.max_seconds,
            },
        }
    }
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Return files or folders (folders are searched recursively).
    #[arg(required = true, value_name = "FILE|DIR")]
    pub paths: Vec<PathBuf>,
    /// Pipeline file. Default: the built-in pipelines/jiangmen.toml.
    #[arg(long, value_name = "FILE")]
    pub pipeline: Option<PathBuf>,
    /// Month the returns are for, when they are not in a YYYY-MM folder (default: this month).
    #[arg(long, value_name = "YYYY-MM")]
    pub period: Option<Period>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The SQL, e.g. "SELECT county, SUM(planned_investment_yi) FROM projects_current WHERE year = 2025 AND month = 6 GROUP BY county".
    pub sql: String,
    /// Output root whose dataset/ is queried.
    #[arg(long, value_name = "DIR", default_value = "outputs")]
    pub out: PathBuf,
    /// table (printed), csv (to stdout or --output), parquet (needs --output), json.
    #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
    pub format: QueryFormat,
    /// Write the result to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QueryFormat {
    Table,
    Csv,
    Parquet,
    Json,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Pipeline file (TOML). Default: the built-in copy of pipelines/jiangmen.toml.
    #[arg(long, value_name = "FILE")]
    pub pipeline: Option<PathBuf>,
    /// Input folder laid out as <input>/<YYYY-MM>/<file>. Default: fixtures/returns.
    #[arg(long, value_name = "DIR")]
    pub input: Option<PathBuf>,
    /// Output root: the dataset goes to <out>/dataset, reports to <out>/reports/<YYYY-MM>.
    #[arg(long, value_name = "DIR", default_value = "outputs")]
    pub out: PathBuf,
    /// Period to assess: YYYY-MM, or a range YYYY-MM..YYYY-MM computed in one go (backfill).
    /// Default: the latest month folder found.
    #[arg(long, value_name = "YYYY-MM[..YYYY-MM]", conflicts_with = "all")]
    pub period: Option<PeriodArg>,
    /// Compute every month folder found (backfill), sharing the parsed inputs.
    #[arg(long)]
    pub all: bool,
    /// Re-read every file instead of reusing the parse cache under <out>/.cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Also list every problem found in the period's returns.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Also exit with status 1 when any row was rejected.
    #[arg(long)]
    pub strict: bool,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Output folder (receives <YYYY-MM>/ folders and expected.json).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Pipeline whose reference lists are used. Default: the built-in jiangmen pipeline.
    #[arg(long, value_name = "FILE")]
    pub pipeline: Option<PathBuf>,
    #[arg(long, default_value_t = 2025)]
    pub year: i32,
    /// Number of months to generate, from January.
    #[arg(long, default_value_t = 12)]
    pub months: u32,
    /// Multiplies the number of projects per county and month.
    #[arg(long, default_value_t = 1)]
    pub scale: u32,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// How the project ledgers are written: `plain` (the fixture year) or `clerk` (as county
    /// clerks really fill them; expected.json then also lists every skipped row).
    #[arg(long, value_enum, default_value_t = SynthStyleArg::Plain)]
    pub style: SynthStyleArg,
    /// The roles of the generated returns (a TOML file with a [synth] table). Default: the
    /// committed roles file of the pipeline's id (fixtures/synth/<id>.toml, built in).
    #[arg(long, value_name = "FILE")]
    pub roles: Option<PathBuf>,
    /// With `--style bulk`: the number of ledger rows of the one month written.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub rows: u64,
    /// With `--style bulk`: every row rejected (an amount of `待定`) instead of accepted.
    #[arg(long)]
    pub rejected: bool,
}

/// `synth --style`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SynthStyleArg {
    Plain,
    Clerk,
    /// One month of `--rows` simple CSV ledger rows (the cost benchmark).
    Bulk,
}

/// `--period`: one month or an inclusive range.
#[derive(Debug, Clone, Copy)]
pub enum PeriodArg {
    One(Period),
    Range(Period, Period),
}

impl std::str::FromStr for PeriodArg {
    type Err = String;
    fn from_str(s: &str) -> Result<PeriodArg, String> {
        match s.split_once("..") {
            Some((a, b)) => {
                let (a, b): (Period, Period) = (
                    a.parse().map_err(|e| format!("{e}"))?,
                    b.parse().map_err(|e| format!("{e}"))?,
                );
                if a > b {
                    return Err(format!("range {a}..{b} runs backwards"));
                }
                Ok(PeriodArg::Range(a, b))
            }
            None => s.parse().map(PeriodArg::One).map_err(|e| format!("{e}")),
        }
    }
}

fn load_pipeline(path: &Option<PathBuf>) -> anyhow::Result<Pipeline> {
    Ok(match path {
        Some(p) => Pipeline::load(p)?,
        None => Pipeline::embedded_default()?,
    })
}

/// Runs the CLI and returns the process exit status.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            2
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Run(args) => cmd_run(args),
        Command::Synth(args) => crate::synth_cmd::run(args),
        Command::Validate(args) => cmd_validate(args),
        Command::Query(args) => cmd_query(args),
        Command::ReadWorker => Ok(run::worker::serve()),
    }
}

fn cmd_run(args: RunArgs) -> anyhow::Result<i32> {
    if let Some(j) = args.jobs {
        // Ignored if a pool exists already (only in tests that call this twice).
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(j.max(1))
            .build_global();
    }
    let pipeline = load_pipeline(&args.pipeline)?;
    let input = args
        .input
        .clone()
        .unwrap_or_else(|| run::default_input().to_path_buf());
    if !input.is_dir() {
        anyhow::bail!(
            "Input folder `{}` does not exist (pass --input DIR; it must hold <YYYY-MM>/ folders)",
            input.display()
        );
    }
    let (period, periods) = match args.period {
        Some(PeriodArg::One(p)) => (Some(p), Periods::One),
        Some(PeriodArg::Range(a, b)) => (None, Periods::Range(a, b)),
        None if args.all => (None, Periods::All),
        None => (None, Periods::One),
    };
    let settings = RunSettings {
        periods,
        no_cache: args.no_cache,
        progress: !args.quiet,
        reading: args.limits.reading(),
    };
    let outcomes = run::run_with(
        &pipeline,
        &RunOptions {
            input,
            out: args.out.clone(),
            period,
        },
        &settings,
    )?;
    let mut code = 0;
    if !args.quiet {
        // What was not read is said loudly, not only in the manifest.
        if let Some(first) = outcomes.first() {
            for ig in &first.ignored {
                eprintln!("warning: not read: {} — {}", ig.rel, ig.reason);
            }
        }
    }
    for (i, outcome) in outcomes.iter().enumerate() {
        let last = i + 1 == outcomes.len();
        if !args.quiet {
            for w in &outcome.warnings {
                eprintln!("warning: {w}");
            }
            for d in &outcome.metrics.duplicate_returns {
                eprintln!(
                    "warning: {} sent two {} returns for {}: {} is in effect, {} is read but not counted ({})",
                    d.filer, d.return_id, d.period, d.kept, d.superseded, d.reason
                );
            }
            if last {
                print_summary(&pipeline, outcome);
            } else {
                print_period_line(outcome);
            }
        }
        if args.verbose {
            for issue in &outcome.issues {
                println!(
                    "  {} [{}] {}: {}",
                    issue.severity.zh(),
                    issue.rule.as_str(),
                    issue.location(),
                    issue.message
                );
            }
        }
        for u in &outcome.metrics.unreadable_files {
            eprintln!(
                "error: could not read {}: {} ({})",
                u.file, u.reason, u.detail
            );
        }
        code = code.max(outcome.exit_code(args.strict));
    }
    Ok(code)
}

fn fmt_opt(v: Option<f64>) -> String {
    match v {
        Some(x) if x.abs() >= 100.0 => crate::render::fmt_num(x, 1),
        Some(x) => crate::render::fmt_num(x, 4),
        None => "—".into(),
    }
}

fn print_period_line(o: &RunOutcome) {
    let a = &o.metrics.accounting;
    let head = o.metrics.metrics.iter().find(|m| m.scope == "city");
    println!(
        "{}: rows read {} = accepted {} + rejected {} + skipped {}; {} {}; missing {}",
        o.period,
        a.rows_read,
        a.rows_accepted,
        a.rows_rejected,
        a.rows_skipped,
        head.map(|m| m.name.as_str()).unwrap_or(""),
        head.map(|m| fmt_opt(m.value)).unwrap_or_default(),
        if o.metrics.missing_returns.is_empty() {
            "none".to_string()
        } else {
            o.metrics.missing_returns.join(",")
        }
    );
}

fn print_summary(pipeline: &Pipeline, o: &RunOutcome) {
    let m = &o.metrics;
    let a = &m.accounting;
    println!(
        "zhaoshang {} — {} {}",
        env!("CARGO_PKG_VERSION"),
        pipeline.title,
        o.period
    );
    println!(
        "files: {} read for the year to date ({} for {}), {} unreadable",
        o.files_read,
        o.files_in_period,
        o.period,
        m.unreadable_files.len()
    );
    println!(
        "rows ({}): read {} = accepted {} + rejected {} + skipped {}",
        o.period, a.rows_read, a.rows_accepted, a.rows_rejected, a.rows_skipped
    );
    if !m.unreadable_files.is_empty() {
        println!(
            "unreadable (see the errors on stderr): {}",
            m.unreadable_files
                .iter()
                .map(|u| u.file.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !o.ignored.is_empty() {
        println!(
            "not read (ignored, see the warnings on stderr): {}",
            o.ignored
                .iter()
                .map(|i| i.rel.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !m.duplicate_returns.is_empty() {
        println!(
            "duplicate returns (read, not counted): {}",
            m.duplicate_returns
                .iter()
                .map(|d| format!("{} (kept {})", d.superseded, d.kept))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for w in &o.warnings {
        println!("warning: {w}");
    }
    if !m.missing_returns.is_empty() {
        println!("missing returns (未报送): {}", m.missing_returns.join(", "));
    }
    if !m.metrics.is_empty() {
        println!("headline figures (city, year to date):");
    }
    for mv in m.metrics.iter().filter(|x| x.scope == "city") {
        let track = match mv.on_track {
            Some(true) => "on track",
            Some(false) => "behind",
            None => "",
        };
        let grade = mv
            .grade
            .as_ref()
            .map(|g| format!("  grade {g}"))
            .unwrap_or_default();
        println!(
            "  {:<28} {:>10} {}  target {} (to date {})  {}{grade}",
            mv.name,
            fmt_opt(mv.value),
            mv.unit,
            fmt_opt(mv.target),
            fmt_opt(mv.target_to_date),
            track
        );
    }
    if let Some(top) = m.ranking.first() {
        println!("ranking: 1. {} ({:.1})", top.county, top.score);
    }
    if let Some(ind) = &m.indicators {
        println!("indicators ({}; met / with a value / listed):", ind.year);
        for s in ind.summary.iter().filter(|s| s.year == ind.year) {
            let label = match s.scope.as_str() {
                "group" => s.group.clone().unwrap_or_default(),
                "national" => "national (*)".to_string(),
                _ => "all".to_string(),
            };
            println!(
                "  {:<28} {:>3} / {:>3} / {:>3}",
                label, s.met, s.with_value, s.indicators
            );
        }
        if !ind.missing_units.is_empty() {
            println!(
                "  monitoring units without a return: {}",
                ind.missing_units.join(", ")
            );
        }
    }
    let t = &o.timings;
    println!(
        "timings: discover {:.0} ms, read+normalise {:.0} ms wall (thread time: read {:.0} ms, normalise {:.0} ms; {} files parsed, {} from cache), identity+assess {:.0} ms, store {:.0} ms, render {:.0} ms, total {:.0} ms",
        t.discover_ms, t.read_wall_ms, t.read_ms, t.normalise_ms, t.files_parsed, t.files_cached, t.identity_ms + t.assess_ms, t.store_ms, t.render_ms, t.total_ms
    );
    println!(
        "outputs: {} and {}",
        o.report_dir.display(),
        o.dataset_dir.display()
    );
}

fn cmd_validate(args: ValidateArgs) -> anyhow::Result<i32> {
    let pipeline = load_pipeline(&args.pipeline)?;
    let fallback = args.period.unwrap_or_else(|| {
        let today = chrono::Local::now().date_naive();
        Period::new(
            chrono::Datelike::year(&today),
            chrono::Datelike::month(&today),
        )
        .unwrap_or(Period {
            year: 2025,
            month: 1,
        })
    });
    let report =
        crate::validate::validate(&pipeline, &args.paths, fallback, &args.limits.reading())?;
    match args.format {
        Format::Text => print!("{}", crate::validate::to_text(&report)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
    }
    Ok(report.exit_code())
}

fn cmd_query(args: QueryArgs) -> anyhow::Result<i32> {
    let mut df = crate::query::query(&args.out, &args.sql)?;
    match args.format {
        QueryFormat::Table => {
            std::env::set_var("POLARS_FMT_MAX_ROWS", "100");
            std::env::set_var("POLARS_FMT_STR_LEN", "60");
            let text = format!("{df}\n");
            write_or_print(&args.output, text.as_bytes())?;
        }
        QueryFormat::Csv => write_or_print(&args.output, crate::query::to_csv(&df).as_bytes())?,
        QueryFormat::Json => write_or_print(
            &args.output,
            serde_json::to_string_pretty(&crate::query::to_json(&df))?.as_bytes(),
        )?,
        QueryFormat::Parquet => {
            let Some(path) = &args.output else {
                anyhow::bail!("--format parquet needs --output FILE")
            };
            crate::query::write_parquet(&mut df, path)?;
        }
    }
    Ok(0)
}

fn write_or_print(output: &Option<PathBuf>, bytes: &[u8]) -> anyhow::Result<()> {
    match output {
        Some(p) => crate::store::write_atomic(p, bytes)?,
        None => {
            use std::io::Write;
            std::io::stdout().write_all(bytes)?;
        }
    }
    Ok(())
}
