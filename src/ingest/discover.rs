//! Finds `<input>/<YYYY-MM>/<file>` returns (DESIGN §2).

use crate::period::Period;
use std::path::{Path, PathBuf};

/// File endings read as returns.
pub const EXTENSIONS: [&str; 6] = ["xlsx", "xlsm", "xls", "xlsb", "ods", "csv"];

#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    /// Path relative to the input root, with `/` separators (e.g. `2025-01/开平市.xlsx`).
    pub rel: String,
    pub period: Period,
}

/// Something under the input root that is not read, and why.
#[derive(Debug, Clone)]
pub struct IgnoredFile {
    pub rel: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Discovery {
    /// Sorted by period, then relative path.
    pub files: Vec<InputFile>,
    pub ignored: Vec<IgnoredFile>,
}

impl Discovery {
    pub fn periods(&self) -> Vec<Period> {
        let mut p: Vec<Period> = self.files.iter().map(|f| f.period).collect();
        p.dedup();
        p
    }
}

pub fn discover(root: &Path) -> std::io::Result<Discovery> {
    let mut d = Discovery::default();
    let mut entries: Vec<_> = fs_err::read_dir(root)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        let path = e.path();
        if !path.is_dir() {
            d.ignored.push(IgnoredFile {
                rel: name,
                reason: "不在月份文件夹（YYYY-MM）内，未读取".into(),
            });
            continue;
        }
        let Ok(period) = name.parse::<Period>() else {
            d.ignored.push(IgnoredFile {
                rel: name,
                reason: "文件夹名不是月份（YYYY-MM），未读取".into(),
            });
            continue;
        };
        walk(&path, &name, period, &mut d)?;
    }
    d.files
        .sort_by(|a, b| (a.period, &a.rel).cmp(&(b.period, &b.rel)));
    Ok(d)
}

fn walk(dir: &Path, rel_dir: &str, period: Period, d: &mut Discovery) -> std::io::Result<()> {
    let mut entries: Vec<_> = fs_err::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        let rel = format!("{rel_dir}/{name}");
        let path = e.path();
        if name.starts_with('.') || name.starts_with("~$") {
            // Hidden files and Office lock files are never returns.
            continue;
        }
        if path.is_dir() {
            walk(&path, &rel, period, d)?;
            continue;
        }
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if EXTENSIONS.contains(&ext.as_str()) {
            d.files.push(InputFile { path, rel, period });
        } else {
            d.ignored.push(IgnoredFile {
                rel,
                reason: format!("文件类型（.{ext}）不是电子表格，未读取"),
            });
        }
    }
    Ok(())
}
