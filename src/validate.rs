//! The `validate` command: checks returns without producing an assessment — the same reading,
//! recognition and row rules as `run`, so it flags exactly the rows `run` rejects. This is what
//! a county runs before sending.

use crate::error::FileError;
use crate::ingest::{InputFile, EXTENSIONS};
use crate::issue::{Issue, Rule, Severity};
use crate::normalise::Accounting;
use crate::period::Period;
use crate::pipeline::Pipeline;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Serialize)]
pub struct FileReport {
    pub file: String,
    pub period: String,
    pub filer: Option<String>,
    pub readable: bool,
    pub accounting: Accounting,
    pub issues: Vec<Issue>,
}

#[derive(Debug, Serialize)]
pub struct ValidationReport {
    pub files: Vec<FileReport>,
    pub accounting: Accounting,
    pub errors: usize,
    pub warnings: usize,
    pub unreadable: usize,
}

impl ValidationReport {
    /// 2 when a file could not be read, 1 when any row would be rejected, else 0.
    pub fn exit_code(&self) -> i32 {
        if self.unreadable > 0 {
            2
        } else if self.accounting.rows_rejected > 0 || self.errors > 0 {
            1
        } else {
            0
        }
    }
}

/// The month a file is checked against: its month folder (any form `run` reads), else `fallback`.
fn period_of(path: &Path, fallback: Period) -> Period {
    path.ancestors()
        .skip(1)
        .find_map(|a| {
            a.file_name()
                .and_then(|n| n.to_str())
                .and_then(Period::from_folder_name)
        })
        .unwrap_or(fallback)
}

/// Return files under `path`: only regular files (a FIFO or device named .xlsx is never
/// opened), folders searched recursively without following folder links.
fn collect(path: &Path, given: bool, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let meta = fs_err::symlink_metadata(path)?;
    // A path given on the command line is followed if it is a link; links met inside folders
    // are not followed into (a loop would read the same files again and again).
    let meta = if meta.file_type().is_symlink() && given {
        fs_err::metadata(path)?
    } else {
        meta
    };
    if meta.is_dir() {
        let mut entries: Vec<_> = fs_err::read_dir(path)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().to_string();
            if !name.starts_with('.') && !name.starts_with("~$") {
                collect(&e.path(), false, out)?;
            }
        }
    } else {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let regular = meta.is_file()
            || (meta.file_type().is_symlink()
                && std::fs::metadata(path).is_ok_and(|m| m.is_file()));
        if EXTENSIONS.contains(&ext.as_str()) && regular {
            out.push(path.to_path_buf());
        }
    }
    Ok(())
}

/// Validates every return under `paths` (files or folders).
pub fn validate(
    pipeline: &Pipeline,
    paths: &[PathBuf],
    fallback: Period,
    reading: &crate::run::Reading,
) -> std::io::Result<ValidationReport> {
    let mut files = Vec::new();
    for p in paths {
        if !p.exists() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("`{}` does not exist", p.display()),
            ));
        }
        collect(p, true, &mut files)?;
    }
    let inputs: Vec<InputFile> = files.iter().map(|p| input_file(p, fallback)).collect();
    // The same reading as `run` (workers, limits), without the parse cache.
    let read = crate::run::read_files(
        &inputs,
        pipeline,
        None,
        false,
        false,
        reading,
        &mut crate::run::Timings::default(),
    );
    let reports: Vec<FileReport> = read.into_iter().map(file_report).collect();
    let mut accounting = Accounting::default();
    for r in &reports {
        accounting.add(&r.accounting);
    }
    let count = |sev| {
        reports
            .iter()
            .flat_map(|r| &r.issues)
            .filter(|i| i.severity == sev)
            .count()
    };
    Ok(ValidationReport {
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        unreadable: reports.iter().filter(|r| !r.readable).count(),
        accounting,
        files: reports,
    })
}

/// The file as `run` would name it: `<month folder>/<name>` when it lies in one.
fn input_file(path: &Path, fallback: Period) -> InputFile {
    let period = period_of(path, fallback);
    let rel = match path.parent().and_then(|p| p.file_name()) {
        Some(dir) if Period::from_folder_name(&dir.to_string_lossy()).is_some() => format!(
            "{}/{}",
            dir.to_string_lossy(),
            path.file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default()
        ),
        _ => path.display().to_string(),
    };
    InputFile {
        path: path.to_path_buf(),
        rel,
        period,
    }
}

fn file_report(read: crate::run::ReadFile) -> FileReport {
    let rel = read.file.rel.clone();
    let period = read.file.period;
    match read.result {
        Ok((_, _, sheets)) => {
            let mut accounting = Accounting::default();
            let mut issues = Vec::new();
            for s in &sheets {
                accounting.add(&s.accounting);
                issues.extend(s.issues.iter().cloned());
            }
            let filer = sheets
                .iter()
                .find_map(|s| s.filer.as_ref().map(|f| f.name.clone()));
            FileReport {
                file: rel,
                period: period.to_string(),
                filer,
                readable: true,
                accounting,
                issues,
            }
        }
        Err(e) => FileReport {
            file: rel.clone(),
            period: period.to_string(),
            filer: None,
            readable: false,
            accounting: Accounting::default(),
            issues: vec![unreadable(&rel, &e)],
        },
    }
}

fn unreadable(rel: &str, e: &FileError) -> Issue {
    Issue {
        severity: Severity::Error,
        rule: Rule::UnreadableFile,
        file: rel.to_string(),
        sheet: None,
        row: None,
        cell: None,
        column: None,
        raw: None,
        message: format!("{}（{}）", e.reason_zh(), e.chain()),
        filer: None,
    }
}

/// The report as text for the terminal, in Chinese.
pub fn to_text(r: &ValidationReport) -> String {
    let mut s = String::new();
    for f in &r.files {
        let a = &f.accounting;
        s.push_str(&format!(
            "{}（{}，{}）：读取{}行，有效{}行，退回{}行，跳过{}行\n",
            f.file,
            f.filer.as_deref().unwrap_or("填报单位未识别"),
            f.period,
            a.rows_read,
            a.rows_accepted,
            a.rows_rejected,
            a.rows_skipped
        ));
        for i in &f.issues {
            let cell = i
                .cell
                .clone()
                .or_else(|| i.row.map(|r| format!("第{r}行")))
                .unwrap_or_default();
            let sheet = i.sheet.clone().unwrap_or_default();
            let raw = i
                .raw
                .as_ref()
                .map(|r| format!("（原值：{r}）"))
                .unwrap_or_default();
            s.push_str(&format!(
                "  [{}] {} {}：{}{} [{}]\n",
                i.severity.zh(),
                sheet,
                cell,
                i.message,
                raw,
                i.rule.as_str()
            ));
        }
    }
    s.push_str(&format!(
        "共{}个文件：读取{}行，有效{}行，退回{}行，跳过{}行；错误{}处，提示{}处，无法读取的文件{}个。\n",
        r.files.len(),
        r.accounting.rows_read,
        r.accounting.rows_accepted,
        r.accounting.rows_rejected,
        r.accounting.rows_skipped,
        r.errors,
        r.warnings,
        r.unreadable
    ));
    s
}
