//! The parse cache: a file's normalised sheets, stored under `<out>/.cache/sheets/`, keyed by
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
        self.dir.join(format!("{}.json", hex_digest(&h.finalize())))
    }

    /// The cached sheets of a file whose content hashes to `sha256`, if any.
    pub fn get(&self, file: &InputFile, sha256: &str, pipeline_hash: &str) -> Option<CachedFile> {
        let bytes = std::fs::read(self.key(file, sha256, pipeline_hash)).ok()?;
        // A corrupt or outdated entry is a miss, never an error.
        serde_json::from_slice(&bytes).ok()
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
            serde_json::to_vec(entry).map_err(|source| crate::error::OutputError::Json {
                path: path.clone(),
                source,
            })?;
        crate::store::write_atomic(&path, &bytes)
    }
}
