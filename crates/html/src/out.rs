//! The text both modes build ([`crate::extract_text`], [`crate::plain_text`]): white space
//! collapsed within lines, no empty lines.

/// Text under construction. A space is written only when the next character comes, so no line
/// starts or ends with one.
#[derive(Default)]
pub(crate) struct Text {
    /// The text so far.
    pub(crate) s: String,
    /// A space is due before the next character.
    pub(crate) space: bool,
}

impl Text {
    /// Empty, with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Text {
            s: String::with_capacity(capacity),
            space: false,
        }
    }

    /// Ends the current line, if it has text; a due space is dropped.
    pub(crate) fn newline(&mut self) {
        if !self.s.is_empty() && !self.s.ends_with('\n') {
            self.s.push('\n');
        }
        self.space = false;
    }

    /// A space is due before the next character (none at the start of a line).
    pub(crate) fn space(&mut self) {
        if !self.s.is_empty() && !self.s.ends_with('\n') {
            self.space = true;
        }
    }

    /// Writes the due space, if any (one space at most).
    fn put_space(&mut self) {
        if self.space {
            if !self.s.ends_with(' ') {
                self.s.push(' ');
            }
            self.space = false;
        }
    }

    /// Appends `t` (after the due space, if `t` is not empty).
    pub(crate) fn push_str(&mut self, t: &str) {
        if t.is_empty() {
            return;
        }
        self.put_space();
        self.s.push_str(t);
    }

    /// Appends `c`; white space (and U+00A0) only makes a space due.
    pub(crate) fn push_char(&mut self, c: char) {
        if c == '\u{a0}' || c.is_ascii_whitespace() {
            self.space();
            return;
        }
        self.put_space();
        self.s.push(c);
    }
}
