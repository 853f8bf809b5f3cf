//! Per-language quality thresholds in `languages/<iso>.toml`.
//!
//! Shape (the configuration loader checks these tables; the pipeline applies them per language):
//!
//! ```toml
//! [quality.filter_gopher_quality]
//! # garbell tune: 1840 ca docs of runs/ca-annotated; kept docs 1210 -> 1395, tokens ...
//! min_doc_words = 30
//! ```
//!
//! One table per step, keys are that step's parameters; they apply to documents of this
//! language over the chain's values. Files are edited with `toml_edit`, so comments, order and
//! provenance notes already there are kept.

use crate::rules::{Override, Overrides};
use crate::Error;
use serde_json::Value;
use std::path::Path;
use toml_edit::{DocumentMut, Item, Table};

/// The `[quality.<step>]` tables of a language file as overrides (in file order). A missing
/// file or table gives none.
pub fn read_quality(path: &Path) -> Result<Overrides, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Overrides::default()),
        Err(e) => return Err(Error::io(path, e)),
    };
    let doc: toml::Table = toml::from_str(&text).map_err(|e| Error::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut out = Vec::new();
    if let Some(q) = doc.get("quality").and_then(|q| q.as_table()) {
        for (step, params) in q {
            let Some(params) = params.as_table() else {
                return Err(Error::Format {
                    path: path.to_path_buf(),
                    message: format!("`quality.{step}` must be a table of parameters"),
                });
            };
            for (param, v) in params {
                out.push(Override {
                    step: step.clone(),
                    param: param.clone(),
                    from_profile: true,
                    value: serde_json::to_value(v).map_err(|e| Error::Format {
                        path: path.to_path_buf(),
                        message: e.to_string(),
                    })?,
                });
            }
        }
    }
    Ok(Overrides(out))
}

fn to_toml(v: &Value) -> Option<toml_edit::Value> {
    Some(match v {
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64()?.into(),
        },
        Value::String(s) => s.as_str().into(),
        Value::Array(a) => {
            let mut arr = toml_edit::Array::new();
            for x in a {
                arr.push(to_toml(x)?);
            }
            arr.into()
        }
        Value::Null | Value::Object(_) => return None,
    })
}

/// Sets `[quality.<step>] <param> = <value>` for each override in the language file's text,
/// with `provenance` as a comment line above each key written (a previous provenance comment of
/// that key is replaced; every other comment stays). Returns the new text.
pub fn set_quality(text: &str, overrides: &Overrides, provenance: &str) -> Result<String, String> {
    let mut doc: DocumentMut = text.parse().map_err(|e| format!("not TOML: {e}"))?;
    for o in &overrides.0 {
        let value = to_toml(&o.value).ok_or_else(|| {
            format!(
                "{}: cannot write {} (no TOML null: use 0 to switch a minimum off)",
                o.to_arg(),
                o.value
            )
        })?;
        let quality = doc
            .entry("quality")
            .or_insert_with(|| {
                let mut t = Table::new();
                t.set_implicit(true);
                Item::Table(t)
            })
            .as_table_mut()
            .ok_or("`quality` is not a table")?;
        let step = quality
            .entry(&o.step)
            .or_insert_with(|| Item::Table(Table::new()))
            .as_table_mut()
            .ok_or_else(|| format!("`quality.{}` is not a table", o.step))?;
        let old_prefix = step
            .key(&o.param)
            .and_then(|k| k.leaf_decor().prefix())
            .and_then(|p| p.as_str())
            .map(str::to_string)
            .unwrap_or_default();
        step.insert(&o.param, Item::Value(value));
        // Keep the key's own comments, replacing only an earlier `# garbell tune:` line.
        let kept: String = old_prefix
            .lines()
            .filter(|l| !l.trim_start().starts_with("# garbell tune:"))
            .map(|l| format!("{l}\n"))
            .collect();
        let comment: String = provenance
            .lines()
            .map(|l| format!("# garbell tune: {l}\n"))
            .collect();
        if let Some(mut k) = step.key_mut(&o.param) {
            k.leaf_decor_mut().set_prefix(format!("{kept}{comment}"));
        }
    }
    Ok(doc.to_string())
}

/// [`set_quality`] on a file, written through a temporary file and a rename.
pub fn write_quality(path: &Path, overrides: &Overrides, provenance: &str) -> Result<(), Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let new = set_quality(&text, overrides, provenance).map_err(|message| Error::Format {
        path: path.to_path_buf(),
        message,
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, new).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}
