//! The floor of a run's cost (issue 10): every cell of every spreadsheet under a folder read
//! with calamine on N threads (rayon), and every field of every CSV with the csv crate —
//! nothing else: no header search, no normalising, no output. A full `zhaoshang run` cannot be
//! faster than this on the same files and threads; `.ci/bench-floor` compares the two.
//!
//! ```sh
//! cargo bench --bench floor -- DIR [--threads N]
//! ```
//!
//! Prints `floor: N files, M cells, T s on J threads`. Cells are the non-empty cells of every
//! sheet's range (`worksheet_range`, every sheet) and the non-empty fields of every CSV record.
//! T is the wall time of the parallel read alone (listing the folder is not counted; it is a
//! few milliseconds). A file that cannot be read is named on stderr and the exit status is 1.
//!
//! Files read: `*.xlsx`, `*.xlsm`, `*.xlsb`, `*.xls`, `*.ods`, `*.csv` at any depth, not Office
//! lock files (`~$…`) — the endings `zhaoshang run` reads.
//!
//! A `[[bench]]` with `harness = false` (see Cargo.toml), so that it is built with the release
//! profile by `cargo bench`, is not part of the product's binaries, and needs no new top-level
//! folder; it lives under `tests/bench/`, where cargo does not take it for an integration test.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::Instant;

use calamine::Reader;
use rayon::prelude::*;

const ENDINGS: [&str; 6] = ["xlsx", "xlsm", "xlsb", "xls", "ods", "csv"];

fn main() {
    let mut dir: Option<PathBuf> = None;
    let mut threads: Option<usize> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--threads" | "-j" => {
                threads = args.next().and_then(|n| n.parse().ok());
                if threads.is_none() {
                    usage("--threads needs a number");
                }
            }
            // `cargo bench` passes `--bench` to every bench binary.
            "--bench" => {}
            _ if a.starts_with('-') => usage(&format!("unknown option {a}")),
            _ if dir.is_none() => dir = Some(PathBuf::from(a)),
            _ => usage("one folder only"),
        }
    }
    let Some(dir) = dir else {
        usage("no folder given")
    };
    let threads = threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .expect("thread pool");

    let mut files = Vec::new();
    list(&dir, &mut files);
    files.sort();

    let t = Instant::now();
    let counts: Vec<Result<u64, String>> =
        pool.install(|| files.par_iter().map(|f| read_all(f)).collect());
    let secs = t.elapsed().as_secs_f64();

    let mut cells = 0u64;
    let mut failed = 0usize;
    for (f, c) in files.iter().zip(&counts) {
        match c {
            Ok(n) => cells += n,
            Err(e) => {
                failed += 1;
                eprintln!("floor: cannot read {}: {e}", f.display());
            }
        }
    }
    println!(
        "floor: {} files, {cells} cells, {secs:.3} s on {threads} threads",
        files.len()
    );
    if failed > 0 {
        eprintln!("floor: {failed} file(s) could not be read");
        std::process::exit(1);
    }
}

fn usage(problem: &str) -> ! {
    eprintln!("floor: {problem}\nusage: cargo bench --bench floor -- DIR [--threads N]");
    std::process::exit(2)
}

/// Every file under `dir` with a spreadsheet or CSV ending, at any depth.
fn list(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("floor: cannot list {}: {e}", dir.display());
            std::process::exit(2);
        }
    };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            list(&p, out);
        } else if kind.is_file() && ending(&p).is_some() {
            out.push(p);
        }
    }
}

fn ending(p: &Path) -> Option<String> {
    let name = p.file_name()?.to_string_lossy();
    if name.starts_with("~$") {
        return None;
    }
    let ext = p.extension()?.to_string_lossy().to_lowercase();
    ENDINGS.contains(&ext.as_str()).then_some(ext)
}

/// Reads every cell of one file; returns the number of non-empty cells.
fn read_all(path: &Path) -> Result<u64, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    if ending(path).as_deref() == Some("csv") {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes.as_slice());
        let mut record = csv::ByteRecord::new();
        let mut n = 0u64;
        while reader
            .read_byte_record(&mut record)
            .map_err(|e| e.to_string())?
        {
            n += record.iter().filter(|f| !f.is_empty()).count() as u64;
        }
        return Ok(n);
    }
    let mut wb =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut n = 0u64;
    for name in wb.sheet_names() {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| format!("{name}: {e}"))?;
        n += range.used_cells().count() as u64;
    }
    Ok(n)
}
