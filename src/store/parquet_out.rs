//! Parquet output with arrow-rs: zstd, page statistics, key-value metadata, no wall-clock
//! values (a rerun with the same inputs writes the same bytes).

use crate::error::OutputError;
use crate::period::Period;
use crate::record::Value;
use crate::table::{DType, Table};
use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Version of the dataset's schema; bumped when a column changes meaning or type.
pub const SCHEMA_VERSION: &str = "1";

/// Key-value metadata written into every file.
pub struct DatasetMeta<'a> {
    pub pipeline: &'a str,
    pub pipeline_hash: &'a str,
    pub period: Period,
}

/// `<out>/dataset/<table>/year=YYYY/month=MM/part-0.parquet`
pub fn partition_path(out: &Path, table: &str, period: Period) -> PathBuf {
    out.join("dataset")
        .join(table)
        .join(format!("year={:04}", period.year))
        .join(format!("month={:02}", period.month))
        .join("part-0.parquet")
}

fn arrow_type(t: DType) -> DataType {
    match t {
        DType::Text => DataType::Utf8,
        DType::Float => DataType::Float64,
        DType::Int => DataType::Int64,
        DType::Date => DataType::Date32,
        DType::Bool => DataType::Boolean,
    }
}

fn days_since_epoch(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN)).num_days() as i32
}

fn column(t: &Table, c: usize) -> ArrayRef {
    let dtype = t.columns[c].1;
    let vals = t.rows.iter().map(|r| &r[c]);
    match dtype {
        DType::Text => {
            let mut b = StringBuilder::new();
            for v in vals {
                match v {
                    Value::Text(s) => b.append_value(s),
                    _ => b.append_null(),
                }
            }
            Arc::new(b.finish())
        }
        DType::Float => {
            let mut b = Float64Builder::new();
            for v in vals {
                b.append_option(v.as_number());
            }
            Arc::new(b.finish())
        }
        DType::Int => {
            let mut b = Int64Builder::new();
            for v in vals {
                b.append_option(match v {
                    Value::Int(i) => Some(*i),
                    _ => None,
                });
            }
            Arc::new(b.finish())
        }
        DType::Date => {
            let mut b = Date32Builder::new();
            for v in vals {
                b.append_option(v.as_date().map(days_since_epoch));
            }
            Arc::new(b.finish())
        }
        DType::Bool => {
            let mut b = BooleanBuilder::new();
            for v in vals {
                b.append_option(match v {
                    Value::Bool(x) => Some(*x),
                    _ => None,
                });
            }
            Arc::new(b.finish())
        }
    }
}

/// Serialises a table to Parquet bytes.
pub fn to_parquet(t: &Table, meta: &DatasetMeta) -> Result<Vec<u8>, OutputError> {
    let arrow_err = |source| OutputError::Arrow {
        table: t.name.clone(),
        source,
    };
    let schema = Arc::new(Schema::new(
        t.columns
            .iter()
            .map(|(n, d)| Field::new(n, arrow_type(*d), true))
            .collect::<Vec<_>>(),
    ));
    let arrays: Vec<ArrayRef> = (0..t.columns.len()).map(|c| column(t, c)).collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(arrow_err)?;
    let kv = vec![
        KeyValue::new(
            "zhaoshang.schema_version".into(),
            SCHEMA_VERSION.to_string(),
        ),
        KeyValue::new("zhaoshang.table".into(), t.name.clone()),
        KeyValue::new("zhaoshang.pipeline".into(), meta.pipeline.to_string()),
        KeyValue::new(
            "zhaoshang.pipeline_hash".into(),
            meta.pipeline_hash.to_string(),
        ),
        KeyValue::new("zhaoshang.period".into(), meta.period.to_string()),
        KeyValue::new(
            "zhaoshang.tool_version".into(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
    ];
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_key_value_metadata(Some(kv))
        .set_created_by(format!("zhaoshang {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut buf = Vec::new();
    let pq_err = |source| OutputError::Parquet {
        path: PathBuf::from(&t.name),
        source,
    };
    let mut w = ArrowWriter::try_new(&mut buf, schema, Some(props)).map_err(pq_err)?;
    w.write(&batch).map_err(pq_err)?;
    w.close().map_err(pq_err)?;
    Ok(buf)
}

/// Writes a table into its partition, atomically. Returns the path written.
pub fn write_table(out: &Path, t: &Table, meta: &DatasetMeta) -> Result<PathBuf, OutputError> {
    let path = partition_path(out, &t.name, meta.period);
    let bytes = to_parquet(t, meta).map_err(|e| match e {
        OutputError::Parquet { source, .. } => OutputError::Parquet {
            path: path.clone(),
            source,
        },
        other => other,
    })?;
    super::write_atomic(&path, &bytes)?;
    Ok(path)
}
