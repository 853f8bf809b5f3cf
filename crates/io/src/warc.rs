//! WARC / WET source.
use crate::{Error, Records, SourceConfig};
use std::path::Path;

/// Opens a WARC or WET input.
pub fn open(_path: &Path, _config: &SourceConfig) -> Result<Records, Error> {
    Ok(Box::new(std::iter::empty())) // TODO(foundation): implemented by the sources work.
}
