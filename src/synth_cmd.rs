//! The `synth` command: builds the generator's reference lists from a pipeline file.

use crate::cli::SynthArgs;

pub fn run(args: SynthArgs) -> anyhow::Result<i32> {
    let _ = args;
    anyhow::bail!("synth is not wired yet")
}
