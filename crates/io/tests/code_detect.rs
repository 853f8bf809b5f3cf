//! Code-tree source: the programming language of files without an extension (`#!` lines,
//! modelines) and of ambiguous extensions (content rules), and the `code-<language>` lang.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

mod common;

use common::read_all_with;
use garbell_io::{SourceConfig, SourceFormat};

fn config() -> SourceConfig {
    SourceConfig {
        format: SourceFormat::CodeTree,
        ..SourceConfig::default()
    }
}

#[test]
fn extensionless_scripts_and_ambiguous_extensions() {
    let dir = tempfile::tempdir().unwrap();
    let files: &[(&str, &str)] = &[
        ("bin/greet", "#!/usr/bin/env python3\nimport sys\nprint('hola', sys.argv)\n"),
        ("bin/count", "#!/usr/bin/perl -w\nuse strict;\nprint scalar(@ARGV), \"\\n\";\n"),
        (
            "bin/deploy",
            "#!/usr/bin/env -S bash -eu\nset -o pipefail\necho \"deploying $1\"\n",
        ),
        (
            "completions/greet",
            "# greet(1) completion                                    -*- shell-script -*-\n\
             _greet()\n{\n    COMPREPLY=($(compgen -W '--help' -- \"$2\"))\n}\ncomplete -F _greet greet\n\n\
             # ex: filetype=sh\n",
        ),
        (
            "include/greet.h",
            "#pragma once\n#include <string>\nnamespace greet {\nstd::string hello();\n}\n",
        ),
        ("include/clib.h", "#include <stdio.h>\nint greet(const char *name);\n"),
        (
            "include/Greeter.h",
            "#import <Foundation/Foundation.h>\n@interface Greeter : NSObject\n@end\n",
        ),
        ("lib/Greet.pm", "package Greet;\nuse strict;\nsub hello { 'hola' }\n1;\n"),
        ("lib/rules.pl", ":- module(rules, [greet/1]).\ngreet(X) :- write(X).\n"),
        (
            "lib/stats.m",
            "## Copyright (C) 2024\nfunction y = twice (x)\n  y = 2 * x;\nendfunction\n",
        ),
        ("NOTES", "Plain words, no code here.\n"),
        ("data.inc", "12 34 56\n"),
    ];
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let out = read_all_with(dir.path(), &config());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let got: Vec<(&str, &str, &str)> = out
        .docs
        .iter()
        .map(|d| {
            (
                d.id.as_str(),
                d.meta["language"].as_str().unwrap(),
                d.lang.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("bin/count", "Perl", "code-perl"),
            ("bin/deploy", "Shell", "code-shell"),
            ("bin/greet", "Python", "code-python"),
            ("completions/greet", "Shell", "code-shell"),
            ("include/Greeter.h", "Objective-C", "code-objective-c"),
            ("include/clib.h", "C", "code-c"),
            ("include/greet.h", "C++", "code-cpp"),
            ("lib/Greet.pm", "Perl", "code-perl"),
            ("lib/rules.pl", "Prolog", "code-prolog"),
            ("lib/stats.m", "MATLAB", "code-matlab"),
        ]
    );
    assert!(out.docs.iter().all(|d| d.lang_score == 1.0));
    assert_eq!(
        out.skipped,
        ["code_unknown_language", "code_unknown_language"],
        "NOTES and data.inc"
    );
}

#[test]
fn unknown_names_are_probed_at_both_ends_only() {
    let dir = tempfile::tempdir().unwrap();
    // A large extensionless file whose Vim modeline is in its last lines.
    let mut text = String::from("x = 1\n");
    text.push_str(&"# padding line of a long script\n".repeat(2000));
    text.push_str("# vim: set ft=python:\n");
    std::fs::write(dir.path().join("tool"), &text).unwrap();
    // A modeline in the middle of a large file is not looked for.
    let mut mid = "plain\n".repeat(2000);
    mid.push_str("# vim: set ft=python:\n");
    mid.push_str(&"plain\n".repeat(2000));
    std::fs::write(dir.path().join("middle"), &mid).unwrap();
    let out = read_all_with(dir.path(), &config());
    let ids: Vec<&str> = out.docs.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["tool"]);
    assert_eq!(out.docs[0].meta["language"], "Python");
    assert_eq!(out.docs[0].text, text, "the whole file is read once known");
    assert_eq!(out.skipped, ["code_unknown_language"]);
}
