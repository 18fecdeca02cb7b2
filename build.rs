//! Exports `ZHAOSHANG_BUILD_ID`: a sha256 over the code the binary is built from, so that the
//! parse and history caches (`src/run/cache.rs`) are keyed on the reading code itself and a
//! rebuilt binary never reuses what older code parsed. Hashed, in this order: every file under
//! `src/` (its path relative to the crate, then its bytes, in sorted path order), `Cargo.toml`,
//! `Cargo.lock` and this file. Cargo reruns the script whenever one of them changes. (The
//! pipeline file, embedded or not, is part of every cache key through its own hash.)

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mut files = Vec::new();
    files_under(&root.join("src"), &mut files);
    // Paths relative to the crate with `/` separators: the id does not depend on where the
    // checkout lies or on the platform.
    let rel = |p: &Path| {
        p.strip_prefix(&root)
            .unwrap_or(p)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut named: Vec<(String, PathBuf)> = files.into_iter().map(|p| (rel(&p), p)).collect();
    named.sort();
    for extra in ["Cargo.toml", "Cargo.lock", "build.rs"] {
        named.push((extra.to_string(), root.join(extra)));
    }
    let mut h = Sha256::new();
    for (name, path) in &named {
        let bytes = std::fs::read(path).unwrap_or_default();
        h.update(name.as_bytes());
        h.update([0]);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    let id: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    println!("cargo:rustc-env=ZHAOSHANG_BUILD_ID={id}");
    println!("cargo:rerun-if-changed=src");
    for extra in ["Cargo.toml", "Cargo.lock", "build.rs"] {
        println!("cargo:rerun-if-changed={extra}");
    }
}
