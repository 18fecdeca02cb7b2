//! Volume returns for the cost benchmark (`zhaoshang synth --style bulk --rows N`): one month
//! of project ledgers, one CSV per county, N rows in all — every row accepted, or (with
//! `--rejected`) every row rejected for an amount no one can read (`待定`), which is what makes
//! a run write one located issue per row. The figures are simple on purpose: each accepted row
//! is 1.5 亿元 of manufacturing in the first key chain, so the expected city total is 1.5 × N.

use super::SynthReference;
use std::io::Write;
use std::path::Path;

/// Writes the month `<out>/<year>-01/`; returns the files written.
pub fn generate(
    reference: &SynthReference,
    year: i32,
    rows: u64,
    rejected: bool,
    out: &Path,
) -> std::io::Result<usize> {
    let month = out.join(format!("{year}-01"));
    fs_err::create_dir_all(&month)?;
    let label = |col: &str| -> String {
        reference
            .ledger_spellings
            .get(col)
            .and_then(|s| s.first())
            .cloned()
            .unwrap_or_else(|| col.to_string())
    };
    let columns = [
        "project_name",
        "investor",
        "chain",
        "sector",
        "planned_investment_yi",
        "signed_date",
    ];
    let header: Vec<String> = columns.iter().map(|c| label(c)).collect();
    let chain = reference
        .chains
        .first()
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let counties = reference.counties.len().max(1) as u64;
    for (k, county) in reference.counties.iter().enumerate() {
        let k = k as u64;
        // Rows spread over the counties; the first ones take the remainder.
        let n = rows / counties + u64::from(k < rows % counties);
        let path = month.join(format!("{}-项目台账.csv", county.name));
        let mut w = std::io::BufWriter::new(fs_err::File::create(&path)?);
        writeln!(w, "填报单位：{}", county.name)?;
        writeln!(w, "{}", header.join(","))?;
        for i in 0..n {
            let amount = if rejected { "待定" } else { "1.5" };
            writeln!(
                w,
                "{}批量项目{i},{}批量公司{i},{chain},{},{amount},{year}-01-05",
                county.name, county.name, reference.manufacturing_sector
            )?;
        }
        w.flush()?;
    }
    Ok(reference.counties.len())
}
