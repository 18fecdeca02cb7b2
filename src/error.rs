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
    /// The library could not open the file (the reason is decided from its error: a password
    /// error is [`Reason::Encrypted`], anything else [`Reason::Corrupt`]).
    #[error("Failed to open `{}` as a spreadsheet", path.display())]
    Spreadsheet {
        path: PathBuf,
        #[source]
        source: calamine::Error,
    },
    /// Every sheet of the workbook failed (one bad sheet among good ones is a note, not this).
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
    /// The file name's ending is no spreadsheet format.
    #[error("`{}` is not a spreadsheet (.{ext})", path.display())]
    NotSpreadsheet { path: PathBuf, ext: String },
    /// The file's bytes say what it is, and it is nothing we read (sniffed before any library
    /// opens it): an encrypted workbook, an Excel 2.x–4.0 file, a web page, a Word document …
    #[error("`{}` is {}", path.display(), content.describe())]
    Content { path: PathBuf, content: Content },
    /// The reading library panicked on this file; the run went on with the others.
    #[error("Reading `{}` crashed the spreadsheet reader: {message}", path.display())]
    ReaderPanic { path: PathBuf, message: String },
    /// A resource limit refused the file (before reading, or while reading it).
    #[error("`{}` was refused: {}", path.display(), hit.describe())]
    Limit { path: PathBuf, hit: LimitHit },
    /// A failure reported by the reading worker process (which read and normalised the file in
    /// isolation): the reason it decided and the chain of causes it saw.
    #[error("Failed to read `{}` (in the reading worker): {detail}", path.display())]
    Worker {
        path: PathBuf,
        reason: Reason,
        detail: String,
    },
}

/// What the first bytes of a file say it is, when that is something we do not read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Content {
    /// An encrypted (password-protected) workbook: OOXML in an OLE container with
    /// `EncryptionInfo`, or an .xls with a FILEPASS record.
    Encrypted,
    /// An Excel 2.x, 3.0 or 4.0 worksheet (BIFF2–4), which no library we use reads.
    OldExcel { version: u8 },
    /// An HTML page (what "save as web page" or a web system's "export to Excel" writes).
    Html,
    /// The XML Spreadsheet 2003 format (an XML file with a spreadsheet namespace).
    SpreadsheetXml,
    /// Plain text (a TSV or text file named .xls).
    Text,
    /// A Word document (.doc or .docx).
    Word,
    /// A PDF file.
    Pdf,
    /// A picture (PNG, JPEG, GIF, BMP).
    Image,
    /// A zip or OLE container that holds no workbook.
    OtherContainer,
}

impl Content {
    /// For logs (English).
    pub fn describe(&self) -> String {
        match self {
            Content::Encrypted => "an encrypted (password-protected) workbook".into(),
            Content::OldExcel { version } if *version <= 4 => {
                format!("an Excel BIFF{version} file (Excel 2.x-4.0), not supported")
            }
            Content::OldExcel { version } => {
                format!("a bare BIFF{version} stream outside an OLE container, not supported")
            }
            Content::Html => "an HTML page, not a workbook".into(),
            Content::SpreadsheetXml => "an XML Spreadsheet 2003 file, not supported".into(),
            Content::Text => "a text file, not a workbook".into(),
            Content::Word => "a Word document, not a workbook".into(),
            Content::Pdf => "a PDF file, not a workbook".into(),
            Content::Image => "a picture, not a workbook".into(),
            Content::OtherContainer => "a zip/OLE container that holds no workbook".into(),
        }
    }
}

/// Which resource limit refused a file (the keys are those of `[limits]` in the pipeline file
/// and of the `--max-…` options).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum LimitHit {
    /// `max_file_mb`: the file is larger than this.
    FileSize { max_mb: u64, actual_bytes: u64 },
    /// `max_inflated_mb`: the entries of a zip-based workbook (xlsx, ods) would inflate to more
    /// than this, or inflate at a ratio no spreadsheet has (a zip bomb).
    Inflated {
        max_mb: u64,
        declared_bytes: u64,
        detail: String,
    },
    /// `max_cells`: a sheet would hold more cells than this (counted from what the file
    /// declares or contains, before the grid is built).
    Cells { max: u64, sheet: String, cells: u64 },
    /// `max_cells`: an xlsx declares more shared strings than this (its string table would be
    /// reserved before a cell is read).
    Strings { max: u64, declared: u64 },
    /// `max_memory_mb`: reading the file needed more memory than this.
    Memory { max_mb: u64 },
    /// `max_seconds`: reading the file took longer than this.
    Time { seconds: f64 },
}

impl LimitHit {
    /// The limit's key, as written in `[limits]`.
    pub fn key(&self) -> &'static str {
        match self {
            LimitHit::FileSize { .. } => "max_file_mb",
            LimitHit::Inflated { .. } => "max_inflated_mb",
            LimitHit::Cells { .. } | LimitHit::Strings { .. } => "max_cells",
            LimitHit::Memory { .. } => "max_memory_mb",
            LimitHit::Time { .. } => "max_seconds",
        }
    }

    pub fn describe(&self) -> String {
        match self {
            LimitHit::FileSize {
                max_mb,
                actual_bytes,
            } => format!(
                "{:.1} MB is over the file size limit (max_file_mb = {max_mb})",
                *actual_bytes as f64 / 1048576.0
            ),
            LimitHit::Inflated {
                max_mb,
                declared_bytes,
                detail,
            } => format!(
                "it would inflate to {:.1} MB ({detail}), over max_inflated_mb = {max_mb}",
                *declared_bytes as f64 / 1048576.0
            ),
            LimitHit::Cells { max, sheet, cells } => {
                format!("sheet `{sheet}` would hold {cells} cells, over max_cells = {max}")
            }
            LimitHit::Strings { max, declared } => {
                format!("it declares {declared} shared strings, over max_cells = {max}")
            }
            LimitHit::Memory { max_mb } => {
                format!("reading it needed more than max_memory_mb = {max_mb}")
            }
            LimitHit::Time { seconds } => {
                format!("reading it took longer than max_seconds = {seconds}")
            }
        }
    }
}

/// Why a file could not be read, as the filer is told (one Chinese text per reason, with
/// what to do). Serialisable, so the reading worker can send it back.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Reason {
    Unreadable,
    Empty,
    Encrypted,
    Corrupt,
    /// Every sheet failed.
    NoReadableSheet {
        sheet: String,
    },
    Csv,
    /// The ending is no spreadsheet format.
    Extension {
        ext: String,
    },
    Content(Content),
    ReaderCrash,
    Limit(LimitHit),
}

impl Reason {
    pub fn zh(&self) -> String {
        const RESAVE: &str = "请用Excel或WPS打开后另存为.xlsx格式重新报送";
        match self {
            Reason::Unreadable => "文件无法读取，请重新发送".to_string(),
            Reason::Empty => "文件为空（0字节），请重新报送".to_string(),
            Reason::Encrypted => {
                "文件已加密（设置了打开密码），无法读取；请取消密码保护（文件→信息→保护工作簿→用密码进行加密，清空密码）后重新报送".to_string()
            }
            Reason::Corrupt => format!("文件已损坏，无法作为电子表格打开；{RESAVE}，或重新导出后报送"),
            Reason::NoReadableSheet { sheet } => {
                format!("工作表“{sheet}”等均无法读取，文件中没有可读的工作表；{RESAVE}")
            }
            Reason::Csv => "CSV文件无法读取，请另存为.xlsx后重新报送".to_string(),
            Reason::Extension { ext } => {
                format!("文件类型（.{ext}）不是电子表格，请以.xlsx格式报送")
            }
            Reason::Content(c) => match c {
                Content::Encrypted => Reason::Encrypted.zh(),
                Content::OldExcel { version } if *version <= 4 => format!(
                    "文件是旧版Excel格式（BIFF{version}，Excel 2.x–4.0），不支持；{RESAVE}"
                ),
                Content::OldExcel { version } => format!(
                    "文件是未封装的Excel工作表数据流（BIFF{version}，不是完整的Excel文件），不支持；{RESAVE}"
                ),
                Content::Html => format!("文件是网页（HTML）格式，只是扩展名为表格，不是电子表格；{RESAVE}"),
                Content::SpreadsheetXml => {
                    format!("文件是“XML电子表格2003”格式，不支持；{RESAVE}")
                }
                Content::Text => format!("文件是文本文件（如制表符分隔的文本），只是扩展名为表格，不是电子表格；{RESAVE}"),
                Content::Word => "文件是Word文档，不是电子表格；请把表格填入规定的Excel模板，以.xlsx格式重新报送".to_string(),
                Content::Pdf => "文件是PDF，不是电子表格；请报送Excel格式（.xlsx）的原表，不要报送PDF或扫描件".to_string(),
                Content::Image => "文件是图片，不是电子表格；请报送Excel格式（.xlsx）的原表，不要报送截图或照片".to_string(),
                Content::OtherContainer => format!("文件中没有工作簿（可能是压缩包或其他文档），不是电子表格；{RESAVE}"),
            },
            Reason::ReaderCrash => {
                format!("文件内容异常，读取程序无法处理（可能已损坏）；{RESAVE}")
            }
            Reason::Limit(hit) => match hit {
                LimitHit::FileSize { max_mb, actual_bytes } => format!(
                    "文件大小{:.1}MB，超过上限{max_mb}MB（max_file_mb），未读取；请删除无关的工作表、图片后重新报送",
                    *actual_bytes as f64 / 1048576.0
                ),
                LimitHit::Inflated {
                    max_mb,
                    declared_bytes,
                    detail,
                } if *declared_bytes > max_mb.saturating_mul(1 << 20) => format!(
                    "文件解压后达{:.0}MB，超过上限{max_mb}MB（max_inflated_mb），不像正常的报表（可能已损坏或含大量无关内容），未读取；{RESAVE}",
                    *declared_bytes as f64 / 1048576.0
                ) + &format!("（{detail}）"),
                LimitHit::Inflated { detail, .. } => format!(
                    "文件中有部分的压缩比异常（{detail}），正常的报表不会如此（可能是恶意构造或已损坏的文件），未读取（max_inflated_mb）；{RESAVE}"
                ),
                LimitHit::Strings { max, declared } => format!(
                    "文件声明了{declared}个共享字符串，超过上限{max}（max_cells），不像正常的报表（可能已损坏），未读取；{RESAVE}"
                ),
                LimitHit::Cells { max, sheet, cells } => format!(
                    "工作表“{sheet}”的使用范围达{cells}个单元格，超过上限{max}（max_cells），未读取；多半是远处有误填的单元格或整列设了格式，请删除表格以外的行列后重新报送"
                ),
                LimitHit::Memory { max_mb } => format!(
                    "读取该文件所需内存超过上限{max_mb}MB（max_memory_mb），未读取；请删除无关的工作表和表格以外的内容，{RESAVE}"
                ),
                LimitHit::Time { seconds } => format!(
                    "读取该文件超过{seconds}秒（max_seconds）仍未完成，已停止；请删除无关的工作表和表格以外的内容，{RESAVE}"
                ),
            },
        }
    }
}

impl FileError {
    /// Why the file could not be read.
    pub fn reason(&self) -> Reason {
        match self {
            FileError::Io { .. } => Reason::Unreadable,
            FileError::Spreadsheet { source, .. } => {
                if is_password_error(source) {
                    Reason::Encrypted
                } else {
                    Reason::Corrupt
                }
            }
            FileError::Sheet { sheet, .. } => Reason::NoReadableSheet {
                sheet: sheet.clone(),
            },
            FileError::Csv { .. } => Reason::Csv,
            FileError::Empty { .. } => Reason::Empty,
            FileError::NotSpreadsheet { ext, .. } => Reason::Extension { ext: ext.clone() },
            FileError::Content { content, .. } => Reason::Content(content.clone()),
            FileError::ReaderPanic { .. } => Reason::ReaderCrash,
            FileError::Limit { hit, .. } => Reason::Limit(hit.clone()),
            FileError::Worker { reason, .. } => reason.clone(),
        }
    }

    /// The reason in Chinese, for the filer and the report.
    pub fn reason_zh(&self) -> String {
        self.reason().zh()
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

/// A password error from any of calamine's readers.
fn is_password_error(e: &calamine::Error) -> bool {
    matches!(
        e,
        calamine::Error::Xls(calamine::XlsError::Password)
            | calamine::Error::Xlsx(calamine::XlsxError::Password)
            | calamine::Error::Xlsb(calamine::XlsbError::Password)
            | calamine::Error::Ods(calamine::OdsError::Password)
    )
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
    #[error("Failed to convert table `{table}` for Parquet")]
    Frame {
        table: String,
        #[source]
        source: polars::prelude::PolarsError,
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
