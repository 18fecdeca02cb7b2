//! Validation feedback: `validation/<filer>.xlsx`, in Chinese. (Being written.)

use super::{RenderError, ReportData};
use std::path::Path;

pub fn write_feedback(_data: &ReportData, _dir: &Path) -> Result<Vec<String>, RenderError> {
    Ok(Vec::new())
}
