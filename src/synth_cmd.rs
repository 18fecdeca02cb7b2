//! The `synth` command: builds the generator's reference lists from a pipeline file, so the
//! generator itself knows no city, county or spelling.

use crate::cli::SynthArgs;
use crate::pipeline::{CmpOp, Condition, Pipeline};
use crate::synth::indicators::{IndicatorsReference, SynthIndicator};
use crate::synth::registers::RegistersReference;
use crate::synth::{NamedWithAliases, SynthOptions, SynthReference};
use anyhow::{anyhow, Context};

/// The generator's reference data, from the pipeline's `[synth]` section and reference lists.
pub fn reference(p: &Pipeline) -> anyhow::Result<SynthReference> {
    let s = p
        .synth
        .as_ref()
        .ok_or_else(|| anyhow!("pipeline `{}` has no [synth] section", p.source))?;
    let key = |v: &Option<String>, name: &str| {
        v.clone().ok_or_else(|| anyhow!("[synth] has no `{name}`"))
    };
    let (ledger_return, talent_return) = (
        key(&s.ledger_return, "ledger_return")?,
        key(&s.talent_return, "talent_return")?,
    );
    let manufacturing_filter = key(&s.manufacturing_filter, "manufacturing_filter")?;
    let big_filter = key(&s.big_filter, "big_filter")?;
    let ledger = p
        .return_type(&ledger_return)
        .ok_or_else(|| anyhow!("no return `{ledger_return}`"))?;
    let talent = p
        .return_type(&talent_return)
        .ok_or_else(|| anyhow!("no return `{talent_return}`"))?;
    let vocab_of = |col: &str| {
        ledger
            .columns
            .iter()
            .find(|c| c.name == col)
            .and_then(|c| p.vocabulary(&c.kind))
            .ok_or_else(|| anyhow!("ledger has no coded column `{col}`"))
    };
    let chains = vocab_of("chain")?;
    let sectors = vocab_of("sector")?;
    let stages = vocab_of("stage")?;
    let mfg = p
        .filters
        .get(&manufacturing_filter)
        .into_iter()
        .flatten()
        .find_map(|c| match c {
            Condition::Eq(col, v) if col == "sector" => Some(v.clone()),
            _ => None,
        });
    let big = p
        .filters
        .get(&big_filter)
        .into_iter()
        .flatten()
        .find_map(|c| match c {
            Condition::Cmp(_, CmpOp::Ge, v) => Some(*v),
            _ => None,
        });
    let spellings = |rt: &crate::pipeline::ReturnType| {
        rt.columns
            .iter()
            .map(|c| (c.name.clone(), c.spellings.clone()))
            .collect()
    };
    Ok(SynthReference {
        city: p.city.clone(),
        counties: p
            .counties
            .iter()
            .map(|c| NamedWithAliases {
                name: c.clone(),
                aliases: p.filer_aliases(c).into_iter().filter(|a| a != c).collect(),
            })
            .collect(),
        ledger_bureau: key(&s.ledger_bureau, "ledger_bureau")?,
        talent_bureau: key(&s.talent_bureau, "talent_bureau")?,
        housing_bureau: key(&s.housing_bureau, "housing_bureau")?,
        chains: named(chains),
        non_key_chain_words: chains
            .none_words()
            .into_iter()
            .filter(|w| w.chars().count() > 1)
            .collect(),
        sectors: sectors.values.clone(),
        manufacturing_sector: mfg.ok_or_else(|| {
            anyhow!(
                "filter `{}` has no `sector eq` condition",
                manufacturing_filter
            )
        })?,
        stages: named(stages),
        ledger_spellings: spellings(ledger),
        talent_spellings: spellings(talent),
        big_project_threshold_yi: big
            .ok_or_else(|| anyhow!("filter `{big_filter}` has no `ge` condition"))?,
    })
}

/// The register generator's reference data (`[synth] kind = "registers"`).
pub fn registers_reference(p: &Pipeline) -> anyhow::Result<RegistersReference> {
    let s = p
        .synth
        .as_ref()
        .ok_or_else(|| anyhow!("pipeline `{}` has no [synth] section", p.source))?;
    let key = |v: &Option<String>, name: &str| {
        v.clone().ok_or_else(|| anyhow!("[synth] has no `{name}`"))
    };
    let ev = key(&s.event_return, "event_return")?;
    let en = key(&s.enterprise_return, "enterprise_return")?;
    let ev = p
        .return_type(&ev)
        .ok_or_else(|| anyhow!("no return `{ev}`"))?;
    let en = p
        .return_type(&en)
        .ok_or_else(|| anyhow!("no return `{en}`"))?;
    let vocab_of = |rt: &crate::pipeline::ReturnType, col: &str| {
        rt.columns
            .iter()
            .find(|c| c.name == col)
            .and_then(|c| p.vocabulary(&c.kind))
            .map(named)
            .ok_or_else(|| anyhow!("return `{}` has no coded column `{col}`", rt.id))
    };
    let spellings = |rt: &crate::pipeline::ReturnType| {
        rt.columns
            .iter()
            .map(|c| (c.name.clone(), c.spellings.clone()))
            .collect()
    };
    let filer = |name: &str| NamedWithAliases {
        name: name.to_string(),
        aliases: p
            .filer_aliases(name)
            .into_iter()
            .filter(|a| a != name)
            .collect(),
    };
    let bureau = key(&s.bureau, "bureau")?;
    Ok(RegistersReference {
        city: p.city.clone(),
        units: p.counties.iter().map(|c| filer(c)).collect(),
        bureau: filer(&bureau),
        event_spellings: spellings(ev),
        enterprise_spellings: spellings(en),
        event_title: ev.name.clone(),
        enterprise_title: en.name.clone(),
        organisers: vocab_of(ev, "organiser")?,
        event_kinds: vocab_of(ev, "event_kind")?,
        tags: vocab_of(en, "tags")?,
        events_metric: key(&s.events_metric, "events_metric")?,
        enterprises_metric: key(&s.enterprises_metric, "enterprises_metric")?,
        in_park_metric: key(&s.in_park_metric, "in_park_metric")?,
        in_incubator_metric: key(&s.in_incubator_metric, "in_incubator_metric")?,
    })
}

/// The indicator generator's reference data (`[synth] kind = "indicators"`).
pub fn indicators_reference(p: &Pipeline) -> anyhow::Result<IndicatorsReference> {
    let sc = p
        .scorecard
        .as_ref()
        .ok_or_else(|| anyhow!("pipeline `{}` has no [scorecard]", p.source))?;
    let rt = p
        .return_type(&sc.return_id)
        .ok_or_else(|| anyhow!("no return `{}`", sc.return_id))?;
    let named_of = |v: &crate::pipeline::Vocabulary, i: usize| NamedWithAliases {
        name: v.values[i].clone(),
        aliases: v
            .aliases(i)
            .into_iter()
            .filter(|a| *a != crate::text::compact(&v.values[i]))
            .collect(),
    };
    let part_vocab = rt
        .column_index("part")
        .and_then(|c| p.vocabulary(&rt.columns[c].kind));
    let ratings = match sc
        .rating_vocabulary
        .as_ref()
        .and_then(|v| p.vocabularies.get(v))
    {
        Some(v) => (0..v.values.len()).map(|i| named_of(v, i)).collect(),
        None => Vec::new(),
    };
    let indicators = sc
        .indicators
        .iter()
        .map(|i| SynthIndicator {
            key: i.key(),
            no: i.no,
            name: i.name.clone(),
            group: i.group.clone(),
            unit: i.unit.clone(),
            part: i.part.as_ref().map(|part| {
                match part_vocab.and_then(|v| v.index_of(part).map(|k| named_of(v, k))) {
                    Some(n) => n,
                    None => NamedWithAliases {
                        name: part.clone(),
                        aliases: Vec::new(),
                    },
                }
            }),
            base: i.base,
            target: match i.goal {
                crate::pipeline::Goal::Number(t) => Some(t),
                crate::pipeline::Goal::Rating(_) => None,
            },
            target_rating: match i.goal {
                crate::pipeline::Goal::Number(_) => None,
                crate::pipeline::Goal::Rating(k) => Some(k),
            },
            national: i.national,
            monitors: i.monitors.clone(),
            counts_from: i.counts_from.clone(),
        })
        .collect();
    Ok(IndicatorsReference {
        city: p.city.clone(),
        title: rt.name.clone(),
        spellings: rt
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.spellings.clone()))
            .collect(),
        ignored_headers: rt.ignored_headers.iter().cloned().collect(),
        units: sc
            .monitors
            .iter()
            .map(|m| NamedWithAliases {
                name: m.clone(),
                aliases: p.filer_aliases(m).into_iter().filter(|a| a != m).collect(),
            })
            .collect(),
        indicators,
        ratings,
        base_year: sc.base_year,
        target_year: sc.target_year,
    })
}

pub fn run(args: SynthArgs) -> anyhow::Result<i32> {
    let pipeline = match &args.pipeline {
        Some(p) => Pipeline::load(p)?,
        None => Pipeline::embedded_default()?,
    };
    // The roles of the generated returns: `--roles FILE`, else the committed roles file of the
    // pipeline's id.
    let pipeline = match &args.roles {
        Some(path) => {
            let text = fs_err::read_to_string(path)?;
            pipeline.with_roles(&path.display().to_string(), &text)?
        }
        None => match pipeline.embedded_roles() {
            Some((source, text)) => pipeline.with_roles(&source, text)?,
            None => anyhow::bail!(
                "no roles for pipeline `{}` (id `{}`): pass --roles FILE (a TOML file with a [synth] table, as fixtures/synth/*.toml)",
                pipeline.source,
                pipeline.id
            ),
        },
    };
    let kind = pipeline
        .synth
        .as_ref()
        .and_then(|s| s.kind.as_deref())
        .unwrap_or("ledger");
    if kind != "ledger" && args.style != crate::cli::SynthStyleArg::Plain {
        anyhow::bail!(
            "`--style clerk` writes project ledgers; pipeline `{}` generates {kind} returns",
            pipeline.source
        );
    }
    if kind == "indicators" {
        let reference = indicators_reference(&pipeline)?;
        let (files, rows) =
            crate::synth::indicators::generate(&reference, args.year, args.seed, &args.out)
                .with_context(|| {
                    format!("Failed to generate returns into `{}`", args.out.display())
                })?;
        println!(
            "wrote {files} files ({rows} indicator rows, years {}–{}) into {}; expected figures in {}",
            reference.base_year + 1,
            args.year,
            args.out.display(),
            args.out.join("expected.json").display()
        );
        return Ok(0);
    }
    if kind == "registers" {
        let reference = registers_reference(&pipeline)?;
        let (files, enterprises) = crate::synth::registers::generate(
            &reference,
            args.year,
            args.months,
            args.seed,
            &args.out,
        )
        .with_context(|| format!("Failed to generate returns into `{}`", args.out.display()))?;
        println!(
            "wrote {files} files ({enterprises} enterprises) into {}; expected figures in {}",
            args.out.display(),
            args.out.join("expected.json").display()
        );
        return Ok(0);
    }
    let reference = reference(&pipeline)?;
    let style = match args.style {
        crate::cli::SynthStyleArg::Plain => crate::synth::SynthStyle::Plain,
        crate::cli::SynthStyleArg::Clerk => crate::synth::SynthStyle::Clerk,
        crate::cli::SynthStyleArg::Bulk => return bulk(&reference, &args),
    };
    let opts = SynthOptions {
        year: args.year,
        months: args.months,
        scale: args.scale,
        seed: args.seed,
        style,
    };
    let summary = crate::synth::generate(&reference, &opts, &args.out)
        .with_context(|| format!("Failed to generate returns into `{}`", args.out.display()))?;
    println!(
        "wrote {} files ({} projects) into {}; expected figures in {}",
        summary.files_written,
        summary.projects,
        args.out.display(),
        summary.expected_path.display()
    );
    Ok(0)
}

/// `--style bulk`: one month of `--rows` rows for the cost benchmark.
fn bulk(reference: &SynthReference, args: &SynthArgs) -> anyhow::Result<i32> {
    let files =
        crate::synth::bulk::generate(reference, args.year, args.rows, args.rejected, &args.out)
            .with_context(|| format!("Failed to generate returns into `{}`", args.out.display()))?;
    println!(
        "wrote {files} files ({} {} rows, {}-01) into {}",
        args.rows,
        if args.rejected {
            "rejected"
        } else {
            "accepted"
        },
        args.year,
        args.out.display()
    );
    Ok(0)
}

/// A vocabulary's values with their other accepted spellings.
fn named(v: &crate::pipeline::Vocabulary) -> Vec<NamedWithAliases> {
    v.values
        .iter()
        .enumerate()
        .map(|(i, n)| NamedWithAliases {
            name: n.clone(),
            aliases: v.aliases(i).into_iter().filter(|a| a != n).collect(),
        })
        .collect()
}
