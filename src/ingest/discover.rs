//! Finds `<input>/<month>/<file>` returns (DESIGN §2). A month folder may be written in any
//! form [`Period::from_folder_name`] reads (`2025-07`, `2025-7`, `2025年7月`, `202507`, `2025.07`,
//! `2025_07`); two folders naming the same month are both read. Everything else under the
//! root (a folder whose name is no month, a loose file, a file that is no spreadsheet) is
//! listed in [`Discovery::ignored`] with its reason, for the run's summary and the manifest.

use crate::period::Period;
use std::path::{Path, PathBuf};

/// File endings read as returns. The reader is chosen by the file's content, not by this:
/// WPS saves its own workbooks as .et (and templates as .ett), which are BIFF8 xls (or
/// OOXML); Excel templates (.xlt, .xltx, .xltm) are xls and xlsx under another name and
/// are read when a filer fills one in and sends it as it is.
pub const EXTENSIONS: [&str; 11] = [
    "xlsx", "xlsm", "xls", "xlsb", "ods", "csv", "et", "ett", "xlt", "xltx", "xltm",
];

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
    /// The month folder it lies in (None at the root or in a folder that is no month).
    pub period: Option<Period>,
}

#[derive(Debug, Default)]
pub struct Discovery {
    /// Sorted by period, then relative path.
    pub files: Vec<InputFile>,
    pub ignored: Vec<IgnoredFile>,
}

impl Discovery {
    /// The months that have at least one file, in order.
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
                reason: "不在月份文件夹（如 2025-07、2025年7月）内，未读取".into(),
                period: None,
            });
            continue;
        }
        let Some(period) = Period::from_folder_name(&name) else {
            d.ignored.push(IgnoredFile {
                rel: format!("{name}/"),
                reason: "文件夹名不是月份（应写作 2025-07、2025-7、2025年7月、202507 或 2025.07），文件夹内的文件均未读取".into(),
                period: None,
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
    // An unreadable subfolder is named and skipped; the rest of the month is read.
    let listed = fs_err::read_dir(dir).and_then(|it| it.collect::<Result<Vec<_>, _>>());
    let mut entries = match listed {
        Ok(entries) => entries,
        Err(e) => {
            d.ignored.push(IgnoredFile {
                rel: format!("{rel_dir}/"),
                reason: format!(
                    "文件夹无法读取（{}），其中的文件未读取；请检查文件夹权限",
                    e.kind()
                ),
                period: Some(period),
            });
            return Ok(());
        }
    };
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().to_string();
        let rel = format!("{rel_dir}/{name}");
        let path = e.path();
        if name.starts_with('.') {
            // Hidden files (.DS_Store, editor state) are never returns.
            continue;
        }
        if name.starts_with("~$") {
            // An Office lock file is never a return, but says the workbook was open in Excel
            // or WPS when the folder was copied: worth a word.
            d.ignored.push(IgnoredFile {
                rel,
                reason:
                    "Office 临时锁文件（~$ 开头），未读取；同名报表复制时可能正在编辑，请确认已保存"
                        .into(),
                period: Some(period),
            });
            continue;
        }
        // Only regular files and real folders: a link to a folder is not followed (no loops),
        // and a FIFO, device or socket is never opened (it could hang or never end).
        let Ok(kind) = e.file_type() else {
            d.ignored.push(IgnoredFile {
                rel,
                reason: "无法读取文件信息，未读取".into(),
                period: Some(period),
            });
            continue;
        };
        if kind.is_dir() {
            walk(&path, &rel, period, d)?;
            continue;
        }
        let regular = if kind.is_symlink() {
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => {
                    d.ignored.push(IgnoredFile {
                        rel: format!("{rel}/"),
                        reason: "指向其他文件夹的链接，未读取；请把报表直接放在月份文件夹内".into(),
                        period: Some(period),
                    });
                    continue;
                }
                Ok(m) => m.is_file(),
                Err(_) => false,
            }
        } else {
            kind.is_file()
        };
        if !regular {
            d.ignored.push(IgnoredFile {
                rel,
                reason: "不是普通文件（管道、设备、失效链接等），未读取".into(),
                period: Some(period),
            });
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
                period: Some(period),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str) {
        let p = root.join(rel);
        fs_err::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
        fs_err::write(p, b"x").expect("write");
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_read_and_folder_links_are_not_followed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        touch(root, "2025-07/蓬江区.xlsx");
        let month = root.join("2025-07");
        // A folder link back to the month (a loop), a FIFO and a link to a device.
        std::os::unix::fs::symlink(&month, month.join("loop")).expect("symlink");
        let fifo = month.join("pipe.xlsx");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        std::os::unix::fs::symlink("/dev/zero", month.join("zero.xlsx")).expect("symlink");
        let d = discover(root).expect("discover");
        let files: Vec<&str> = d.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(files, ["2025-07/蓬江区.xlsx"]);
        let ignored: Vec<&str> = d.ignored.iter().map(|i| i.rel.as_str()).collect();
        assert!(ignored.contains(&"2025-07/loop/"), "{ignored:?}");
        assert!(ignored.contains(&"2025-07/zero.xlsx"), "{ignored:?}");
        if made {
            assert!(ignored.contains(&"2025-07/pipe.xlsx"), "{ignored:?}");
        }
    }

    #[test]
    fn month_folders_in_every_form_are_read_and_everything_else_is_named() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        for rel in [
            "2025-6/蓬江区.xlsx",
            "2025年7月/江海区.xlsx",
            "2025-07/新会区.xlsx",
            "202508/台山市.xlsx",
            "2025.09/开平市.xlsx",
            "2025_10/鹤山市.xlsx",
            "2025年11月/恩平市.xlsx",
            "2025年11月/说明.docx",
            "2025年11月/~$恩平市.xlsx",
            "2025年11月/.DS_Store",
            "杂项/蓬江区.xlsx",
            "expected.json",
        ] {
            touch(root, rel);
        }
        let d = discover(root).expect("discover");
        let got: Vec<(String, String)> = d
            .files
            .iter()
            .map(|f| (f.period.to_string(), f.rel.clone()))
            .collect();
        let want: Vec<(String, String)> = [
            ("2025-06", "2025-6/蓬江区.xlsx"),
            ("2025-07", "2025-07/新会区.xlsx"),
            ("2025-07", "2025年7月/江海区.xlsx"),
            ("2025-08", "202508/台山市.xlsx"),
            ("2025-09", "2025.09/开平市.xlsx"),
            ("2025-10", "2025_10/鹤山市.xlsx"),
            ("2025-11", "2025年11月/恩平市.xlsx"),
        ]
        .iter()
        .map(|(p, r)| (p.to_string(), r.to_string()))
        .collect();
        assert_eq!(got, want, "two folders of July are both read");
        let ignored: Vec<(&str, Option<String>)> = d
            .ignored
            .iter()
            .map(|i| (i.rel.as_str(), i.period.map(|p| p.to_string())))
            .collect();
        assert_eq!(
            ignored,
            vec![
                ("2025年11月/~$恩平市.xlsx", Some("2025-11".to_string())),
                ("2025年11月/说明.docx", Some("2025-11".to_string())),
                ("expected.json", None),
                ("杂项/", None),
            ]
        );
        assert!(d.ignored.iter().all(|i| !i.reason.is_empty()));
    }
}
