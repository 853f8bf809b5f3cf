#!/usr/bin/env python3
"""Label-noise rule for the lid_eval sets (issue 24, decision 2).

Written down before looking at garbell's answers, applied to both halves alike (dev and test):

An item whose gold label is not `en` is label noise -- its main language is English, so its
label is wrong -- when English pieces hold at least half of its letters. Pieces: the text cut
at newlines, at sentence ends (`.`, `!`, `?`, `;`, `:` followed by a space) and before
command-line options (a space then `-x` or `--xx`: man pages list "-v, --verbose Causes
...", where an untranslated option description follows its option). A piece is English when
build_set.py's own `looks_english` test holds for it alone: at least 2 of its lowercase ASCII
words, and at least 12 % of them, are in the builder's English function-word list (`EN_FUNC`).
The builder applied that test to whole paragraphs, where commands and option names dilute the
rate; per piece they do not.

Nothing here reads a tool's answers. `evaluate.py --clean` leaves these items out.

  python3 benches/lid_eval/label_noise.py ~/.cache/garbell/lid_eval/docs.jsonl   # counts
"""
from __future__ import annotations

import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from build_set import looks_english  # noqa: E402  (the builder's own test)

PIECE = re.compile(r"\n|(?<=[.!?;:])\s+|\s+(?=--?[A-Za-z])")
LETTER = re.compile(r"[^\W\d_]")


def is_label_noise(text: str, lang: str) -> bool:
    """True when a non-English item is mostly English (see the module doc)."""
    if lang == "en":
        return False
    total = len(LETTER.findall(text))
    if total == 0:
        return False
    english = sum(len(LETTER.findall(p)) for p in PIECE.split(text) if p and looks_english(p))
    return english * 2 >= total


def main():
    for path in sys.argv[1:]:
        items = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
        noisy = [it for it in items if is_label_noise(it["text"], it["lang"])]
        by = collections.Counter((it["lang"], it["kind"]) for it in noisy)
        print(f"{path}: {len(noisy)} of {len(items)} items are label noise")
        for (lang, kind), n in by.most_common():
            print(f"  {lang:4} {kind:22} {n}")


if __name__ == "__main__":
    main()
