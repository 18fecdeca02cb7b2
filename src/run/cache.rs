//! The parse cache: a file's normalised sheets, stored (postcard) under `<out>/.cache/sheets/`, keyed by
//! the file's sha256, its path and month (messages name them, dates are checked against the
//! month), the build identity of the code ([`BUILD_ID`]) and the pipeline's hash. A rerun
//! re-reads only changed files; a binary built from other code never reuses a parse.

use crate::ingest::InputFile;
use crate::normalise::SheetOutcome;
use crate::pipeline::hex_digest;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The identity of the code this binary was built from: `build.rs` hashes every file under
/// `src/` (paths and bytes, in path order), `Cargo.toml`, `Cargo.lock` and itself. Any change to
/// the reading code or a dependency gives another id, so caches
/// written by another build are never read (the package version alone does not change with
/// every fix).
pub const BUILD_ID: &str = env!("ZHAOSHANG_BUILD_ID");

#[derive(Serialize, Deserialize)]
pub struct CachedFile {
    pub sha256: String,
    pub bytes: u64,
    pub sheets: Vec<SheetOutcome>,
}

/// A [`CachedFile`] by reference: the same postcard bytes, without copying the sheets.
#[derive(Serialize)]
struct CachedFileRef<'a> {
    sha256: &'a str,
    bytes: u64,
    sheets: &'a [SheetOutcome],
}

impl CachedFile {
    /// The entry's bytes for a file's sheets: what the cache stores, and what a reading worker
    /// sends, so that the run stores a worker's answer as it came.
    pub fn encode(
        sha256: &str,
        bytes: u64,
        sheets: &[SheetOutcome],
    ) -> Result<Vec<u8>, postcard::Error> {
        postcard::to_allocvec(&CachedFileRef {
            sha256,
            bytes,
            sheets,
        })
    }

    /// The entry [`CachedFile::encode`] gave these bytes for.
    pub fn decode(bytes: &[u8]) -> Result<CachedFile, postcard::Error> {
        postcard::from_bytes(bytes)
    }
}

pub struct Cache {
    dir: PathBuf,
    build: String,
}

impl Cache {
    /// The parse cache of this build under `<out>/.cache/sheets/`.
    pub fn new(out: &Path) -> Cache {
        Cache::for_build(out, BUILD_ID)
    }

    /// The parse cache as a build with id `build` reads and writes it.
    pub fn for_build(out: &Path, build: &str) -> Cache {
        Cache {
            dir: out.join(".cache").join("sheets"),
            build: build.to_string(),
        }
    }

    /// The entry's path for a file whose content hashes to `sha256`.
    pub fn key(&self, file: &InputFile, sha256: &str, pipeline_hash: &str) -> PathBuf {
        let mut h = Sha256::new();
        for part in [
            sha256,
            &file.rel,
            &file.period.to_string(),
            &self.build,
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
        CachedFile::decode(&bytes).ok()
    }

    /// Stores a file's sheets. A failure to write the cache only costs speed next time, so it
    /// is reported by the caller as a warning.
    pub fn put(
        &self,
        file: &InputFile,
        pipeline_hash: &str,
        sha256: &str,
        bytes: u64,
        sheets: &[SheetOutcome],
    ) -> Result<(), crate::error::OutputError> {
        let encoded = CachedFile::encode(sha256, bytes, sheets).map_err(|source| {
            crate::error::OutputError::Cache {
                path: self.key(file, sha256, pipeline_hash),
                source,
            }
        })?;
        self.put_encoded(file, pipeline_hash, sha256, &encoded)
    }

    /// Stores an entry already encoded by [`CachedFile::encode`] (a reading worker's answer)
    /// for a file whose content hashes to `sha256`.
    pub fn put_encoded(
        &self,
        file: &InputFile,
        pipeline_hash: &str,
        sha256: &str,
        encoded: &[u8],
    ) -> Result<(), crate::error::OutputError> {
        crate::store::write_atomic(&self.key(file, sha256, pipeline_hash), encoded)
    }
}

/// Metric values of months that are not written in this run (for the cumulative chart), keyed
/// by every input of the month's year up to that month (path, month, sha256), the build
/// identity ([`BUILD_ID`]) and the pipeline's hash: unchanged inputs give the same values.
pub struct HistoryCache {
    dir: PathBuf,
    build: String,
}

impl HistoryCache {
    pub fn new(out: &Path) -> HistoryCache {
        HistoryCache::for_build(out, BUILD_ID)
    }

    /// The history cache as a build with id `build` reads and writes it.
    pub fn for_build(out: &Path, build: &str) -> HistoryCache {
        HistoryCache {
            dir: out.join(".cache").join("history"),
            build: build.to_string(),
        }
    }

    pub fn key(
        &self,
        pipeline: &crate::pipeline::Pipeline,
        read: &[super::ReadFile],
        period: crate::period::Period,
    ) -> PathBuf {
        let inputs: Vec<(&str, String, &str)> = read
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
        self.key_of(&pipeline.hash, period, inputs)
    }

    /// The entry's path for `period` of a pipeline whose inputs of the year up to the period
    /// are (path, month, sha256).
    pub fn key_of(
        &self,
        pipeline_hash: &str,
        period: crate::period::Period,
        mut inputs: Vec<(&str, String, &str)>,
    ) -> PathBuf {
        let mut h = Sha256::new();
        for part in [self.build.as_str(), pipeline_hash, &period.to_string()] {
            h.update(part.as_bytes());
            h.update([0]);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::Period;

    #[test]
    fn two_builds_never_share_a_cache_entry() {
        let out = Path::new("out");
        let period = Period::new(2025, 7).expect("a month");
        let file = InputFile {
            path: PathBuf::from("in/2025-07/蓬江区.xlsx"),
            rel: "2025-07/蓬江区.xlsx".into(),
            period,
        };
        let a = Cache::for_build(out, "build-a");
        let b = Cache::for_build(out, "build-b");
        assert_ne!(
            a.key(&file, "sha", "pipeline"),
            b.key(&file, "sha", "pipeline")
        );
        assert_eq!(
            a.key(&file, "sha", "pipeline"),
            Cache::for_build(out, "build-a").key(&file, "sha", "pipeline"),
            "the same build finds its own entry"
        );
        let inputs = || vec![("2025-07/蓬江区.xlsx", "2025-07".to_string(), "sha")];
        let ha = HistoryCache::for_build(out, "build-a");
        let hb = HistoryCache::for_build(out, "build-b");
        assert_ne!(
            ha.key_of("pipeline", period, inputs()),
            hb.key_of("pipeline", period, inputs())
        );
        assert_eq!(
            ha.key_of("pipeline", period, inputs()),
            HistoryCache::for_build(out, "build-a").key_of("pipeline", period, inputs())
        );
    }

    #[test]
    fn an_entry_stored_as_a_worker_encoded_it_reads_back_like_one_stored_from_the_sheets() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let file = InputFile {
            path: PathBuf::from("in/2025-07/蓬江区.xlsx"),
            rel: "2025-07/蓬江区.xlsx".into(),
            period: Period::new(2025, 7).expect("a month"),
        };
        let mut sheet = SheetOutcome::empty(&file, "项目表");
        sheet.records.push(crate::record::Record {
            row: 5,
            values: vec![
                crate::record::Value::Text("江门新材料项目".into()),
                crate::record::Value::Number(12.5),
                crate::record::Value::Null,
            ],
        });
        sheet.correction = Some("更正".into());
        let sheets = vec![sheet];
        let encoded = CachedFile::encode("sha-a", 2048, &sheets).expect("encodes");
        let by_worker = Cache::for_build(dir.path(), "b");
        by_worker
            .put_encoded(&file, "p", "sha-a", &encoded)
            .expect("stores");
        let from_sheets = Cache::for_build(&dir.path().join("other"), "b");
        from_sheets
            .put(&file, "p", "sha-a", 2048, &sheets)
            .expect("stores");
        for cache in [&by_worker, &from_sheets] {
            let hit = cache.get(&file, "sha-a", "p").expect("a hit");
            assert_eq!((hit.sha256.as_str(), hit.bytes), ("sha-a", 2048));
            assert_eq!(hit.sheets.len(), 1);
            assert_eq!(hit.sheets[0].records, sheets[0].records);
            assert_eq!(hit.sheets[0].correction.as_deref(), Some("更正"));
        }
        assert!(
            by_worker.get(&file, "sha-b", "p").is_none(),
            "another content is a miss"
        );
    }

    #[test]
    fn this_build_has_an_identity_of_its_own() {
        assert_eq!(BUILD_ID.len(), 64, "a sha256 in hex: {BUILD_ID}");
        assert!(BUILD_ID.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(BUILD_ID, env!("CARGO_PKG_VERSION"));
        assert_eq!(
            Cache::new(Path::new("o")).key(
                &InputFile {
                    path: PathBuf::from("x"),
                    rel: "2025-07/x.xlsx".into(),
                    period: Period::new(2025, 7).expect("a month"),
                },
                "sha",
                "p"
            ),
            Cache::for_build(Path::new("o"), BUILD_ID).key(
                &InputFile {
                    path: PathBuf::from("x"),
                    rel: "2025-07/x.xlsx".into(),
                    period: Period::new(2025, 7).expect("a month"),
                },
                "sha",
                "p"
            )
        );
    }
}
