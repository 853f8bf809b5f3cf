//! The one schema of every shard. See the crate docs for the table.

use arrow_schema::{DataType, Field, Schema, SchemaRef};
use std::sync::Arc;

/// Version of the shard schema, stored in each file's key-value metadata under
/// [`SCHEMA_VERSION_KEY`]. Bumped when a column is added, removed or changes meaning.
pub const SCHEMA_VERSION: &str = "1";

/// Key of the Parquet key-value metadata entry holding [`SCHEMA_VERSION`].
pub const SCHEMA_VERSION_KEY: &str = "garbell.shard_schema";

/// Prefix of the optional per-signal columns (`signal.<name>`).
pub const SIGNAL_COLUMN_PREFIX: &str = "signal.";

/// Column names, in file order.
pub mod columns {
    /// `id`, utf8, not null: the document's stable identifier.
    pub const ID: &str = "id";
    /// `text`, utf8, not null: the document's text.
    pub const TEXT: &str = "text";
    /// `lang`, utf8, not null: language code (`ca`, `other`, `und`, ...).
    pub const LANG: &str = "lang";
    /// `lang_score`, float32, not null: confidence of the language decision.
    pub const LANG_SCORE: &str = "lang_score";
    /// `source`, utf8, not null: the source adapter (`jsonl`, `warc`, ...).
    pub const SOURCE: &str = "source";
    /// `url`, utf8, nullable.
    pub const URL: &str = "url";
    /// `meta`, utf8, nullable: the metadata map as a compact JSON object; null when empty.
    pub const META: &str = "meta";
    /// `signals`, utf8, nullable: the signals as a JSON object with sorted keys; null when empty.
    pub const SIGNALS: &str = "signals";
    /// `input`, utf8, not null: the input file the document was read from.
    pub const INPUT: &str = "input";
    /// `record`, int64, not null: index of the record in its input.
    pub const RECORD: &str = "record";
    /// `offset`, int64, not null: byte offset of the record in its input.
    pub const OFFSET: &str = "offset";
}

/// The columns every shard has, in file order. Optional `signal.<name>` columns follow them.
pub const BASE_COLUMNS: [&str; 11] = [
    columns::ID,
    columns::TEXT,
    columns::LANG,
    columns::LANG_SCORE,
    columns::SOURCE,
    columns::URL,
    columns::META,
    columns::SIGNALS,
    columns::INPUT,
    columns::RECORD,
    columns::OFFSET,
];

/// The Arrow type and nullability of a base column, or `None` for another name.
pub(crate) fn base_column_type(name: &str) -> Option<(DataType, bool)> {
    Some(match name {
        columns::ID | columns::TEXT | columns::LANG | columns::SOURCE | columns::INPUT => {
            (DataType::Utf8, false)
        }
        columns::URL | columns::META | columns::SIGNALS => (DataType::Utf8, true),
        columns::LANG_SCORE => (DataType::Float32, false),
        columns::RECORD | columns::OFFSET => (DataType::Int64, false),
        _ => return None,
    })
}

/// The Arrow schema of a shard whose extra signal columns are `signal_columns` (empty for the
/// plain schema; pass [`crate::ShardConfig::signal_column_names`]).
///
/// ```
/// let schema = garbell_shard::arrow_schema(&["word_count".to_string()]);
/// assert_eq!(schema.field(0).name(), "id");
/// assert_eq!(schema.fields().len(), 12);
/// assert_eq!(schema.field(11).name(), "signal.word_count");
/// ```
pub fn arrow_schema(signal_columns: &[String]) -> SchemaRef {
    let mut fields: Vec<Field> = BASE_COLUMNS
        .iter()
        .filter_map(|name| {
            base_column_type(name).map(|(ty, nullable)| Field::new(*name, ty, nullable))
        })
        .collect();
    fields.extend(signal_columns.iter().map(|s| {
        Field::new(
            format!("{SIGNAL_COLUMN_PREFIX}{s}"),
            DataType::Float64,
            true,
        )
    }));
    Arc::new(Schema::new(fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_base_column_has_a_type() {
        assert_eq!(arrow_schema(&[]).fields().len(), BASE_COLUMNS.len());
    }
}
