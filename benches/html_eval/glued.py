#!/usr/bin/env python3
"""Counts words glued from hidden alternatives in garbell's output on the html_eval set.

A page has hidden alternatives when two sibling elements are hidden (`hidden` attribute,
`aria-hidden="true"`, or an inline `display:none` / `visibility:hidden`) with no text between
them, e.g. LibreOffice help's `<span hidden class="MAC">Befehl</span><span hidden>Strg</span>`
(per-OS variants, one revealed by a script). A glued word is the last word of the first
followed directly by the first word of the second ("BefehlStrg") inside one output token.

    ~/.cache/garbell/html_eval/venv/bin/python benches/html_eval/evaluate.py --mode main
    ~/.cache/garbell/html_eval/venv/bin/python benches/html_eval/glued.py --mode main

Reads the set's manifest and the output evaluate.py wrote (SET/garbell-<mode>.jsonl); needs lxml
(installed with trafilatura in the venv).
"""

import argparse
import json
import re
from pathlib import Path

import lxml.html

HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def hidden(el):
    return (
        el.get("hidden") is not None
        or (el.get("aria-hidden") or "").strip().lower() == "true"
        or bool(HIDDEN_STYLE.search(el.get("style") or ""))
    )


def glue_pairs(html):
    """(last word of a, first word of b) for adjacent hidden siblings a, b."""
    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    pairs = []
    for el in root.iter():
        if not isinstance(el.tag, str) or not hidden(el):
            continue
        nxt = el.getnext()
        if nxt is None or not isinstance(nxt.tag, str) or not hidden(nxt) or (el.tail or "").strip():
            continue
        a, b = el.text_content().split(), nxt.text_content().split()
        if a and b:
            pairs.append((a[-1], b[0]))
    return pairs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", default=str(Path.home() / ".cache/garbell/html_eval"))
    ap.add_argument("--mode", default="main")
    args = ap.parse_args()
    root = Path(args.set).expanduser()
    rows = [json.loads(l) for l in open(root / "manifest.jsonl", encoding="utf-8")]
    ours = [json.loads(l)["text"] for l in open(root / f"garbell-{args.mode}.jsonl", encoding="utf-8")]
    with_alt = glued_pages = glued_words = 0
    for r, text in zip(rows, ours):
        pairs = glue_pairs((root / r["file"]).read_text(encoding="utf-8"))
        if not pairs:
            continue
        with_alt += 1
        tokens = text.split()
        n = sum(1 for a, b in set(pairs) if any(a + b in t for t in tokens))
        glued_words += n
        glued_pages += n > 0
    print(f"mode {args.mode}: {with_alt} pages with hidden alternatives, {glued_pages} with glued words ({glued_words} distinct glued pairs)")


if __name__ == "__main__":
    main()
