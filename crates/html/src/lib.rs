//! HTML to text for garbell.
//!
//! Two modes:
//! - [`extract_text`] (and [`extract_with`] with [`Options`]): the main-content extractor. A
//!   lenient, linear tokenizer builds a light tree (an arena of element nodes plus a flat event
//!   list, no recursion anywhere, depth capped at 256 nodes); elements are marked as
//!   boilerplate by tag (`nav`, `header`, `footer`, `aside`, `form`), by ARIA role and by
//!   class/id words (`menu`, `breadcrumb`, `sidebar`, `cookie`, `share`, `comment`, ...),
//!   hidden elements are dropped, the main container is chosen among `main`/`article`/
//!   `role=main` and content-named elements when it holds enough of the page's clean text (a
//!   page without one keeps only its paragraph-like elements), link-heavy lists, tables and
//!   blocks are dropped as navigation, and a result under 250 bytes is rendered again with
//!   everything (tables of contents, site maps). `docs/sources.md` has the details and the
//!   measurements against trafilatura. The text keeps
//!   headings and paragraphs on their own lines, list items as `- item` lines, table rows as
//!   `| a | b |` lines and the line breaks of `pre`.
//! - [`plain_text`]: every visible character outside a fixed set of boilerplate elements, in
//!   one pass without a tree; faster, keeps more.
//!
//! Both take any `&str` (malformed markup included) without panicking, in time linear in the
//! input.
//!
//! ```
//! let html = "<html><body><nav><ul><li><a href=/>Home</a></li></ul></nav>\
//!             <main><h1>Title</h1><p>Caf&eacute; i  <b>llet</b>.</p>\
//!             <ul><li>one</li><li>two</li></ul></main>\
//!             <div class=\"cookie-banner\">We use cookies</div></body></html>";
//! assert_eq!(garbell_html::extract_text(html), "Title\nCafé i llet.\n- one\n- two");
//! ```

mod dom;
mod extract;
mod out;
mod plain;

pub use extract::{extract_with, Options};
pub use plain::{char_ref, plain_text};

/// Extracts the main text of an HTML document with the default [`Options`].
pub fn extract_text(html: &str) -> String {
    extract_with(html, &Options::default())
}
