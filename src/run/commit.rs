//! Staging and commit: a run writes every output under `<out>/.staging-<pid>/` and then
//! renames each file into place (dataset first, each period's metrics.json last), so a run
//! killed at any moment leaves every output file either as it was or complete.

use crate::error::OutputError;
use std::path::{Path, PathBuf};

pub struct Staging {
    pub root: PathBuf,
    out: PathBuf,
}

impl Staging {
    /// Removes staging folders left by killed runs (the caller holds the lock) and makes a new one.
    pub fn begin(out: &Path) -> Result<Staging, OutputError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| OutputError::Io { path, source }
        };
        fs_err::create_dir_all(out).map_err(io(out))?;
        if let Ok(entries) = std::fs::read_dir(out) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with(".staging-") {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let root = out.join(format!(".staging-{}", std::process::id()));
        fs_err::create_dir_all(&root).map_err(io(&root))?;
        Ok(Staging {
            root,
            out: out.to_path_buf(),
        })
    }

    /// Moves every staged file into place and removes the staging folder.
    pub fn commit(self) -> Result<(), OutputError> {
        let mut files = Vec::new();
        collect(&self.root, &mut files).map_err(|source| OutputError::Io {
            path: self.root.clone(),
            source,
        })?;
        // Dataset first, then reports; within a report folder metrics.json last, so that a
        // reader who sees the new metrics.json also sees everything it refers to.
        files.sort_by_key(|p| {
            let rel = p.strip_prefix(&self.root).unwrap_or(p).to_path_buf();
            let is_reports = rel.starts_with("reports");
            let is_metrics = rel
                .file_name()
                .map(|n| n == "metrics.json")
                .unwrap_or(false);
            (is_reports, is_metrics, rel)
        });
        for f in files {
            let rel = f.strip_prefix(&self.root).unwrap_or(&f);
            let target = self.out.join(rel);
            if let Some(parent) = target.parent() {
                fs_err::create_dir_all(parent).map_err(|source| OutputError::Io {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            fs_err::rename(&f, &target).map_err(|source| OutputError::Io {
                path: target.clone(),
                source,
            })?;
        }
        let _ = std::fs::remove_dir_all(&self.root);
        Ok(())
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let p = e.path();
        if p.is_dir() {
            collect(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}
