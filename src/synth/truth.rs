//! The ground truth: projects with their stage history, where they are listed each month, the
//! missed returns, the moved project, the ledger bureau's repeats, and the talent figures.
//! Everything in expected.json is computed from this model, never from the written files.

use super::quirks::{days_in_month, identity_variant, month_end, round_to, ymd};
use super::rng::Rng;
use super::{SynthOptions, SynthReference};
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};

/// The four stages map to the four date columns, in order.
pub(crate) const N_STAGES: usize = 4;

/// Not a city abbreviation on purpose: the same engine serves other cities.
pub(crate) const ID_PREFIX: &str = "XM";

const STEMS: &[&str] = &[
    "华瑞", "博川", "星河", "鸿图", "粤海", "金鼎", "长青", "美达", "宏达", "得实", "天润", "永利",
    "凯盛", "芳源", "世运", "力拓", "新源", "侨兴", "中科", "汇通", "欣龙", "嘉能", "远航", "恒信",
    "瑞丰", "盛达", "合创", "海纳", "立德", "朗晴",
];
const FIELDS: &[&str] = &[
    "环保",
    "智能",
    "材料",
    "电子",
    "新能源",
    "光电",
    "精密",
    "装备",
    "科技",
    "储能",
    "生物",
    "食品",
];
const KINDS: &[&str] = &[
    "智能工厂项目",
    "二期项目",
    "智能制造产业园项目",
    "生产基地项目",
    "总部及生产基地项目",
    "零部件制造项目",
    "新材料产业化项目",
    "研发中心及生产线项目",
    "扩产项目",
    "绿色工厂项目",
    "LED显示模组项目",
    "5G通信模组项目",
    "AI视觉检测设备项目",
    "PCB电路板扩产项目",
];
const INVESTOR_PLACES: &[&str] = &["广东", "广东", "广东", "香港", "浙江", "江苏", "福建"];
const INVESTOR_KINDS: &[&str] = &["实业", "制造", "集团", "科技"];
pub(crate) const ORIGINS: &[&str] = &["内资", "外资", "侨资", "港澳台"];
pub(crate) const CHANNELS: &[&str] =
    &["产业链招商", "以商引商", "驻点招商", "中介招商", "基金招商"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    County,
    /// One of the ledger bureau's own projects: no county lists it.
    Bureau,
}

#[derive(Clone, Debug)]
pub(crate) struct Project {
    pub id: String,
    pub name: String,
    pub investor: String,
    pub sector: usize,
    pub chain: Option<usize>,
    pub amount_yi: f64,
    /// signed, registered, started, producing; `dates[0]` is always set.
    pub dates: [Option<NaiveDate>; N_STAGES],
    pub first_month: u32,
    /// (from month, county index), ascending; the county at month m is the last entry <= m.
    pub home: Vec<(u32, usize)>,
    pub owner: Owner,
    pub land_mu: Option<f64>,
    pub tax_wan: Option<f64>,
    pub output_wan: Option<f64>,
    pub origin: &'static str,
    pub channel: &'static str,
}

impl Project {
    pub(crate) fn signed(&self) -> NaiveDate {
        self.dates[0].expect("signed date is always set")
    }
    pub(crate) fn county_at(&self, m: u32) -> usize {
        let mut c = self.home[0].1;
        for &(from, cc) in &self.home {
            if from <= m {
                c = cc;
            }
        }
        c
    }
    /// The dates known at the end of month m.
    pub(crate) fn dates_at(&self, year: i32, m: u32) -> [Option<NaiveDate>; N_STAGES] {
        let end = month_end(year, m);
        let mut out = [None; N_STAGES];
        for (i, d) in self.dates.iter().enumerate() {
            out[i] = d.filter(|d| *d <= end);
        }
        out
    }
    /// The furthest stage having a date at the end of month m.
    pub(crate) fn stage_at(&self, year: i32, m: u32) -> usize {
        let ds = self.dates_at(year, m);
        (0..N_STAGES).rev().find(|i| ds[*i].is_some()).unwrap_or(0)
    }
    fn furthest(&self) -> usize {
        (0..N_STAGES)
            .rev()
            .find(|i| self.dates[*i].is_some())
            .unwrap_or(0)
    }
}

/// The ledger bureau repeating a county's project in its own return.
#[derive(Clone, Debug)]
pub(crate) struct Dup {
    pub project: usize,
    /// The repeat's ID text (a normalisation-equal variant), or None: matched by name+investor.
    pub id: Option<String>,
    pub name: String,
    pub investor: String,
    /// A different amount than the county's (a conflict the validation report lists).
    pub amount_yi: Option<f64>,
}

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TalentFig {
    pub total: i64,
    pub new_ytd: i64,
    pub requested: i64,
    pub arranged: i64,
    pub housing: i64,
}

/// Fresh, unique project identities (names, investors and IDs).
#[derive(Debug, Default)]
pub(crate) struct Namer {
    pairs: BTreeSet<(String, String)>,
    names: BTreeSet<String>,
    ids: BTreeSet<u32>,
    year: i32,
}

impl Namer {
    pub(crate) fn name_investor(&mut self, rng: &mut Rng) -> (String, String) {
        for attempt in 0..10_000u32 {
            let stem = rng.pick_str(STEMS);
            let field = rng.pick_str(FIELDS);
            let mut kind = rng.pick(KINDS).to_string();
            if attempt > 40 {
                kind = format!("第{}期{}", 3 + attempt / 40, kind);
            }
            let name = format!("{stem}{field}{kind}");
            let investor = format!(
                "{}{stem}{field}{}有限公司",
                rng.pick(INVESTOR_PLACES),
                rng.pick(INVESTOR_KINDS)
            );
            if !self.names.contains(&name)
                && !self.pairs.contains(&(name.clone(), investor.clone()))
            {
                self.names.insert(name.clone());
                self.pairs.insert((name.clone(), investor.clone()));
                return (name, investor);
            }
        }
        unreachable!("name space exhausted")
    }

    pub(crate) fn id(&mut self, rng: &mut Rng) -> String {
        let width = if self.ids.len() < 6000 { 4 } else { 6 };
        let max = if width == 4 { 9999 } else { 999_999 };
        loop {
            let n = rng.range(1, max) as u32;
            if self.ids.insert(n) {
                return format!("{ID_PREFIX}{}-{:0width$}", self.year, n, width = width);
            }
        }
    }
}

#[derive(Debug)]
pub(crate) struct Moved {
    pub project: usize,
    pub month: u32,
    pub from: usize,
    pub to: usize,
}

#[derive(Debug)]
pub(crate) struct Truth {
    pub year: i32,
    pub months: u32,
    pub n_counties: usize,
    pub projects: Vec<Project>,
    /// (month, county) pairs with no ledger file.
    pub missing: BTreeSet<(u32, usize)>,
    pub moved: Option<Moved>,
    pub dups: BTreeMap<u32, Vec<Dup>>,
    /// `talent[m - 1][county]`
    pub talent: Vec<Vec<TalentFig>>,
    pub namer: Namer,
}

impl Truth {
    pub(crate) fn files(&self, m: u32, c: usize) -> bool {
        !self.missing.contains(&(m, c))
    }
    /// The month of county c's return in effect for period p (its latest return <= p).
    pub(crate) fn effective(&self, c: usize, p: u32) -> Option<u32> {
        (1..=p).rev().find(|m| self.files(*m, c))
    }
    /// The projects county c's ledger lists in month m, in signing order.
    pub(crate) fn county_list(&self, c: usize, m: u32) -> Vec<usize> {
        let mut v: Vec<usize> = (0..self.projects.len())
            .filter(|i| {
                let p = &self.projects[*i];
                p.owner == Owner::County && p.first_month <= m && p.county_at(m) == c
            })
            .collect();
        v.sort_by(|a, b| {
            let (pa, pb) = (&self.projects[*a], &self.projects[*b]);
            (pa.signed(), &pa.id).cmp(&(pb.signed(), &pb.id))
        });
        v
    }
    /// The ledger bureau's own projects listed in month m.
    pub(crate) fn bureau_own(&self, m: u32) -> Vec<usize> {
        (0..self.projects.len())
            .filter(|i| {
                let p = &self.projects[*i];
                p.owner == Owner::Bureau && p.first_month <= m
            })
            .collect()
    }
}

fn random_day(rng: &mut Rng, year: i32, m: u32, min_day: u32) -> NaiveDate {
    let dim = days_in_month(year, m);
    let day = if min_day <= 1 && rng.chance(0.1) {
        1
    } else {
        rng.range(i64::from(min_day.max(1)), i64::from(dim)) as u32
    };
    ymd(year, m, day)
}

fn amount(rng: &mut Rng) -> f64 {
    if rng.chance(1.0 / 8.0) {
        if rng.chance(0.25) {
            10.0
        } else {
            round_to(rng.uniform(10.01, 45.0), 2)
        }
    } else {
        round_to(rng.uniform(0.2f64.ln(), 8f64.ln()).exp(), 2).clamp(0.2, 8.0)
    }
}

struct Ctx<'a> {
    r: &'a SynthReference,
    year: i32,
    mfg: usize,
}

fn new_project(
    ctx: &Ctx,
    rng: &mut Rng,
    namer: &mut Namer,
    m: u32,
    county: usize,
    owner: Owner,
) -> Project {
    let n_sectors = ctx.r.sectors.len();
    let sector = if owner == Owner::Bureau || n_sectors == 1 || rng.chance(0.78) {
        ctx.mfg
    } else {
        let others: Vec<usize> = (0..n_sectors).filter(|s| *s != ctx.mfg).collect();
        *rng.pick(&others)
    };
    let p_chain = if owner == Owner::Bureau {
        1.0
    } else if sector == ctx.mfg {
        0.85
    } else {
        0.15
    };
    let chain = if rng.chance(p_chain) {
        Some(rng.below(ctx.r.chains.len()))
    } else {
        None
    };
    let (name, investor) = namer.name_investor(rng);
    let id = namer.id(rng);
    let signed = random_day(rng, ctx.year, m, 1);
    let mut dates = [Some(signed), None, None, None];
    if rng.chance(0.2) && signed.day() < days_in_month(ctx.year, m) {
        dates[1] = Some(random_day(rng, ctx.year, m, signed.day() + 1));
    }
    let (land_mu, tax_wan, output_wan) = if sector == ctx.mfg || rng.chance(0.4) {
        let land = round_to(rng.uniform(20.0, 300.0), 1);
        let tax = round_to(land * rng.uniform(5.0, 40.0), 1);
        let output = round_to(tax * rng.uniform(8.0, 15.0), 1);
        (Some(land), Some(tax), Some(output))
    } else {
        (None, None, None)
    };
    Project {
        id,
        name,
        investor,
        sector,
        chain,
        amount_yi: amount(rng),
        dates,
        first_month: m,
        home: vec![(m, county)],
        owner,
        land_mu,
        tax_wan,
        output_wan,
        origin: rng.pick_str(ORIGINS),
        channel: rng.pick_str(CHANNELS),
    }
}

pub(crate) fn build(r: &SynthReference, o: &SynthOptions, rng: &mut Rng) -> Truth {
    let n = r.counties.len();
    let mfg = r
        .sectors
        .iter()
        .position(|s| *s == r.manufacturing_sector)
        .unwrap_or(0);
    let ctx = Ctx {
        r,
        year: o.year,
        mfg,
    };
    let mut namer = Namer {
        year: o.year,
        ..Namer::default()
    };
    let mut projects: Vec<Project> = Vec::new();
    let scale = i64::from(o.scale.max(1));

    // Missed returns: county index 6 (or the last) in month 3, another county in month 5.
    let mut missing = BTreeSet::new();
    let miss_county = 6.min(n - 1);
    if o.months >= 3 {
        missing.insert((3, miss_county));
    } else if o.months == 2 {
        missing.insert((2, miss_county));
    }
    if o.months >= 5 && n >= 2 {
        let mut other = 2 % n;
        if other == miss_county {
            other = (other + 1) % n;
        }
        missing.insert((5, other));
    }

    for m in 1..=o.months {
        // Stage advances of the projects signed in earlier months.
        for p in projects.iter_mut() {
            let s = p.furthest();
            if p.first_month < m && s + 1 < N_STAGES && rng.chance(0.3) {
                p.dates[s + 1] = Some(random_day(rng, o.year, m, 1));
            }
        }
        for c in 0..n {
            let base = 3 * scale;
            let mut k = if rng.chance(0.15) {
                rng.range(0, 1)
            } else {
                rng.range((base - scale).max(1), base + scale)
            };
            if m == 1 {
                k = k.max(2);
            }
            for _ in 0..k {
                projects.push(new_project(&ctx, rng, &mut namer, m, c, Owner::County));
            }
        }
        // The ledger bureau's own projects: one in month 1, one in the middle of the year.
        let own_month = (o.months / 2).max(2);
        if m == 1 || (o.months >= 2 && m == own_month) {
            let c = rng.below(n);
            projects.push(new_project(&ctx, rng, &mut namer, m, c, Owner::Bureau));
        }
    }

    // One project moves (项目流转) from county A to county B in month k.
    let mut moved = None;
    let k = if o.months >= 4 { 4 } else { 2 };
    if o.months >= 2 && n >= 2 {
        let ok: Vec<usize> = (0..n).filter(|c| !missing.contains(&(k, *c))).collect();
        let cands: Vec<usize> = (0..projects.len())
            .filter(|i| {
                let p = &projects[*i];
                p.owner == Owner::County
                    && p.first_month < k
                    && p.sector == mfg
                    && ok.contains(&p.home[0].1)
            })
            .collect();
        if ok.len() >= 2 && !cands.is_empty() {
            let pi = *rng.pick(&cands);
            let from = projects[pi].home[0].1;
            let tos: Vec<usize> = ok.iter().copied().filter(|c| *c != from).collect();
            let to = *rng.pick(&tos);
            projects[pi].home.push((k, to));
            moved = Some(Moved {
                project: pi,
                month: k,
                from,
                to,
            });
        }
    }

    // The ledger bureau repeats ~5 county projects each month.
    let mut dups = BTreeMap::new();
    for m in 1..=o.months {
        let mut cands: Vec<usize> = (0..projects.len())
            .filter(|i| {
                let p = &projects[*i];
                let c = p.county_at(m);
                p.owner == Owner::County
                    && p.first_month <= m
                    && !missing.contains(&(m, c))
                    && moved.as_ref().map(|mv| mv.project) != Some(*i)
            })
            .collect();
        rng.shuffle(&mut cands);
        let want = rng.range(4, 6) as usize;
        let mut v = Vec::new();
        for (j, pi) in cands.into_iter().take(want).enumerate() {
            let p = &projects[pi];
            let with_id = j == 0 || (j != 1 && rng.chance(0.5));
            let id = with_id.then(|| {
                if rng.chance(0.5) {
                    identity_variant(rng, &p.id)
                } else {
                    p.id.clone()
                }
            });
            let conflict = j == 2 || rng.chance(0.2);
            let amount_yi = conflict.then(|| {
                let f = 1.0 + rng.uniform(0.05, 0.3) * if rng.chance(0.5) { 1.0 } else { -1.0 };
                round_to((p.amount_yi * f).max(0.01), 2)
            });
            let name = if j == 1 || rng.chance(0.6) {
                identity_variant(rng, &p.name)
            } else {
                p.name.clone()
            };
            let investor = if rng.chance(0.5) {
                identity_variant(rng, &p.investor)
            } else {
                p.investor.clone()
            };
            v.push(Dup {
                project: pi,
                id,
                name,
                investor,
                amount_yi,
            });
        }
        dups.insert(m, v);
    }

    // Talent and housing figures: stocks and year-to-date counts that grow.
    let mut talent = Vec::new();
    let mut cur: Vec<TalentFig> = (0..n)
        .map(|_| TalentFig {
            total: rng.range(400, 1500),
            ..TalentFig::default()
        })
        .collect();
    for _m in 1..=o.months {
        for f in cur.iter_mut() {
            let new = rng.range(2, 20);
            f.new_ytd += new;
            f.total += new;
            f.requested += rng.range(0, 6);
            f.arranged = (f.arranged + rng.range(0, 6)).min(f.requested);
            f.housing += rng.range(0, 60);
        }
        talent.push(cur.clone());
    }

    Truth {
        year: o.year,
        months: o.months,
        n_counties: n,
        projects,
        missing,
        moved,
        dups,
        talent,
        namer,
    }
}
