//! Project ledger (台账) returns: the rows a filer lists and the layout quirks of its file.
//! `plan_style` draws one file's quirks; `ledger_render` lays the rows out on a grid.

use super::quirks::{city_stem, decorate_header, with_unit};
use super::rng::Rng;
use super::truth::{Project, N_STAGES};
use super::SynthReference;
use chrono::NaiveDate;

pub(crate) const DATE_KEYS: [&str; N_STAGES] = [
    "signed_date",
    "registered_date",
    "started_date",
    "producing_date",
];
pub(crate) const EFFICIENCY_KEYS: [&str; 3] =
    ["land_mu", "expected_tax_wan", "expected_output_wan"];
pub(crate) const AMOUNT_KEY: &str = "planned_investment_yi";

/// Every canonical ledger column the generator writes.
pub(crate) const LEDGER_KEYS: [&str; 17] = [
    "project_id",
    "project_name",
    "investor",
    "county",
    "chain",
    "sector",
    AMOUNT_KEY,
    "stage",
    "signed_date",
    "registered_date",
    "started_date",
    "producing_date",
    "land_mu",
    "expected_output_wan",
    "expected_tax_wan",
    "origin",
    "channel",
];

/// Why a bad row must be rejected; `id()` is the rule id in expected.json.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rule {
    MissingRequired,
    UnparseableNumber,
    UnparseableDate,
    UnknownCounty,
    NegativeAmount,
    DateAfterPeriod,
    ErrorCell,
    /// Clerk mode only (not in [`Rule::ALL`]): the county cell names the whole city.
    CityAsUnit,
}

impl Rule {
    pub(crate) const ALL: [Rule; 7] = [
        Rule::MissingRequired,
        Rule::UnparseableNumber,
        Rule::UnparseableDate,
        Rule::UnknownCounty,
        Rule::NegativeAmount,
        Rule::DateAfterPeriod,
        Rule::ErrorCell,
    ];
    pub(crate) fn id(self) -> &'static str {
        match self {
            Rule::MissingRequired => "missing_required",
            Rule::UnparseableNumber => "unparseable_number",
            Rule::UnparseableDate => "unparseable_date",
            Rule::UnknownCounty => "unknown_county",
            Rule::NegativeAmount => "negative_amount",
            Rule::DateAfterPeriod => "date_after_period",
            Rule::ErrorCell => "error_cell",
            Rule::CityAsUnit => "city_as_unit",
        }
    }
    /// The canonical column holding the offending value.
    pub(crate) fn column(self) -> &'static str {
        match self {
            Rule::MissingRequired => "project_name",
            Rule::UnparseableNumber | Rule::NegativeAmount | Rule::ErrorCell => AMOUNT_KEY,
            Rule::UnparseableDate | Rule::DateAfterPeriod => "signed_date",
            Rule::UnknownCounty | Rule::CityAsUnit => "county",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) enum CountyVal {
    Known(usize),
    Unknown(String),
}

#[derive(Clone, Debug)]
pub(crate) enum AmountVal {
    Yi(f64),
    Text(String),
    /// A formula whose cached result is `#N/A`.
    Error,
}

#[derive(Clone, Debug)]
pub(crate) enum DateVal {
    Blank,
    Day(NaiveDate),
    Text(String),
}

/// One data row of a ledger, before layout.
#[derive(Clone, Debug)]
pub(crate) struct Row {
    pub id: Option<String>,
    pub name: String,
    pub investor: String,
    pub county: CountyVal,
    pub sector: usize,
    pub chain: Option<usize>,
    pub amount: AmountVal,
    pub dates: [DateVal; N_STAGES],
    pub stage: usize,
    pub land_mu: Option<f64>,
    pub tax_wan: Option<f64>,
    pub output_wan: Option<f64>,
    pub origin: &'static str,
    pub channel: &'static str,
    /// Listed for the first time this month (used for 小计 groups).
    pub new_this_month: bool,
    pub bad: Option<Rule>,
}

pub(crate) fn row_from_project(p: &Project, year: i32, m: u32) -> Row {
    let ds = p.dates_at(year, m);
    let dates = [0, 1, 2, 3].map(|i| ds[i].map(DateVal::Day).unwrap_or(DateVal::Blank));
    Row {
        id: Some(p.id.clone()),
        name: p.name.clone(),
        investor: p.investor.clone(),
        county: CountyVal::Known(p.county_at(m)),
        sector: p.sector,
        chain: p.chain,
        amount: AmountVal::Yi(p.amount_yi),
        dates,
        stage: p.stage_at(year, m),
        land_mu: p.land_mu,
        tax_wan: p.tax_wan,
        output_wan: p.output_wan,
        origin: p.origin,
        channel: p.channel,
        new_this_month: p.first_month == m,
        bad: None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unit {
    /// `计划总投资（亿元）`
    HeaderYi,
    /// `总投资(万元)`
    HeaderWan,
    /// `单位：亿元` note row above the table, unit-less header.
    NoteYi,
    /// `单位：万元` note row above the table, unit-less header.
    NoteWan,
    /// Unit-less header, a unit in every value (`12.5亿`, `8000万元`).
    PerValue,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DateStyle {
    /// Excel date cells with this number format.
    Cell(&'static str),
    /// Excel serial numbers in General format.
    Serial,
    /// Text in one of the spellings of `quirks::date_text`.
    Text(usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Col {
    Seq,
    Key(&'static str),
    Remark,
    Extra(&'static str),
}

/// The quirks of one ledger file.
#[derive(Clone, Debug)]
pub(crate) struct Style {
    pub csv: bool,
    pub bom: bool,
    pub sheet: String,
    pub title: String,
    pub annex_row: bool,
    pub blank_after_title: bool,
    pub blank_before_header: bool,
    pub filer_text: String,
    pub filer_date: Option<String>,
    pub unit: Unit,
    pub note_right: bool,
    pub two_row: bool,
    pub cols: Vec<Col>,
    pub headers: Vec<String>,
    pub date_style: DateStyle,
    pub fullwidth_ids: bool,
    pub total_label: Option<&'static str>,
    pub mfg_row: bool,
    pub subtotals: bool,
    pub blank_mid: bool,
    pub footer: bool,
    pub footer_note: bool,
    pub second_sheet: bool,
    /// How a county clerk dressed this file (`synth --style clerk`); None for the plain style.
    pub clerk: Option<super::clerk::Clerk>,
}

impl Style {
    pub(crate) fn col_of(&self, key: &str) -> Option<u16> {
        self.cols
            .iter()
            .position(|c| *c == Col::Key(static_key(key)))
            .map(|i| i as u16)
    }
}

/// The `'static` canonical key equal to `key` (all keys come from `LEDGER_KEYS`).
fn static_key(key: &str) -> &'static str {
    LEDGER_KEYS
        .iter()
        .copied()
        .find(|k| *k == key)
        .unwrap_or("?")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Filer {
    County(usize),
    Bureau,
}

pub(crate) fn filer_spelling(rng: &mut Rng, r: &SynthReference, filer: Filer) -> String {
    match filer {
        Filer::County(c) => {
            let k = &r.counties[c];
            let mut opts = vec![k.name.clone()];
            opts.extend(k.aliases.iter().cloned());
            rng.pick(&opts).clone()
        }
        Filer::Bureau => {
            if rng.chance(0.5) {
                r.ledger_bureau.clone()
            } else {
                format!("{}{}", city_stem(&r.city), r.ledger_bureau)
            }
        }
    }
}

const EXTRAS: &[&str] = &["联系人", "项目地址", "对接领导", "跟踪责任人"];
const DATE_FORMATS: &[&str] = &["yyyy-mm-dd", "yyyy/m/d", "yyyy\"年\"m\"月\"d\"日\""];

fn spelling(rng: &mut Rng, r: &SynthReference, key: &str) -> String {
    match r.ledger_spellings.get(key) {
        Some(v) if !v.is_empty() => {
            // The money header gets its unit from the style: prefer spellings without one.
            let plain: Vec<&String> = v
                .iter()
                .filter(|s| !s.contains('(') && !s.contains('（'))
                .collect();
            if key == AMOUNT_KEY && !plain.is_empty() {
                (*rng.pick(&plain)).clone()
            } else {
                rng.pick(v).clone()
            }
        }
        _ => key.to_string(),
    }
}

/// Draw one ledger file's quirks. `force_county` keeps the county column (the bureau's
/// return); `allow_csv` lets the file be a CSV.
pub(crate) fn plan_style(
    rng: &mut Rng,
    r: &SynthReference,
    year: i32,
    m: u32,
    filer: Filer,
    allow_csv: bool,
) -> Style {
    let is_bureau = filer == Filer::Bureau;
    let csv = allow_csv && rng.chance(0.15);
    let has = |rng: &mut Rng, p: f64| rng.chance(p);
    // Blocks of columns; a two-row header groups the dates and the efficiency columns.
    let mut blocks: Vec<Vec<Col>> = Vec::new();
    if is_bureau || has(rng, 0.85) {
        blocks.push(vec![Col::Key("project_id")]);
    }
    blocks.push(vec![Col::Key("project_name")]);
    blocks.push(vec![Col::Key("investor")]);
    if is_bureau || has(rng, 0.6) {
        blocks.push(vec![Col::Key("county")]);
    }
    blocks.push(vec![Col::Key("chain")]);
    blocks.push(vec![Col::Key("sector")]);
    blocks.push(vec![Col::Key(AMOUNT_KEY)]);
    if has(rng, 0.85) {
        blocks.push(vec![Col::Key("stage")]);
    }
    blocks.push(DATE_KEYS.iter().map(|k| Col::Key(k)).collect());
    let eff: Vec<Col> = EFFICIENCY_KEYS
        .iter()
        .filter(|_| rng.chance(0.8))
        .map(|k| Col::Key(k))
        .collect();
    if !eff.is_empty() {
        blocks.push(eff);
    }
    for k in ["origin", "channel"] {
        if has(rng, 0.7) {
            blocks.push(vec![Col::Key(static_key(k))]);
        }
    }
    for e in EXTRAS {
        if rng.chance(0.15) {
            blocks.push(vec![Col::Extra(e)]);
        }
    }
    if has(rng, 0.7) {
        blocks.push(vec![Col::Remark]);
    }
    let two_row = rng.chance(0.3);
    if rng.chance(0.35) {
        rng.shuffle(&mut blocks);
    } else {
        for _ in 0..rng.range(0, 3) {
            let i = rng.below(blocks.len() - 1);
            blocks.swap(i, i + 1);
        }
    }
    let mut cols: Vec<Col> = blocks.into_iter().flatten().collect();
    if !two_row && rng.chance(0.3) {
        rng.shuffle(&mut cols);
    }
    if rng.chance(0.9) {
        cols.insert(0, Col::Seq);
    }

    let unit = match rng.below(20) {
        0..=3 => Unit::PerValue,
        4..=9 => Unit::HeaderYi,
        10..=14 => Unit::HeaderWan,
        15..=17 => Unit::NoteWan,
        _ => Unit::NoteYi,
    };
    let headers = cols
        .iter()
        .map(|c| match c {
            Col::Seq => "序号".to_string(),
            Col::Remark => "备注".to_string(),
            Col::Extra(e) => e.to_string(),
            Col::Key(k) => {
                let s = spelling(rng, r, k);
                let s = match (*k, unit) {
                    (AMOUNT_KEY, Unit::HeaderYi) => with_unit(rng, &s, "亿元"),
                    (AMOUNT_KEY, Unit::HeaderWan) => with_unit(rng, &s, "万元"),
                    ("expected_tax_wan" | "expected_output_wan", _) => with_unit(rng, &s, "万元"),
                    ("land_mu", _) => with_unit(rng, &s, "亩"),
                    _ => s,
                };
                decorate_header(rng, &s)
            }
        })
        .collect();
    let date_style = if csv {
        DateStyle::Text(rng.below(4))
    } else {
        match rng.below(8) {
            0..=2 => DateStyle::Cell(rng.pick_str(DATE_FORMATS)),
            3..=4 => DateStyle::Serial,
            _ => DateStyle::Text(rng.below(4)),
        }
    };
    let title = match rng.below(3) {
        0 => format!("{year}年{m}月招商引资项目台账"),
        1 => format!("{}{year}年{m}月招商引资项目台账", r.city),
        _ => format!("招商引资项目台账（{year}年1-{m}月）"),
    };
    let (fy, fm) = if m == 12 {
        (year + 1, 1)
    } else {
        (year, m + 1)
    };
    let filer_date = rng
        .chance(0.8)
        .then(|| format!("填报日期：{fy}年{fm}月{}日", rng.range(3, 8)));
    Style {
        csv,
        bom: rng.chance(0.85),
        sheet: rng
            .pick(&["Sheet1", "项目台账", "台账", "招商项目"])
            .to_string(),
        title,
        annex_row: rng.chance(0.25),
        blank_after_title: rng.chance(0.3),
        blank_before_header: rng.chance(0.3),
        filer_text: filer_spelling(rng, r, filer),
        filer_date,
        unit,
        note_right: rng.chance(0.4),
        two_row,
        cols,
        headers,
        date_style,
        fullwidth_ids: rng.chance(0.2),
        total_label: rng
            .chance(0.85)
            .then(|| rng.pick_str(&["合计", "合计", "总计"])),
        mfg_row: rng.chance(0.3),
        subtotals: rng.chance(0.2),
        blank_mid: rng.chance(0.3),
        footer: rng.chance(0.8),
        footer_note: rng.chance(0.4),
        second_sheet: !csv && rng.chance(0.4),
        clerk: None,
    }
}
