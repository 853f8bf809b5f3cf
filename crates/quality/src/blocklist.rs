//! `filter_url_blocklist`: URL and domain blocklists supplied by the user, in the format of the
//! UT1 blacklists of Université Toulouse 1 Capitole (<https://dsi.ut-capitole.fr/blacklists/>,
//! used by OSCAR 22.01+ for its `categories` field): a directory of categories, each a
//! subdirectory with a `domains` and/or a `urls` file, one entry per line; or plain list files.

use crate::common::Error;
use garbell_core::{Document, RecordError, Step, Verdict};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};

/// Parameters of `filter_url_blocklist`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UrlBlocklistConfig {
    /// UT1-style directories: every subdirectory (symbolic links are skipped: UT1 uses them for
    /// category aliases) is a category named after it, with optional `domains` and `urls` files.
    pub dirs: Vec<PathBuf>,
    /// Plain list files: one domain, or URL (an entry with a `/`), per line; the category is the
    /// file name without its extension.
    pub lists: Vec<PathBuf>,
    /// Load only these categories of `dirs` (empty: all); a name that no directory has is an
    /// error.
    pub categories: Vec<String>,
    /// Write `meta.categories` but never drop.
    pub annotate_only: bool,
}

/// Categories of one entry, as a bit set over [`UrlBlocklist::categories`].
type CatSet = u128;

/// Index of an entry's category set in the table of distinct sets (few: most entries have one
/// category), so that an entry takes 8 + 2 bytes instead of 8 + 16.
type SetId = u16;

/// The most categories a blocklist may have (UT1 has about a hundred).
pub const MAX_CATEGORIES: usize = 128;

/// A hasher for keys that are already 64-bit hashes.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

fn key(s: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(s.as_bytes())
}

/// `filter_url_blocklist` — **What**: looks up the document's URL host and each of its parent
/// domains (`a.b.example.com`, `b.example.com`, `example.com`, `com`) in the `domains` lists and
/// the normalized URL in the `urls` lists, and writes the matching categories, sorted, to
/// `meta.categories` (as OSCAR does). **Why**: drops (or labels) adult, malware, phishing, ...
/// sites by the user's lists. **Normalization** (both sides, as UT1/squidGuard compare): the
/// scheme, user info, port, fragment and a trailing `/` are removed, the URL is lowercased, and a
/// leading `www.` (or `www2.`, ...) is removed. Entries are stored as 64-bit xxh3 hashes of their
/// normalized text with the index of its category set (about 20 bytes an entry with the hash
/// table: ~100-150 MB for 5 million domains; a false match needs a 64-bit collision). **Signals**: `blocklist_match` (number of categories). **Reasons**:
/// `blocklist_<category>` (the first category in sorted order). Documents without a URL are
/// kept.
#[derive(Debug)]
pub struct UrlBlocklist {
    domains: HashMap<u64, SetId, BuildHasherDefault<Prehashed>>,
    urls: HashMap<u64, SetId, BuildHasherDefault<Prehashed>>,
    /// The distinct category sets, indexed by [`SetId`].
    sets: Vec<CatSet>,
    categories: Vec<String>,
    reasons: Vec<String>,
    annotate_only: bool,
}

/// `url` normalized as UT1 lists it: no scheme, user info, port, fragment or trailing `/`,
/// lowercase, no leading `www.`/`wwwN.`. Returns the normalized URL and the length of its host.
pub fn normalize_url(url: &str) -> (String, usize) {
    let mut s = url.trim();
    if let Some(i) = s.find("://") {
        if s[..i]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        {
            s = &s[i + 3..];
        }
    }
    if let Some(i) = s.find('#') {
        s = &s[..i];
    }
    let host_end = s.find(['/', '?']).unwrap_or(s.len());
    let (mut host, rest) = s.split_at(host_end);
    if let Some(i) = host.rfind('@') {
        host = &host[i + 1..];
    }
    // A port, but not the inside of an IPv6 literal.
    if let Some(i) = host.rfind(':') {
        if !host[i..].contains(']') {
            host = &host[..i];
        }
    }
    let host = host.trim_end_matches('.').to_lowercase();
    let host = strip_www(&host);
    let rest = rest.trim_end_matches('/');
    let mut out = String::with_capacity(host.len() + rest.len());
    out.push_str(host);
    out.push_str(&rest.to_lowercase());
    (out, host.len())
}

fn strip_www(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix("www") {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if let Some(after) = rest[digits..].strip_prefix('.') {
            if after.contains('.') {
                return after;
            }
        }
    }
    host
}

struct Loader {
    domains: HashMap<u64, SetId, BuildHasherDefault<Prehashed>>,
    urls: HashMap<u64, SetId, BuildHasherDefault<Prehashed>>,
    sets: Vec<CatSet>,
    set_ids: HashMap<CatSet, SetId>,
    categories: Vec<String>,
}

/// Adds `bit` to the set of `k` in `map`, interning the resulting set.
fn add_entry(
    map: &mut HashMap<u64, SetId, BuildHasherDefault<Prehashed>>,
    sets: &mut Vec<CatSet>,
    set_ids: &mut HashMap<CatSet, SetId>,
    k: u64,
    bit: CatSet,
) -> Result<(), Error> {
    let old = map.get(&k).map_or(0, |&i| sets[usize::from(i)]);
    let new = old | bit;
    if new == old {
        return Ok(());
    }
    let id = match set_ids.get(&new) {
        Some(&id) => id,
        None => {
            let id = SetId::try_from(sets.len())
                .map_err(|_| err("more than 65,536 distinct category combinations".into()))?;
            sets.push(new);
            set_ids.insert(new, id);
            id
        }
    };
    map.insert(k, id);
    Ok(())
}

fn err(message: String) -> Error {
    Error {
        step: "filter_url_blocklist",
        param: "dirs/lists",
        message,
    }
}

impl Loader {
    fn category(&mut self, name: &str) -> Result<usize, Error> {
        if let Some(i) = self.categories.iter().position(|c| c == name) {
            return Ok(i);
        }
        if self.categories.len() == MAX_CATEGORIES {
            return Err(err(format!(
                "more than {MAX_CATEGORIES} categories (at {name:?})"
            )));
        }
        self.categories.push(name.to_string());
        Ok(self.categories.len() - 1)
    }

    /// Reads one list file; `urls_only`/`domains_only` say what its entries must be.
    fn file(&mut self, path: &Path, cat: usize, kind: Kind) -> Result<(), Error> {
        let bytes = std::fs::read(path)
            .map_err(|e| err(format!("{}: cannot read: {e}", path.display())))?;
        let bit: CatSet = 1 << cat;
        // One entry a line: reserve once instead of growing (and holding two tables) while
        // millions of entries go in.
        let lines = memchr::memchr_iter(b'\n', &bytes).count() + 1;
        match kind {
            Kind::Domains => self.domains.reserve(lines),
            Kind::Urls => self.urls.reserve(lines),
            Kind::Mixed => {}
        }
        for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
            let at = || format!("{}:{}", path.display(), n + 1);
            let line = std::str::from_utf8(line)
                .map_err(|_| err(format!("{}: not UTF-8", at())))?
                .trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.contains(char::is_whitespace) {
                return Err(err(format!(
                    "{}: {line:?}: an entry has no spaces (one domain or URL per line)",
                    at()
                )));
            }
            let (norm, host_len) = normalize_url(line);
            let is_url = host_len < norm.len();
            if host_len == 0 {
                return Err(err(format!("{}: {line:?}: no host", at())));
            }
            match (kind, is_url) {
                (Kind::Domains, true) => {
                    return Err(err(format!(
                        "{}: {line:?}: a URL in a `domains` file",
                        at()
                    )))
                }
                (Kind::Domains, false) | (Kind::Mixed, false) => {
                    add_entry(
                        &mut self.domains,
                        &mut self.sets,
                        &mut self.set_ids,
                        key(&norm),
                        bit,
                    )?;
                }
                (Kind::Urls, _) | (Kind::Mixed, true) => {
                    add_entry(
                        &mut self.urls,
                        &mut self.sets,
                        &mut self.set_ids,
                        key(&norm),
                        bit,
                    )?;
                }
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Domains,
    Urls,
    Mixed,
}

impl UrlBlocklistConfig {
    /// Checks that every configured path exists (cheap; [`UrlBlocklistConfig::build`] reads
    /// them).
    pub fn check(&self) -> Result<(), Error> {
        if self.dirs.is_empty() && self.lists.is_empty() {
            return Err(err("no `dirs` and no `lists`: nothing to block".into()));
        }
        for d in &self.dirs {
            if !d.is_dir() {
                return Err(err(format!("{}: not a directory", d.display())));
            }
        }
        for f in &self.lists {
            if !f.is_file() {
                return Err(err(format!("{}: not a file", f.display())));
            }
        }
        Ok(())
    }

    /// Reads the lists and builds the step. Errors name the file and line.
    pub fn build(&self) -> Result<UrlBlocklist, Error> {
        self.check()?;
        let mut l = Loader {
            domains: HashMap::default(),
            urls: HashMap::default(),
            sets: vec![0],
            set_ids: HashMap::from([(0, 0)]),
            categories: Vec::new(),
        };
        let mut found = vec![false; self.categories.len()];
        for dir in &self.dirs {
            let io = |e: std::io::Error| err(format!("{}: {e}", dir.display()));
            let mut subdirs = Vec::new();
            for entry in std::fs::read_dir(dir).map_err(io)? {
                let entry = entry.map_err(io)?;
                let ty = entry.file_type().map_err(io)?;
                if ty.is_dir() {
                    subdirs.push(entry.path());
                }
            }
            subdirs.sort();
            for sub in subdirs {
                let name = sub
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if !self.categories.is_empty() {
                    match self.categories.iter().position(|c| *c == name) {
                        Some(i) => found[i] = true,
                        None => continue,
                    }
                }
                let (d, u) = (sub.join("domains"), sub.join("urls"));
                if !d.is_file() && !u.is_file() {
                    continue;
                }
                let cat = l.category(&name)?;
                if d.is_file() {
                    l.file(&d, cat, Kind::Domains)?;
                }
                if u.is_file() {
                    l.file(&u, cat, Kind::Urls)?;
                }
            }
        }
        if let Some(i) = found.iter().position(|f| !f) {
            return Err(err(format!(
                "category {:?} is in no directory of `dirs`",
                self.categories[i]
            )));
        }
        for f in &self.lists {
            let name = f
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let cat = l.category(&name)?;
            l.file(f, cat, Kind::Mixed)?;
        }
        let reasons = l
            .categories
            .iter()
            .map(|c| format!("blocklist_{c}"))
            .collect();
        let mut domains = l.domains;
        let mut urls = l.urls;
        domains.shrink_to_fit();
        urls.shrink_to_fit();
        Ok(UrlBlocklist {
            domains,
            urls,
            sets: l.sets,
            categories: l.categories,
            reasons,
            annotate_only: self.annotate_only,
        })
    }
}

impl UrlBlocklist {
    /// Number of domain and URL entries.
    pub fn len(&self) -> (usize, usize) {
        (self.domains.len(), self.urls.len())
    }

    /// True when no entry was loaded.
    pub fn is_empty(&self) -> bool {
        self.domains.is_empty() && self.urls.is_empty()
    }

    /// The categories `url` matches, sorted by name.
    pub fn lookup(&self, url: &str) -> Vec<&str> {
        let (norm, host_len) = normalize_url(url);
        let host = &norm[..host_len];
        let set_of = |id: Option<&SetId>| id.map_or(0, |&i| self.sets[usize::from(i)]);
        let mut set: CatSet = set_of(self.urls.get(&key(&norm)));
        let mut d = host;
        loop {
            if !d.is_empty() {
                set |= set_of(self.domains.get(&key(d)));
            }
            match d.find('.') {
                Some(i) => d = &d[i + 1..],
                None => break,
            }
        }
        let mut out: Vec<&str> = (0..self.categories.len())
            .filter(|i| set & (1 << i) != 0)
            .map(|i| self.categories[i].as_str())
            .collect();
        out.sort_unstable();
        out
    }
}

impl Step for UrlBlocklist {
    fn name(&self) -> &str {
        "filter_url_blocklist"
    }

    fn apply(&self, doc: &mut Document) -> Result<Verdict, RecordError> {
        let Some(url) = doc.url.as_deref() else {
            return Ok(Verdict::Keep);
        };
        let cats = self.lookup(url);
        crate::common::put(doc, "blocklist_match", cats.len() as f64);
        let Some(first) = cats.first() else {
            return Ok(Verdict::Keep);
        };
        let reason = self
            .categories
            .iter()
            .position(|c| c == first)
            .map(|i| self.reasons[i].clone())
            .unwrap_or_default();
        let list = cats.iter().map(|c| serde_json::Value::from(*c)).collect();
        doc.meta
            .insert("categories".into(), serde_json::Value::Array(list));
        Ok(if self.annotate_only {
            Verdict::Keep
        } else {
            Verdict::Drop(Cow::Owned(reason))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_follows_ut1() {
        assert_eq!(
            normalize_url("HTTPS://User@WWW.Example.COM:8080/A/b/#frag"),
            ("example.com/a/b".to_string(), 11)
        );
        assert_eq!(
            normalize_url("www2.example.org"),
            ("example.org".into(), 11)
        );
        // `www.com` is a domain, not a prefix.
        assert_eq!(normalize_url("www.com/"), ("www.com".into(), 7));
        assert_eq!(
            normalize_url("example.com?q=1"),
            ("example.com?q=1".into(), 11)
        );
        assert_eq!(normalize_url("http://[::1]:80/x"), ("[::1]/x".into(), 5));
    }
}
