//! Input configuration, format detection and listing.

use crate::{Error, Pending, PendingRecords, Records};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Input format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    /// Chosen from the file name: `.jsonl`, `.json`, `.ndjson` → [`Jsonl`](Self::Jsonl);
    /// `.warc`, `.wet`, `.arc` → [`Warc`](Self::Warc); `.xml` → [`Mediawiki`](Self::Mediawiki);
    /// each optionally followed by `.gz` or `.zst`/`.zstd` (and `.xml` by `.bz2`); `.parquet`
    /// → [`Parquet`](Self::Parquet).
    #[default]
    Auto,
    /// JSON Lines, plain, gzip or zstd (by extension or magic bytes).
    Jsonl,
    /// WARC or WET, plain or gzip (one or many members).
    Warc,
    /// MediaWiki XML dump, plain, bzip2 (single or multistream), gzip or zstd.
    Mediawiki,
    /// Parquet, one document per row.
    Parquet,
    /// A directory of source code, one document per file; never chosen by `auto` (written
    /// `code_tree` in chain files). Its inputs are directories: list them with
    /// [`list_inputs_for`].
    #[serde(rename = "code_tree")]
    CodeTree,
}

/// How HTML bodies become text (WARC source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HtmlMode {
    /// Main content only: boilerplate removed ([`garbell_html::extract_text`]).
    #[default]
    Main,
    /// All visible text outside a fixed set of boilerplate elements, in one pass
    /// ([`garbell_html::plain_text`]); faster, keeps more.
    Plain,
}

impl HtmlMode {
    /// Turns an HTML document into text in this mode.
    pub fn to_text(self, html: &str) -> String {
        match self {
            HtmlMode::Main => garbell_html::extract_text(html),
            HtmlMode::Plain => garbell_html::plain_text(html),
        }
    }
}

/// How sources read their inputs: the `[source]` table of a chain file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourceConfig {
    /// Input format; `auto` picks by file extension.
    pub format: SourceFormat,
    /// JSONL and Parquet: field (column) holding the text. In JSONL a dotted name that is not a
    /// top-level key is a path through nested objects (`warc_headers.warc-target-uri`).
    pub text_field: String,
    /// JSONL and Parquet: field holding a stable id (when absent, the id is
    /// `<file name>/<record index>`).
    pub id_field: String,
    /// JSONL and Parquet: field holding the URL, if any (empty: none).
    pub url_field: String,
    /// Largest record accepted, in bytes of decompressed data; a larger record is counted as an
    /// error and skipped (protects memory against giant lines and decompression bombs).
    pub max_record_bytes: u64,
    /// WARC: how HTML bodies become text, `main` (main content) or `plain` (all visible text).
    pub html: HtmlMode,
}

impl Default for SourceConfig {
    fn default() -> Self {
        SourceConfig {
            format: SourceFormat::Auto,
            text_field: "text".into(),
            id_field: "id".into(),
            url_field: "url".into(),
            max_record_bytes: 64 << 20,
            html: HtmlMode::Main,
        }
    }
}

impl SourceConfig {
    /// Checks the values: fields named, distinct where they must be, a positive size cap.
    pub fn validate(&self) -> Result<(), Error> {
        if self.text_field.is_empty() {
            return Err(Error::Config("text_field must not be empty".into()));
        }
        if self.text_field == self.id_field || self.text_field == self.url_field {
            return Err(Error::Config(format!(
                "text_field `{}` must differ from id_field and url_field",
                self.text_field
            )));
        }
        if self.max_record_bytes == 0 {
            return Err(Error::Config("max_record_bytes must be positive".into()));
        }
        Ok(())
    }
}

impl SourceFormat {
    /// The format of `path` by its name, for `Auto`.
    pub fn detect(path: &Path) -> Option<SourceFormat> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let base = name
            .strip_suffix(".gz")
            .or_else(|| name.strip_suffix(".zst"))
            .or_else(|| name.strip_suffix(".zstd"))
            .unwrap_or(&name);
        if base.ends_with(".jsonl") || base.ends_with(".json") || base.ends_with(".ndjson") {
            Some(SourceFormat::Jsonl)
        } else if base.ends_with(".warc") || base.ends_with(".wet") || base.ends_with(".arc") {
            Some(SourceFormat::Warc)
        } else if base.ends_with(".xml") || name.ends_with(".xml.bz2") {
            Some(SourceFormat::Mediawiki)
        } else if name.ends_with(".parquet") {
            Some(SourceFormat::Parquet)
        } else {
            None
        }
    }
}

/// Opens one input with the configured format.
pub fn open_source(path: &Path, config: &SourceConfig) -> Result<Records, Error> {
    Ok(Box::new(
        open_source_pending(path, config, 1)?.flat_map(Pending::resolve),
    ))
}

/// Opens one input with the configured format, its records not built yet: JSON Lines, WARC and
/// MediaWiki defer the costly part of each record (JSON parsing, HTML extraction, wikitext
/// conversion) to [`Pending::resolve`], Parquet defers the decoding of each row group (or
/// part of a large one, [`Pending::Many`]); other formats yield built records. Resolved in order,
/// the records are those of [`open_source`]. `threads` is the number of threads the caller
/// resolves records with: above 1, a bzip2 MediaWiki dump is also decompressed ahead by
/// `threads - 1` helper threads, stream by stream.
pub fn open_source_pending(
    path: &Path,
    config: &SourceConfig,
    threads: usize,
) -> Result<PendingRecords, Error> {
    let ready = |r: Result<Records, Error>| -> Result<PendingRecords, Error> {
        Ok(Box::new(r?.map(Pending::Ready)))
    };
    let format = match config.format {
        SourceFormat::Auto => SourceFormat::detect(path).ok_or_else(|| Error::UnknownFormat {
            path: path.display().to_string(),
        })?,
        f => f,
    };
    match format {
        SourceFormat::Jsonl => crate::jsonl::open_pending(path, config),
        SourceFormat::Warc => crate::warc::open_pending(path, config),
        SourceFormat::Mediawiki => crate::mediawiki::open_pending(path, config, threads),
        SourceFormat::Parquet => crate::parquet::open_pending(path, config),
        SourceFormat::CodeTree => ready(crate::code::open(path, config)),
        SourceFormat::Auto => unreachable!("resolved above"),
    }
}

/// Why an input was left out of a listing ([`InputListing::skipped`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A named pipe: opening it would wait for a writer, reading it would consume another
    /// program's data.
    Fifo,
    /// A Unix socket.
    Socket,
    /// A block or character device.
    Device,
    /// A symbolic link that leads back to a directory it is inside of (followed, it would
    /// never end), or a link to itself.
    SymlinkLoop,
    /// A directory already listed through another path (two links to one directory).
    AlreadyListed,
    /// The run's own output directory (or something under it): its shards, markers and JSON
    /// files are not inputs.
    OutputDirectory,
}

impl SkipReason {
    /// A stable name (`fifo`, `socket`, `device`, `symlink_loop`, `already_listed`,
    /// `output_directory`).
    pub fn name(self) -> &'static str {
        match self {
            SkipReason::Fifo => "fifo",
            SkipReason::Socket => "socket",
            SkipReason::Device => "device",
            SkipReason::SymlinkLoop => "symlink_loop",
            SkipReason::AlreadyListed => "already_listed",
            SkipReason::OutputDirectory => "output_directory",
        }
    }

    /// What it means, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::Fifo => "a named pipe (FIFO), not opened",
            SkipReason::Socket => "a socket, not opened",
            SkipReason::Device => "a device, not opened",
            SkipReason::SymlinkLoop => "a symbolic link loop, not followed",
            SkipReason::AlreadyListed => "a directory already listed through another path",
            SkipReason::OutputDirectory => "the output directory of this run",
        }
    }
}

/// An input left out of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedInput {
    /// The path as found.
    pub path: PathBuf,
    /// Why it was left out.
    pub reason: SkipReason,
}

/// The result of [`list_inputs_with`]: the inputs to read, and what was left out and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputListing {
    /// The inputs, sorted and de-duplicated.
    pub files: Vec<PathBuf>,
    /// What was left out, sorted by path: special files (FIFOs, sockets, devices — never
    /// opened), symbolic-link loops, directories reached twice, the output directory. A link
    /// to nothing is not left out: it is listed, and reading it fails naming the path (a
    /// missing input is an error, never a silent gap in the corpus).
    pub skipped: Vec<SkippedInput>,
}

/// How to list inputs ([`list_inputs_with`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// The source format: [`SourceFormat::CodeTree`] lists directories, every other format
    /// files.
    pub format: SourceFormat,
    /// Paths left out with everything under them: a run's output directory, so that a run
    /// whose output is inside an input directory never reads its own shards back. Paths that do
    /// not exist yet are ignored.
    pub exclude: Vec<PathBuf>,
}

/// Expands the given inputs (files, directories, globs) into a sorted, de-duplicated list of
/// files. Directories contribute, recursively, the files whose format [`SourceFormat::detect`]
/// recognises; hidden files and directories are skipped. A path that does not exist is an error.
///
/// An input that does not exist as written and holds `*` or `?` is a glob: `*` and `?` match
/// within one path component, `**` matches any number of components (`dumps/**/*.xml.bz2`,
/// `data/CC-MAIN-*/*.warc.gz`). Every file it matches is listed whatever its name, every
/// directory it matches contributes like a directory given by name, hidden entries are matched
/// only by a pattern component that starts with `.`, and a glob that matches nothing is an error
/// (a typo must not silently make an empty job).
///
/// Special files (FIFOs, sockets, devices) are never listed nor opened, symbolic links to
/// directories are followed with loops cut; [`list_inputs_with`] also says what it left out.
pub fn list_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    Ok(list_inputs_with(paths, &ListOptions::default())?.files)
}

/// [`list_inputs`] for a given format: for [`SourceFormat::CodeTree`] the inputs are the
/// directories themselves (globs expanded to the directories they match, sorted and
/// de-duplicated); for every other format, [`list_inputs`].
pub fn list_inputs_for(paths: &[PathBuf], format: SourceFormat) -> Result<Vec<PathBuf>, Error> {
    let options = ListOptions {
        format,
        exclude: Vec::new(),
    };
    Ok(list_inputs_with(paths, &options)?.files)
}

/// Lists inputs as [`list_inputs_for`] does, leaving out `options.exclude`, and reports what
/// was left out: special files (never opened), symbolic-link loops (never followed),
/// directories reached twice and excluded paths. Links to nothing are listed (their task
/// fails naming the path).
pub fn list_inputs_with(paths: &[PathBuf], options: &ListOptions) -> Result<InputListing, Error> {
    let mut lister = Lister {
        exclude: options
            .exclude
            .iter()
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect(),
        excluded_ids: options
            .exclude
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok().map(|m| file_id(&m)))
            .collect(),
        visited: std::collections::HashSet::new(),
        listing: InputListing::default(),
    };
    for p in paths {
        if !std::fs::exists(p).unwrap_or(false) && is_glob(p) {
            let mut matched = Vec::new();
            glob_matches(p, &mut matched, options.format == SourceFormat::CodeTree)?;
            if matched.is_empty() {
                return Err(garbell_core::PathError::new(
                    p,
                    std::io::Error::new(std::io::ErrorKind::NotFound, "the glob matches no input"),
                )
                .into());
            }
            for m in matched {
                lister.top(&m, options.format)?;
            }
        } else {
            lister.top(p, options.format)?;
        }
    }
    let mut listing = lister.listing;
    listing.files.sort();
    listing.files.dedup();
    listing.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    listing.skipped.dedup();
    Ok(listing)
}

/// A directory's identity (device, inode), to find loops and directories reached twice.
#[cfg(unix)]
fn file_id(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
fn file_id(_: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// Whether a file type is a FIFO, socket or device (never opened by a source).
pub(crate) fn is_special(ft: std::fs::FileType) -> bool {
    special(ft).is_some()
}

/// The special-file reason for a file type, if it is not a regular file or a directory.
fn special(ft: std::fs::FileType) -> Option<SkipReason> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return Some(SkipReason::Fifo);
        }
        if ft.is_socket() {
            return Some(SkipReason::Socket);
        }
        if ft.is_block_device() || ft.is_char_device() {
            return Some(SkipReason::Device);
        }
    }
    let _ = ft;
    None
}

/// Whether an I/O error is "too many levels of symbolic links".
fn is_link_loop(e: &std::io::Error) -> bool {
    // ELOOP on Linux and the BSDs / macOS.
    matches!(e.raw_os_error(), Some(40) | Some(62)) && cfg!(unix)
}

struct Lister {
    /// Canonical excluded paths (for inputs given by name).
    exclude: Vec<PathBuf>,
    /// Excluded directories' identities (for directories met while walking).
    excluded_ids: Vec<(u64, u64)>,
    /// Directories already walked.
    visited: std::collections::HashSet<(u64, u64)>,
    listing: InputListing,
}

impl Lister {
    fn skip(&mut self, path: &Path, reason: SkipReason) {
        self.listing.skipped.push(SkippedInput {
            path: path.to_path_buf(),
            reason,
        });
    }

    fn excluded(&self, path: &Path) -> bool {
        !self.exclude.is_empty()
            && std::fs::canonicalize(path)
                .is_ok_and(|c| self.exclude.iter().any(|e| c.starts_with(e)))
    }

    /// An input given by name (or matched by a glob).
    fn top(&mut self, p: &Path, format: SourceFormat) -> Result<(), Error> {
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) if is_link_loop(&e) => {
                self.skip(p, SkipReason::SymlinkLoop);
                return Ok(());
            }
            Err(e) => {
                if std::fs::symlink_metadata(p).is_ok() {
                    // A link to nothing: listed, so that reading it fails naming the path.
                    self.listing.files.push(p.to_path_buf());
                    return Ok(());
                }
                return Err(garbell_core::PathError::new(p, e).into());
            }
        };
        if let Some(reason) = special(meta.file_type()) {
            self.skip(p, reason);
            return Ok(());
        }
        if self.excluded(p) {
            self.skip(p, SkipReason::OutputDirectory);
            return Ok(());
        }
        if format == SourceFormat::CodeTree {
            self.listing.files.push(p.to_path_buf());
        } else if meta.is_dir() {
            self.walk(p, &meta)?;
        } else {
            self.listing.files.push(p.to_path_buf());
        }
        Ok(())
    }

    /// Walks a directory (iteratively), listing the files whose format is detected.
    fn walk(&mut self, root: &Path, root_meta: &std::fs::Metadata) -> Result<(), Error> {
        // (directory, identities of the directories it is inside of, itself included)
        let root_id = file_id(root_meta);
        if !self.visited.insert(root_id) {
            return Ok(()); // given twice, or inside another input: its files are listed
        }
        let mut stack = vec![(root.to_path_buf(), vec![root_id])];
        while let Some((dir, ancestors)) = stack.pop() {
            let io = |e| Error::from(garbell_core::PathError::new(&dir, e));
            // Entries in name order, and subdirectories walked in that order: which of two
            // paths to one directory is listed does not depend on the file system's order.
            let mut entries = std::fs::read_dir(&dir)
                .map_err(io)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(io)?;
            // Links after the real entries, so a directory linked from its own parent is
            // listed under its real name.
            entries.sort_by_key(|e| (e.file_type().is_ok_and(|t| t.is_symlink()), e.file_name()));
            let mut subdirs = Vec::new();
            for entry in entries {
                if entry.file_name().to_string_lossy().starts_with('.') {
                    continue;
                }
                let path = entry.path();
                let mut ft = entry.file_type().map_err(io)?;
                let mut meta = None;
                let link = ft.is_symlink();
                if link {
                    match std::fs::metadata(&path) {
                        Ok(m) => {
                            ft = m.file_type();
                            meta = Some(m);
                        }
                        Err(e) if is_link_loop(&e) => {
                            self.skip(&path, SkipReason::SymlinkLoop);
                            continue;
                        }
                        Err(_) => {
                            // A link to nothing with an input's name: listed, so that
                            // reading it fails naming the path (never a silent gap).
                            if SourceFormat::detect(&path).is_some() {
                                self.listing.files.push(path);
                            }
                            continue;
                        }
                    }
                }
                if ft.is_dir() {
                    let m = match meta {
                        Some(m) => m,
                        None => std::fs::metadata(&path).map_err(io)?,
                    };
                    let id = file_id(&m);
                    if self.excluded_ids.contains(&id) {
                        self.skip(&path, SkipReason::OutputDirectory);
                    } else if ancestors.contains(&id) {
                        self.skip(&path, SkipReason::SymlinkLoop);
                    } else if !self.visited.insert(id) {
                        if link {
                            self.skip(&path, SkipReason::AlreadyListed);
                        }
                    } else {
                        let mut inside = ancestors.clone();
                        inside.push(id);
                        subdirs.push((path, inside));
                    }
                } else if SourceFormat::detect(&path).is_some() {
                    match special(ft) {
                        Some(reason) => self.skip(&path, reason),
                        None => self.listing.files.push(path),
                    }
                }
            }
            stack.extend(subdirs.into_iter().rev());
        }
        Ok(())
    }
}

fn is_glob(p: &Path) -> bool {
    let s = p.to_string_lossy();
    s.contains('*') || s.contains('?')
}

/// The paths (files and directories; only directories when `dirs_only`) matching `pattern`,
/// found by walking from its longest literal prefix. Matched directories are not entered.
fn glob_matches(pattern: &Path, out: &mut Vec<PathBuf>, dirs_only: bool) -> Result<(), Error> {
    let mut base = PathBuf::new();
    let mut parts: Vec<String> = Vec::new();
    for c in pattern.components() {
        let s = c.as_os_str().to_string_lossy().into_owned();
        if parts.is_empty() && !s.contains(['*', '?']) {
            base.push(c.as_os_str());
        } else {
            parts.push(s);
        }
    }
    if base.as_os_str().is_empty() {
        base.push(".");
    }
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let io = |path: &Path| {
        let at = garbell_core::PathError::at(path.to_path_buf());
        move |e| Error::from(at(e))
    };
    // Iterative walk: (directory, its components relative to `base`).
    let mut stack = vec![(base.clone(), Vec::<String>::new())];
    while let Some((dir, rel)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let entry = entry.map_err(io(&dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let mut rel = rel.clone();
            rel.push(name);
            let is_dir = entry.file_type().map_err(io(&dir))?.is_dir();
            let comps: Vec<&str> = rel.iter().map(String::as_str).collect();
            if glob_match_path(&parts, &comps) && (is_dir || !dirs_only) {
                out.push(entry.path());
            } else if is_dir && glob_prefix_possible(&parts, &comps) {
                stack.push((entry.path(), rel));
            }
        }
    }
    Ok(())
}

/// Whether a directory at `comps` may contain matches (it matches a prefix of the pattern).
fn glob_prefix_possible(parts: &[&str], comps: &[&str]) -> bool {
    // With `**` anywhere, descending is always possible once the literal parts before it match.
    let mut states = vec![0usize];
    for c in comps {
        let mut next = Vec::new();
        for &i in &states {
            match parts.get(i) {
                Some(&"**") => {
                    if !c.starts_with('.') {
                        next.push(i);
                    }
                    if let Some(p) = parts.get(i + 1) {
                        if component_match(p, c) {
                            next.push(i + 2);
                        }
                    }
                }
                Some(p) if component_match(p, c) => next.push(i + 1),
                _ => {}
            }
        }
        next.sort_unstable();
        next.dedup();
        if next.is_empty() {
            return false;
        }
        states = next;
    }
    states.iter().any(|&i| i < parts.len())
}

/// Whether the components `comps` match the pattern `parts` (`**` = any number of components
/// not starting with `.`).
fn glob_match_path(parts: &[&str], comps: &[&str]) -> bool {
    // ok[i]: the first i parts match the components seen so far (NFA over pattern parts).
    let n = parts.len();
    let mut ok = vec![false; n + 1];
    ok[0] = true;
    let close = |ok: &mut Vec<bool>| {
        for i in 0..n {
            if ok[i] && parts[i] == "**" {
                ok[i + 1] = true;
            }
        }
    };
    close(&mut ok);
    for c in comps {
        let mut next = vec![false; n + 1];
        for i in 0..n {
            if !ok[i] {
                continue;
            }
            if parts[i] == "**" {
                if !c.starts_with('.') {
                    next[i] = true;
                }
            } else if component_match(parts[i], c) {
                next[i + 1] = true;
            }
        }
        close(&mut next);
        ok = next;
    }
    ok[n]
}

/// Wildcard match of one component: `*` any run, `?` one character; a name starting with `.`
/// only matches a pattern starting with `.`.
fn component_match(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = name.chars().collect();
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}
