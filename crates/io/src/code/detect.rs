//! Programming language of a source file from its name and content: modelines, `#!` lines and
//! content rules for ambiguous extensions, driven by `languages/code/detect.toml` (the order and
//! the facts are described there and in docs/sources.md; they follow GitHub Linguist).

use super::LanguageTable;
use crate::Error;
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The committed detection rules.
const DETECT_TOML: &str = include_str!("../../../../languages/code/detect.toml");

/// Bytes of a file the content rules see.
const RULE_PROBE: usize = 128 << 10;
/// Lines at the start and at the end of a file searched for a Vim modeline.
const MODELINE_LINES: usize = 5;
/// Bytes at the start of a file enough for the `#!` line and the Emacs modeline; also the
/// head read of a file whose name gives no language.
pub(crate) const HEAD_PROBE: usize = 4 << 10;
/// Bytes at the end of a file read for a Vim modeline.
pub(crate) const TAIL_PROBE: usize = 1 << 10;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DetectFile {
    #[serde(default)]
    interpreters: BTreeMap<String, String>,
    #[serde(default)]
    modes: BTreeMap<String, String>,
    #[serde(default)]
    heuristics: Vec<GroupToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupToml {
    extensions: Vec<String>,
    rules: Vec<RuleToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleToml {
    language: String,
    pattern: Option<String>,
    negative_pattern: Option<String>,
}

#[derive(Debug)]
struct Rule {
    language: String,
    pattern: Option<Regex>,
    negative: Option<Regex>,
}

/// What a file's name says about its language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameGuess<'a> {
    /// One language (an exact file name or an unambiguous extension).
    Known(&'a str),
    /// An extension that content rules settle (`h`, `m`, `pl`, ...).
    Ambiguous,
    /// Nothing: only a modeline or a `#!` line can tell.
    Unknown,
}

/// Detects the programming language of files (Linguist names).
#[derive(Debug)]
pub struct Detector {
    table: LanguageTable,
    interpreters: BTreeMap<String, String>,
    modes: BTreeMap<String, String>,
    /// Language names of the extension table, lower case -> name.
    names: BTreeMap<String, String>,
    /// Extension (lower case, no dot) -> index in `groups`.
    heuristics: BTreeMap<String, usize>,
    /// Content rules, one list per group of extensions.
    groups: Vec<Vec<Rule>>,
}

fn compile(what: &str, pattern: &str) -> Result<Regex, Error> {
    Regex::new(&format!("(?m){pattern}"))
        .map_err(|e| Error::Config(format!("code detection rule for {what}: {e}")))
}

impl Detector {
    /// The committed rules and tables (`languages/code/extensions.toml`, `detect.toml`).
    pub fn builtin() -> &'static Detector {
        static DETECTOR: OnceLock<Detector> = OnceLock::new();
        DETECTOR.get_or_init(|| {
            // Both files are committed and parsed by a test; tables alone are the fallback.
            Detector::new(LanguageTable::builtin().clone(), DETECT_TOML).unwrap_or_else(|_| {
                Detector {
                    table: LanguageTable::builtin().clone(),
                    interpreters: BTreeMap::new(),
                    modes: BTreeMap::new(),
                    names: BTreeMap::new(),
                    heuristics: BTreeMap::new(),
                    groups: Vec::new(),
                }
            })
        })
    }

    /// A detector over a language table and rules in the format of `detect.toml`.
    pub fn new(table: LanguageTable, rules_toml: &str) -> Result<Detector, Error> {
        let file: DetectFile = toml::from_str(rules_toml)
            .map_err(|e| Error::Config(format!("code detection rules: {e}")))?;
        let mut groups = Vec::with_capacity(file.heuristics.len());
        let mut heuristics = BTreeMap::new();
        for g in file.heuristics {
            let mut rules = Vec::with_capacity(g.rules.len());
            for r in g.rules {
                let what = format!("{} ({})", r.language, g.extensions.join(", "));
                rules.push(Rule {
                    pattern: r
                        .pattern
                        .as_deref()
                        .map(|p| compile(&what, p))
                        .transpose()?,
                    negative: r
                        .negative_pattern
                        .as_deref()
                        .map(|p| compile(&what, p))
                        .transpose()?,
                    language: r.language,
                });
            }
            for ext in g.extensions {
                let ext = ext.trim_start_matches('.').to_ascii_lowercase();
                if heuristics.insert(ext.clone(), groups.len()).is_some() {
                    return Err(Error::Config(format!(
                        "code detection rules: extension `{ext}` in two groups"
                    )));
                }
            }
            groups.push(rules);
        }
        let names = table
            .languages()
            .chain(file.interpreters.values().map(String::as_str))
            .chain(file.modes.values().map(String::as_str))
            .map(|l| (l.to_lowercase(), l.to_string()))
            .collect();
        Ok(Detector {
            table,
            interpreters: file.interpreters,
            modes: file.modes,
            names,
            heuristics,
            groups,
        })
    }

    /// The extension whose rules apply to `file_name` (the longest dotted suffix with rules).
    fn ambiguous_extension(&self, file_name: &str) -> Option<&[Rule]> {
        let lower = file_name.to_ascii_lowercase();
        let mut rest = lower.as_str();
        while let Some((_, ext)) = rest.split_once('.') {
            if let Some(&g) = self.heuristics.get(ext) {
                return self.groups.get(g).map(Vec::as_slice);
            }
            rest = ext;
        }
        None
    }

    /// What the name alone says.
    pub fn by_name(&self, file_name: &str) -> NameGuess<'_> {
        if let Some(l) = self.table.by_filename(file_name) {
            return NameGuess::Known(l);
        }
        if self.ambiguous_extension(file_name).is_some() {
            return NameGuess::Ambiguous;
        }
        match self.table.by_extension(file_name) {
            Some(l) => NameGuess::Known(l),
            None => NameGuess::Unknown,
        }
    }

    /// The language of a file from its name and content (the whole file, or its first
    /// [`HEAD_PROBE`] bytes followed by its last [`TAIL_PROBE`] bytes): modeline, exact file
    /// name, `#!` interpreter, then extension (content rules for ambiguous ones). `None`: no
    /// language.
    pub fn detect(&self, file_name: &str, content: &[u8]) -> Option<&str> {
        if let Some(l) = self.modeline(content) {
            return Some(l);
        }
        if let Some(l) = self.table.by_filename(file_name) {
            return Some(l);
        }
        if let Some(l) = self.shebang(content) {
            return Some(l);
        }
        if let Some(rules) = self.ambiguous_extension(file_name) {
            let text = String::from_utf8_lossy(&content[..content.len().min(RULE_PROBE)]);
            for r in rules {
                let pos = r.pattern.as_ref().is_none_or(|p| p.is_match(&text));
                let neg = r.negative.as_ref().is_some_and(|p| p.is_match(&text));
                if pos && !neg {
                    return Some(&r.language);
                }
            }
        }
        self.table.by_extension(file_name)
    }

    /// A language name for an editor mode or interpreter name.
    fn mode_language(&self, mode: &str) -> Option<&str> {
        let m = mode.trim().to_lowercase();
        let m = m.strip_suffix("-mode").unwrap_or(&m);
        self.modes
            .get(m)
            .or_else(|| self.interpreters.get(m))
            .or_else(|| self.names.get(m))
            .map(String::as_str)
    }

    /// The language named by an Emacs (first line, second after `#!`) or Vim (first or last
    /// five lines) modeline.
    pub fn modeline(&self, content: &[u8]) -> Option<&str> {
        let head = &content[..content.len().min(HEAD_PROBE)];
        let mut lines = head.split(|&b| b == b'\n');
        let first = lines.next().unwrap_or_default();
        let emacs_line = if first.starts_with(b"#!") {
            lines.next().unwrap_or_default()
        } else {
            first
        };
        if let Some(mode) = emacs_mode(&String::from_utf8_lossy(emacs_line)) {
            if let Some(l) = self.mode_language(&mode) {
                return Some(l);
            }
        }
        let head_lines = head.split(|&b| b == b'\n').take(MODELINE_LINES);
        let tail = &content[content.len().saturating_sub(TAIL_PROBE)..];
        let tail_lines = tail
            .split(|&b| b == b'\n')
            .rev()
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .take(MODELINE_LINES);
        for line in head_lines.chain(tail_lines) {
            if let Some(ft) = vim_filetype(&String::from_utf8_lossy(line)) {
                if let Some(l) = self.mode_language(&ft) {
                    return Some(l);
                }
            }
        }
        None
    }

    /// The language of the `#!` interpreter.
    pub fn shebang(&self, content: &[u8]) -> Option<&str> {
        let line = content.strip_prefix(b"#!")?;
        let end = memchr::memchr(b'\n', line).unwrap_or(line.len());
        let line = String::from_utf8_lossy(&line[..end]);
        let mut words = line.split_whitespace();
        let mut command = basename(words.next()?);
        if command == "env" {
            // `env [-i] [-S] [-u NAME] [NAME=VALUE]... COMMAND [ARG]...`; with -S the rest is
            // split into words, which split_whitespace already did.
            let mut next = words.next()?;
            loop {
                if next == "-u" || next == "--unset" || next == "-C" || next == "--chdir" {
                    words.next()?;
                } else if let Some(glued) = next.strip_prefix("-S").filter(|g| !g.is_empty()) {
                    next = glued;
                    continue;
                } else if !(next.starts_with('-') || next.contains('=')) {
                    break;
                }
                next = words.next()?;
            }
            command = basename(next);
        }
        if command == "sh" {
            if let Some(l) = self.exec_trick(content) {
                return Some(l);
            }
        }
        self.interpreter(command)
    }

    /// `#!/bin/sh` scripts that re-run themselves with another interpreter
    /// (`exec tclsh "$0" "$@"`, Linguist's shebang strategy) within their first five lines.
    fn exec_trick(&self, content: &[u8]) -> Option<&str> {
        let head = String::from_utf8_lossy(&content[..content.len().min(HEAD_PROBE)]);
        for line in head.lines().skip(1).take(MODELINE_LINES) {
            let Some(rest) = line.trim_start().strip_prefix("exec ") else {
                continue;
            };
            if !rest.contains("$0") {
                continue;
            }
            let command = basename(rest.split_whitespace().next()?);
            if command != "sh" {
                return self.interpreter(command);
            }
        }
        None
    }

    /// An interpreter's language, also with a trailing version removed (`python3.11`).
    fn interpreter(&self, command: &str) -> Option<&str> {
        if let Some(l) = self.interpreters.get(command) {
            return Some(l);
        }
        let bare = command.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
        let bare = bare.strip_suffix('-').unwrap_or(bare);
        if bare != command && !bare.is_empty() {
            if let Some(l) = self.interpreters.get(bare) {
                return Some(l);
            }
            // `python3.11` -> `python3`: keep the major version.
            let major: String = command.split('.').next().unwrap_or(command).to_string();
            return self.interpreters.get(&major).map(String::as_str);
        }
        None
    }
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The mode of an Emacs `-*- ... -*-` line: `-*- mode: perl; tab-width: 4 -*-` or `-*- perl -*-`.
fn emacs_mode(line: &str) -> Option<String> {
    let start = line.find("-*-")? + 3;
    let len = line[start..].find("-*-")?;
    let inner = line[start..start + len].trim();
    if !inner.contains(':') {
        return (!inner.is_empty()).then(|| inner.to_string());
    }
    inner.split(';').find_map(|var| {
        let (k, v) = var.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("mode")
            .then(|| v.trim().to_string())
    })
}

/// The filetype of a Vim modeline: `vim: set ft=sh:`, `vi: syntax=perl`, `ex: filetype=sh`,
/// `vim600: ft=c` (`vi`, `vim`, `Vim` or `ex` after the line start or a blank).
fn vim_filetype(line: &str) -> Option<String> {
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(i) = line[from..].find(':').map(|i| i + from) {
        from = i + 1;
        // The word before the colon.
        let word_start = line[..i]
            .rfind(|c: char| c.is_whitespace())
            .map_or(0, |j| j + 1);
        let word = &line[word_start..i];
        let is_marker = match word {
            "vi" | "vim" | "Vim" => true,
            "ex" => word_start > 0,
            w => {
                (w.starts_with("vim") || w.starts_with("Vim"))
                    && w[3..]
                        .trim_start_matches(['<', '=', '>'])
                        .bytes()
                        .all(|b| b.is_ascii_digit())
                    && w.len() > 3
            }
        };
        if !is_marker || (word_start > 0 && !bytes[word_start - 1].is_ascii_whitespace()) {
            continue;
        }
        let rest = line[i + 1..].trim_start();
        let rest = rest
            .strip_prefix("set ")
            .or_else(|| rest.strip_prefix("se "))
            .unwrap_or(rest);
        for opt in rest.split(|c: char| c == ':' || c.is_whitespace()) {
            if let Some((k, v)) = opt.split_once('=') {
                if matches!(k, "ft" | "filetype" | "syntax" | "syn") && !v.is_empty() {
                    return Some(v.to_string());
                }
            }
        }
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use super::*;

    fn d() -> &'static Detector {
        let fresh = Detector::new(LanguageTable::builtin().clone(), DETECT_TOML).unwrap();
        assert!(fresh.heuristics.len() >= 10 && fresh.interpreters.len() > 50);
        Detector::builtin()
    }

    #[test]
    fn shebangs() {
        let d = d();
        let cases: &[(&str, Option<&str>)] = &[
            ("#!/bin/sh\necho", Some("Shell")),
            ("#! /bin/bash -e\n", Some("Shell")),
            ("#!/usr/bin/env python3\n", Some("Python")),
            ("#!/usr/bin/python3.11 -u\n", Some("Python")),
            ("#!/usr/bin/env -S python3 -u\n", Some("Python")),
            ("#!/usr/bin/env -S PYTHONPATH=x perl -w\n", Some("Perl")),
            ("#!/usr/bin/env -i LC_ALL=C ruby\n", Some("Ruby")),
            ("#!/usr/bin/perl5.36 -w\n", Some("Perl")),
            ("#!/usr/bin/tclsh8.6\n", Some("Tcl")),
            (
                "#!/bin/sh\n# the next line restarts using wish \\\nexec wish \"$0\" \"$@\"\n",
                Some("Tcl"),
            ),
            ("#!/usr/bin/env node\n", Some("JavaScript")),
            ("#!/usr/bin/make -f\n", Some("Makefile")),
            ("#!/usr/bin/awk -f\n", Some("Awk")),
            ("#!/usr/bin/frobnicate\n", None),
            ("#!/usr/bin/env\n", None),
            ("# not a shebang\n", None),
        ];
        for (text, want) in cases {
            assert_eq!(d.shebang(text.as_bytes()), *want, "{text:?}");
        }
    }

    #[test]
    fn modelines() {
        let d = d();
        let cases: &[(&str, Option<&str>)] = &[
            (
                "# foo(1) completion  -*- shell-script -*-\n_foo() { :; }\n",
                Some("Shell"),
            ),
            (
                "#!/usr/bin/env python\n# -*- mode: python; coding: utf-8 -*-\n",
                Some("Python"),
            ),
            ("// -*- C++ -*-\n#pragma once\n", Some("C++")),
            ("/* -*- Mode: C; tab-width: 4 -*- */\n", Some("C")),
            ("# -*- coding: utf-8 -*-\nx = 1\n", None),
            (
                "_foo() { :; }\ncomplete -F _foo foo\n\n# ex: filetype=sh\n",
                Some("Shell"),
            ),
            ("x\n# vim: set ft=perl :\n", Some("Perl")),
            ("x\n// vim: ts=4 sw=4 syntax=cpp\n", Some("C++")),
            ("x\n# vim600: set filetype=ruby:\n", Some("Ruby")),
            ("x\n# vim: set ts=4 sw=4:\n", None),
            ("index: ft=python\n", None),
            ("x\n# vim: set ft=nosuchlang:\n", None),
        ];
        for (text, want) in cases {
            assert_eq!(d.modeline(text.as_bytes()), *want, "{text:?}");
        }
    }

    #[test]
    fn order_and_ambiguous_extensions() {
        let d = d();
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("foo", "#!/bin/sh\n", Some("Shell")),
            ("foo", "plain words\n", None),
            ("Makefile", "#!/usr/bin/make -f\nall:\n", Some("Makefile")),
            // A modeline beats the extension; the shebang beats it too.
            ("x.h", "// -*- C++ -*-\nint f(void);\n", Some("C++")),
            ("run.pl", "#!/usr/bin/perl\nprint 1;\n", Some("Perl")),
            (
                "x.h",
                "#import <Foundation/Foundation.h>\n@interface A\n@end\n",
                Some("Objective-C"),
            ),
            ("x.h", "namespace a {\nclass B;\n}\n", Some("C++")),
            ("x.h", "#include <stdio.h>\nint f(void);\n", Some("C")),
            ("x.m", "@implementation A\n@end\n", Some("Objective-C")),
            ("x.m", "% help\nfunction y = f(x)\n", Some("MATLAB")),
            (
                "x.m",
                "## Copyright\nfunction y = f (x)\n  y = x;\nendfunction\n",
                Some("MATLAB"),
            ),
            ("x.pl", ":- module(lists, [append/3]).\n", Some("Prolog")),
            ("x.pl", "use strict;\nmy $x = 1;\n", Some("Perl")),
            ("x.pm", "package Foo::Bar;\n1;\n", Some("Perl")),
            ("x.t", "use Test::More;\nuse strict;\n", Some("Perl")),
            (
                "x.d",
                "module std.stdio;\nimport core.stdc.stdio;\n",
                Some("D"),
            ),
            ("x.d", "foo.o: foo.c foo.h \\\n bar.h\n", Some("Makefile")),
            (
                "x.d",
                "syscall::open:entry\n{ trace(1); }\n",
                Some("DTrace"),
            ),
            ("x.inc", "<?php\necho 1;\n", Some("PHP")),
            ("x.inc", "nothing known\n", None),
            (
                "x.ts",
                "<?xml version=\"1.0\"?>\n<TS version=\"2.1\">\n",
                Some("XML"),
            ),
            ("x.ts", "let a: number = 1;\n", Some("TypeScript")),
            ("x.rs", "fn main() {}\n", Some("Rust")),
        ];
        for (name, text, want) in cases {
            assert_eq!(d.detect(name, text.as_bytes()), *want, "{name} {text:?}");
        }
        assert_eq!(d.by_name("x.h"), NameGuess::Ambiguous);
        assert_eq!(d.by_name("x.rs"), NameGuess::Known("Rust"));
        assert_eq!(d.by_name("Makefile"), NameGuess::Known("Makefile"));
        assert_eq!(d.by_name("lwp-request"), NameGuess::Unknown);
    }
}
