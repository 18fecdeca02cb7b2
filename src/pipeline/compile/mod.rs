//! Compiles a [`RawPipeline`] into a validated [`Pipeline`], collecting every problem.

mod report;
mod returns;
mod scorecard;

use super::raw::*;
use super::*;
use crate::text::{compact, strip_any_suffix};
use report::compile_report;
use returns::compile_return;
use sha2::{Digest, Sha256};
use std::fmt;

/// One problem in a pipeline file, with the key path it is at.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigProblem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}`: {}", self.path, self.message)
    }
}

struct Problems(Vec<ConfigProblem>);

impl Problems {
    fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(ConfigProblem {
            path: path.into(),
            message: message.into(),
        });
    }
}

/// The first-level units' column (and scope) when `reference.unit_column` is not given.
pub const DEFAULT_UNIT_COLUMN: &str = "county";

/// The first-level units' name when `reference.unit_label` is not given.
pub const DEFAULT_UNIT_LABEL: &str = "县(市、区)";

fn expand(form: &str, name: &str, short: &str) -> String {
    form.replace("{name}", name).replace("{short}", short)
}

use crate::ingest::{LimitOverrides, ReadLimits};

/// A metric's `grades`: every band but the last has a `min`, falling from band to band (a
/// number, not NaN), the last has none, and no grade is named twice.
fn compile_grades(p: &mut Problems, path: &str, raw: &[RawGrade]) -> Vec<Grade> {
    let last = raw.len().saturating_sub(1);
    let mut previous: Option<f64> = None;
    for (k, g) in raw.iter().enumerate() {
        let at = format!("{path}.grades[{k}]");
        if g.grade.trim().is_empty() {
            p.add(format!("{at}.grade"), "is empty");
        }
        if raw[..k].iter().any(|x| x.grade == g.grade) {
            p.add(
                format!("{at}.grade"),
                format!("grade `{}` is given twice", g.grade),
            );
        }
        match (g.min, k == last) {
            (Some(_), true) => p.add(
                format!("{at}.min"),
                "the last band takes every other value: give it no `min`",
            ),
            (None, false) => p.add(
                format!("{at}.min"),
                "is required on every band but the last",
            ),
            (Some(min), false) if !min.is_finite() => {
                p.add(format!("{at}.min"), format!("`{min}` is not a number"))
            }
            (Some(min), false) => {
                if let Some(before) = previous.filter(|b| min >= *b) {
                    p.add(
                        format!("{at}.min"),
                        format!(
                            "{min} is not below the band before ({before}): bands go from the highest `min` down"
                        ),
                    );
                }
                previous = Some(min);
            }
            (None, true) => {}
        }
    }
    raw.iter()
        .map(|g| Grade {
            grade: g.grade.clone(),
            min: g.min,
        })
        .collect()
}

pub fn compile(source: &str, text: &str, raw: RawPipeline) -> Result<Pipeline, Vec<ConfigProblem>> {
    let mut p = Problems(Vec::new());
    let hash = hex(&Sha256::digest(text.as_bytes()));

    let min_date = match NaiveDate::parse_from_str(&raw.pipeline.min_date, "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            p.add(
                "pipeline.min_date",
                format!("`{}` is not a date YYYY-MM-DD", raw.pipeline.min_date),
            );
            NaiveDate::MIN
        }
    };

    // Counties and bureaus.
    let r = &raw.reference;
    let suffixes: Vec<&str> = r.county_suffixes.iter().map(String::as_str).collect();
    let mut filers = Vec::new();
    let mut filer_lookup: BTreeMap<String, usize> = BTreeMap::new();
    let mut county_entries: Vec<(String, Vec<String>)> = Vec::new();
    let add_alias = |p: &mut Problems,
                     lookup: &mut BTreeMap<String, usize>,
                     alias: &str,
                     idx: usize,
                     path: &str| {
        let key = compact(alias);
        if key.is_empty() {
            return;
        }
        if let Some(&other) = lookup.get(&key) {
            if other != idx {
                p.add(path, format!("alias `{alias}` names two filers"));
            }
        } else {
            lookup.insert(key, idx);
        }
    };
    if r.counties.is_empty() {
        p.add("reference.counties", "at least one county is needed");
    }
    for (i, c) in r.counties.iter().enumerate() {
        let idx = filers.len();
        filers.push(Filer {
            name: c.name.clone(),
            kind: FilerKind::County,
        });
        let short = strip_any_suffix(&c.name, &suffixes).to_string();
        let mut aliases = vec![c.name.clone()];
        aliases.extend(
            r.county_alias_forms
                .iter()
                .map(|f| expand(f, &c.name, &short)),
        );
        aliases.extend(c.aliases.iter().cloned());
        let path = format!("reference.counties[{i}]");
        for a in &aliases {
            add_alias(&mut p, &mut filer_lookup, a, idx, &path);
        }
        county_entries.push((c.name.clone(), aliases));
    }
    for (i, b) in r.bureaus.iter().enumerate() {
        let idx = filers.len();
        filers.push(Filer {
            name: b.name.clone(),
            kind: FilerKind::Bureau,
        });
        let mut aliases = vec![b.name.clone()];
        for base in std::iter::once(&b.name).chain(b.aliases.iter()) {
            aliases.push(base.clone());
            let short = r
                .bureau_prefixes
                .iter()
                .find_map(|pre| base.strip_prefix(pre.as_str()))
                .filter(|s| !s.is_empty())
                .unwrap_or(base);
            aliases.extend(r.bureau_alias_forms.iter().map(|f| expand(f, base, short)));
        }
        let path = format!("reference.bureaus[{i}]");
        for a in &aliases {
            add_alias(&mut p, &mut filer_lookup, a, idx, &path);
        }
    }
    let counties: Vec<String> = r.counties.iter().map(|c| c.name.clone()).collect();
    let unit_column = r
        .unit_column
        .clone()
        .unwrap_or_else(|| DEFAULT_UNIT_COLUMN.to_string());
    let unit_label = r
        .unit_label
        .clone()
        .unwrap_or_else(|| DEFAULT_UNIT_LABEL.to_string());
    let mut county_vocabulary =
        build_vocabulary("county", county_entries, Vec::new(), UnknownPolicy::Reject);
    // A place cell may name the city before the county: 江门市江海区…, 江门江海区….
    let city = &raw.pipeline.city;
    county_vocabulary
        .set_place_prefixes(&[city.clone(), strip_any_suffix(city, &suffixes).to_string()]);

    // Vocabularies.
    let mut vocabularies = BTreeMap::new();
    for (name, v) in &r.vocabularies {
        let path = format!("reference.vocabularies.{name}");
        let unknown = match v.unknown.as_deref() {
            None | Some("reject") => UnknownPolicy::Reject,
            Some("warn") => UnknownPolicy::Warn,
            Some(other) => {
                p.add(
                    format!("{path}.unknown"),
                    format!("`{other}` is not \"reject\" or \"warn\""),
                );
                UnknownPolicy::Reject
            }
        };
        for key in v.aliases.keys() {
            if !v.values.contains(key) {
                p.add(format!("{path}.aliases.{key}"), "is not one of the values");
            }
        }
        let entries = v
            .values
            .iter()
            .map(|val| {
                let mut aliases = vec![val.clone()];
                aliases.extend(v.alias_forms.iter().map(|f| expand(f, val, val)));
                aliases.extend(v.aliases.get(val).cloned().unwrap_or_default());
                (val.clone(), aliases)
            })
            .collect();
        let mut vocab = build_vocabulary(name, entries, v.none.clone(), unknown);
        vocab.set_future_words(&v.future_words);
        for (k, kw) in v.keywords.iter().enumerate() {
            match vocab.index_of(&kw.value) {
                Some(i) => vocab.set_keywords(i, &kw.words),
                None => p.add(
                    format!("{path}.keywords[{k}].value"),
                    format!("`{}` is not one of the values", kw.value),
                ),
            }
        }
        vocabularies.insert(name.clone(), vocab);
    }

    // Returns.
    let mut returns = Vec::new();
    for (id, rr) in &raw.returns {
        let mut rt = compile_return(&mut p, id, rr, &vocabularies);
        rt.owed_by = match &rr.owed_by {
            None => Vec::new(),
            Some(RawOwedBy::Group(g)) if g == "counties" => counties.clone(),
            Some(RawOwedBy::Group(g)) => {
                p.add(
                    format!("returns.{id}.owed_by"),
                    format!("`{g}` is not \"counties\" or a list of filers"),
                );
                Vec::new()
            }
            Some(RawOwedBy::List(list)) => {
                for (i, name) in list.iter().enumerate() {
                    if !filers.iter().any(|f| &f.name == name) {
                        p.add(
                            format!("returns.{id}.owed_by[{i}]"),
                            format!("`{name}` is not a county or bureau"),
                        );
                    }
                }
                list.clone()
            }
        };
        returns.push(rt);
    }
    let scorecard =
        scorecard::compile_scorecard(&mut p, &raw, &filers, &mut returns, &vocabularies);
    let table_of = |t: &str| -> Option<&ReturnType> {
        returns
            .iter()
            .find(|r| format!("{}_current", r.table) == t || r.table == t)
    };

    // Filters.
    let mut filters = BTreeMap::new();
    for (name, conds) in &raw.filters {
        let mut out = Vec::new();
        for (i, c) in conds.iter().enumerate() {
            if let Some(cond) = compile_condition(&mut p, &format!("filters.{name}[{i}]"), c) {
                out.push(cond);
            }
        }
        filters.insert(name.clone(), out);
    }
    let resolve_filters = |p: &mut Problems,
                           path: &str,
                           names: &[String],
                           rt: Option<&ReturnType>|
     -> Vec<Condition> {
        let mut out = Vec::new();
        for (i, n) in names.iter().enumerate() {
            match filters.get(n) {
                Some(conds) => {
                    for c in conds {
                        if let Some(rt) = rt {
                            let col = condition_column(c);
                            match rt.column_index(col) {
                                None => p.add(format!("{path}[{i}]"), format!("filter `{n}` uses column `{col}`, which table `{}` does not have", rt.table)),
                                Some(ci) => {
                                    if let Some(msg) = condition_kind_problem(c, &rt.columns[ci].kind, &vocabularies) {
                                        p.add(format!("{path}[{i}]"), format!("filter `{n}`: {msg}"));
                                    }
                                }
                            }
                        }
                        out.push(c.clone());
                    }
                }
                None => p.add(
                    format!("{path}[{i}]"),
                    format!("no filter `{n}` in [filters]"),
                ),
            }
        }
        out
    };

    // Metrics.
    let mut metrics: Vec<Metric> = Vec::new();
    for (i, m) in raw.metrics.iter().enumerate() {
        let path = format!("metrics[{i}]");
        if metrics.iter().any(|x| x.id == m.id) {
            p.add(
                format!("{path}.id"),
                format!("metric `{}` is defined twice", m.id),
            );
        }
        let rt = table_of(&m.table);
        if rt.is_none() {
            p.add(
                format!("{path}.table"),
                format!("no return writes table `{}`", m.table),
            );
        }
        let agg = |p: &mut Problems, sub: &str, a: &RawAggregate| -> AggregateSpec {
            let column = |p: &mut Problems, key: &str, col: &str| {
                if let Some(rt) = rt {
                    if rt.column_index(col).is_none() {
                        p.add(
                            format!("{path}.{sub}.{key}"),
                            format!("table `{}` has no column `{col}`", m.table),
                        );
                    }
                }
            };
            let given = usize::from(a.sum.is_some())
                + usize::from(a.count)
                + usize::from(a.count_distinct.is_some())
                + usize::from(a.sql.is_some());
            let aggregate = match (&a.sum, a.count, &a.count_distinct, &a.sql) {
                _ if given != 1 => {
                    p.add(
                        format!("{path}.{sub}"),
                        "give exactly one of `sum = \"column\"`, `count = true`, `count_distinct = \"column\"` or `sql = \"…\"`",
                    );
                    Aggregate::Count
                }
                (Some(col), ..) => {
                    column(p, "sum", col);
                    Aggregate::Sum(col.clone())
                }
                (_, _, Some(col), _) => {
                    column(p, "count_distinct", col);
                    Aggregate::CountDistinct(col.clone())
                }
                (_, _, _, Some(sql)) => {
                    if let Some(rt) = rt {
                        let columns: Vec<(String, ColumnKind)> = rt
                            .columns
                            .iter()
                            .map(|c| (c.name.clone(), c.kind.clone()))
                            .collect();
                        if let Err(e) = super::sql::check(sql, &columns) {
                            p.add(format!("{path}.{sub}.sql"), e);
                        }
                    }
                    Aggregate::Sql(sql.clone())
                }
                _ => Aggregate::Count,
            };
            let conditions = resolve_filters(p, &format!("{path}.{sub}.filters"), &a.filters, rt);
            AggregateSpec {
                aggregate,
                conditions,
            }
        };
        let change_of = m.change_of.as_ref().map(|c| {
            let against = match c.against.as_str() {
                "previous_month" => Against::PreviousMonth,
                "same_month_last_year" => Against::SameMonthLastYear,
                other => {
                    p.add(
                        format!("{path}.change_of.against"),
                        format!("`{other}` is not \"previous_month\" or \"same_month_last_year\""),
                    );
                    Against::PreviousMonth
                }
            };
            match metrics.iter().find(|x| x.id == c.metric) {
                None => p.add(
                    format!("{path}.change_of.metric"),
                    format!("no metric `{}` declared before this one", c.metric),
                ),
                Some(x) if x.change_of.is_some() => p.add(
                    format!("{path}.change_of.metric"),
                    format!("`{}` is itself a change_of metric", c.metric),
                ),
                Some(_) => {}
            }
            ChangeOf {
                metric: c.metric.clone(),
                against,
            }
        });
        let value = match (&m.value, &change_of) {
            (Some(v), None) => agg(&mut p, "value", v),
            (None, Some(c)) => metrics
                .iter()
                .find(|x| x.id == c.metric)
                .map(|x| x.value.clone())
                .unwrap_or(AggregateSpec {
                    aggregate: Aggregate::Count,
                    conditions: Vec::new(),
                }),
            _ => {
                p.add(
                    format!("{path}.value"),
                    "give `value` (an aggregate) or `change_of` (a growth), not both or neither",
                );
                AggregateSpec {
                    aggregate: Aggregate::Count,
                    conditions: Vec::new(),
                }
            }
        };
        let denominator = m
            .denominator
            .as_ref()
            .map(|d| agg(&mut p, "denominator", d));
        let progress = match m.progress.as_str() {
            "cumulative" => Progress::Cumulative,
            "level" => Progress::Level,
            other => {
                p.add(
                    format!("{path}.progress"),
                    format!("`{other}` is not \"cumulative\" or \"level\""),
                );
                Progress::Level
            }
        };
        let scope_of = |s: &str| -> Option<Scope> {
            if s == "city" {
                Some(Scope::City)
            } else if s == unit_column {
                Some(Scope::Unit)
            } else if rt.map(|rt| rt.column_index(s).is_some()).unwrap_or(true) {
                Some(Scope::Column(s.to_string()))
            } else {
                None
            }
        };
        let mut scopes = Vec::new();
        for (j, s) in m.scopes.iter().enumerate() {
            match scope_of(s) {
                Some(sc) => scopes.push(sc),
                None => p.add(
                    format!("{path}.scopes[{j}]"),
                    format!(
                        "scope `{s}` is not \"city\", `{unit_column}` nor a column of `{}`",
                        m.table
                    ),
                ),
            }
        }
        let mut denominator_scope = BTreeMap::new();
        for (s, at) in &m.denominator_scope {
            match (scope_of(s), scope_of(at)) {
                (Some(a), Some(b)) if scopes.contains(&a) && scopes.contains(&b) => {
                    denominator_scope.insert(a, b);
                }
                _ => p.add(
                    format!("{path}.denominator_scope.{s}"),
                    "both scopes must be listed in `scopes`",
                ),
            }
        }
        let grades = compile_grades(&mut p, &path, &m.grades);
        metrics.push(Metric {
            id: m.id.clone(),
            name: m.name.clone(),
            unit: m.unit.clone(),
            table: m.table.clone(),
            value,
            denominator,
            denominator_scope,
            progress,
            scopes,
            change_of,
            grades,
        });
    }

    // Targets.
    let mut targets = BTreeMap::new();
    for (year, per_metric) in &raw.targets {
        let path = format!("targets.{year}");
        let Ok(y) = year.parse::<i32>() else {
            p.add(path, "a year must be a number like 2025");
            continue;
        };
        let mut out = BTreeMap::new();
        for (mid, t) in per_metric {
            if !metrics.iter().any(|m| &m.id == mid) {
                p.add(format!("{path}.{mid}"), "no such metric");
            }
            for c in t.county.keys() {
                if !counties.contains(c) {
                    p.add(
                        format!("{path}.{mid}.county.{c}"),
                        "not a county of reference.counties",
                    );
                }
            }
            out.insert(
                mid.clone(),
                Target {
                    city: t.city,
                    county: t.county.clone(),
                },
            );
        }
        targets.insert(y, out);
    }

    // Ranking.
    let ranking = raw.ranking.as_ref().map(|rk| {
        for (i, t) in rk.terms.iter().enumerate() {
            let path = format!("ranking.terms[{i}]");
            match metrics.iter().find(|m| m.id == t.metric) {
                None => p.add(
                    format!("{path}.metric"),
                    format!("no metric `{}`", t.metric),
                ),
                Some(m) => {
                    if !m.scopes.contains(&Scope::Unit) {
                        p.add(
                            format!("{path}.metric"),
                            format!("metric `{}` has no `{unit_column}` scope", t.metric),
                        );
                    }
                    if m.progress == Progress::Cumulative {
                        for (y, per) in &targets {
                            let missing: Vec<&String> = match per.get(&t.metric) {
                                Some(tg) => counties
                                    .iter()
                                    .filter(|c| !tg.county.contains_key(*c))
                                    .collect(),
                                None => counties.iter().collect(),
                            };
                            if !missing.is_empty() {
                                p.add(
                                    format!("targets.{y}.{}.county", t.metric),
                                    format!("ranked metric lacks county targets for {missing:?}"),
                                );
                            }
                        }
                    }
                }
            }
            if t.weight < 0.0 || t.cap <= 0.0 {
                p.add(path, "weight must be ≥ 0 and cap > 0");
            }
        }
        Ranking {
            terms: rk
                .terms
                .iter()
                .map(|t| RankingTerm {
                    metric: t.metric.clone(),
                    weight: t.weight,
                    cap: t.cap,
                })
                .collect(),
        }
    });

    let funnel = raw.funnel.as_ref().map(|f| {
        let rt = table_of(&f.table);
        if rt.is_none() {
            p.add(
                "funnel.table",
                format!("no return writes table `{}`", f.table),
            );
        }
        for (key, col) in [
            ("stage_column", &f.stage_column),
            ("amount_column", &f.amount_column),
            ("tax_column", &f.tax_column),
            ("land_column", &f.land_column),
        ] {
            if let Some(rt) = rt {
                if rt.column_index(col).is_none() {
                    p.add(
                        format!("funnel.{key}"),
                        format!("table `{}` has no column `{col}`", f.table),
                    );
                }
            }
        }
        Funnel {
            table: f.table.clone(),
            stage_column: f.stage_column.clone(),
            amount_column: f.amount_column.clone(),
            conditions: resolve_filters(&mut p, "funnel.filters", &f.filters, rt),
            tax_column: f.tax_column.clone(),
            land_column: f.land_column.clone(),
            tax_per_mu_threshold_wan: f.tax_per_mu_threshold_wan,
        }
    });

    let changes = raw.changes.as_ref().map(|c| {
        let rt = table_of(&c.table);
        if rt.is_none() {
            p.add(
                "changes.table",
                format!("no return writes table `{}`", c.table),
            );
        }
        for (key, col) in [
            ("stage_column", &c.stage_column),
            ("amount_column", &c.amount_column),
        ] {
            if let (Some(rt), Some(col)) = (rt, col) {
                if rt.column_index(col).is_none() {
                    p.add(
                        format!("changes.{key}"),
                        format!("table `{}` has no column `{col}`", c.table),
                    );
                }
            }
        }
        ChangesSpec {
            table: c.table.clone(),
            stage_column: c.stage_column.clone(),
            amount_column: c.amount_column.clone(),
        }
    });

    let report = raw
        .report
        .as_ref()
        .map(|r| compile_report(&mut p, r, &metrics, &returns, &filters, scorecard.is_some()));
    let limits = compile_limits(raw.limits.as_ref(), &mut p);
    if !p.0.is_empty() {
        return Err(p.0);
    }
    Ok(Pipeline {
        id: raw.pipeline.id,
        title: raw.pipeline.title,
        city: raw.pipeline.city,
        min_date,
        hash,
        source: source.to_string(),
        text: text.to_string(),
        limits,
        counties,
        unit_label,
        unit_column,
        filers,
        filer_lookup,
        county_vocabulary,
        vocabularies,
        returns,
        filters,
        metrics,
        targets,
        ranking,
        funnel,
        changes,
        synth: None,
        report,
        scorecard,
    })
}

fn build_vocabulary(
    name: &str,
    entries: Vec<(String, Vec<String>)>,
    none: Vec<String>,
    unknown: UnknownPolicy,
) -> Vocabulary {
    let mut lookup = BTreeMap::new();
    let mut values = Vec::new();
    for (i, (canonical, aliases)) in entries.into_iter().enumerate() {
        for a in aliases {
            lookup.entry(compact(&a)).or_insert(i);
        }
        values.push(canonical);
    }
    Vocabulary {
        name: name.to_string(),
        values,
        lookup,
        none: none.iter().map(|s| compact(s)).collect(),
        unknown,
        keywords: Vec::new(),
        future_words: Vec::new(),
        place_prefixes: Vec::new(),
    }
}

fn compile_condition(p: &mut Problems, path: &str, c: &RawCondition) -> Option<Condition> {
    let col = c.column.clone();
    let text = || {
        c.value
            .as_ref()
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let num = || {
        c.value
            .as_ref()
            .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
    };
    let cond = match c.op.as_str() {
        "eq" => text().map(|v| Condition::Eq(col, v)),
        "ne" => text().map(|v| Condition::Ne(col, v)),
        "ge" | "gt" | "le" | "lt" => {
            let op = match c.op.as_str() {
                "ge" => CmpOp::Ge,
                "gt" => CmpOp::Gt,
                "le" => CmpOp::Le,
                _ => CmpOp::Lt,
            };
            num().map(|v| Condition::Cmp(col, op, v))
        }
        "not_null" => Some(Condition::NotNull(col)),
        "is_null" => Some(Condition::IsNull(col)),
        "in_year_to_period" => Some(Condition::InYearToPeriod(col)),
        "is_true" => Some(Condition::IsTrue(col)),
        "is_false" => Some(Condition::IsFalse(col)),
        "contains" => text().map(|v| Condition::Contains(col, v)),
        other => {
            p.add(format!("{path}.op"), format!("`{other}` is not eq, ne, ge, gt, le, lt, not_null, is_null, in_year_to_period, is_true, is_false or contains"));
            return None;
        }
    };
    if cond.is_none() {
        p.add(
            format!("{path}.value"),
            format!(
                "op `{}` needs a {} value",
                c.op,
                if matches!(c.op.as_str(), "eq" | "ne" | "contains") {
                    "text"
                } else {
                    "number"
                }
            ),
        );
    }
    cond
}

/// Why a condition cannot apply to a column of this kind, if it cannot.
fn condition_kind_problem(
    c: &Condition,
    kind: &ColumnKind,
    vocabularies: &BTreeMap<String, Vocabulary>,
) -> Option<String> {
    match (c, kind) {
        (Condition::IsTrue(col) | Condition::IsFalse(col), k) if *k != ColumnKind::Bool => Some(
            format!("is_true/is_false need a bool column; `{col}` is not one"),
        ),
        (Condition::Contains(col, tag), ColumnKind::Tags(v)) => {
            let known = vocabularies
                .get(v)
                .is_some_and(|v| v.values.iter().any(|x| x == tag));
            (!known).then(|| format!("`{tag}` is not a value of vocabulary `{v}` (column `{col}`)"))
        }
        (Condition::Contains(col, _), _) => {
            Some(format!("contains needs a tags column; `{col}` is not one"))
        }
        _ => None,
    }
}

pub fn condition_column(c: &Condition) -> &str {
    match c {
        Condition::Eq(c, _)
        | Condition::Ne(c, _)
        | Condition::Cmp(c, _, _)
        | Condition::NotNull(c)
        | Condition::IsNull(c)
        | Condition::InYearToPeriod(c)
        | Condition::IsTrue(c)
        | Condition::IsFalse(c)
        | Condition::Contains(c, _) => c,
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `[limits]` over the defaults; every value must be positive.
fn compile_limits(raw: Option<&super::raw::RawLimits>, p: &mut Problems) -> ReadLimits {
    let Some(raw) = raw else {
        return ReadLimits::default();
    };
    for (key, v) in [
        ("limits.max_file_mb", raw.max_file_mb),
        ("limits.max_inflated_mb", raw.max_inflated_mb),
        ("limits.max_cells", raw.max_cells),
        ("limits.max_memory_mb", raw.max_memory_mb),
    ] {
        if v == Some(0) {
            p.add(key, "must be at least 1");
        }
    }
    if let Some(s) = raw.max_seconds.filter(|s| !(*s > 0.0 && s.is_finite())) {
        p.add(
            "limits.max_seconds",
            format!("`{s}` must be a positive number of seconds"),
        );
    }
    LimitOverrides {
        max_file_mb: raw.max_file_mb,
        max_inflated_mb: raw.max_inflated_mb,
        max_cells: raw.max_cells,
        max_memory_mb: raw.max_memory_mb,
        max_seconds: raw.max_seconds,
    }
    .apply(ReadLimits::default())
}

/// Checks the roles of generated fixtures (a roles file's `[synth]`, see
/// `fixtures/synth/`) against a compiled pipeline: every problem, with its key path.
pub fn check_roles(pipeline: &Pipeline, s: &RawSynth) -> Vec<ConfigProblem> {
    let mut p = Problems(Vec::new());
    let kind = s.kind.as_deref().unwrap_or("ledger");
    let (return_keys, bureau_keys, filter_keys, metric_keys): (
        Vec<(&str, &Option<String>)>,
        Vec<(&str, &Option<String>)>,
        Vec<(&str, &Option<String>)>,
        Vec<(&str, &Option<String>)>,
    ) = match kind {
        "ledger" => (
            vec![
                ("ledger_return", &s.ledger_return),
                ("talent_return", &s.talent_return),
            ],
            vec![
                ("ledger_bureau", &s.ledger_bureau),
                ("talent_bureau", &s.talent_bureau),
                ("housing_bureau", &s.housing_bureau),
            ],
            vec![
                ("manufacturing_filter", &s.manufacturing_filter),
                ("big_filter", &s.big_filter),
            ],
            vec![],
        ),
        "registers" => (
            vec![
                ("event_return", &s.event_return),
                ("enterprise_return", &s.enterprise_return),
            ],
            vec![("bureau", &s.bureau)],
            vec![],
            vec![
                ("events_metric", &s.events_metric),
                ("enterprises_metric", &s.enterprises_metric),
                ("in_park_metric", &s.in_park_metric),
                ("in_incubator_metric", &s.in_incubator_metric),
            ],
        ),
        "indicators" => {
            if pipeline.scorecard.is_none() {
                p.add(
                    "synth.kind",
                    "kind `indicators` needs [scorecard] and [[indicators]]",
                );
            }
            (vec![], vec![], vec![], vec![])
        }
        other => {
            p.add(
                "synth.kind",
                format!("`{other}` is not \"ledger\", \"registers\" or \"indicators\""),
            );
            (vec![], vec![], vec![], vec![])
        }
    };
    let need = |p: &mut Problems, key: &str, v: &Option<String>| -> Option<String> {
        if v.is_none() {
            p.add(
                format!("synth.{key}"),
                format!("is required for kind `{kind}`"),
            );
        }
        v.clone()
    };
    for (key, v) in return_keys {
        if let Some(rid) = need(&mut p, key, v) {
            if pipeline.return_type(&rid).is_none() {
                p.add(format!("synth.{key}"), format!("no return type `{rid}`"));
            }
        }
    }
    for (key, v) in bureau_keys {
        if let Some(b) = need(&mut p, key, v) {
            if !pipeline
                .filers
                .iter()
                .any(|f| f.name == b && f.kind == FilerKind::Bureau)
            {
                p.add(
                    format!("synth.{key}"),
                    format!("`{b}` is not one of reference.bureaus"),
                );
            }
        }
    }
    for (key, v) in filter_keys {
        if let Some(f) = need(&mut p, key, v) {
            if !pipeline.filters.contains_key(&f) {
                p.add(
                    format!("synth.{key}"),
                    format!("no filter `{f}` in [filters]"),
                );
            }
        }
    }
    for (key, v) in metric_keys {
        if let Some(m) = need(&mut p, key, v) {
            if !pipeline.metrics.iter().any(|x| x.id == m) {
                p.add(format!("synth.{key}"), format!("no metric `{m}`"));
            }
        }
    }
    p.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let text = crate::pipeline::EMBEDDED_DEFAULT
            .1
            .replace(
                "progress = \"level\"\nscopes = [\"city\", \"county\", \"chain\"]",
                "progress = \"sometimes\"\nscopes = [\"city\", \"county\", \"chain\"]",
            )
            .replace(
                "type = \"date\"\nrequired = true",
                "type = \"datum\"\nrequired = true",
            )
            .replace("\"新会区\" = 300.0", "\"新汇区\" = 300.0");
        let err = Pipeline::from_text("t.toml", &text).unwrap_err();
        let crate::error::PipelineError::Invalid { problems, .. } = err else {
            panic!("expected Invalid, got {err:?}")
        };
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert!(paths.contains(&"metrics[2].progress"), "{paths:?}");
        assert!(
            paths
                .iter()
                .any(|p| p.starts_with("returns.project_ledger.columns[") && p.ends_with(".type")),
            "{paths:?}"
        );
        assert!(
            paths.contains(&"targets.2025.mfg_investment_yi.county.新汇区"),
            "{paths:?}"
        );
    }

    #[test]
    fn unknown_keys_are_errors() {
        let text = crate::pipeline::EMBEDDED_DEFAULT
            .1
            .replace("[pipeline]\n", "[pipeline]\ncolour = \"red\"\n");
        let err = Pipeline::from_text("t.toml", &text).unwrap_err();
        assert!(err.to_string().contains("t.toml"), "{err}");
        let chain = format!("{:?}", err);
        assert!(chain.contains("colour"), "{chain}");
    }

    #[test]
    fn a_place_column_must_be_a_text_column_of_the_return() {
        let p = Pipeline::embedded_default().unwrap();
        let rt = p.return_type("project_ledger").unwrap();
        let county = rt.column_index("county").unwrap();
        assert_eq!(rt.columns[county].place_column, rt.column_index("town"));
        for (to, why) in [
            ("place_column = \"nowhere\"", "no column `nowhere`"),
            (
                "place_column = \"sector\"",
                "must be another column of type text",
            ),
        ] {
            let text = crate::pipeline::EMBEDDED_DEFAULT
                .1
                .replace("place_column = \"town\"", to);
            let err = Pipeline::from_text("t.toml", &text).unwrap_err();
            let crate::error::PipelineError::Invalid { problems, .. } = err else {
                panic!("expected Invalid, got {err:?}")
            };
            assert!(
                problems.iter().any(|p| p.path
                    == format!("returns.project_ledger.columns[{county}].place_column")
                    && p.message.contains(why)),
                "{problems:?}"
            );
        }
    }

    const ZHENJIANG: &str = include_str!("../../../pipelines/zhenjiang-tech.toml");

    #[test]
    fn units_label_filers_and_id_less_identity_are_declared() {
        let p = Pipeline::from_text("z.toml", ZHENJIANG).unwrap();
        assert_eq!(p.unit_label, "板块");
        assert_eq!(p.filer("镇江经开区").unwrap().name, "镇江新区");
        assert_eq!(p.filer("京口区科技局").unwrap().name, "京口区");
        assert_eq!(p.filer("镇江市科技局").unwrap().kind, FilerKind::Bureau);
        let events = p.return_type("events").unwrap();
        assert_eq!(events.identity.id, None);
        assert_eq!(events.identity.fallback.len(), 2);
        let en = p.return_type("enterprises").unwrap();
        let code = en.column_index("credit_code").unwrap();
        assert_eq!(en.columns[code].check, Some(Check::Uscc));
        assert_eq!(
            Pipeline::embedded_default().unwrap().unit_label,
            DEFAULT_UNIT_LABEL
        );
    }

    const INNOVATION: &str = include_str!("../../../pipelines/jiangmen-innovation-city.toml");

    #[test]
    fn a_scorecard_compiles_and_its_problems_are_reported() {
        let p = Pipeline::from_text("ic.toml", INNOVATION).unwrap();
        let sc = p.scorecard.as_ref().unwrap();
        assert_eq!(sc.table, "indicators_current");
        assert_eq!(sc.ratings.first().map(String::as_str), Some("优秀"));
        // The return is owed by every monitoring unit.
        assert_eq!(p.return_type("indicators").unwrap().owed_by, sc.monitors);
        assert!(p.return_type("indicators").unwrap().identity.per_filer);
        let text = INNOVATION
            .replace("counts_from = \"市税务局\"", "counts_from = \"市商务局\"")
            .replace("target_rating = \"良好\"", "target_rating = \"很好\"");
        let err = Pipeline::from_text("ic.toml", &text).unwrap_err();
        let msg = format!("{err:?}");
        assert!(
            msg.contains("`市商务局` is not one of the indicator's monitors"),
            "{msg}"
        );
        assert!(
            msg.contains("`很好` is not one of the scorecard's ratings"),
            "{msg}"
        );
    }

    #[test]
    fn bool_and_tags_filters_are_checked_against_their_columns() {
        let text = ZHENJIANG
            .replace("value = \"高新技术企业\"", "value = \"独角兽企业\"")
            .replace(
                "in_incubator = [{ column = \"in_incubator\", op = \"is_true\" }]",
                "in_incubator = [{ column = \"park\", op = \"is_true\" }]",
            );
        let err = Pipeline::from_text("z.toml", &text).unwrap_err();
        let msg = format!("{err:?}");
        assert!(msg.contains("独角兽企业"), "{msg}");
        assert!(msg.contains("is_true/is_false need a bool column"), "{msg}");
    }
}
