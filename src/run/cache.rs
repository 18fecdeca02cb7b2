//! The parse cache: a file's normalised sheets, stored (postcard) under `<out>/.cache/sheets/`, keyed by
//! the file's sha256, its path and month (messages name them, dates are checked against the
//! month), the tool version and the pipeline's hash. A rerun re-reads only changed files.

use crate::ingest::InputFile;
use crate::normalise::SheetOutcome;
use crate::pipeline::hex_digest;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Serialize, Deserialize)]
pub struct CachedFile {
    pub sha256: String,
    pub bytes: u64,
    pub sheets: Vec<SheetOutcome>,
}

pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    pub fn new(out: &Path) -> Cache {
        Cache {
            dir: out.join(".cache").join("sheets"),
        }
    }

    fn key(&self, file: &InputFile, sha256: &str, pipeline_hash: &str) -> PathBuf {
        let mut h = Sha256::new();
        for part in [
            sha256,
            &file.rel,
            &file.period.to_string(),
            env!("CARGO_PKG_VERSION"),
            pipeline_hash,
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        self.dir.join(format!("{}.bin", hex_digest(&h.finalize())))
    }

    /// The cached sheets of a file whose content hashes to `sha256`, if any.
    pub fn get(&self, file: &InputFile, sha256: &str, pipeline_hash: &str) -> Option<CachedFile> {
        let bytes = std::fs::read(self.key(file, sha256, pipeline_hash)).ok()?;
        // A corrupt or outdated entry is a miss, never an error.
        postcard::from_bytes(&bytes).ok()
    }

    /// Stores a file's sheets. A failure to write the cache only costs speed next time, so it
    /// is reported by the caller as a warning.
    pub fn put(
        &self,
        file: &InputFile,
        pipeline_hash: &str,
        entry: &CachedFile,
    ) -> Result<(), crate::error::OutputError> {
        let path = self.key(file, &entry.sha256, pipeline_hash);
        let bytes =
            postcard::to_allocvec(entry).map_err(|source| crate::error::OutputError::Cache {
                path: path.clone(),
                source,
            })?;
        crate::store::write_atomic(&path, &bytes)
    }
}

/// Metric values of months that are not written in this run (for the cumulative chart), keyed
/// by every input of the month's year up to that month (path, month, sha256), the tool version
/// and the pipeline's hash: unchanged inputs give the same values.
pub struct HistoryCache {
    dir: PathBuf,
}

impl HistoryCache {
    pub fn new(out: &Path) -> HistoryCache {
        HistoryCache {
            dir: out.join(".cache").join("history"),
        }
    }

    pub fn key(
        &self,
        pipeline: &crate::pipeline::Pipeline,
        read: &[super::ReadFile],
        period: crate::period::Period,
    ) -> PathBuf {
        let mut h = Sha256::new();
        for part in [
            env!("CARGO_PKG_VERSION"),
            &pipeline.hash,
            &period.to_string(),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        let mut inputs: Vec<(&str, String, &str)> = read
            .iter()
            .filter(|r| r.file.period.year == period.year && r.file.period <= period)
            .map(|r| {
                (
                    r.file.rel.as_str(),
                    r.file.period.to_string(),
                    r.result
                        .as_ref()
                        .map(|(sha, _, _)| sha.as_str())
                        .unwrap_or("unreadable"),
                )
            })
            .collect();
        inputs.sort();
        for (rel, p, sha) in inputs {
            for part in [rel, &p, sha] {
                h.update(part.as_bytes());
                h.update([0]);
            }
        }
        self.dir.join(format!("{}.json", hex_digest(&h.finalize())))
    }

    pub fn get(&self, key: &Path) -> Option<Vec<crate::assess::MetricValue>> {
        serde_json::from_slice(&std::fs::read(key).ok()?).ok()
    }

    pub fn put(
        &self,
        key: &Path,
        metrics: &[crate::assess::MetricValue],
    ) -> Result<(), crate::error::OutputError> {
        let bytes =
            serde_json::to_vec(metrics).map_err(|source| crate::error::OutputError::Json {
                path: key.to_path_buf(),
                source,
            })?;
        crate::store::write_atomic(key, &bytes)
    }
}
