#!/usr/bin/env python3
"""Compares garbell's HTML main-text extractor with Python trafilatura on the set of build_set.py.

    ~/.cache/garbell/html_eval/venv/bin/python benches/html_eval/evaluate.py \
        [--set ~/.cache/garbell/html_eval] [--bin target/release/examples/extract_files] \
        [--mode main|plain] [--repeat 3] [--worst 20] [--retrafilatura] [--opt KEY=VALUE]...

trafilatura runs with its defaults, `trafilatura.extract(html)` on the page as a `str` (so:
output_format="txt", include_comments=True, include_tables=True, include_formatting=False,
include_links=False, include_images=False, favor_precision=False, favor_recall=False,
fast=False: its own extraction compared with the readability and jusText fallbacks,
deduplicate=False). Its texts and per-page CPU seconds (time.process_time around the call) are
cached in SET/trafilatura-<version>.jsonl; --retrafilatura recomputes them.

garbell runs through the `extract_files` example of crates/html (build it first with
`cargo build --release -p garbell-html --example extract_files`), which reads all pages into
memory and times --repeat passes of extraction on one thread (CPU seconds from /proc).

Score: token-level F1 per page over bags of white-space separated tokens (as in the Zyte/
ScrapingHub article-extraction benchmark): precision = |pred ∩ ref| / |pred|, recall =
|pred ∩ ref| / |ref| with multiset intersection; both empty = 1, one empty = 0. Reported: mean
F1 over pages, overall, per language and per source; per-core speed of both and the ratio.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def f1(pred, ref):
    p, r = collections.Counter(pred.split()), collections.Counter(ref.split())
    np_, nr = sum(p.values()), sum(r.values())
    if np_ == 0 and nr == 0:
        return 1.0, 1.0, 1.0
    if np_ == 0 or nr == 0:
        return 0.0, 0.0, 0.0
    common = sum((p & r).values())
    if common == 0:
        return 0.0, 0.0, 0.0
    prec, rec = common / np_, common / nr
    return 2 * prec * rec / (prec + rec), prec, rec


def run_trafilatura(root, rows, cache):
    import trafilatura

    out = {}
    with open(cache.with_suffix(".tmp"), "w", encoding="utf-8") as f:
        for k, r in enumerate(rows):
            html = (root / r["file"]).read_text(encoding="utf-8")
            t0 = time.process_time()
            text = trafilatura.extract(html) or ""
            cpu = time.process_time() - t0
            out[r["id"]] = {"text": text, "cpu": cpu}
            f.write(json.dumps({"id": r["id"], "text": text, "cpu": cpu}, ensure_ascii=False) + "\n")
            if k % 200 == 0:
                print(f"trafilatura {k}/{len(rows)}", file=sys.stderr)
    cache.with_suffix(".tmp").rename(cache)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", default=str(Path.home() / ".cache/garbell/html_eval"))
    ap.add_argument("--bin", default="target/release/examples/extract_files")
    ap.add_argument("--mode", default="main")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--worst", type=int, default=0, help="list the N worst pages")
    ap.add_argument("--retrafilatura", action="store_true")
    ap.add_argument("--opt", action="append", default=[], help="KEY=VALUE: a garbell_html::Options field")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()
    root = Path(os.path.expanduser(args.set))
    rows = [json.loads(l) for l in open(root / "manifest.jsonl", encoding="utf-8")]

    import trafilatura

    cache = root / f"trafilatura-{trafilatura.__version__}.jsonl"
    if cache.exists() and not args.retrafilatura:
        ref = {}
        for l in open(cache, encoding="utf-8"):
            d = json.loads(l)
            ref[d["id"]] = d
        if set(ref) != {r["id"] for r in rows}:
            ref = run_trafilatura(root, rows, cache)
    else:
        ref = run_trafilatura(root, rows, cache)

    listing = root / "pages.list"
    listing.write_text("".join(str(root / r["file"]) + "\n" for r in rows), encoding="utf-8")
    outp = root / f"garbell-{args.mode}.jsonl"
    res = subprocess.run(
        [args.bin, str(listing), str(outp), "--mode", args.mode, "--repeat", str(args.repeat)]
        + [a for kv in args.opt for a in ("--set", kv)],
        check=True, capture_output=True, text=True,
    )
    timing = json.loads(res.stdout.strip().splitlines()[-1])
    ours = [json.loads(l)["text"] for l in open(outp, encoding="utf-8")]

    scores = []
    by_lang, by_source = collections.defaultdict(list), collections.defaultdict(list)
    for r, text in zip(rows, ours):
        s = f1(text, ref[r["id"]]["text"])
        scores.append((s, r))
        by_lang[r["lang"]].append(s[0])
        by_source[r["source"]].append(s[0])
    mean = lambda xs: sum(xs) / len(xs) if xs else 0.0
    overall = mean([s[0][0] for s in scores])
    prec = mean([s[0][1] for s in scores])
    rec = mean([s[0][2] for s in scores])
    traf_cpu = sum(ref[r["id"]]["cpu"] for r in rows)
    ours_cpu = timing["cpu_seconds"] / timing["repeat"]
    if ours_cpu <= 0:
        ours_cpu = timing["wall_seconds"] / timing["repeat"]
    ratio = traf_cpu / ours_cpu if ours_cpu > 0 else float("inf")
    n = len(rows)
    print(f"pages {n}, languages {len(by_lang)}, sources {len(by_source)}, trafilatura {trafilatura.__version__}, garbell mode {args.mode}")
    print(f"mean token F1 {overall:.4f} (precision {prec:.4f}, recall {rec:.4f})")
    print("per language: " + ", ".join(f"{k} {mean(v):.3f} ({len(v)})" for k, v in sorted(by_lang.items())))
    print("per source:   " + ", ".join(f"{k} {mean(v):.3f} ({len(v)})" for k, v in sorted(by_source.items())))
    print(
        f"speed: trafilatura {traf_cpu:.2f} CPU-s ({n / traf_cpu:.1f} pages/s), garbell {ours_cpu:.3f} CPU-s per pass "
        f"({n / ours_cpu:.0f} pages/s, {timing['bytes'] / ours_cpu / 1e6:.1f} MB/s), ratio {ratio:.1f}x per core"
    )
    if args.worst:
        for (f, p, r_), row in sorted(scores, key=lambda x: x[0][0])[: args.worst]:
            print(f"  {f:.3f} P {p:.3f} R {r_:.3f}  {row['id']}  {row['file']}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "pages": n, "languages": len(by_lang), "mean_f1": overall, "precision": prec, "recall": rec,
                    "per_language": {k: mean(v) for k, v in sorted(by_lang.items())},
                    "per_source": {k: mean(v) for k, v in sorted(by_source.items())},
                    "trafilatura_cpu_s": traf_cpu, "garbell_cpu_s_per_pass": ours_cpu, "ratio": ratio,
                    "trafilatura_version": trafilatura.__version__,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
