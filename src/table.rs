//! An in-memory table with a fixed schema: what the identity stage builds, the assessment
//! reads and the store writes to Parquet.

use crate::pipeline::{ColumnKind, ReturnType};
use crate::record::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    Text,
    Float,
    Int,
    Date,
    Bool,
}

impl DType {
    pub fn of(kind: &ColumnKind) -> DType {
        match kind {
            ColumnKind::Text
            | ColumnKind::County
            | ColumnKind::Vocabulary(_)
            | ColumnKind::Tags(_) => DType::Text,
            ColumnKind::Bool => DType::Bool,
            ColumnKind::Money { .. } | ColumnKind::Number { .. } => DType::Float,
            ColumnKind::Date => DType::Date,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<(String, DType)>,
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    pub fn new(name: &str, columns: Vec<(String, DType)>) -> Table {
        Table {
            name: name.to_string(),
            columns,
            rows: Vec::new(),
        }
    }

    /// A table whose first columns are a return type's canonical columns, then `extra`.
    pub fn for_return(name: &str, rt: &ReturnType, extra: &[(&str, DType)]) -> Table {
        let mut columns: Vec<(String, DType)> = rt
            .columns
            .iter()
            .map(|c| (c.name.clone(), DType::of(&c.kind)))
            .collect();
        columns.extend(extra.iter().map(|(n, t)| (n.to_string(), *t)));
        Table::new(name, columns)
    }

    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|(n, _)| n == name)
    }

    pub fn push(&mut self, row: Vec<Value>) {
        debug_assert_eq!(
            row.len(),
            self.columns.len(),
            "row width for table {}",
            self.name
        );
        self.rows.push(row);
    }
}
