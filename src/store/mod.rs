//! Store: the analyst dataset (hive-partitioned Parquet) and the JSON outputs, each written
//! to a temporary file beside its target and renamed into place.

mod parquet_out;

pub use parquet_out::{partition_path, write_frame, write_table, DatasetMeta};

use crate::error::OutputError;
use std::path::Path;

/// The metric values of `period` as an earlier run wrote them to `<out>/dataset/metrics`, by
/// (id, scope, scope value); None when there are none (or they cannot be read).
pub fn read_metric_values(
    out: &Path,
    period: crate::period::Period,
) -> Option<std::collections::BTreeMap<(String, String, String), Option<f64>>> {
    use polars::prelude::*;
    let path = partition_path(out, "metrics", period);
    let file = std::fs::File::open(path).ok()?;
    let df = ParquetReader::new(file).finish().ok()?;
    let text = |c: &str| -> Option<Vec<Option<String>>> {
        Some(
            df.column(c)
                .ok()?
                .str()
                .ok()?
                .iter()
                .map(|v| v.map(str::to_string))
                .collect(),
        )
    };
    let (ids, scopes, values) = (text("metric_id")?, text("scope")?, text("scope_value")?);
    let numbers: Vec<Option<f64>> = df.column("value").ok()?.f64().ok()?.iter().collect();
    Some(
        ids.into_iter()
            .zip(scopes)
            .zip(values)
            .zip(numbers)
            .filter_map(|(((i, s), v), n)| Some(((i?, s?, v?), n)))
            .collect(),
    )
}

/// Writes `bytes` to `path` atomically (temporary file in the same folder, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let io = |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent).map_err(io)?;
    }
    let tmp = tmp_path(path);
    fs_err::write(&tmp, bytes).map_err(io)?;
    fs_err::rename(&tmp, path).map_err(io)
}

/// `dir/.name.tmp-<pid>`: hidden, beside the target, unique per process.
pub fn tmp_path(path: &Path) -> std::path::PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Serialises `value` as pretty JSON (with a final newline) and writes it atomically.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), OutputError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|source| OutputError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}
