//! [`ShardConfig`]: how shards are written.

use crate::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The largest accepted [`ShardConfig::max_bytes_per_row_group`]: 1 GiB.
///
/// Arrow string arrays use 32-bit offsets, so one column of one row group must stay under 2 GiB;
/// a 1 GiB limit plus one document of at most [`MAX_DOCUMENT_BYTES`] always does.
pub const MAX_ROW_GROUP_BYTES_LIMIT: usize = 1 << 30;

/// The largest document the writer accepts, in estimated bytes (all its strings together): 1 GiB.
/// Larger documents are refused with [`Error::InvalidDocument`].
pub const MAX_DOCUMENT_BYTES: usize = 1 << 30;

/// How shards are written. Deserialized from the job's configuration (unknown fields are
/// rejected) and checked with [`ShardConfig::validate`], which [`crate::ShardWriter::create`]
/// also calls.
///
/// Every field has a default, so an empty table is a valid configuration:
///
/// ```
/// let config: garbell_shard::ShardConfig = serde_json::from_str("{}").unwrap();
/// assert_eq!(config, garbell_shard::ShardConfig::default());
/// assert_eq!(config.zstd_level, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShardConfig {
    /// zstd compression level of every column, 1 (fastest) to 22 (smallest). Default 3: on
    /// web text it compresses about as well as gzip -6 at several times the speed.
    pub zstd_level: i32,
    /// A row group is closed when it holds this many documents. Default 20,000. Smaller row
    /// groups let readers (DuckDB, `datasets` streaming) parallelize and skip more finely.
    pub max_rows_per_row_group: usize,
    /// A row group is also closed when the documents buffered for it reach this many
    /// *uncompressed* bytes (all string columns plus 8 bytes per number column). Default 64 MiB,
    /// at most [`MAX_ROW_GROUP_BYTES_LIMIT`]. This is the writer's memory bound: it holds about
    /// twice this (the Arrow buffers, then their encoded pages while the row group is written).
    /// A document that would cross the limit starts a new row group, so a row group exceeds it
    /// only when a single document does.
    pub max_bytes_per_row_group: usize,
    /// Target size in bytes of one data page before compression. Default 1 MiB (the Parquet
    /// default). Smaller pages make point lookups cheaper and files slightly larger.
    pub data_page_size: usize,
    /// Also write each signal named in [`ShardConfig::signal_columns`] as its own nullable
    /// float64 column `signal.<name>`, next to the `signals` JSON column. Default `false`. Used by
    /// "annotate-only" tuning runs, where signals are queried column-wise (DuckDB, pandas).
    pub extra_signal_columns: bool,
    /// The signal names written as `signal.<name>` columns, in this order, when
    /// [`ShardConfig::extra_signal_columns`] is true (it must then be non-empty, without
    /// duplicates or empty names). Ignored when it is false. A document without one of these
    /// signals gets a null there. Default empty.
    pub signal_columns: Vec<String>,
}

impl Default for ShardConfig {
    fn default() -> Self {
        ShardConfig {
            zstd_level: 3,
            max_rows_per_row_group: 20_000,
            max_bytes_per_row_group: 64 << 20,
            data_page_size: 1 << 20,
            extra_signal_columns: false,
            signal_columns: Vec::new(),
        }
    }
}

impl ShardConfig {
    /// Checks every field, so that a bad value fails when the job is submitted, not when the
    /// first shard is written. Returns [`Error::InvalidConfig`] naming the field.
    pub fn validate(&self) -> Result<(), Error> {
        let invalid = |message: String| Err(Error::InvalidConfig { message });
        if !(1..=22).contains(&self.zstd_level) {
            return invalid(format!(
                "zstd_level must be between 1 and 22, not {}",
                self.zstd_level
            ));
        }
        if self.max_rows_per_row_group == 0 {
            return invalid("max_rows_per_row_group must be at least 1".into());
        }
        if self.max_bytes_per_row_group == 0
            || self.max_bytes_per_row_group > MAX_ROW_GROUP_BYTES_LIMIT
        {
            return invalid(format!(
                "max_bytes_per_row_group must be between 1 and {MAX_ROW_GROUP_BYTES_LIMIT}, not {}",
                self.max_bytes_per_row_group
            ));
        }
        if self.data_page_size == 0 {
            return invalid("data_page_size must be at least 1".into());
        }
        if self.extra_signal_columns {
            if self.signal_columns.is_empty() {
                return invalid(
                    "extra_signal_columns is true but signal_columns is empty: list the signals \
                     to write as columns"
                        .into(),
                );
            }
            let mut seen = BTreeSet::new();
            for name in &self.signal_columns {
                if name.is_empty() {
                    return invalid("signal_columns contains an empty name".into());
                }
                if !seen.insert(name.as_str()) {
                    return invalid(format!("signal_columns lists {name:?} twice"));
                }
            }
        }
        Ok(())
    }

    /// The signal names that get their own `signal.<name>` column: [`Self::signal_columns`]
    /// when [`Self::extra_signal_columns`] is true, none otherwise.
    pub fn signal_column_names(&self) -> &[String] {
        if self.extra_signal_columns {
            &self.signal_columns
        } else {
            &[]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid() {
        assert!(ShardConfig::default().validate().is_ok());
    }

    #[test]
    fn bad_values_are_rejected_with_the_field_name() {
        let cases: Vec<(ShardConfig, &str)> = vec![
            (
                ShardConfig {
                    zstd_level: 0,
                    ..Default::default()
                },
                "zstd_level",
            ),
            (
                ShardConfig {
                    zstd_level: 23,
                    ..Default::default()
                },
                "zstd_level",
            ),
            (
                ShardConfig {
                    max_rows_per_row_group: 0,
                    ..Default::default()
                },
                "max_rows",
            ),
            (
                ShardConfig {
                    max_bytes_per_row_group: 0,
                    ..Default::default()
                },
                "max_bytes",
            ),
            (
                ShardConfig {
                    max_bytes_per_row_group: MAX_ROW_GROUP_BYTES_LIMIT + 1,
                    ..Default::default()
                },
                "max_bytes",
            ),
            (
                ShardConfig {
                    data_page_size: 0,
                    ..Default::default()
                },
                "data_page_size",
            ),
            (
                ShardConfig {
                    extra_signal_columns: true,
                    ..Default::default()
                },
                "signal_columns",
            ),
            (
                ShardConfig {
                    extra_signal_columns: true,
                    signal_columns: vec!["a".into(), "a".into()],
                    ..Default::default()
                },
                "twice",
            ),
            (
                ShardConfig {
                    extra_signal_columns: true,
                    signal_columns: vec![String::new()],
                    ..Default::default()
                },
                "empty name",
            ),
        ];
        for (config, needle) in cases {
            match config.validate() {
                Err(Error::InvalidConfig { message }) => {
                    assert!(
                        message.contains(needle),
                        "{message:?} should mention {needle:?}"
                    )
                }
                other => panic!("{config:?}: expected InvalidConfig, got {other:?}"),
            }
        }
    }

    #[test]
    fn signal_columns_are_ignored_unless_enabled() {
        let config = ShardConfig {
            signal_columns: vec!["x".into()],
            ..Default::default()
        };
        assert!(config.validate().is_ok());
        assert!(config.signal_column_names().is_empty());
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let err = serde_json::from_str::<ShardConfig>(r#"{"zstd_levle": 5}"#);
        assert!(err.is_err());
    }
}
