//! Chain text shared by the test crates (`mod chains` in `tests/common`, `#[path]` to this file
//! elsewhere, as `ci.rs`).

/// The steps a test chain over languages starts with: normalize, identify the language, keep
/// the configured languages. A chain's own steps follow.
pub const LANGUAGE_STEPS: &str = r#"[[steps]]
step = "normalize"
[[steps]]
step = "identify_language"
[[steps]]
step = "filter_language"
"#;
