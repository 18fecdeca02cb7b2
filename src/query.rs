//! The `query` command: SQL (polars SQL) over the dataset's tables, registered from their
//! hive-partitioned Parquet files with `year` and `month` columns.

use polars::prelude::*;
use polars::sql::SQLContext;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("No dataset under `{}` (run `zhaoshang run --out {}` first)", path.display(), out.display())]
    NoDataset { path: PathBuf, out: PathBuf },
    #[error("Failed to scan table `{table}`")]
    Scan {
        table: String,
        #[source]
        source: PolarsError,
    },
    #[error("The query failed (tables in this dataset: {})", tables.join(", "))]
    Sql {
        tables: Vec<String>,
        #[source]
        source: PolarsError,
    },
    #[error("Failed to list the tables under `{}`", path.display())]
    List {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("Failed to write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: PolarsError,
    },
}

/// Runs `sql` over the dataset under `out/dataset`.
pub fn query(out: &Path, sql: &str) -> Result<DataFrame, QueryError> {
    let root = out.join("dataset");
    if !root.is_dir() {
        return Err(QueryError::NoDataset {
            path: root,
            out: out.to_path_buf(),
        });
    }
    // Every table the run wrote (each pipeline declares its own: projects, events_current,
    // indicators_current …), in name order.
    let mut tables: Vec<String> = std::fs::read_dir(&root)
        .map_err(|source| QueryError::List {
            path: root.clone(),
            source,
        })?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| !n.starts_with('.'))
        .collect();
    tables.sort();
    let mut ctx = SQLContext::new();
    for table in &tables {
        let dir = root.join(table);
        let glob = dir.join("**").join("*.parquet");
        let args = ScanArgsParquet {
            hive_options: HiveOptions {
                enabled: Some(true),
                ..Default::default()
            },
            ..Default::default()
        };
        let lf = LazyFrame::scan_parquet(PlRefPath::new(glob.to_string_lossy().as_ref()), args)
            .map_err(|source| QueryError::Scan {
                table: table.clone(),
                source,
            })?;
        ctx.register(table, lf);
    }
    ctx.execute(sql)
        .and_then(|lf| lf.collect())
        .map_err(|source| QueryError::Sql { tables, source })
}

fn cell(v: AnyValue) -> String {
    match v {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// The frame as CSV text (UTF-8, header row, RFC 4180 quoting).
pub fn to_csv(df: &DataFrame) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(df.get_column_names().iter().map(|n| n.as_str()));
    for i in 0..df.height() {
        let row: Vec<String> = df
            .columns()
            .iter()
            .map(|c| c.get(i).map(cell).unwrap_or_default())
            .collect();
        let _ = w.write_record(&row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The frame as a JSON array of objects (numbers as numbers, dates as text).
pub fn to_json(df: &DataFrame) -> serde_json::Value {
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let rows = (0..df.height())
        .map(|i| {
            let obj: serde_json::Map<String, serde_json::Value> = df
                .columns()
                .iter()
                .zip(&names)
                .map(|(c, n)| {
                    let v = match c.get(i) {
                        Ok(AnyValue::Null) | Err(_) => serde_json::Value::Null,
                        Ok(AnyValue::Boolean(b)) => serde_json::Value::Bool(b),
                        Ok(v) if v.is_primitive_numeric() => v
                            .extract::<f64>()
                            .and_then(serde_json::Number::from_f64)
                            .map(serde_json::Value::Number)
                            .unwrap_or(serde_json::Value::Null),
                        Ok(v) => serde_json::Value::String(cell(v)),
                    };
                    (n.clone(), v)
                })
                .collect();
            serde_json::Value::Object(obj)
        })
        .collect();
    serde_json::Value::Array(rows)
}

/// Writes the frame as Parquet.
pub fn write_parquet(df: &mut DataFrame, path: &Path) -> Result<(), QueryError> {
    let err = |source| QueryError::Write {
        path: path.to_path_buf(),
        source,
    };
    let f = std::fs::File::create(path).map_err(|e| err(e.into()))?;
    ParquetWriter::new(f).finish(df).map_err(err)?;
    Ok(())
}
