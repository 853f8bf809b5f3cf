//! HTML to text: the extractors of `garbell-html`, re-exported for the sources.
//!
//! [`html_to_text`] is the main-content extractor ([`garbell_html::extract_text`]); the older
//! one-pass converter that keeps all visible text is [`plain_text`].

pub use garbell_html::{extract_text, extract_with, plain_text, Options};

pub(crate) use garbell_html::char_ref;

/// Extracts the main text of an HTML document (boilerplate removed); see
/// [`garbell_html::extract_text`].
pub fn html_to_text(html: &str) -> String {
    garbell_html::extract_text(html)
}
