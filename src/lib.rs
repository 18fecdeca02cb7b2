//! zhaoshang: the investment-promotion assessment pipeline.
//!
//! Stages, one module each: [`ingest`] (discover and read files) → [`normalise`] (recognise
//! headers, parse values, validate rows) → [`identity`] (snapshots, carry-forward, dedup) →
//! [`assess`] (metrics, targets, ranking) → [`store`] (Parquet and JSON). [`run`] strings them
//! together; [`cli`] is the command line.

pub mod assess;
pub mod cli;
pub mod error;
pub mod identity;
pub mod ingest;
pub mod issue;
pub mod normalise;
pub mod period;
pub mod pipeline;
pub mod query;
pub mod record;
pub mod render;
pub mod run;
pub mod store;
pub mod synth;
pub mod synth_cmd;
pub mod table;
pub mod text;
pub mod validate;
