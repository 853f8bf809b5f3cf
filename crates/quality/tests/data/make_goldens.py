#!/usr/bin/env python3
"""Fidelity goldens: datatrove 0.10.1's quality filters on real and perturbed documents.

    python3 -m venv /tmp/dtvenv && /tmp/dtvenv/bin/pip install datatrove==0.10.1 regex spacy warcio
    /tmp/dtvenv/bin/python crates/quality/tests/data/make_goldens.py      # from the repo root

Reads tests/data/samples/docs.jsonl.gz and the HTML pages of tests/data/samples/web.warc.gz
(paragraph-level text, extracted with html.parser), builds documents per language (single
samples, samples of one language joined, WARC pages) and systematic perturbations of each so
that every rule fires in both directions, runs GopherQualityFilter, GopherRepetitionFilter,
C4QualityFilter and FineWebQualityFilter with their default parameters (language "eng", the
English Gopher stopwords: datatrove's defaults), and writes goldens.jsonl.gz next to this script:
one line per document with `text`, `lang`, `variant` and per filter `[keep, reason]` (C4 also
the rewritten text). The output is deterministic (fixed seed, sorted inputs).

`--chars` regenerates crates/quality/src/datatrove_chars.rs (datatrove's punctuation sets);
`--specials` regenerates crates/text/src/data/spacy_en_specials.tsv (spaCy's English special cases).
"""
import gzip
import html.parser
import json
import os
import random
import sys

from datatrove.data import Document
from datatrove.pipeline.filters import (
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
SAMPLES = os.path.join(ROOT, "tests", "data", "samples")


class Text(html.parser.HTMLParser):
    BLOCKS = {"p", "h1", "h2", "h3", "li", "td", "title", "div", "span", "a", "footer", "nav", "label", "button"}

    def __init__(self):
        super().__init__()
        self.parts, self.cur, self.skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        if tag in self.BLOCKS or tag == "br":
            self.flush()

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        if tag in self.BLOCKS:
            self.flush()

    def handle_data(self, data):
        if not self.skip:
            self.cur.append(data)

    def flush(self):
        t = " ".join("".join(self.cur).split())
        if t:
            self.parts.append(t)
        self.cur = []


def warc_pages():
    from warcio.archiveiterator import ArchiveIterator

    out = []
    with open(os.path.join(SAMPLES, "web.warc.gz"), "rb") as f:
        for rec in ArchiveIterator(f):
            if rec.rec_type != "response":
                continue
            ctype = rec.http_headers.get_header("Content-Type") or ""
            if "html" not in ctype:
                continue
            raw = rec.content_stream().read()
            charset = "utf-8"
            if "charset=" in ctype:
                charset = ctype.split("charset=")[-1].strip()
            try:
                body = raw.decode(charset, errors="replace")
            except LookupError:
                body = raw.decode("utf-8", errors="replace")
            p = Text()
            p.feed(body)
            p.flush()
            lang = p.rawdata and ""
            url = rec.rec_headers.get_header("WARC-Target-URI") or ""
            out.append((url, "\n".join(p.parts)))
    return out


def lang_of(url):
    host = url.split("//")[-1].split("/")[0]
    first = host.split(".")[0]
    if len(first) == 2:
        return first
    for l in ("ca", "es", "en", "fr", "de", "it", "pt"):
        if f"/{l}/" in url or host.endswith("." + l):
            return l
    return "und"


def perturb(text, rng):
    lines = [l for l in text.split("\n")]
    words = text.split()
    v = {}
    v["orig"] = text
    v["dup_lines"] = "\n".join(l for l in lines for _ in range(3))
    v["dup_half"] = "\n".join(lines + lines[: max(1, len(lines) // 3)])
    v["dup_paras"] = "\n\n".join([text] * 2)
    v["truncated"] = " ".join(words[:40])
    v["bullets"] = "\n".join("- " + l for l in lines)
    v["bullets_dot"] = "\n".join("• " + l for l in lines[: len(lines) // 2]) + "\n" + "\n".join(lines[len(lines) // 2 :])
    v["ellipsis_lines"] = "\n".join(l.rstrip(".") + "..." for l in lines)
    v["ellipsis_words"] = " ".join(w + ("…" if i % 6 == 0 else "") for i, w in enumerate(words))
    v["lorem"] = text + "\nLorem ipsum dolor sit amet, consectetur adipiscing elit."
    v["braces"] = text + "\nfunction f() { return 1; } is here."
    v["javascript"] = text + "\nPlease enable JavaScript to view this page."
    v["policy"] = "We use cookies to improve your experience.\n" + text
    v["short_lines"] = "\n".join(" ".join(words[i : i + 3]) for i in range(0, len(words), 3))
    v["no_punct"] = "\n".join(l.rstrip(".!?\"'") for l in lines)
    v["hashes"] = " ".join(("#" + w) if i % 5 == 0 else w for i, w in enumerate(words))
    v["numbers"] = " ".join(str(rng.randint(0, 9999)) if i % 3 else w for i, w in enumerate(words))
    v["long_words"] = " ".join(w * 4 for w in words)
    v["short_words"] = " ".join(w[:2] for w in words)
    v["lowercase"] = text.lower()
    v["repeat_phrase"] = text + " " + " ".join(words[:4] * 12)
    v["citations"] = "\n".join(l + " [1]" if i % 2 else l for i, l in enumerate(lines))
    v["one_line"] = " ".join(words)
    shuffled = words[:]
    rng.shuffle(shuffled)
    v["shuffled"] = " ".join(shuffled)
    return v


def run(filt, text):
    doc = Document(text=text, id="x")
    r = filt.filter(doc)
    if isinstance(r, tuple):
        return [bool(r[0]), r[1]], doc.text
    return [bool(r), None], doc.text


def main():
    rng = random.Random(20240601)
    base = []
    with gzip.open(os.path.join(SAMPLES, "docs.jsonl.gz"), "rt", encoding="utf-8") as f:
        samples = [json.loads(l) for l in f]
    for s in samples:
        base.append((s["id"], lang_of(s["url"]), s["text"]))
    by_lang = {}
    for s in samples:
        by_lang.setdefault(lang_of(s["url"]), []).append(s["text"])
    for l in sorted(by_lang):
        if len(by_lang[l]) > 1:
            base.append((f"joined-{l}", l, "\n".join(by_lang[l])))
            base.append((f"joined-para-{l}", l, "\n\n".join(by_lang[l] * 2)))
    for i, (url, text) in enumerate(warc_pages()):
        if text.strip():
            base.append((f"warc-{i:03d}", lang_of(url), text))
    filters = {
        "gopher_quality": GopherQualityFilter(),
        "gopher_repetition": GopherRepetitionFilter(),
        "c4": C4QualityFilter(),
        "fineweb": FineWebQualityFilter(),
    }
    out_path = os.path.join(HERE, "goldens.jsonl.gz")
    n = 0
    with gzip.GzipFile(out_path, "wb", mtime=0) as raw:
        for doc_id, lang, text in base:
            for variant, t in perturb(text, rng).items():
                if not t.strip():
                    continue
                row = {"id": f"{doc_id}/{variant}", "lang": lang, "text": t}
                for name, filt in filters.items():
                    verdict, new_text = run(filt, t)
                    row[name] = verdict
                    if name == "c4" and verdict[0]:
                        row["c4_text"] = new_text
                raw.write((json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
                n += 1
    print(f"{n} documents -> {out_path}", file=sys.stderr)


def write_chars():
    from datatrove.utils.text import PUNCTUATION_SET, TERMINAL_PUNCTUATION

    def esc(t):
        return "".join(c if (c.isprintable() and c not in '\\"') else "\\u{%x}" % ord(c) for c in t)

    path = os.path.join(ROOT, "crates", "quality", "src", "datatrove_chars.rs")
    with open(path, "w", encoding="utf-8") as f:
        f.write(
            "//! Character sets of datatrove 0.10.1 `datatrove/utils/text.py` (Apache-2.0, (c) Hugging Face),\n"
            "//! generated by `crates/quality/tests/data/make_goldens.py --chars`: `PUNCTUATION_SET` (its\n"
            "//! `PUNCTUATION` plus `TERMINAL_PUNCTUATION`) and `TERMINAL_PUNCTUATION`, sorted by code point.\n\n"
            "/// datatrove's `PUNCTUATION_SET`, sorted by code point.\n"
            f'pub const PUNCTUATION_SET: &str = "{esc("".join(sorted(PUNCTUATION_SET)))}";\n\n'
            "/// datatrove's `TERMINAL_PUNCTUATION`, sorted by code point.\n"
            f'pub const TERMINAL_PUNCTUATION: &str = "{esc("".join(sorted(TERMINAL_PUNCTUATION)))}";\n'
        )


def write_specials():
    import spacy

    t = spacy.blank("en").tokenizer
    path = os.path.join(ROOT, "crates", "text", "src", "data", "spacy_en_specials.tsv")
    with open(path, "w", encoding="utf-8") as out:
        out.write('# Tokenizer special cases of spaCy %s `spacy.blank("en")` (MIT licence, (c) ExplosionAI GmbH),\n' % spacy.__version__)
        out.write("# the tokenizer datatrove 0.10.1 uses for English. One case a line: the string, a tab, its pieces\n")
        out.write("# separated by tabs (they concatenate to the string). Only cases without whitespace.\n")
        out.write("# Generated by crates/quality/tests/data/make_goldens.py --specials (do not edit by hand).\n")
        for k in sorted(t.rules):
            if any(c.isspace() for c in k):
                continue
            pieces = [d[65] if 65 in d else d.get("ORTH") for d in t.rules[k]]  # 65 = spacy.attrs.ORTH
            assert "".join(pieces) == k, (k, pieces)
            out.write(k + "\t" + "\t".join(pieces) + "\n")


if __name__ == "__main__":
    if "--chars" in sys.argv:
        write_chars()
    elif "--specials" in sys.argv:
        write_specials()
    else:
        main()
