//! Reference-list scorecards: `[scorecard]` and `[[indicators]]`.

use super::*;

pub(super) fn compile_scorecard(
    p: &mut Problems,
    raw: &RawPipeline,
    filers: &[Filer],
    returns: &mut [ReturnType],
    vocabularies: &BTreeMap<String, Vocabulary>,
) -> Option<Scorecard> {
    let Some(sc) = &raw.scorecard else {
        if !raw.indicators.is_empty() {
            p.add(
                "indicators",
                "needs a [scorecard] section saying which return carries them",
            );
        }
        return None;
    };
    let rt = returns.iter_mut().find(|r| r.id == sc.return_id);
    if rt.is_none() {
        p.add(
            "scorecard.return",
            format!("no return type `{}`", sc.return_id),
        );
    }
    if let Some(rt) = &rt {
        for (col, required) in [
            ("indicator_no", true),
            ("year", true),
            ("value", true),
            ("part", false),
        ] {
            match rt.column_index(col) {
                None if required => p.add(
                    "scorecard.return",
                    format!("return `{}` has no column `{col}`", rt.id),
                ),
                Some(i) if col == "value" && rt.columns[i].kind != ColumnKind::Text => p.add(
                    "scorecard.return",
                    format!(
                        "column `value` of `{}` must be of type text (numbers and ratings)",
                        rt.id
                    ),
                ),
                Some(i)
                    if (col == "indicator_no" || col == "year")
                        && !matches!(rt.columns[i].kind, ColumnKind::Number { .. }) =>
                {
                    p.add(
                        "scorecard.return",
                        format!("column `{col}` of `{}` must be of type number", rt.id),
                    )
                }
                _ => {}
            }
        }
    }
    let ratings: Vec<String> = match &sc.ratings {
        Some(v) => match vocabularies.get(v) {
            Some(voc) => voc.values.clone(),
            None => {
                p.add("scorecard.ratings", format!("no vocabulary `{v}`"));
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    let is_filer = |n: &str| filers.iter().any(|f| f.name == n);
    let mut indicators: Vec<Indicator> = Vec::new();
    for (i, ind) in raw.indicators.iter().enumerate() {
        let path = format!("indicators[{i}]");
        if indicators
            .iter()
            .any(|x| x.no == ind.no && x.part == ind.part)
        {
            p.add(
                path.clone(),
                format!("indicator {} (part {:?}) is listed twice", ind.no, ind.part),
            );
        }
        if ind.monitors.is_empty() {
            p.add(
                format!("{path}.monitors"),
                "at least one monitoring unit is needed",
            );
        }
        for (j, m) in ind.monitors.iter().enumerate() {
            if !is_filer(m) {
                p.add(
                    format!("{path}.monitors[{j}]"),
                    format!("`{m}` is not one of reference.bureaus or counties"),
                );
            }
        }
        let counts_from = match &ind.counts_from {
            None => ind.monitors.iter().take(1).cloned().collect(),
            Some(RawOwedBy::Group(g)) => vec![g.clone()],
            Some(RawOwedBy::List(l)) => l.clone(),
        };
        for c in &counts_from {
            if !ind.monitors.contains(c) {
                p.add(
                    format!("{path}.counts_from"),
                    format!("`{c}` is not one of the indicator's monitors"),
                );
            }
        }
        let goal = if ind.qualitative {
            if ind.base.is_some() || ind.target.is_some() {
                p.add(
                    path.clone(),
                    "a qualitative indicator has a `target_rating`, no `base` or `target`",
                );
            }
            match &ind.target_rating {
                Some(t) => match ratings.iter().position(|r| r == t) {
                    Some(k) => Goal::Rating(k),
                    None => {
                        p.add(
                            format!("{path}.target_rating"),
                            format!("`{t}` is not one of the scorecard's ratings {ratings:?}"),
                        );
                        Goal::Rating(0)
                    }
                },
                None => {
                    p.add(
                        format!("{path}.target_rating"),
                        "is required for a qualitative indicator",
                    );
                    Goal::Rating(0)
                }
            }
        } else {
            if ind.target_rating.is_some() {
                p.add(
                    format!("{path}.target_rating"),
                    "only a qualitative indicator has a target rating",
                );
            }
            if ind.base.is_none() {
                p.add(format!("{path}.base"), "is required (the base-year value)");
            }
            match ind.target {
                Some(t) => Goal::Number(t),
                None => {
                    p.add(format!("{path}.target"), "is required");
                    Goal::Number(0.0)
                }
            }
        };
        indicators.push(Indicator {
            no: ind.no,
            name: ind.name.clone(),
            group: ind.group.clone(),
            unit: ind.unit.clone(),
            part: ind.part.clone(),
            base: ind.base,
            goal,
            national: ind.national,
            monitors: ind.monitors.clone(),
            counts_from,
        });
    }
    let monitors: Vec<String> = filers
        .iter()
        .filter(|f| indicators.iter().any(|i| i.monitors.contains(&f.name)))
        .map(|f| f.name.clone())
        .collect();
    let table = match rt {
        Some(rt) => {
            if rt.owed_by.is_empty() {
                rt.owed_by = monitors.clone();
            }
            format!("{}_current", rt.table)
        }
        None => String::new(),
    };
    let rating_met = check_rules(p, sc, &indicators);
    Some(Scorecard {
        met: sc.met.clone(),
        progress: sc.progress.clone(),
        rating_met,
        rules_note: sc.rules_note.clone().unwrap_or_default(),
        return_id: sc.return_id.clone(),
        table,
        ratings,
        rating_vocabulary: sc.ratings.clone(),
        base_year: sc.base_year,
        target_year: sc.target_year,
        indicators,
        monitors,
    })
}

/// Checks the declared rules over the columns they are given (an empty frame): `met` over
/// value, base, target; `progress` over those and met; `rating_met` (required when an
/// indicator is qualitative) over rank and target_rank. Returns the qualitative rule.
fn check_rules(p: &mut Problems, sc: &RawScorecard, indicators: &[Indicator]) -> String {
    let number = || ColumnKind::Number { unit: None };
    let col = |n: &str, k: ColumnKind| (n.to_string(), k);
    let numeric = vec![
        col("value", number()),
        col("base", number()),
        col("target", number()),
    ];
    let mut with_met = numeric.clone();
    with_met.push(col("met", ColumnKind::Bool));
    let ranks = vec![col("rank", number()), col("target_rank", number())];
    let mut check = |key: &str, expr: &str, columns: &[(String, ColumnKind)]| {
        if let Err(e) = crate::pipeline::sql::check(expr, columns) {
            let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
            p.add(
                format!("scorecard.{key}"),
                format!("{e} (its columns: {})", names.join(", ")),
            );
        }
    };
    check("met", &sc.met, &numeric);
    check("progress", &sc.progress, &with_met);
    let qualitative = indicators.iter().any(|i| matches!(i.goal, Goal::Rating(_)));
    match &sc.rating_met {
        Some(rule) => {
            check("rating_met", rule, &ranks);
            rule.clone()
        }
        None if qualitative => {
            p.add(
                "scorecard.rating_met",
                "is required: some indicators are qualitative (e.g. rating_met = \"rank <= target_rank\")",
            );
            String::new()
        }
        None => String::new(),
    }
}
