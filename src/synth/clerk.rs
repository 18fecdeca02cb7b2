//! `synth --style clerk`: returns written the way county clerks really fill them (issue 8).
//!
//! The plain style's files are dressed with the habits of real clerks, each drawn per file (or
//! per month) from the seed, mixed into ordinary rows:
//! - 进展情况 / 备注 cells holding sentences (`主体结构施工，已完成投资40%`, `注：用地待落实`,
//!   `累计完成投资2亿元`, `合计两期`) on ordinary project rows, which must count;
//! - section rows inside the table (`一、续建项目`, `（一）制造业项目`, `二、服务业项目（3个）`,
//!   an empty `三、拟落地项目`), besides the plain style's 合计/小计, blank rows and footers;
//! - approximate amounts (`约3亿`, `2.3亿元左右`, `近5000万`, `35000余万`), counted at the number;
//! - amounts with a breakdown or remark beside them (`1.2亿元（其中一期0.6亿元）`,
//!   `3亿元，其中设备投资1亿元`, `5000万元（含设备投资）`, `3亿元（拟）`), counted at the amount;
//! - dates without a year (`3月12日`, `3/12`), with the stage's event (`已于3月12日签约`,
//!   `2025年3月12日开工`) or a two-digit year (`25.3.12`, `25年3月12日`), and month-only dates (`2025.11` as text or number,
//!   `2025年11月`, `2025/11`, `2025-11`, `2025年11月份`);
//! - the money unit stated in real forms: `单位：万元、亩`, `金额单位：万元；面积单位：亩`,
//!   `计量单位：万元`, `（单位：万元）` in the title, `单位：万元` above the header's last column,
//!   `万元` over a merged group of the money columns; and one county whose money column carries
//!   no unit anywhere, its values in 万元 (expected: read as 万元, with one sheet-level warning);
//! - places below the county in a 落户地 column (`台山市广海镇`, `蓬江区棠下镇工业园`,
//!   `江门市江海区高新技术产业园`);
//! - a row naming a project whose county cell is the city (`江门市`, `全市`): rejected,
//!   rule `city_as_unit`;
//! - talent returns with counts such as `1.2万` (one county's stock is raised to a round
//!   hundred above ten thousand in the truth, so that it can be written that way) and `35人`;
//! - month folders written `2025-6`, `2025年7月`, `202507`, `2025.07`;
//! - one county sending a corrected second file in one month (`…（更正）.xlsx`, a later
//!   `填报日期：`): the corrected file holds the truth, the first one a different amount;
//! - one county whose ledger has its 项目编号 column in even months only.
//!
//! The expected figures are the truth model's (expected.rs), never a reading of the files; the
//! rows every file must have skipped and where each habit was written are recorded as the files
//! are laid out.

use super::grid::Cell;
use super::ledger::{AmountVal, Col, CountyVal, DateVal, Filer, Row, Style, Unit, AMOUNT_KEY};
use super::quirks::{fmt_num, round_to, thousands};
use super::rng::Rng;
use super::truth::Truth;
use super::SynthReference;
use chrono::{Datelike, NaiveDate};

/// The money columns a merged `万元` group title stands over.
pub(crate) const MONEY_GROUP_KEYS: [&str; 3] =
    [AMOUNT_KEY, "expected_output_wan", "expected_tax_wan"];

/// Where a file states its money unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnitForm {
    /// As the plain style drew it (header, `单位：` note row, a unit in every value).
    Plain,
    /// `单位：万元、亩` above the header.
    NoteMany,
    /// `金额单位：万元；面积单位：亩` above the header.
    NoteParts,
    /// `计量单位：万元` above the header.
    Measure,
    /// `（单位：万元）` at the end of the title.
    Title,
    /// `单位：万元` above the header's last column.
    RightCell,
    /// `万元` (or `金额（万元）`) merged over the money columns of a two-row header.
    MergedGroup,
    /// No unit anywhere; the values are 万元.
    Bare,
}

impl UnitForm {
    fn id(self) -> &'static str {
        match self {
            UnitForm::Plain => "unit_plain",
            UnitForm::NoteMany => "unit_note_many",
            UnitForm::NoteParts => "unit_note_parts",
            UnitForm::Measure => "unit_measure_note",
            UnitForm::Title => "unit_in_title",
            UnitForm::RightCell => "unit_right_cell",
            UnitForm::MergedGroup => "unit_merged_group",
            UnitForm::Bare => "unit_missing_wan_values",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sections {
    None,
    /// `一、续建项目` / `二、新签约项目`, maybe an empty `三、拟落地项目`.
    ByStatus,
    /// `（一）制造业项目` / `（二）服务业项目（3个）`.
    BySector,
}

/// The clerk habits of one ledger file.
#[derive(Clone, Debug)]
pub(crate) struct Clerk {
    pub unit_form: UnitForm,
    pub group_title: String,
    pub sections: Sections,
    pub section_counts: bool,
    pub empty_section: bool,
    pub progress_sentences: bool,
    pub remark_sentences: bool,
    pub places: bool,
    pub approx_p: f64,
    pub yearless_p: f64,
    pub month_only_p: f64,
}

/// Where a clerk habit was written (expected.json `clerk_cases`; the file is added later).
#[derive(Clone, Debug)]
pub(crate) struct Case {
    pub class: &'static str,
    pub cell: Option<String>,
    pub note: Option<String>,
}

impl Case {
    pub(crate) fn cell(class: &'static str, cell: String) -> Case {
        Case {
            class,
            cell: Some(cell),
            note: None,
        }
    }
    pub(crate) fn file(class: &'static str, note: String) -> Case {
        Case {
            class,
            cell: None,
            note: Some(note),
        }
    }
}

/// The habits drawn once for the whole year.
#[derive(Clone, Debug)]
pub(crate) struct YearPlan {
    /// The month folders' names, `folders[m - 1]`.
    pub folders: Vec<String>,
    /// The county whose money column has no unit, and the months it is so.
    pub bare_county: usize,
    pub bare_months: Vec<u32>,
    /// The county whose ledger has 项目编号 in even months only.
    pub id_county: usize,
    /// (month, county) of the corrected second return.
    pub corrected: Option<(u32, usize)>,
    /// Months with a row whose county cell names the city.
    pub city_row_months: Vec<u32>,
    /// The county whose talent stock is written as `1.2万`.
    pub talent_wan_county: usize,
}

const NUMERALS: &[&str] = &["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

const PROGRESS: [&[&str]; 4] = [
    &[
        "正在进行土地摘牌",
        "已签约，正在办理前期手续",
        "正在洽谈用地",
    ],
    &["已完成工商注册", "已注册，正在办理施工许可"],
    &[
        "主体结构施工，已完成投资40%",
        "设备安装调试中",
        "厂房建设中",
    ],
    &["已建成投产", "部分投产，二期建设中"],
];

const REMARKS: &[&str] = &[
    "注：用地待落实",
    "说明：已完成备案",
    "累计完成投资2亿元",
    "其中设备投资1亿元",
    "合计两期",
    "备注：省重点项目",
    "小计含二期厂房",
];

/// Town and park names below a county (invented, like the projects).
const TOWNS: &[&str] = &[
    "广海", "棠下", "沙堤", "大江", "杜阮", "司前", "赤坎", "水口",
];

fn numeral(i: usize) -> &'static str {
    NUMERALS.get(i).copied().unwrap_or("十")
}

/// Draws the year's habits (folder names, the special counties and months) and adjusts the
/// truth where a habit needs it (the talent stock written as `1.2万`).
pub(crate) fn plan_year(rng: &mut Rng, r: &SynthReference, t: &mut Truth) -> YearPlan {
    let n = r.counties.len();
    let year = t.year;
    let folders = (1..=t.months)
        .map(|m| match rng.below(8) {
            0 => format!("{year}-{m}"),
            1 => format!("{year}年{m}月"),
            2 => format!("{year}{m:02}"),
            3 => format!("{year}.{m:02}"),
            _ => format!("{year}-{m:02}"),
        })
        .collect();
    let bare_county = rng.below(n);
    let mut bare_months: Vec<u32> = (1..=t.months).filter(|_| rng.chance(0.6)).collect();
    if bare_months.is_empty() {
        bare_months.push(t.months);
    }
    let id_county = (bare_county + 1 + rng.below(n.max(2) - 1)) % n;
    let corrected = (1..=t.months)
        .rev()
        .find(|_| rng.chance(0.5))
        .or(Some(t.months))
        .and_then(|m| {
            let filing: Vec<usize> = (0..n)
                .filter(|c| t.files(m, *c) && *c != bare_county)
                .collect();
            (!filing.is_empty()).then(|| (m, *rng.pick(&filing)))
        });
    let mut city_row_months: Vec<u32> = (1..=t.months).filter(|_| rng.chance(0.5)).collect();
    if city_row_months.is_empty() {
        city_row_months.push(t.months);
    }
    let talent_wan_county = rng.below(n);
    for month in t.talent.iter_mut() {
        if let Some(f) = month.get_mut(talent_wan_county) {
            f.total = (f.total + 10_000 + 99) / 100 * 100;
        }
    }
    YearPlan {
        folders,
        bare_county,
        bare_months,
        id_county,
        corrected,
        city_row_months,
        talent_wan_county,
    }
}

/// A header without its parenthesised unit (`总投资（亿元）` -> `总投资`).
fn strip_unit(h: &str) -> String {
    for (open, close) in [('(', ')'), ('（', '）')] {
        if let Some(body) = h.strip_suffix(close) {
            if let Some(i) = body.rfind(open) {
                return body[..i].trim_end().to_string();
            }
        }
    }
    h.to_string()
}

fn col_index(st: &Style, col: &Col) -> Option<usize> {
    st.cols.iter().position(|c| c == col)
}

fn remove_col(st: &mut Style, i: usize) -> (Col, String) {
    (st.cols.remove(i), st.headers.remove(i))
}

/// Dresses a county's (or the bureau's) ledger style with this month's clerk habits and
/// returns the file-level cases.
pub(crate) fn dress(
    rng: &mut Rng,
    r: &SynthReference,
    st: &mut Style,
    filer: Filer,
    year: i32,
    m: u32,
    plan: &YearPlan,
) -> Vec<Case> {
    let county = match filer {
        Filer::County(c) => Some(c),
        Filer::Bureau => None,
    };
    let filer_name = match county {
        Some(c) => r.counties[c].name.clone(),
        None => r.ledger_bureau.clone(),
    };
    let mut cases = vec![Case::file("ledger_of", filer_name)];
    let unit_form = if county == Some(plan.bare_county) && plan.bare_months.contains(&m) {
        UnitForm::Bare
    } else if county.is_none() {
        UnitForm::Plain
    } else {
        *rng.pick(&[
            UnitForm::Plain,
            UnitForm::Plain,
            UnitForm::NoteMany,
            UnitForm::NoteParts,
            UnitForm::Measure,
            UnitForm::Title,
            UnitForm::RightCell,
            UnitForm::MergedGroup,
        ])
    };
    let money_cols = MONEY_GROUP_KEYS
        .iter()
        .filter(|k| col_index(st, &Col::Key(k)).is_some())
        .count();
    let unit_form = if unit_form == UnitForm::MergedGroup && money_cols < 2 {
        UnitForm::NoteMany
    } else {
        unit_form
    };
    if unit_form != UnitForm::Plain {
        st.unit = Unit::NoteWan;
        if let Some(i) = st.col_of(AMOUNT_KEY).map(usize::from) {
            st.headers[i] = strip_unit(&st.headers[i]);
        }
        cases.push(Case::file(unit_form.id(), "planned_investment_yi".into()));
    }
    let mut group_title = String::new();
    match unit_form {
        UnitForm::RightCell => st.note_right = true,
        UnitForm::Title => {
            let who = county.map(|c| r.counties[c].name.as_str()).unwrap_or("");
            st.title = format!("{who}{year}年{m}月招商引资项目台账（单位：万元）");
        }
        UnitForm::MergedGroup => {
            st.two_row = true;
            group_title = rng
                .pick_str(&["万元", "金额（万元）", "投资及效益（万元）"])
                .to_string();
            // The money columns side by side, after the planned investment.
            if let Some(mut at) = st.col_of(AMOUNT_KEY).map(usize::from) {
                for k in &MONEY_GROUP_KEYS[1..] {
                    if let Some(i) = col_index(st, &Col::Key(k)) {
                        let (c, h) = remove_col(st, i);
                        if i < at {
                            at -= 1;
                        }
                        at += 1;
                        st.cols.insert(at, c);
                        st.headers.insert(at, strip_unit(&h));
                    }
                }
            }
        }
        _ => {}
    }
    // 项目编号 in even months only, for one county.
    if county == Some(plan.id_county) {
        let has = col_index(st, &Col::Key("project_id"));
        if m.is_multiple_of(2) && has.is_none() {
            let at = usize::from(st.cols.first() == Some(&Col::Seq));
            let h = r
                .ledger_spellings
                .get("project_id")
                .and_then(|v| v.first())
                .cloned()
                .unwrap_or_else(|| "项目编号".to_string());
            st.cols.insert(at, Col::Key("project_id"));
            st.headers.insert(at, h);
        } else if m % 2 == 1 {
            if let Some(i) = has {
                remove_col(st, i);
            }
        }
        cases.push(Case::file(
            if m.is_multiple_of(2) {
                "id_column_present"
            } else {
                "id_column_absent"
            },
            "project_id".into(),
        ));
    }
    let sections = *rng.pick(&[Sections::None, Sections::ByStatus, Sections::BySector]);
    if sections != Sections::None {
        st.subtotals = false;
    }
    let progress_sentences = rng.chance(0.5);
    if progress_sentences {
        if let Some(i) = col_index(st, &Col::Key("stage")) {
            st.headers[i] = "进展情况".to_string();
        }
    }
    let remark_sentences = rng.chance(0.6);
    if remark_sentences && col_index(st, &Col::Remark).is_none() {
        st.cols.push(Col::Remark);
        st.headers.push("备注".to_string());
    }
    let places = rng.chance(0.5);
    if places {
        if let Some(i) = col_index(st, &Col::Key("county")) {
            st.headers[i] = "落户地".to_string();
        }
    }
    let pick_p = |rng: &mut Rng, p: f64| if rng.chance(0.6) { p } else { 0.0 };
    st.clerk = Some(Clerk {
        unit_form,
        group_title,
        sections,
        section_counts: rng.chance(0.5),
        empty_section: rng.chance(0.4),
        progress_sentences,
        remark_sentences,
        places,
        approx_p: pick_p(rng, 0.15),
        yearless_p: pick_p(rng, 0.15),
        month_only_p: pick_p(rng, 0.1),
    });
    cases
}

impl Clerk {
    /// The note row above the header, if this file has one.
    pub(crate) fn unit_note(&self, unit: Unit) -> Option<String> {
        let s = match self.unit_form {
            UnitForm::Plain => match unit {
                Unit::NoteWan => "单位：万元",
                Unit::NoteYi => "单位：亿元",
                _ => return None,
            },
            UnitForm::NoteMany => "单位：万元、亩",
            UnitForm::NoteParts => "金额单位：万元；面积单位：亩",
            UnitForm::Measure => "计量单位：万元",
            UnitForm::RightCell => "单位：万元",
            UnitForm::Title | UnitForm::MergedGroup | UnitForm::Bare => return None,
        };
        Some(s.to_string())
    }

    /// The group title over the money columns of a two-row header.
    pub(crate) fn money_group(&self) -> Option<&str> {
        (self.unit_form == UnitForm::MergedGroup).then_some(self.group_title.as_str())
    }

    /// The rows in sections: (section row text, the rows under it), or None without sections.
    pub(crate) fn sections(
        &self,
        rng: &mut Rng,
        r: &SynthReference,
        rows: &[Row],
    ) -> Option<Vec<(String, Vec<usize>)>> {
        let count = |label: String, n: usize| {
            if self.section_counts {
                format!("{label}（{n}个）")
            } else {
                label
            }
        };
        let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
        match self.sections {
            Sections::None => return None,
            Sections::ByStatus => {
                let parts = [(false, "续建项目"), (true, "新签约项目")];
                for (new, word) in parts {
                    let members: Vec<usize> = (0..rows.len())
                        .filter(|i| rows[*i].new_this_month == new)
                        .collect();
                    if !members.is_empty() {
                        let label = format!("{}、{word}", numeral(groups.len()));
                        groups.push((count(label, members.len()), members));
                    }
                }
                if self.empty_section && rng.chance(0.7) {
                    groups.push((format!("{}、拟落地项目", numeral(groups.len())), Vec::new()));
                }
            }
            Sections::BySector => {
                let mfg = r.sectors.iter().position(|s| *s == r.manufacturing_sector);
                let mut order: Vec<usize> = Vec::new();
                if let Some(m) = mfg.filter(|m| rows.iter().any(|x| x.sector == *m)) {
                    order.push(m);
                }
                for x in rows {
                    if !order.contains(&x.sector) {
                        order.push(x.sector);
                    }
                }
                for s in order {
                    let members: Vec<usize> =
                        (0..rows.len()).filter(|i| rows[*i].sector == s).collect();
                    let label = format!("（{}）{}项目", numeral(groups.len()), r.sectors[s]);
                    groups.push((count(label, members.len()), members));
                }
            }
        }
        Some(groups)
    }

    /// A data cell as this clerk writes it, and the habit it shows (None: as the plain style).
    pub(crate) fn data_cell(
        &self,
        rng: &mut Rng,
        r: &SynthReference,
        st: &Style,
        col: &Col,
        row: &Row,
        seq: usize,
    ) -> (Option<Cell>, Option<&'static str>) {
        let plain =
            |rng: &mut Rng| super::ledger_render::data_cell_plain(rng, r, st, col, row, seq);
        match col {
            Col::Remark if self.remark_sentences && rng.chance(0.5) => (
                Some(Cell::Text(rng.pick_str(REMARKS).to_string())),
                Some("remark_sentence"),
            ),
            Col::Key("stage") if self.progress_sentences && rng.chance(0.7) => {
                let s = rng.pick_str(PROGRESS[row.stage.min(3)]);
                (Some(Cell::Text(s.to_string())), Some("progress_sentence"))
            }
            Col::Key("county") if self.places => match row.county {
                CountyVal::Known(c) if rng.chance(0.6) => {
                    let name = &r.counties[c].name;
                    let town = rng.pick_str(TOWNS);
                    let s = match rng.below(3) {
                        0 => format!("{name}{town}镇"),
                        1 => format!("{name}{town}镇工业园"),
                        _ => format!("{}{name}高新技术产业园", r.city),
                    };
                    (Some(Cell::Text(s)), Some("place_below_county"))
                }
                _ => (plain(rng), None),
            },
            Col::Key(AMOUNT_KEY) => match row.amount {
                AmountVal::Yi(yi) if row.bad.is_none() && rng.chance(self.approx_p) => {
                    let text = self.approx_text(rng, st.unit, yi);
                    // A breakdown or remark beside the amount rather than an approximation.
                    let class = if text.contains(['（', '，', '；']) && !text.contains("暂定")
                    {
                        "amount_remark"
                    } else {
                        "approx_amount"
                    };
                    (Some(Cell::Text(text)), Some(class))
                }
                AmountVal::Yi(yi) if self.unit_form == UnitForm::Bare => {
                    let wan = round_to(yi * 10_000.0, 2);
                    let cell = if rng.chance(0.2) {
                        Cell::Text(thousands(wan))
                    } else {
                        Cell::Num(wan)
                    };
                    (Some(cell), None)
                }
                _ => (plain(rng), None),
            },
            Col::Key(k) => {
                let Some(i) = super::ledger::DATE_KEYS.iter().position(|d| d == k) else {
                    return (plain(rng), None);
                };
                match row.dates[i] {
                    DateVal::Day(d) if row.bad.is_none() && rng.chance(self.yearless_p) => {
                        let cell = yearless(rng, d, i);
                        let class = match &cell {
                            Cell::Text(t) if DATE_EVENTS.iter().any(|e| t.contains(e)) => {
                                "dated_event"
                            }
                            Cell::Text(t)
                                if t.split(['.', '年']).next().is_some_and(|y| y.len() == 2) =>
                            {
                                "short_year_date"
                            }
                            _ => "yearless_date",
                        };
                        (Some(cell), Some(class))
                    }
                    DateVal::Day(d) if row.bad.is_none() && rng.chance(self.month_only_p) => {
                        (Some(month_only(rng, d, st.csv)), Some("month_only_date"))
                    }
                    _ => (plain(rng), None),
                }
            }
            _ => (plain(rng), None),
        }
    }

    fn approx_text(&self, rng: &mut Rng, unit: Unit, yi: f64) -> String {
        let y = fmt_num(yi);
        let w = fmt_num(round_to(yi * 10_000.0, 2));
        let forms: Vec<String> = match unit {
            Unit::HeaderYi | Unit::NoteYi => vec![
                format!("约{y}亿"),
                format!("{y}亿元左右"),
                format!("近{y}亿元"),
                format!("预计{y}亿"),
                format!("约{y}"),
                // A breakdown beside the amount, in parentheses or after a comma.
                format!("{y}亿元（其中一期{}亿元）", fmt_num(round_to(yi / 2.0, 2))),
                format!(
                    "{y}亿元，其中设备投资{}亿元",
                    fmt_num(round_to(yi / 3.0, 2))
                ),
                format!("{y}亿元（拟）"),
            ],
            _ if self.unit_form == UnitForm::Bare => vec![format!("约{w}"), format!("{w}左右")],
            Unit::HeaderWan | Unit::NoteWan => vec![
                format!("约{w}万元"),
                format!("{w}万元左右"),
                format!("近{w}万"),
                format!("{w}余万"),
                format!("约{w}"),
                format!("{w}万元（含设备投资）"),
                format!("{w}万元；已到位{}万元", fmt_num(round_to(yi * 2_000.0, 0))),
            ],
            Unit::PerValue => vec![
                format!("约{y}亿"),
                format!("{y}亿元左右"),
                format!("近{w}万"),
                format!("{y}亿（暂定）"),
            ],
        };
        rng.pick(&forms).clone()
    }
}

/// What clerks write after the date of each stage (`2025年3月5日签约`).
const DATE_EVENTS: [&str; super::truth::N_STAGES] = ["签约", "注册", "开工", "投产"];

/// `3月12日`, `3月12号`, `3/12`, `03-12`: a day of the return's year written without it; also
/// with the stage's event (`已于3月12日签约`, `2025年3月12日开工`) or a two-digit year (`25.3.12`,
/// `25年3月12日`). `stage` indexes [`DATE_EVENTS`]. Each form is read with a warning.
fn yearless(rng: &mut Rng, d: NaiveDate, stage: usize) -> Cell {
    let (y, m, day) = (d.year(), d.month(), d.day());
    let event = DATE_EVENTS.get(stage).copied().unwrap_or("签约");
    Cell::Text(match rng.below(8) {
        0 => format!("{m}月{day}日"),
        1 => format!("{m}月{day}号"),
        2 => format!("{m}/{day}"),
        3 => format!("{m:02}-{day:02}"),
        4 => format!("已于{m}月{day}日{event}"),
        5 => format!("{y}年{m}月{day}日{event}"),
        6 => format!("{:02}.{m}.{day}", y % 100),
        _ => format!("{:02}年{m}月{day}日", y % 100),
    })
}

/// A month written without its day: text in five forms, or a year.month number (not for
/// January and October, which a number cannot tell apart).
fn month_only(rng: &mut Rng, d: NaiveDate, csv: bool) -> Cell {
    let (y, m) = (d.year(), d.month());
    let k = rng.below(6);
    if k == 5 && !csv && m != 1 && m != 10 {
        if let Ok(x) = format!("{y}.{m}").parse::<f64>() {
            return Cell::Num(x);
        }
    }
    Cell::Text(match k {
        0 => format!("{y}.{m}"),
        1 => format!("{y}年{m}月"),
        2 => format!("{y}/{m}"),
        3 => format!("{y}-{m:02}"),
        _ => format!("{y}年{m}月份"),
    })
}

/// The first, superseded version of a corrected return: the same rows without the bad ones,
/// one amount different, and an earlier 填报日期; the style of the corrected one gets a later
/// date. Returns the superseded (style, rows) and a note saying what differs.
pub(crate) fn superseded(
    rng: &mut Rng,
    r: &SynthReference,
    st: &mut Style,
    rows: &[Row],
    year: i32,
    m: u32,
) -> (Style, Vec<Row>, String) {
    let (fy, fm) = if m == 12 {
        (year + 1, 1)
    } else {
        (year, m + 1)
    };
    st.csv = false;
    st.filer_date = Some(format!("填报日期：{fy}年{fm}月9日"));
    let mut old = st.clone();
    old.filer_date = Some(format!("填报日期：{fy}年{fm}月2日"));
    let mut old_rows: Vec<Row> = rows.iter().filter(|x| x.bad.is_none()).cloned().collect();
    let mfg = r.sectors.iter().position(|s| *s == r.manufacturing_sector);
    let cands: Vec<usize> = (0..old_rows.len())
        .filter(|i| matches!(old_rows[*i].amount, AmountVal::Yi(_)))
        .collect();
    let preferred: Vec<usize> = cands
        .iter()
        .copied()
        .filter(|i| Some(old_rows[*i].sector) == mfg)
        .collect();
    let pool = if preferred.is_empty() {
        cands
    } else {
        preferred
    };
    let mut note = "no amount to change".to_string();
    if !pool.is_empty() {
        let i = *rng.pick(&pool);
        if let AmountVal::Yi(y) = old_rows[i].amount {
            let wrong = round_to(y * 1.5 + 0.5, 2);
            old_rows[i].amount = AmountVal::Yi(wrong);
            note = format!(
                "{}: {} 亿元 in the first file, {} in the corrected one",
                old_rows[i].name,
                fmt_num(wrong),
                fmt_num(y)
            );
        }
    }
    (old, old_rows, note)
}

/// A count as the talent bureau's clerk writes it: `1.2万`, `1.2万人`, `35人`, or as the plain
/// style does (None).
pub(crate) fn count_text(rng: &mut Rng, v: i64, word: &str) -> Option<(Cell, &'static str)> {
    if v >= 10_000 && v % 100 == 0 && rng.chance(0.8) {
        let w = fmt_num(v as f64 / 10_000.0);
        let s = if rng.chance(0.5) {
            format!("{w}万")
        } else {
            format!("{w}万{word}")
        };
        return Some((Cell::Text(s), "wan_count"));
    }
    if rng.chance(0.25) {
        return Some((Cell::Text(format!("{v}{word}")), "count_with_word"));
    }
    None
}
