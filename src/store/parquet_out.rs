//! Parquet output with arrow-rs: zstd, page statistics, key-value metadata, no wall-clock
//! values (a rerun with the same inputs writes the same bytes).

use crate::error::OutputError;
use crate::period::Period;
use crate::table::Table;
use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
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

/// A frame column as an arrow-rs array (the dataset's five types: text, float, int, date,
/// bool; any other integer type is written as Int64).
fn arrow_column(
    c: &polars::prelude::Column,
) -> polars::prelude::PolarsResult<(DataType, ArrayRef)> {
    use polars::prelude::DataType as P;
    Ok(match c.dtype() {
        P::String => {
            let mut b = StringBuilder::new();
            for v in c.str()?.iter() {
                b.append_option(v);
            }
            (DataType::Utf8, Arc::new(b.finish()) as ArrayRef)
        }
        P::Float64 | P::Float32 => {
            let mut b = Float64Builder::new();
            for v in c.cast(&P::Float64)?.f64()?.iter() {
                b.append_option(v);
            }
            (DataType::Float64, Arc::new(b.finish()) as ArrayRef)
        }
        P::Date => {
            // Days since 1970-01-01, as Parquet's DATE.
            let mut b = Date32Builder::new();
            for v in c.cast(&P::Int32)?.i32()?.iter() {
                b.append_option(v);
            }
            (DataType::Date32, Arc::new(b.finish()) as ArrayRef)
        }
        P::Boolean => {
            let mut b = BooleanBuilder::new();
            for v in c.bool()?.iter() {
                b.append_option(v);
            }
            (DataType::Boolean, Arc::new(b.finish()) as ArrayRef)
        }
        _ => {
            let mut b = Int64Builder::new();
            for v in c.cast(&P::Int64)?.i64()?.iter() {
                b.append_option(v);
            }
            (DataType::Int64, Arc::new(b.finish()) as ArrayRef)
        }
    })
}

/// Serialises a table's frame to Parquet bytes (arrow-rs writes them: zstd, page statistics,
/// key-value metadata, no wall-clock values).
pub fn to_parquet(
    name: &str,
    frame: &polars::prelude::DataFrame,
    meta: &DatasetMeta,
) -> Result<Vec<u8>, OutputError> {
    let arrow_err = |source| OutputError::Arrow {
        table: name.to_string(),
        source,
    };
    let frame_err = |source| OutputError::Frame {
        table: name.to_string(),
        source,
    };
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for c in frame.columns() {
        let (dtype, array) = arrow_column(c).map_err(frame_err)?;
        fields.push(Field::new(c.name().as_str(), dtype, true));
        arrays.push(array);
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(arrow_err)?;
    let t_name = name;
    let kv = vec![
        KeyValue::new(
            "zhaoshang.schema_version".into(),
            SCHEMA_VERSION.to_string(),
        ),
        KeyValue::new("zhaoshang.table".into(), t_name.to_string()),
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
        path: PathBuf::from(t_name),
        source,
    };
    let mut w = ArrowWriter::try_new(&mut buf, schema, Some(props)).map_err(pq_err)?;
    w.write(&batch).map_err(pq_err)?;
    w.close().map_err(pq_err)?;
    Ok(buf)
}

/// Writes a table (small derived tables: metrics, rejects, changes) into its partition, through
/// its frame.
pub fn write_table(out: &Path, t: &Table, meta: &DatasetMeta) -> Result<PathBuf, OutputError> {
    let frame = t.to_frame().map_err(|source| OutputError::Frame {
        table: t.name.clone(),
        source,
    })?;
    write_frame(out, &t.name, &frame, meta)
}

/// Writes a frame as table `name` into its partition, atomically. Returns the path written.
pub fn write_frame(
    out: &Path,
    name: &str,
    frame: &polars::prelude::DataFrame,
    meta: &DatasetMeta,
) -> Result<PathBuf, OutputError> {
    let path = partition_path(out, name, meta.period);
    let bytes = to_parquet(name, frame, meta).map_err(|e| match e {
        OutputError::Parquet { source, .. } => OutputError::Parquet {
            path: path.clone(),
            source,
        },
        other => other,
    })?;
    super::write_atomic(&path, &bytes)?;
    Ok(path)
}
