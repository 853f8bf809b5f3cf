#!/usr/bin/env python3
"""Charset detection accuracy on the set of `build_set.py`: share of pages decoded exactly.

    cargo build --release -p garbell-io --example charset_files
    python3 benches/charset_eval/evaluate.py [--set ~/.cache/garbell/charset_eval] \
        [--bin target/release/examples/charset_files]

Prints, per (language, encoding) and overall, the share of pages whose decoding equals the
expected UTF-8 text: "before" is what the sources did without a declaration (UTF-8, invalid
bytes replaced), "after" is `garbell_io::warc::decode_html` without a URL, and "after + TLD"
with the URL `http://example.<tld>/` of the language's country. Also lists the encodings chosen
when wrong.
"""

import argparse
import collections
import json
import subprocess
import tempfile
from pathlib import Path


def run(binary, rows, with_tld):
    with tempfile.TemporaryDirectory() as tmp:
        lst = Path(tmp) / "list"
        out = Path(tmp) / "out.jsonl"
        with open(lst, "w") as f:
            for r in rows:
                url = f"\thttp://example.{r['tld']}/" if with_tld and r.get("tld") else ""
                f.write(r["file"] + url + "\n")
        subprocess.run([binary, str(lst), str(out)], check=True)
        return [json.loads(l) for l in open(out, encoding="utf-8")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", default=str(Path.home() / ".cache/garbell/charset_eval"))
    ap.add_argument("--bin", default="target/release/examples/charset_files")
    args = ap.parse_args()
    base = Path(args.set).expanduser()
    rows = [json.loads(l) for l in open(base / "manifest.jsonl", encoding="utf-8")]
    expected = [Path(r["expected"]).read_text(encoding="utf-8") for r in rows]
    before = [Path(r["file"]).read_bytes().decode("utf-8", "replace") == e for r, e in zip(rows, expected)]
    after = run(args.bin, rows, False)
    tld = run(args.bin, rows, True)
    groups = collections.defaultdict(lambda: [0, 0, 0, 0])
    wrong = collections.Counter()
    for r, e, b, a, t in zip(rows, expected, before, after, tld):
        for k in [(r["lang"], r["encoding"]), ("all", ""), ("family", r["encoding"])]:
            g = groups[k]
            g[0] += 1
            g[1] += b
            g[2] += a["html"] == e
            g[3] += t["html"] == e
        if a["html"] != e:
            wrong[(r["encoding"], a["charset"])] += 1
    print(f"{'group':22} {'pages':>5} {'before':>7} {'after':>7} {'+TLD':>7}")
    for k in sorted(groups, key=lambda k: (k[0] == "all", k[0] == "family", k)):
        n, b, a, t = groups[k]
        print(f"{k[0] + ' ' + k[1]:22} {n:5d} {b / n:7.3f} {a / n:7.3f} {t / n:7.3f}")
    print("wrong (true encoding, chosen):", dict(wrong.most_common(20)))


if __name__ == "__main__":
    main()
