//! zstd Parquet shard writer. Only this crate knows Parquet.
#![allow(missing_docs)] // TODO(foundation): filled by the shard writer work.
