//! An in-memory table with a fixed schema: what the identity stage builds, the assessment
//! reads and the store writes to Parquet.

use crate::pipeline::{ColumnKind, ReturnType};
use crate::record::Value;
use std::borrow::Cow;

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

impl Table {
    /// The table as a polars frame: one typed column per column (text → String, float → Float64,
    /// int → Int64, date → Date, bool → Boolean), a null for every `Value::Null` or for a value
    /// of another type than its column's.
    pub fn to_frame(&self) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
        frame_of(&self.columns, self.rows.len(), |r, i| &self.rows[r][i])
    }
}

/// A table whose rows are each a record's values, borrowed (or merged), followed by values of
/// the row's own (its lineage): made into a frame without copying the records' values, or
/// into a [`Table`].
pub struct RecordTable<'a> {
    pub name: String,
    pub columns: Vec<(String, DType)>,
    pub rows: Vec<(Cow<'a, [Value]>, Vec<Value>)>,
}

impl<'a> RecordTable<'a> {
    /// An empty table with the columns of `table`.
    pub fn like(table: Table) -> RecordTable<'a> {
        RecordTable {
            name: table.name,
            columns: table.columns,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, values: Cow<'a, [Value]>, own: Vec<Value>) {
        debug_assert_eq!(
            values.len() + own.len(),
            self.columns.len(),
            "row width for table {}",
            self.name
        );
        self.rows.push((values, own));
    }

    /// As [`Table::to_frame`] gives for [`RecordTable::into_table`].
    pub fn to_frame(&self) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
        frame_of(&self.columns, self.rows.len(), |r, i| {
            let (values, own) = &self.rows[r];
            values.get(i).unwrap_or_else(|| &own[i - values.len()])
        })
    }

    pub fn into_table(self) -> Table {
        let mut t = Table::new(&self.name, self.columns);
        t.rows = self
            .rows
            .into_iter()
            .map(|(values, own)| {
                let mut v = values.into_owned();
                v.extend(own);
                v
            })
            .collect();
        t
    }
}

/// A frame of `n` rows with `columns`, the value of row `r` in column `i` given by `cell(r, i)`.
fn frame_of<'v>(
    columns: &[(String, DType)],
    n: usize,
    cell: impl Fn(usize, usize) -> &'v Value,
) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let columns: Vec<Column> = columns
        .iter()
        .enumerate()
        .map(|(i, (name, dtype))| {
            let name = PlSmallStr::from_str(name);
            let cells = (0..n).map(|r| cell(r, i));
            let s = match dtype {
                DType::Text => Series::new(name, cells.map(Value::as_text).collect::<Vec<_>>()),
                DType::Float => Series::new(name, cells.map(Value::as_number).collect::<Vec<_>>()),
                DType::Int => Series::new(
                    name,
                    cells
                        .map(|v| match v {
                            Value::Int(i) => Some(*i),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                DType::Date => Series::new(name, cells.map(Value::as_date).collect::<Vec<_>>()),
                DType::Bool => Series::new(
                    name,
                    cells
                        .map(|v| match v {
                            Value::Bool(b) => Some(*b),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
            };
            s.into_column()
        })
        .collect();
    DataFrame::new(n, columns)
}
