//! Resource limits for reading one return file. Defaults here; the pipeline file's `[limits]`
//! and the `--max-…` options of `run` and `validate` override them (the option wins).

use serde::{Deserialize, Serialize};

/// Limits applied to every file read. A file that hits one is refused with a
/// [`crate::error::LimitHit`] naming the limit; the run goes on with the other files.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReadLimits {
    /// Largest file read, in MB (checked before reading a byte).
    pub max_file_mb: u64,
    /// Largest total a zip-based workbook (xlsx, xlsm, ods) may inflate to, in MB; also the
    /// check on each entry's inflation ratio (a zip bomb).
    pub max_inflated_mb: u64,
    /// Most cells one sheet may hold, counted before the grid is built.
    pub max_cells: u64,
    /// Most memory reading and normalising one file may use (address space of the reading
    /// worker), in MB.
    pub max_memory_mb: u64,
    /// Longest time reading and normalising one file may take, in seconds.
    pub max_seconds: f64,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_file_mb: 50,
            max_inflated_mb: 512,
            max_cells: 2_000_000,
            max_memory_mb: 384,
            max_seconds: 60.0,
        }
    }
}

impl ReadLimits {
    /// Limits that refuse nothing a test would build (library tests read in-process).
    pub fn unlimited() -> Self {
        ReadLimits {
            max_file_mb: u64::MAX / (1 << 20),
            max_inflated_mb: u64::MAX / (1 << 20),
            max_cells: u64::MAX,
            max_memory_mb: u64::MAX / (1 << 20),
            max_seconds: f64::INFINITY,
        }
    }

    pub fn max_file_bytes(&self) -> u64 {
        self.max_file_mb.saturating_mul(1 << 20)
    }

    pub fn max_inflated_bytes(&self) -> u64 {
        self.max_inflated_mb.saturating_mul(1 << 20)
    }
}

/// Limits given over others (the command line over the pipeline file, the pipeline file over
/// the defaults): each one that is set replaces the value below it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LimitOverrides {
    pub max_file_mb: Option<u64>,
    pub max_inflated_mb: Option<u64>,
    pub max_cells: Option<u64>,
    pub max_memory_mb: Option<u64>,
    pub max_seconds: Option<f64>,
}

impl LimitOverrides {
    pub fn apply(&self, base: ReadLimits) -> ReadLimits {
        ReadLimits {
            max_file_mb: self.max_file_mb.unwrap_or(base.max_file_mb),
            max_inflated_mb: self.max_inflated_mb.unwrap_or(base.max_inflated_mb),
            max_cells: self.max_cells.unwrap_or(base.max_cells),
            max_memory_mb: self.max_memory_mb.unwrap_or(base.max_memory_mb),
            max_seconds: self.max_seconds.unwrap_or(base.max_seconds),
        }
    }
}
