//! Generator of messy monthly returns (fixtures) with their ground truth.
//!
//! `generate` writes `out_dir/<YYYY-MM>/<file>` for months 1..=`months` — one project ledger
//! per county and month (except the missed ones), the ledger bureau's ledger, the talent
//! bureau's return and the housing bureau's sheet — and `out_dir/expected.json`, computed from
//! the truth model. The output is a pure function of (reference, options): a SplitMix64 PRNG,
//! ordered collections only, and a fixed document date inside the xlsx files.
//!
//! Every name (city, counties, bureaus, chains, sectors, stages, header spellings) comes from
//! [`SynthReference`]; the same engine serves other cities.
//!
//! Quirks, drawn per file (DESIGN §2.3): a merged title, `附件1` above it, `填报单位：<alias>`
//! with `填报日期：…` further right, blank rows before the header (header row 3–8); one- or
//! two-row headers (group titles 项目进度时间节点 / 用地及效益 over their columns, the others
//! merged over both rows); shuffled columns, every header spelling, 序号, 备注, unknown columns
//! (联系人, 项目地址, …), full-width parentheses and U+3000/space inside headers; the money unit
//! in the header, in a `单位：万元` note row, or in every value (`12.5亿`, `8000万元`), a value's
//! own unit overriding the column's; thousands separators, full-width digits and IDs, trailing
//! and U+3000 spaces; dates as date cells (three formats), General serials, and text
//! (`2025年3月5日`, `2025.3.5`, `2025/3/5`, `2025-03-05`, and `2025年3月` for 1st-of-month dates
//! only); county aliases, the county column left out of a county's own return; chains with or
//! without 产业链, 其他/非重点产业链/blank; stage aliases or a blank stage (the dates agree with
//! it); 合计/总计 rows with `=SUM(..)` and a cached result, `其中：制造业`, 小计 rows, blank rows in
//! the table, footers (填报人, 审核人, 联系电话, 说明); a second sheet 填表说明; formula cells
//! (`=3.32`, `=1.2+2.12`) with cached values; some files CSV (UTF-8, mostly with a BOM).
//!
//! Special cases: the ledger bureau repeats ~5 county projects a month (by ID or by name and
//! investor, with normalisation-equal spelling changes, some with a conflicting amount) and
//! lists 1–2 projects of its own; county 6 misses month 3 and county 2 month 5; one project
//! moves county in month 4; bad rows of every rule (xlsx files only). expected.json holds, per
//! period: `metrics` (city/county/chain), `missing_returns`, `rows` {accepted, rejected},
//! `rejected_cells` and `files`; and at the top `special_cases` describing the above.
//!
//! `SynthStyle::Clerk` (`synth --style clerk`) dresses the same truth as county clerks really
//! fill their returns (see the `clerk` module); its expected.json also lists, per period, every
//! skipped row (`skipped_rows`: file, sheet, row, reason, text), the sheet-level unit warnings
//! (`sheet_warnings`) and where each habit was written (`clerk_cases`). The plain style's files
//! and expected.json are unchanged by it (the clerk style draws from random streams of its own).

pub mod bulk;
mod clerk;
mod expected;
mod grid;
pub mod indicators;
mod ledger;
mod ledger_render;
mod quirks;
pub mod registers;
mod rng;
mod talent;
mod truth;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_clerk;
#[cfg(test)]
mod tests_readback;

use anyhow::{bail, Context, Result};
use expected::{MonthAccount, RejectedCell, SkippedRow};
use grid::{Grid, SkippedLine};
use ledger::{AmountVal, CountyVal, DateVal, Filer, Row, Rule, Style};
use quirks::{days_in_month, round_to, ymd};
use rng::Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use truth::Truth;

/// A canonical name and the other spellings under which it is accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedWithAliases {
    pub name: String,
    pub aliases: Vec<String>,
}

/// The reference data the generator draws every name from.
#[derive(Clone, Debug)]
pub struct SynthReference {
    /// e.g. "江门市" (used for titles and the city-prefixed bureau spellings only)
    pub city: String,
    /// canonical county + accepted alias spellings
    pub counties: Vec<NamedWithAliases>,
    /// a city bureau that also files a project ledger (e.g. "市商务局")
    pub ledger_bureau: String,
    /// files the talent return for all counties
    pub talent_bureau: String,
    /// files the housing column for all counties
    pub housing_bureau: String,
    /// key industrial chains; aliases include name + "产业链"
    pub chains: Vec<NamedWithAliases>,
    /// words meaning "no key chain" ("其他", "非重点产业链")
    pub non_key_chain_words: Vec<String>,
    pub sectors: Vec<String>,
    pub manufacturing_sector: String,
    /// ordered: 签约, 注册, 开工, 投产 (exactly four, matching the four date columns)
    pub stages: Vec<NamedWithAliases>,
    /// canonical ledger column -> header spellings (DESIGN 2.1)
    pub ledger_spellings: BTreeMap<String, Vec<String>>,
    /// canonical talent column -> header spellings (DESIGN 2.2)
    pub talent_spellings: BTreeMap<String, Vec<String>>,
    pub big_project_threshold_yi: f64,
}

/// How the returns are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SynthStyle {
    /// The generator's own messy-but-regular returns (the committed fixture year).
    #[default]
    Plain,
    /// As county clerks really fill them (issue 8): see the `clerk` module.
    Clerk,
}

#[derive(Clone, Debug)]
pub struct SynthOptions {
    pub year: i32,
    /// 1..=12
    pub months: u32,
    /// >= 1, multiplies the projects per county
    pub scale: u32,
    pub seed: u64,
    pub style: SynthStyle,
}

#[derive(Clone, Debug)]
pub struct SynthSummary {
    pub files_written: usize,
    pub projects: usize,
    pub expected_path: PathBuf,
}

/// One file to write: its sheets (a CSV holds the first only) and its row accounting.
pub(crate) struct Return {
    pub file_stem: String,
    pub sheets: Vec<Grid>,
    pub csv: bool,
    pub bom: bool,
    pub accepted: usize,
    pub rejected: Vec<(String, Rule)>,
    /// The rows of the first sheet a reader must skip.
    pub skipped: Vec<SkippedLine>,
    /// Where the clerk habits were written (clerk style).
    pub cases: Vec<clerk::Case>,
    /// A first return replaced by a corrected one in the same month.
    pub superseded: bool,
}

impl Return {
    pub(crate) fn new(
        file_stem: String,
        sheets: Vec<Grid>,
        csv: bool,
        bom: bool,
        accepted: usize,
        rejected: Vec<(String, Rule)>,
    ) -> Return {
        Return {
            file_stem,
            sheets,
            csv,
            bom,
            accepted,
            rejected,
            skipped: Vec::new(),
            cases: Vec::new(),
            superseded: false,
        }
    }
}

fn validate(r: &SynthReference, o: &SynthOptions) -> Result<()> {
    let mut problems = Vec::new();
    if !(1..=12).contains(&o.months) {
        problems.push(format!("months must be 1..=12, got {}", o.months));
    }
    if o.scale == 0 {
        problems.push("scale must be >= 1".to_string());
    }
    if !(1901..=9998).contains(&o.year) {
        problems.push(format!("year {} out of range", o.year));
    }
    if r.counties.is_empty() {
        problems.push("no counties".to_string());
    }
    if r.chains.is_empty() {
        problems.push("no key chains".to_string());
    }
    if !r.sectors.contains(&r.manufacturing_sector) {
        problems.push(format!(
            "sectors do not contain the manufacturing sector {:?}",
            r.manufacturing_sector
        ));
    }
    if r.stages.len() != truth::N_STAGES {
        problems.push(format!(
            "expected {} stages, got {}",
            truth::N_STAGES,
            r.stages.len()
        ));
    }
    for k in ledger::LEDGER_KEYS {
        if r.ledger_spellings.get(k).is_none_or(|v| v.is_empty()) {
            problems.push(format!("no ledger header spelling for {k}"));
        }
    }
    for k in talent::TALENT_KEYS
        .iter()
        .chain(&["county", talent::HOUSING_KEY])
    {
        if r.talent_spellings.get(*k).is_none_or(|v| v.is_empty()) {
            problems.push(format!("no talent header spelling for {k}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        bail!("invalid synth reference/options: {}", problems.join("; "))
    }
}

/// Places outside the reference, for the unknown-county bad row.
const OUTSIDE: &[&str] = &["广州市", "佛山市", "深圳市", "珠海市", "南京市", "杭州市"];

fn outside_name(rng: &mut Rng, r: &SynthReference) -> String {
    let known: BTreeSet<&str> = r
        .counties
        .iter()
        .flat_map(|k| std::iter::once(k.name.as_str()).chain(k.aliases.iter().map(String::as_str)))
        .chain(std::iter::once(r.city.as_str()))
        .collect();
    let free: Vec<&str> = OUTSIDE
        .iter()
        .copied()
        .filter(|n| !known.contains(n))
        .collect();
    if free.is_empty() {
        "境外".to_string()
    } else {
        rng.pick(&free).to_string()
    }
}

/// A row that must be rejected for `rule` (a fresh identity: it is no truth project).
fn bad_row(
    rng: &mut Rng,
    r: &SynthReference,
    t: &mut Truth,
    m: u32,
    rule: Rule,
    county: usize,
) -> Row {
    let (name, investor) = t.namer.name_investor(rng);
    let id = t.namer.id(rng);
    let dim = days_in_month(t.year, m);
    let signed = ymd(t.year, m, rng.range(2, i64::from(dim)) as u32);
    let mfg = r
        .sectors
        .iter()
        .position(|s| *s == r.manufacturing_sector)
        .unwrap_or(0);
    let mut row = Row {
        id: rng.chance(0.7).then_some(id),
        name,
        investor,
        county: CountyVal::Known(county),
        sector: mfg,
        chain: Some(rng.below(r.chains.len())),
        amount: AmountVal::Yi(round_to(rng.uniform(0.5, 6.0), 2)),
        dates: [
            DateVal::Day(signed),
            DateVal::Blank,
            DateVal::Blank,
            DateVal::Blank,
        ],
        stage: 0,
        land_mu: None,
        tax_wan: None,
        output_wan: None,
        origin: rng.pick_str(truth::ORIGINS),
        channel: rng.pick_str(truth::CHANNELS),
        new_this_month: true,
        bad: Some(rule),
    };
    match rule {
        Rule::MissingRequired => row.name = String::new(),
        Rule::UnparseableNumber => {
            row.amount = AmountVal::Text(rng.pick(&["待定", "待定", "暂无", "面议"]).to_string())
        }
        Rule::UnparseableDate => row.dates[0] = DateVal::Text(format!("{}年13月", t.year)),
        Rule::UnknownCounty => row.county = CountyVal::Unknown(outside_name(rng, r)),
        Rule::NegativeAmount => row.amount = AmountVal::Yi(-round_to(rng.uniform(0.5, 6.0), 2)),
        Rule::DateAfterPeriod => {
            let (y, nm) = if m == 12 {
                (t.year + 1, 1)
            } else {
                (t.year, m + 1)
            };
            row.dates[0] = DateVal::Day(ymd(y, nm, rng.range(2, 25) as u32));
        }
        Rule::ErrorCell => row.amount = AmountVal::Error,
        Rule::CityAsUnit => row.county = CountyVal::Unknown(r.city.clone()),
    }
    row
}

/// The bad rows of month m: every rule once over the year, spread over the months, plus extras.
fn bad_rules(rng: &mut Rng, months: u32, m: u32) -> Vec<Rule> {
    let mut v: Vec<Rule> = Rule::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| (*i as u32 * months) / Rule::ALL.len() as u32 + 1 == m)
        .map(|(_, r)| *r)
        .collect();
    if rng.chance(0.5) {
        v.push(*rng.pick(&Rule::ALL));
    }
    v
}

struct LedgerPlan {
    filer: Filer,
    style: Style,
    rows: Vec<Row>,
    /// File-level clerk habits (clerk style).
    cases: Vec<clerk::Case>,
}

fn ledger_stem(rng: &mut Rng, r: &SynthReference, filer: Filer, year: i32, m: u32) -> String {
    let ym = format!("{year}-{m:02}");
    match filer {
        Filer::County(c) => {
            let k = &r.counties[c];
            let i = rng.below(k.aliases.len() + 1);
            let a = if i == 0 {
                k.name.clone()
            } else {
                k.aliases[i - 1].clone()
            };
            match rng.below(4) {
                0 => format!("{a}_台账_{ym}"),
                1 => format!("附件1-{a}"),
                2 => format!("{a}{year}年{m}月招商引资项目台账"),
                _ => format!("{year}{m:02}{a}项目台账"),
            }
        }
        Filer::Bureau => {
            let short = r
                .ledger_bureau
                .strip_prefix('市')
                .unwrap_or(&r.ledger_bureau);
            if rng.chance(0.5) {
                format!("{short}项目台账{ym}")
            } else {
                format!("{short}-重点招商项目{ym}")
            }
        }
    }
}

/// Write one return into `dir` (the folder `ym` below the output root) and account for it.
fn write_return(
    ret: &Return,
    dir: &Path,
    ym: &str,
    taken: &mut BTreeSet<String>,
    year: i32,
    acc: &mut MonthAccount,
) -> Result<()> {
    let ext = if ret.csv { "csv" } else { "xlsx" };
    let mut name = format!("{}.{ext}", ret.file_stem);
    let mut k = 2;
    while !taken.insert(name.clone()) {
        name = format!("{}({k}).{ext}", ret.file_stem);
        k += 1;
    }
    let path = dir.join(&name);
    if ret.csv {
        grid::write_csv(&ret.sheets[0], &path, ret.bom)?;
    } else {
        grid::write_xlsx(&ret.sheets, &path, year)?;
    }
    let rel = format!("{ym}/{name}");
    // A CSV file's one sheet is named after the file.
    let sheet = if ret.csv {
        name.strip_suffix(".csv").unwrap_or(&name).to_string()
    } else {
        ret.sheets[0].name.clone()
    };
    for s in &ret.skipped {
        acc.skipped.push(SkippedRow {
            file: rel.clone(),
            sheet: sheet.clone(),
            row: s.row + 1,
            reason: s.reason,
            text: s.text.clone(),
            superseded: ret.superseded,
        });
    }
    for c in &ret.cases {
        acc.cases.push(expected::CaseRow {
            class: c.class,
            file: rel.clone(),
            sheet: sheet.clone(),
            cell: c.cell.clone(),
            note: c.note.clone(),
        });
    }
    if ret.superseded {
        acc.superseded_accepted += ret.accepted;
        acc.files.push(rel);
        return Ok(());
    }
    for (cell, rule) in &ret.rejected {
        acc.rejected.push(RejectedCell {
            file: rel.clone(),
            sheet: ret.sheets[0].name.clone(),
            cell: cell.clone(),
            rule: rule.id(),
        });
    }
    acc.accepted += ret.accepted;
    acc.files.push(rel);
    Ok(())
}

/// Generate a year of messy returns and their expected figures into `out_dir` (which must be
/// empty or absent).
pub fn generate(
    reference: &SynthReference,
    opts: &SynthOptions,
    out_dir: &Path,
) -> Result<SynthSummary> {
    validate(reference, opts)?;
    let r = reference;
    if out_dir.exists() && fs_err::read_dir(out_dir)?.next().is_some() {
        bail!("output folder {} is not empty", out_dir.display());
    }
    fs_err::create_dir_all(out_dir)?;
    let root = Rng::new(opts.seed);
    let mut t = truth::build(r, opts, &mut root.fork("truth", 0));
    // The clerk style draws from streams of its own, so the plain files stay as they were.
    let year_plan = (opts.style == SynthStyle::Clerk)
        .then(|| clerk::plan_year(&mut root.fork("clerk", 0), r, &mut t));
    let mut accounts: BTreeMap<u32, MonthAccount> = BTreeMap::new();
    let mut files_written = 0usize;
    for m in 1..=opts.months {
        let standard = format!("{}-{m:02}", opts.year);
        let ym = match &year_plan {
            Some(yp) => yp.folders[(m - 1) as usize].clone(),
            None => standard.clone(),
        };
        let dir = out_dir.join(&ym);
        fs_err::create_dir_all(&dir)?;
        let mut rng = root.fork("month", u64::from(m));
        let mut crng = root.fork("clerk-month", u64::from(m));
        let mut plans: Vec<LedgerPlan> = Vec::new();
        for c in 0..r.counties.len() {
            if !t.files(m, c) {
                continue;
            }
            let rows = t
                .county_list(c, m)
                .iter()
                .map(|i| ledger::row_from_project(&t.projects[*i], t.year, m))
                .collect();
            let mut style = ledger::plan_style(&mut rng, r, t.year, m, Filer::County(c), true);
            let cases = match &year_plan {
                Some(yp) => clerk::dress(&mut crng, r, &mut style, Filer::County(c), t.year, m, yp),
                None => Vec::new(),
            };
            plans.push(LedgerPlan {
                filer: Filer::County(c),
                style,
                rows,
                cases,
            });
        }
        // The ledger bureau: repeats of county projects (variants, conflicts) and its own.
        let mut rows: Vec<Row> = Vec::new();
        for d in t.dups.get(&m).cloned().unwrap_or_default() {
            let mut row = ledger::row_from_project(&t.projects[d.project], t.year, m);
            row.id = d.id.clone();
            row.name = d.name.clone();
            row.investor = d.investor.clone();
            if let Some(a) = d.amount_yi {
                row.amount = AmountVal::Yi(a);
            }
            rows.push(row);
        }
        for i in t.bureau_own(m) {
            rows.push(ledger::row_from_project(&t.projects[i], t.year, m));
        }
        rng.shuffle(&mut rows);
        let mut style = ledger::plan_style(&mut rng, r, t.year, m, Filer::Bureau, false);
        let cases = match &year_plan {
            Some(yp) => clerk::dress(&mut crng, r, &mut style, Filer::Bureau, t.year, m, yp),
            None => Vec::new(),
        };
        plans.push(LedgerPlan {
            filer: Filer::Bureau,
            style,
            rows,
            cases,
        });

        // Bad rows go to xlsx files only (so every rejected cell has a real sheet name); the
        // unknown county goes to the bureau's return, whose rows carry a county column.
        for rule in bad_rules(&mut rng, opts.months, m) {
            let eligible: Vec<usize> = (0..plans.len())
                .filter(|i| {
                    !plans[*i].style.csv
                        && (rule != Rule::UnknownCounty || plans[*i].filer == Filer::Bureau)
                })
                .collect();
            let pi = *rng.pick(&eligible);
            let county = match plans[pi].filer {
                Filer::County(c) => c,
                Filer::Bureau => rng.below(r.counties.len()),
            };
            let row = bad_row(&mut rng, r, &mut t, m, rule, county);
            let at = rng.below(plans[pi].rows.len() + 1);
            plans[pi].rows.insert(at, row);
        }

        // A row naming a project whose county cell names the whole city.
        if year_plan
            .as_ref()
            .is_some_and(|yp| yp.city_row_months.contains(&m))
        {
            let eligible: Vec<usize> = (0..plans.len())
                .filter(|i| !plans[*i].style.csv && plans[*i].style.col_of("county").is_some())
                .collect();
            if !eligible.is_empty() {
                let pi = *crng.pick(&eligible);
                let mut row = bad_row(&mut crng, r, &mut t, m, Rule::CityAsUnit, 0);
                let city_words = [r.city.clone(), "全市".to_string()];
                row.county = CountyVal::Unknown(crng.pick(&city_words).clone());
                let at = crng.below(plans[pi].rows.len() + 1);
                plans[pi].rows.insert(at, row);
            }
        }

        let mut acc = MonthAccount::default();
        if ym != standard {
            acc.cases.push(expected::CaseRow {
                class: "month_folder",
                file: ym.clone(),
                sheet: String::new(),
                cell: None,
                note: Some(format!("the folder of {standard}")),
            });
        }
        let mut taken = BTreeSet::new();
        for plan in plans.iter_mut() {
            let corrected = match (&year_plan, plan.filer) {
                (Some(yp), Filer::County(c)) => yp.corrected == Some((m, c)),
                _ => false,
            };
            let first = corrected
                .then(|| clerk::superseded(&mut crng, r, &mut plan.style, &plan.rows, t.year, m));
            let out = ledger_render::render(&mut rng, r, &plan.style, &plan.rows);
            let stem = ledger_stem(&mut rng, r, plan.filer, t.year, m);
            if let Some((old_style, old_rows, note)) = first {
                let old = ledger_render::render(&mut crng, r, &old_style, &old_rows);
                let mut ret = Return::new(
                    stem.clone(),
                    old.sheets,
                    false,
                    old_style.bom,
                    old.accepted,
                    old.rejected,
                );
                ret.skipped = old.skipped;
                ret.cases = plan.cases.clone();
                ret.cases.extend(old.cases);
                ret.cases.push(clerk::Case::file("superseded_return", note));
                ret.superseded = true;
                write_return(&ret, &dir, &ym, &mut taken, t.year, &mut acc)?;
            }
            let stem = if corrected {
                format!("{stem}（更正）")
            } else {
                stem
            };
            let mut ret = Return::new(
                stem,
                out.sheets,
                plan.style.csv,
                plan.style.bom,
                out.accepted,
                out.rejected,
            );
            ret.skipped = out.skipped;
            ret.cases = plan.cases.clone();
            ret.cases.extend(out.cases);
            if corrected {
                ret.cases.push(clerk::Case::file(
                    "corrected_return",
                    "a later 填报日期 than the first file".to_string(),
                ));
            }
            write_return(&ret, &dir, &ym, &mut taken, t.year, &mut acc)?;
        }
        let figs = t.talent[(m - 1) as usize].clone();
        let is_clerk = year_plan.is_some();
        let tr = talent::talent_return(&mut rng, r, t.year, m, &figs, is_clerk);
        write_return(&tr, &dir, &ym, &mut taken, t.year, &mut acc)?;
        let hr = talent::housing_return(&mut rng, r, t.year, m, &figs, is_clerk);
        write_return(&hr, &dir, &ym, &mut taken, t.year, &mut acc)?;
        files_written += acc.files.len();
        accounts.insert(m, acc);
    }
    let expected = expected::expected_json(r, &t, &accounts, year_plan.as_ref());
    let expected_path = out_dir.join("expected.json");
    let mut text = serde_json::to_string_pretty(&expected).context("serialising expected.json")?;
    text.push('\n');
    fs_err::write(&expected_path, text)?;
    Ok(SynthSummary {
        files_written,
        projects: t.projects.len(),
        expected_path,
    })
}
