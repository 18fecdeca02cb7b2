//! Discover the return files of an input folder and read their sheets into cell grids.

mod discover;
mod limits;
mod read;

pub use discover::{discover, Discovery, IgnoredFile, InputFile, EXTENSIONS};
pub use limits::{LimitOverrides, ReadLimits};
pub use read::{format_number as format_number_public, read_file, Cell, ReadNote, Sheet, Workbook};
