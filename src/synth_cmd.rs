//! The `synth` command: builds the generator's reference lists from a pipeline file, so the
//! generator itself knows no city, county or spelling.

use crate::cli::SynthArgs;
use crate::pipeline::{CmpOp, Condition, Pipeline};
use crate::synth::{NamedWithAliases, SynthOptions, SynthReference};
use anyhow::{anyhow, Context};

/// The generator's reference data, from the pipeline's `[synth]` section and reference lists.
pub fn reference(p: &Pipeline) -> anyhow::Result<SynthReference> {
    let s = p
        .synth
        .as_ref()
        .ok_or_else(|| anyhow!("pipeline `{}` has no [synth] section", p.source))?;
    let ledger = p
        .return_type(&s.ledger_return)
        .ok_or_else(|| anyhow!("no return `{}`", s.ledger_return))?;
    let talent = p
        .return_type(&s.talent_return)
        .ok_or_else(|| anyhow!("no return `{}`", s.talent_return))?;
    let vocab_of = |col: &str| {
        ledger
            .columns
            .iter()
            .find(|c| c.name == col)
            .and_then(|c| p.vocabulary(&c.kind))
            .ok_or_else(|| anyhow!("ledger has no coded column `{col}`"))
    };
    let named = |v: &crate::pipeline::Vocabulary| -> Vec<NamedWithAliases> {
        v.values
            .iter()
            .enumerate()
            .map(|(i, n)| NamedWithAliases {
                name: n.clone(),
                aliases: v.aliases(i).into_iter().filter(|a| a != n).collect(),
            })
            .collect()
    };
    let chains = vocab_of("chain")?;
    let sectors = vocab_of("sector")?;
    let stages = vocab_of("stage")?;
    let mfg = p
        .filters
        .get(&s.manufacturing_filter)
        .into_iter()
        .flatten()
        .find_map(|c| match c {
            Condition::Eq(col, v) if col == "sector" => Some(v.clone()),
            _ => None,
        });
    let big = p
        .filters
        .get(&s.big_filter)
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
        ledger_bureau: s.ledger_bureau.clone(),
        talent_bureau: s.talent_bureau.clone(),
        housing_bureau: s.housing_bureau.clone(),
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
                s.manufacturing_filter
            )
        })?,
        stages: named(stages),
        ledger_spellings: spellings(ledger),
        talent_spellings: spellings(talent),
        big_project_threshold_yi: big
            .ok_or_else(|| anyhow!("filter `{}` has no `ge` condition", s.big_filter))?,
    })
}

pub fn run(args: SynthArgs) -> anyhow::Result<i32> {
    let pipeline = match &args.pipeline {
        Some(p) => Pipeline::load(p)?,
        None => Pipeline::embedded_default()?,
    };
    let reference = reference(&pipeline)?;
    let opts = SynthOptions {
        year: args.year,
        months: args.months,
        scale: args.scale,
        seed: args.seed,
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
