//! Typed errors. Messages name the file (and sheet); causes are kept as `#[source]`.

use crate::pipeline::ConfigProblem;
use std::path::PathBuf;

/// A pipeline file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("Failed to read the pipeline file")]
    Read(#[source] std::io::Error),
    #[error("Failed to parse pipeline file `{file}`")]
    Parse {
        file: String,
        #[source]
        source: Box<toml::de::Error>,
    },
    #[error("Pipeline file `{file}` has {} problem(s):\n{}", problems.len(), problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        file: String,
        problems: Vec<ConfigProblem>,
    },
}

/// A return file that cannot be read at all. The run reports it and goes on.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("Failed to read `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("Failed to open `{}` as a spreadsheet", path.display())]
    Spreadsheet {
        path: PathBuf,
        #[source]
        source: calamine::Error,
    },
    #[error("Failed to read sheet `{sheet}` of `{}`", path.display())]
    Sheet {
        path: PathBuf,
        sheet: String,
        #[source]
        source: calamine::Error,
    },
    #[error("Failed to read `{}` as CSV", path.display())]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    #[error("`{}` is empty", path.display())]
    Empty { path: PathBuf },
    #[error("`{}` is not a spreadsheet (.{ext})", path.display())]
    NotSpreadsheet { path: PathBuf, ext: String },
    /// The reading library panicked on this file; the run went on with the others.
    #[error("Reading `{}` crashed the spreadsheet reader: {message}", path.display())]
    ReaderPanic { path: PathBuf, message: String },
}

impl FileError {
    /// The reason in Chinese, for the filer and the report.
    pub fn reason_zh(&self) -> String {
        match self {
            FileError::Io { .. } => "文件无法读取，请重新发送".to_string(),
            FileError::Spreadsheet { source, .. } => {
                let s = source.to_string().to_lowercase();
                if s.contains("password") || s.contains("encrypt") || s.contains("cfb") {
                    "文件无法打开（可能已加密、损坏或不是Excel文件），请取消密码保护后另存为xlsx重新报送".to_string()
                } else {
                    "文件无法作为电子表格打开（可能已损坏或格式不符），请用Excel或WPS另存为xlsx后重新报送".to_string()
                }
            }
            FileError::Sheet { sheet, .. } => {
                format!("工作表“{sheet}”无法读取，请检查后另存为xlsx重新报送")
            }
            FileError::Csv { .. } => "CSV文件无法读取，请另存为xlsx后重新报送".to_string(),
            FileError::Empty { .. } => "文件为空，请重新报送".to_string(),
            FileError::NotSpreadsheet { ext, .. } => {
                format!("文件类型（.{ext}）不是电子表格，请以xlsx格式报送")
            }
            FileError::ReaderPanic { .. } => {
                "文件内容异常，无法读取（可能已损坏），请用Excel另存为.xlsx后重新报送".to_string()
            }
        }
    }

    /// The whole chain of causes, for logs.
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(self);
        while let Some(e) = cur {
            out.push_str(": ");
            out.push_str(&e.to_string());
            cur = e.source();
        }
        out
    }
}

/// An output that cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("Failed to write `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("Failed to write Parquet file `{}`", path.display())]
    Parquet {
        path: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },
    #[error("Failed to build the Arrow batch for table `{table}`")]
    Arrow {
        table: String,
        #[source]
        source: arrow::error::ArrowError,
    },
    #[error("Failed to encode the cache entry `{}`", path.display())]
    Cache {
        path: PathBuf,
        #[source]
        source: postcard::Error,
    },
    #[error("Failed to serialise `{}`", path.display())]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}
