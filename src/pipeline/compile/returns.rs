//! Return types: canonical columns, spellings, kinds, identity.

use super::*;
use crate::pipeline::raw::*;
use crate::pipeline::*;

/// Mark words as compared: NFKC, without empty ones.
fn marks(words: &[String]) -> Vec<String> {
    words
        .iter()
        .map(|w| crate::text::nfkc(w))
        .filter(|w| !w.is_empty())
        .collect()
}

pub(super) fn compile_return(
    p: &mut Problems,
    id: &str,
    rr: &RawReturn,
    vocabularies: &BTreeMap<String, Vocabulary>,
) -> ReturnType {
    let path = format!("returns.{id}");
    let mut columns = Vec::new();
    let mut spellings: HashMap<String, usize> = HashMap::new();
    for (i, c) in rr.columns.iter().enumerate() {
        let cpath = format!("{path}.columns[{i}]");
        if rr.columns[..i].iter().any(|o| o.name == c.name) {
            p.add(
                format!("{cpath}.name"),
                format!("column `{}` is defined twice", c.name),
            );
        }
        let kind = match c.kind.as_str() {
            "text" => ColumnKind::Text,
            "county" => ColumnKind::County,
            "date" => ColumnKind::Date,
            "vocabulary" => match &c.vocabulary {
                Some(v) if vocabularies.contains_key(v) => ColumnKind::Vocabulary(v.clone()),
                Some(v) => {
                    p.add(
                        format!("{cpath}.vocabulary"),
                        format!("no vocabulary `{v}` in reference.vocabularies"),
                    );
                    ColumnKind::Text
                }
                None => {
                    p.add(
                        format!("{cpath}.vocabulary"),
                        "a vocabulary column needs `vocabulary`",
                    );
                    ColumnKind::Text
                }
            },
            "money" => {
                let unit = c.unit.as_deref().and_then(MoneyUnit::parse);
                let default_unit = c
                    .default_unit
                    .as_deref()
                    .or(c.unit.as_deref())
                    .and_then(MoneyUnit::parse);
                match (unit, default_unit) {
                    (Some(unit), Some(default_unit)) => ColumnKind::Money { unit, default_unit },
                    _ => {
                        p.add(format!("{cpath}.unit"), "a money column needs `unit` (and `default_unit`) among 亿元, 万元, 千元, 元");
                        ColumnKind::Text
                    }
                }
            }
            "number" => ColumnKind::Number {
                unit: c.unit.clone(),
            },
            "bool" => ColumnKind::Bool,
            "tags" => match &c.vocabulary {
                Some(v) if vocabularies.contains_key(v) => ColumnKind::Tags(v.clone()),
                Some(v) => {
                    p.add(
                        format!("{cpath}.vocabulary"),
                        format!("no vocabulary `{v}` in reference.vocabularies"),
                    );
                    ColumnKind::Text
                }
                None => {
                    p.add(
                        format!("{cpath}.vocabulary"),
                        "a tags column needs `vocabulary`",
                    );
                    ColumnKind::Text
                }
            },
            other => {
                p.add(
                    format!("{cpath}.type"),
                    format!("`{other}` is not text, county, vocabulary, money, number, date, bool or tags"),
                );
                ColumnKind::Text
            }
        };
        let check = match c.check.as_deref() {
            None => None,
            Some("uscc") => {
                if kind != ColumnKind::Text {
                    p.add(
                        format!("{cpath}.check"),
                        "`uscc` applies to text columns only",
                    );
                }
                Some(Check::Uscc)
            }
            Some(other) => {
                p.add(
                    format!("{cpath}.check"),
                    format!("`{other}` is not \"uscc\""),
                );
                None
            }
        };
        let filled_from_another = rr
            .columns
            .iter()
            .any(|o| o.text_column.as_deref() == Some(c.name.as_str()));
        if c.spellings.is_empty() && !filled_from_another {
            p.add(
                format!("{cpath}.spellings"),
                "at least one header spelling is needed",
            );
        }
        for s in &c.spellings {
            let key = crate::text::header_label(s);
            if let Some(&other) = spellings.get(&key) {
                if other != i {
                    p.add(
                        format!("{cpath}.spellings"),
                        format!(
                            "spelling `{s}` is also a spelling of `{}`",
                            rr.columns[other].name
                        ),
                    );
                }
            } else {
                spellings.insert(key, i);
            }
        }
        columns.push(Column {
            name: c.name.clone(),
            label: c
                .label
                .clone()
                .or_else(|| c.spellings.first().cloned())
                .unwrap_or_else(|| c.name.clone()),
            kind,
            required: c.required,
            default_from_filer: c.default_from_filer,
            derive_from_dates: Vec::new(),
            not_after_period: c.not_after_period,
            max: c.max,
            check,
            strict: c.strict,
            text_column: None,
            spellings: c.spellings.clone(),
            place_column: None,
        });
    }
    let index = |p: &mut Problems, key: &str, name: &str| -> usize {
        match rr.columns.iter().position(|c| c.name == name) {
            Some(i) => i,
            None => {
                p.add(format!("{path}.{key}"), format!("no column `{name}`"));
                0
            }
        }
    };
    for (i, c) in rr.columns.iter().enumerate() {
        let derived: Vec<usize> = c
            .derive_from_dates
            .iter()
            .map(|d| index(p, &format!("columns[{i}].derive_from_dates"), d))
            .collect();
        if !derived.is_empty() {
            if let ColumnKind::Vocabulary(v) = &columns[i].kind {
                if vocabularies.get(v).map(|v| v.values.len()) != Some(derived.len()) {
                    p.add(
                        format!("{path}.columns[{i}].derive_from_dates"),
                        "needs one date column per vocabulary value, in order",
                    );
                }
            }
        }
        columns[i].derive_from_dates = derived;
        if let Some(t) = &c.text_column {
            let ti = index(p, &format!("columns[{i}].text_column"), t);
            if !matches!(columns[i].kind, ColumnKind::Vocabulary(_)) {
                p.add(
                    format!("{path}.columns[{i}].text_column"),
                    "only a vocabulary column keeps its text in another column",
                );
            } else if columns[ti].kind != ColumnKind::Text || !rr.columns[ti].spellings.is_empty() {
                p.add(
                    format!("{path}.columns[{i}].text_column"),
                    format!("`{t}` must be a text column without spellings of its own"),
                );
            }
            columns[i].text_column = Some(ti);
        }
        if let Some(name) = &c.place_column {
            let key = format!("columns[{i}].place_column");
            let t = index(p, &key, name);
            if columns[i].kind != ColumnKind::County {
                p.add(
                    format!("{path}.{key}"),
                    "`place_column` applies to county columns only",
                );
            } else if rr.columns.iter().any(|o| &o.name == name) {
                if columns[t].kind != ColumnKind::Text || t == i {
                    p.add(
                        format!("{path}.{key}"),
                        format!("column `{name}` must be another column of type text"),
                    );
                } else {
                    columns[i].place_column = Some(t);
                }
            }
        }
    }
    if rr.identity.id.is_none() && rr.identity.fallback.is_empty() {
        p.add(format!("{path}.identity"), "give `id`, `fallback` or both");
    }
    let identity = Identity {
        id: rr
            .identity
            .id
            .as_ref()
            .map(|id| index(p, "identity.id", id)),
        fallback: rr
            .identity
            .fallback
            .iter()
            .map(|f| index(p, "identity.fallback", f))
            .collect(),
        per_filer: rr.identity.per_filer,
        optional: rr
            .identity
            .optional
            .iter()
            .map(|f| index(p, "identity.optional", f))
            .collect(),
    };
    let recognise_any = rr
        .recognise_any
        .iter()
        .map(|f| index(p, "recognise_any", f))
        .collect();
    let ignored_headers = rr
        .ignored_headers
        .iter()
        .map(|h| crate::text::header_label(h))
        .collect();
    let index_headers = rr
        .index_headers
        .iter()
        .map(|h| crate::text::header_label(h))
        .collect();
    let rhythm = match rr.rhythm.as_deref() {
        None | Some("monthly") => Rhythm::Monthly,
        Some("quarterly") => Rhythm::Quarterly,
        Some("annual") => Rhythm::Annual,
        Some(other) => {
            p.add(
                format!("{path}.rhythm"),
                format!("`{other}` is not \"monthly\", \"quarterly\" or \"annual\""),
            );
            Rhythm::Monthly
        }
    };
    ReturnType {
        id: id.to_string(),
        name: rr.name.clone(),
        table: rr.table.clone(),
        identity,
        merge_columns: rr.merge_columns,
        owed_by: Vec::new(),
        rhythm,
        correction_marks: marks(&rr.correction_marks),
        supplement_marks: marks(&rr.supplement_marks),
        ignored_headers,
        index_headers,
        recognise_any,
        columns,
        spellings,
    }
}

#[cfg(test)]
mod tests {
    use crate::pipeline::{Pipeline, Rhythm};

    const INNOVATION: &str = include_str!("../../../pipelines/jiangmen-innovation-city.toml");

    #[test]
    fn each_return_declares_its_rhythm_and_monthly_is_the_default() {
        let ic = Pipeline::from_text("ic.toml", INNOVATION).expect("compiles");
        assert_eq!(
            ic.return_type("indicators").map(|r| r.rhythm),
            Some(Rhythm::Annual)
        );
        let jm = Pipeline::embedded_default().expect("compiles");
        assert!(jm.returns.iter().all(|r| r.rhythm == Rhythm::Monthly));
        let quarterly = INNOVATION.replace("rhythm = \"annual\"", "rhythm = \"quarterly\"");
        let q = Pipeline::from_text("ic.toml", &quarterly).expect("compiles");
        assert_eq!(
            q.return_type("indicators").map(|r| r.rhythm),
            Some(Rhythm::Quarterly)
        );
        let bad = INNOVATION.replace("rhythm = \"annual\"", "rhythm = \"yearly\"");
        let err = format!(
            "{:?}",
            Pipeline::from_text("ic.toml", &bad).expect_err("refused")
        );
        assert!(err.contains("returns.indicators.rhythm"), "{err}");
        assert!(err.contains("`yearly`"), "{err}");
    }

    #[test]
    fn correction_marks_are_declared_per_return() {
        let jm = Pipeline::embedded_default().expect("compiles");
        let ledger = jm.return_type("project_ledger").expect("a ledger");
        assert!(ledger.correction_marks.iter().any(|m| m == "更正"));
        assert!(ledger.supplement_marks.iter().any(|m| m == "补充"));
    }
}
