#!/usr/bin/env python3
"""Generates languages/stopwords/<iso>.txt for garbell's 35 languages.

Source: the PyPI package `stopwordsiso` (data of the stopwords-iso project,
https://github.com/stopwords-iso/stopwords-iso), MIT licence (License-Expression
in the package metadata). Run from this directory:

    python3 -m venv /tmp/swvenv && /tmp/swvenv/bin/pip install stopwordsiso==0.7.1
    /tmp/swvenv/bin/python make_stopwords.py

Words are lowercased, stripped, de-duplicated and sorted (Python's default
codepoint order) so the output is deterministic. Languages without a list get
no file; README.md lists them.
"""
import importlib.metadata
import json
import os
import sys

import stopwordsiso

LANGS = "bg ca cs cy da de el en es et eu fi fr ga gl hr hu it lt lv mt nl nn no oc pl pt ro ru sh sk sl sr sv uk".split()


def main() -> int:
    version = importlib.metadata.version("stopwordsiso")
    licence = importlib.metadata.metadata("stopwordsiso").get("License-Expression", "MIT")
    data_path = os.path.join(os.path.dirname(stopwordsiso.__file__), "stopwords-iso.json")
    with open(data_path, encoding="utf-8") as f:
        data = json.load(f)
    out_dir = os.path.dirname(os.path.abspath(__file__))
    missing = []
    for lang in LANGS:
        words = sorted({w.strip().lower() for w in data.get(lang, []) if w.strip()})
        if not words:
            missing.append(lang)
            continue
        with open(os.path.join(out_dir, f"{lang}.txt"), "w", encoding="utf-8", newline="\n") as f:
            f.write(f"# Stopwords for '{lang}' ({len(words)} words), one per line, lowercase.\n")
            f.write(f"# Source: stopwords-iso via PyPI stopwordsiso {version} (https://github.com/stopwords-iso/stopwords-iso)\n")
            f.write(f"# Licence: {licence}\n")
            f.write("# Generator: languages/stopwords/make_stopwords.py (do not edit by hand)\n")
            for w in words:
                f.write(w + "\n")
    print("no list for:", " ".join(missing), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
