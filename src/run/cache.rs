//! The parse cache: every file's normalised sheets (postcard), in one pack file
//! `<out>/.cache/sheets.pack`, each entry keyed by the file's sha256, its path and month
//! (messages name them, dates are checked against the month), the build identity of the code
//! ([`BUILD_ID`]) and the pipeline's hash. A rerun re-reads only changed files; a binary built
//! from other code never reuses a parse.
//!
//! One pack, not a file per entry: creating and renaming a hundred small files cost a run
//! more than encoding them. A run writes its new pack as the entries come (beside the old one,
//! renamed over it at the end): this run's entries, and the old pack's entries of every path
//! this run did not parse afresh, so a path keeps one entry (the latest) and the pack does not
//! grow with reruns. A run that parsed nothing keeps the pack as it is.
//!
//! Layout: `ZSPACK01`, the entries' bytes one after another, the index (postcard: key, path,
//! offset, length of each entry), the index's length (u64, little-endian) and `ZSPACK01`
//! again. A pack that does not read back so is no cache at all (every file is a miss).

use crate::ingest::InputFile;
use crate::normalise::SheetOutcome;
use crate::pipeline::hex_digest;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The identity of the code this binary was built from: `build.rs` hashes every file under
/// `src/` (paths and bytes, in path order), `Cargo.toml`, `Cargo.lock` and itself. Any change to
/// the reading code or a dependency gives another id, so caches
/// written by another build are never read (the package version alone does not change with
/// every fix).
pub const BUILD_ID: &str = env!("ZHAOSHANG_BUILD_ID");

/// The first and last eight bytes of a pack.
const PACK_MAGIC: &[u8; 8] = b"ZSPACK01";

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

/// Where an entry is in a pack, and the input path it was parsed from.
#[derive(Serialize, Deserialize, Clone)]
struct IndexEntry {
    key: String,
    rel: String,
    offset: u64,
    len: u64,
}

/// The pack found at the start of the run.
struct Found {
    file: Mutex<std::fs::File>,
    index: HashMap<String, IndexEntry>,
}

/// The pack this run writes (beside the old one until [`Cache::finish`]).
struct Writing {
    tmp: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    at: u64,
    index: Vec<IndexEntry>,
}

/// This run's pack: not begun until the first entry, then written as entries come; after a
/// failed write, nothing more is tried (the first failure was reported).
enum NewPack {
    NotBegun,
    Writing(Writing),
    Failed,
}

pub struct Cache {
    path: PathBuf,
    build: String,
    found: Option<Found>,
    writing: Mutex<NewPack>,
}

impl Cache {
    /// The parse cache of this build in `<out>/.cache/sheets.pack`.
    pub fn new(out: &Path) -> Cache {
        Cache::for_build(out, BUILD_ID)
    }

    /// The parse cache as a build with id `build` reads and writes it.
    pub fn for_build(out: &Path, build: &str) -> Cache {
        let path = out.join(".cache").join("sheets.pack");
        Cache {
            found: read_index(&path),
            path,
            build: build.to_string(),
            writing: Mutex::new(NewPack::NotBegun),
        }
    }

    /// The pack's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The entry's key for a file whose content hashes to `sha256`.
    pub fn key(&self, file: &InputFile, sha256: &str, pipeline_hash: &str) -> String {
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
        hex_digest(&h.finalize())
    }

    /// The cached sheets of a file whose content hashes to `sha256`, if any.
    pub fn get(&self, file: &InputFile, sha256: &str, pipeline_hash: &str) -> Option<CachedFile> {
        let found = self.found.as_ref()?;
        let at = found.index.get(&self.key(file, sha256, pipeline_hash))?;
        let bytes = {
            let mut f = found.file.lock().ok()?;
            read_at(&mut f, at.offset, at.len).ok()?
        };
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
                path: self.path.clone(),
                source,
            }
        })?;
        self.put_encoded(file, pipeline_hash, sha256, &encoded)
    }

    /// Stores an entry as [`CachedFile::encode`] gave it, in this run's new pack.
    pub fn put_encoded(
        &self,
        file: &InputFile,
        pipeline_hash: &str,
        sha256: &str,
        encoded: &[u8],
    ) -> Result<(), crate::error::OutputError> {
        let key = self.key(file, sha256, pipeline_hash);
        let mut pack = self.writing.lock().map_err(|_| self.io_error(poisoned()))?;
        if matches!(*pack, NewPack::NotBegun) {
            match self.begin_pack() {
                Ok(w) => *pack = NewPack::Writing(w),
                Err(e) => {
                    *pack = NewPack::Failed;
                    return Err(self.io_error(e));
                }
            }
        }
        let NewPack::Writing(w) = &mut *pack else {
            return Ok(());
        };
        if let Err(e) = w.append(key, &file.rel, encoded) {
            let _ = std::fs::remove_file(&w.tmp);
            *pack = NewPack::Failed;
            return Err(self.io_error(e));
        }
        Ok(())
    }

    /// Ends the run's pack: the old pack's entries of the paths not parsed in this run are
    /// copied in, then the index, and the new pack replaces the old one. Nothing is written
    /// when nothing was stored.
    pub fn finish(self) -> Result<(), crate::error::OutputError> {
        let Cache {
            path,
            found,
            writing,
            ..
        } = self;
        let io = |source| crate::error::OutputError::Io {
            path: path.clone(),
            source,
        };
        let NewPack::Writing(mut w) = writing.into_inner().map_err(|_| io(poisoned()))? else {
            return Ok(());
        };
        let written = w.complete(found.as_ref());
        // The old pack is closed before the new one takes its name.
        drop(found);
        let done = written.and_then(|()| std::fs::rename(&w.tmp, &path));
        if done.is_err() {
            let _ = std::fs::remove_file(&w.tmp);
        }
        done.map_err(io)?;
        // A run killed while writing its pack left its temporary file; runs hold the output
        // root's lock, so any other one is stale.
        remove_stale_packs(&path);
        // Earlier builds kept one file per entry: nothing reads them any more.
        let legacy = path.with_file_name("sheets");
        if legacy.is_dir() {
            let _ = std::fs::remove_dir_all(legacy);
        }
        Ok(())
    }

    fn begin_pack(&self) -> std::io::Result<Writing> {
        if let Some(parent) = self.path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let tmp = crate::store::tmp_path(&self.path);
        let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        file.write_all(PACK_MAGIC)?;
        Ok(Writing {
            tmp,
            file,
            at: PACK_MAGIC.len() as u64,
            index: Vec::new(),
        })
    }

    fn io_error(&self, source: std::io::Error) -> crate::error::OutputError {
        crate::error::OutputError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

impl Writing {
    /// Copies in the entries of `found` whose paths this run did not parse, then writes the
    /// index and the closing magic.
    fn complete(&mut self, found: Option<&Found>) -> std::io::Result<()> {
        if let Some(found) = found {
            let parsed: BTreeSet<String> = self.index.iter().map(|e| e.rel.clone()).collect();
            let mut kept: Vec<&IndexEntry> = found
                .index
                .values()
                .filter(|e| !parsed.contains(&e.rel))
                .collect();
            kept.sort_by_key(|e| e.offset);
            let mut f = found.file.lock().map_err(|_| poisoned())?;
            for e in kept {
                let bytes = read_at(&mut f, e.offset, e.len)?;
                self.append(e.key.clone(), &e.rel, &bytes)?;
            }
        }
        let index = postcard::to_allocvec(&self.index).map_err(std::io::Error::other)?;
        self.file.write_all(&index)?;
        self.file.write_all(&(index.len() as u64).to_le_bytes())?;
        self.file.write_all(PACK_MAGIC)?;
        self.file.flush()
    }

    fn append(&mut self, key: String, rel: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.file.write_all(bytes)?;
        self.index.push(IndexEntry {
            key,
            rel: rel.to_string(),
            offset: self.at,
            len: bytes.len() as u64,
        });
        self.at += bytes.len() as u64;
        Ok(())
    }
}

/// Removes the temporary packs (`.sheets.pack.tmp-<pid>`) beside `pack` that killed runs left.
fn remove_stale_packs(pack: &Path) {
    let (Some(dir), Some(name)) = (pack.parent(), pack.file_name()) else {
        return;
    };
    // The names `store::tmp_path` gives, whatever the process id.
    let prefix = format!(".{}.tmp-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn poisoned() -> std::io::Error {
    std::io::Error::other("a thread writing the parse cache panicked")
}

fn read_at(f: &mut std::fs::File, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
    f.seek(SeekFrom::Start(offset))?;
    let mut buf = vec![0u8; usize::try_from(len).map_err(std::io::Error::other)?];
    f.read_exact(&mut buf)?;
    Ok(buf)
}

/// The index of the pack at `path`, when there is one that reads back as a pack.
fn read_index(path: &Path) -> Option<Found> {
    let mut file = std::fs::File::open(path).ok()?;
    let size = file.metadata().ok()?.len();
    let tail = 16u64;
    let head = PACK_MAGIC.len() as u64;
    if size < head + tail {
        return None;
    }
    if read_at(&mut file, 0, head).ok()? != PACK_MAGIC {
        return None;
    }
    let end = read_at(&mut file, size - tail, tail).ok()?;
    let (len, magic) = end.split_at(8);
    if magic != PACK_MAGIC {
        return None;
    }
    let len = u64::from_le_bytes(len.try_into().ok()?);
    let start = (size - tail).checked_sub(len)?;
    if start < head {
        return None;
    }
    let entries: Vec<IndexEntry> =
        postcard::from_bytes(&read_at(&mut file, start, len).ok()?).ok()?;
    if entries
        .iter()
        .any(|e| e.offset < head || e.offset.saturating_add(e.len) > start)
    {
        return None;
    }
    Some(Found {
        file: Mutex::new(file),
        index: entries.into_iter().map(|e| (e.key.clone(), e)).collect(),
    })
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
        let by_worker = dir.path().join("w");
        let from_sheets = dir.path().join("s");
        let cache = Cache::for_build(&by_worker, "b");
        cache
            .put_encoded(&file, "p", "sha-a", &encoded)
            .expect("stores");
        cache.finish().expect("writes the pack");
        let cache = Cache::for_build(&from_sheets, "b");
        cache
            .put(&file, "p", "sha-a", 2048, &sheets)
            .expect("stores");
        cache.finish().expect("writes the pack");
        for out in [&by_worker, &from_sheets] {
            let cache = Cache::for_build(out, "b");
            let hit = cache.get(&file, "sha-a", "p").expect("a hit");
            assert_eq!((hit.sha256.as_str(), hit.bytes), ("sha-a", 2048));
            assert_eq!(hit.sheets.len(), 1);
            assert_eq!(hit.sheets[0].records, sheets[0].records);
            assert_eq!(hit.sheets[0].correction.as_deref(), Some("更正"));
            assert!(
                cache.get(&file, "sha-b", "p").is_none(),
                "another content is a miss"
            );
        }
    }

    fn file_of(rel: &str) -> InputFile {
        InputFile {
            path: PathBuf::from("in").join(rel),
            rel: rel.into(),
            period: Period::new(2025, 7).expect("a month"),
        }
    }

    fn entry(sha: &str, n: f64) -> Vec<u8> {
        let f = file_of("2025-07/x.xlsx");
        let mut sheet = SheetOutcome::empty(&f, "项目表");
        sheet.records.push(crate::record::Record {
            row: 4,
            values: vec![crate::record::Value::Number(n)],
        });
        CachedFile::encode(sha, 1, &[sheet]).expect("encodes")
    }

    fn figure(cache: &Cache, f: &InputFile, sha: &str) -> Option<crate::record::Value> {
        let hit = cache.get(f, sha, "p")?;
        hit.sheets[0].records[0].values.first().cloned()
    }

    /// Writes a pack holding one entry (file `a`, sha `a1`, figure 1) under `out`.
    fn pack_of_one(out: &Path) -> InputFile {
        let a = file_of("2025-07/a.xlsx");
        let cache = Cache::for_build(out, "x");
        cache
            .put_encoded(&a, "p", "a1", &entry("a1", 1.0))
            .expect("stores");
        cache.finish().expect("writes");
        a
    }

    #[test]
    fn a_rerun_keeps_the_entries_of_the_paths_it_did_not_parse_and_one_entry_per_path() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (a, b) = (file_of("2025-07/a.xlsx"), file_of("2025-07/b.xlsx"));
        let cache = Cache::for_build(dir.path(), "x");
        cache
            .put_encoded(&a, "p", "a1", &entry("a1", 1.0))
            .expect("stores");
        cache
            .put_encoded(&b, "p", "b1", &entry("b1", 2.0))
            .expect("stores");
        cache.finish().expect("writes");
        // The second run parses a changed `a` only.
        let cache = Cache::for_build(dir.path(), "x");
        cache
            .put_encoded(&a, "p", "a2", &entry("a2", 3.0))
            .expect("stores");
        cache.finish().expect("writes");
        let cache = Cache::for_build(dir.path(), "x");
        use crate::record::Value::Number;
        assert_eq!(figure(&cache, &a, "a2"), Some(Number(3.0)));
        assert_eq!(figure(&cache, &b, "b1"), Some(Number(2.0)), "b is kept");
        assert_eq!(figure(&cache, &a, "a1"), None, "a's older entry is gone");
        let found = cache.found.as_ref().expect("a pack");
        assert_eq!(found.index.len(), 2);
        // A run that parses nothing leaves the pack as it was.
        let before = std::fs::read(cache.path()).expect("the pack");
        cache.finish().expect("nothing to write");
        assert_eq!(
            std::fs::read(dir.path().join(".cache/sheets.pack")).expect("the pack"),
            before
        );
    }

    #[test]
    fn a_pack_left_half_written_by_a_killed_run_is_removed_by_the_next_pack_written() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let stale = dir.path().join(".cache/.sheets.pack.tmp-999999");
        std::fs::create_dir_all(dir.path().join(".cache")).expect("a folder");
        std::fs::write(&stale, b"ZSPACK01 half").expect("writes");
        pack_of_one(dir.path());
        assert!(!stale.exists(), "the stale temporary pack is gone");
        let left: Vec<String> = std::fs::read_dir(dir.path().join(".cache"))
            .expect("the folder")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        assert_eq!(left, vec!["sheets.pack".to_string()]);
    }

    #[test]
    fn a_pack_that_does_not_read_back_as_one_is_no_cache() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let a = pack_of_one(dir.path());
        let pack = dir.path().join(".cache/sheets.pack");
        let whole = std::fs::read(&pack).expect("the pack");
        assert!(Cache::for_build(dir.path(), "x")
            .get(&a, "a1", "p")
            .is_some());
        for cut in [whole.len() - 1, whole.len() / 2, 3] {
            std::fs::write(&pack, &whole[..cut]).expect("writes");
            assert!(
                Cache::for_build(dir.path(), "x")
                    .get(&a, "a1", "p")
                    .is_none(),
                "a pack cut at {cut} bytes"
            );
        }
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
