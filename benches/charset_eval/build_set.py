#!/usr/bin/env python3
"""Builds the charset-detection evaluation set: real pages in legacy encodings, undeclared.

The text is real: the translated documentation pages of `benches/html_eval` (GIMP manual,
LibreOffice help, Apache manual, Debian manuals, shipped by Debian; build that set first with
`benches/html_eval/build_set.py`). Those packages ship UTF-8, so each page is re-encoded into the
legacy encodings its language was written in before UTF-8 (characters an encoding lacks become
numeric character references, as legacy pages wrote them), after removing every declaration
(`<meta charset>`, `<meta http-equiv=Content-Type>`, the XML declaration): what a crawler gets
from a server that sends no charset. (No natively legacy-encoded HTML was found in these
packages: every page there is UTF-8.)

    python3 benches/charset_eval/build_set.py [--html-eval ~/.cache/garbell/html_eval] \
        [--out ~/.cache/garbell/charset_eval] [--per 20]

Writes OUT/pages/<lang>/<encoding>/NNNN.html (the bytes), OUT/expected/... (the page as UTF-8,
what a correct decoding gives) and OUT/manifest.jsonl (file, expected, lang, encoding, source
page, tld). Pages that are pure ASCII once encoded are left out (nothing to detect).
"""

import argparse
import hashlib
import json
import re
from pathlib import Path

# Legacy encodings per language (Python codec names), the ones pages were commonly written in.
ENCODINGS = {
    "cs": ["cp1250", "iso8859_2"],
    "pl": ["cp1250", "iso8859_2"],
    "hr": ["cp1250", "iso8859_2"],
    "hu": ["cp1250", "iso8859_2"],
    "sl": ["cp1250", "iso8859_2"],
    "ro": ["cp1250", "iso8859_16"],
    "ru": ["cp1251", "koi8_r"],
    "uk": ["cp1251", "koi8_u"],
    "el": ["cp1253", "iso8859_7"],
    "lt": ["cp1257", "iso8859_13"],
    "et": ["cp1257", "iso8859_15"],
    "de": ["cp1252"],
    "fr": ["cp1252"],
    "es": ["cp1252"],
    "it": ["cp1252"],
    "pt": ["cp1252"],
    "ca": ["cp1252"],
    "nl": ["cp1252"],
    "da": ["cp1252"],
    "sv": ["cp1252"],
    "nn": ["cp1252"],
    "fi": ["cp1252"],
    "gl": ["cp1252"],
    "eu": ["cp1252"],
}
# Country-code top-level domain of each language's main country (the hint chardetng takes).
TLD = {
    "cs": "cz", "pl": "pl", "hr": "hr", "hu": "hu", "sl": "si", "ro": "ro", "ru": "ru", "uk": "ua",
    "el": "gr", "lt": "lt", "et": "ee", "de": "de", "fr": "fr", "es": "es", "it": "it", "pt": "pt",
    "ca": "cat", "nl": "nl", "da": "dk", "sv": "se", "nn": "no", "fi": "fi", "gl": "es", "eu": "eus",
}

META = re.compile(r"<meta\b[^>]*charset[^>]*>", re.I)
XML_DECL = re.compile(r"<\?xml[^>]*\?>", re.I)


def strip_declarations(html):
    return XML_DECL.sub("", META.sub("", html))


def key(s):
    return hashlib.sha1(s.encode()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--html-eval", default=str(Path.home() / ".cache/garbell/html_eval"))
    ap.add_argument("--out", default=str(Path.home() / ".cache/garbell/charset_eval"))
    ap.add_argument("--per", type=int, default=20, help="pages per (language, encoding)")
    args = ap.parse_args()
    src = Path(args.html_eval).expanduser()
    out = Path(args.out).expanduser()
    rows = [json.loads(l) for l in open(src / "manifest.jsonl", encoding="utf-8")]
    by_lang = {}
    for r in sorted(rows, key=lambda r: key(r["id"])):
        by_lang.setdefault(r["lang"], []).append(r)
    manifest = []

    def emit(lang, enc, n, raw, expected, origin, tld):
        page = out / "pages" / lang / enc / f"{n:04d}.html"
        exp = out / "expected" / lang / enc / f"{n:04d}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        exp.parent.mkdir(parents=True, exist_ok=True)
        page.write_bytes(raw)
        exp.write_text(expected, encoding="utf-8")
        manifest.append({"file": str(page), "expected": str(exp), "lang": lang, "encoding": enc, "source": origin, "tld": tld})

    for lang, encs in ENCODINGS.items():
        for enc in encs:
            n = 0
            for r in by_lang.get(lang, []):
                if n >= args.per:
                    break
                html = strip_declarations((src / r["file"]).read_text(encoding="utf-8"))
                raw = html.encode(enc, errors="xmlcharrefreplace")
                if raw.isascii():
                    continue
                n += 1
                emit(lang, enc, n, raw, raw.decode(enc), r["id"], TLD[lang])
    tmp = out / "manifest.jsonl.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for r in manifest:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    tmp.rename(out / "manifest.jsonl")
    print(f"{len(manifest)} pages", flush=True)


if __name__ == "__main__":
    main()
