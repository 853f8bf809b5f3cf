#!/usr/bin/env python3
"""Per-line LID (`identify_language` with `mode = "lines"`) measured on mixed documents.

Documents are assembled from the short segments of the set built by build_set.py (real
catalog strings, 20-200 characters, one per line), seeded:
  - mono: 4-8 segments of one language;
  - bi:   4-6 segments of a majority language A, then 2-4 of another language B (the block
          order is random), kept only when B holds 20-45 % of the bytes of the lines.
Gold: the language with the most bytes, and `multilingual` = a second language holds >= 20 %
of the bytes (the step's default `multilingual_min_share`). The 34 languages other than sh;
Bosnian and mt (too few segments) are left out.

Both modes run through `garbell run` on the same JSONL with a one-step chain (no filter), and
the shards are read back with pyarrow:
  - document mode (the default: the whole text at once);
  - lines mode, with each `line_min_score` of --min-scores;
  - `--first-stage-only`: both with `second_stage = false` (lid.176's raw probabilities).
Reported: document-language accuracy and macro-F1 per mode; for lines mode the multilingual
flag's precision and recall, and on the bi documents how often the spans name B; CPU seconds
of each run (whole process).

Usage:
  python3 benches/lid_eval/lines_eval.py [~/.cache/garbell/lid_eval/segments.jsonl] \
      [--docs 4000] [--seed 1] [--split dev|test|all] [--min-scores 0.8,0.5,0.0] [--first-stage-only] [--garbell BIN]
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import zlib

import pyarrow.parquet as pq

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evaluate as E  # noqa: E402  (scoring shared with the main evaluation)


def half(item):
    pkg = item["source"].split(":")[1].split("=")[0]
    return "dev" if zlib.crc32(pkg.encode()) % 2 == 0 else "test"


def build(segments, n, rng):
    by_lang = collections.defaultdict(list)
    for s in segments:
        if s["lang"] in E.MACRO and s["lang"] != "mt":
            by_lang[s["lang"]].append(s["text"].replace("\n", " "))
    langs = sorted(by_lang)
    docs = []
    while len(docs) < n:
        a = rng.choice(langs)
        lines = rng.sample(by_lang[a], rng.randint(4, 8) if len(docs) % 2 == 0 else rng.randint(4, 6))
        multi = False
        if len(docs) % 2 == 1:
            b = rng.choice([x for x in langs if x != a])
            other = rng.sample(by_lang[b], rng.randint(2, 4))
            bb, ab = sum(len(x.encode()) for x in other), sum(len(x.encode()) for x in lines)
            if not 0.20 <= bb / (ab + bb) <= 0.45:
                continue
            lines = other + lines if rng.random() < 0.5 else lines + other
            multi = True
        docs.append({"id": f"d{len(docs)}", "text": "\n".join(lines), "lang": a, "multi": multi,
                     "b": b if multi else None})
    return docs


def run(binary, docs_path, workdir, mode, min_score, second_stage=True):
    chain = os.path.join(workdir, f"chain-{mode}-{min_score}.toml")
    with open(chain, "w") as f:
        f.write('name = "lines-eval"\ndescription = "lines_eval.py"\n[source]\nformat = "jsonl"\n'
                f'[[steps]]\nstep = "identify_language"\nmode = "{mode}"\n'
                f"line_min_score = {min_score}\n"
                f"second_stage = {'true' if second_stage else 'false'}\n")
    out = os.path.join(workdir, f"out-{mode}-{min_score}")
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([binary, "run", "--chain", chain, "-o", out, "-j", "1", docs_path],
                   check=True, capture_output=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
    rows = {}
    for root, _, files in os.walk(os.path.join(out, "shards")):
        for fn in files:
            if fn.endswith(".parquet"):
                for r in pq.read_table(os.path.join(root, fn)).to_pylist():
                    rows[r["id"]] = (r["lang"], json.loads(r["meta"] or "{}"))
    return rows, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("segments", nargs="?",
                    default=os.path.expanduser("~/.cache/garbell/lid_eval/segments.jsonl"))
    ap.add_argument("--docs", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--split", choices=["dev", "test", "all"], default="all")
    ap.add_argument("--min-scores", default="0.8,0.5,0.0")
    ap.add_argument("--first-stage-only", action="store_true",
                    help="second_stage = false (lid.176 alone, its raw probabilities)")
    ap.add_argument("--garbell", default=os.path.join(REPO, "target", "release", "garbell"))
    a = ap.parse_args()
    segs = [json.loads(l) for l in open(a.segments, encoding="utf-8")]
    if a.split != "all":
        segs = [s for s in segs if half(s) == a.split]
    docs = build(segs, a.docs, random.Random(a.seed))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "docs.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for d in docs:
                f.write(json.dumps({"id": d["id"], "text": d["text"]}, ensure_ascii=False) + "\n")
        print(f"{len(docs)} documents ({sum(d['multi'] for d in docs)} bilingual), "
              f"split {a.split}, seed {a.seed}")
        gold = [d["lang"] for d in docs]
        configs = [("document", 0.8)] + [("lines", float(x)) for x in a.min_scores.split(",")]
        for mode, ms in configs:
            rows, cpu = run(a.garbell, path, tmp, mode, ms, not a.first_stage_only)
            pred = [rows.get(d["id"], ("other", {}))[0] for d in docs]
            s = E.score(gold, pred, skip_empty=True)
            line = (f"{mode:8} min_score {ms:.1f}: accuracy {s['accuracy']:.4f}  "
                    f"macro-F1 {s['macro_f1_34']:.4f}  CPU {cpu:.2f} s")
            if mode == "lines":
                flag = [bool(rows.get(d["id"], ("", {}))[1].get("multilingual")) for d in docs]
                tp = sum(f and d["multi"] for f, d in zip(flag, docs))
                prec = tp / max(1, sum(flag))
                rec = tp / max(1, sum(d["multi"] for d in docs))
                named = sum(1 for d in docs if d["multi"] and any(
                    sp[0] == d["b"] for sp in rows.get(d["id"], ("", {}))[1].get("lang_spans", [])))
                line += (f"  multilingual P {prec:.3f} R {rec:.3f}  "
                         f"B in spans {named / max(1, sum(d['multi'] for d in docs)):.3f}")
            print(line, flush=True)


if __name__ == "__main__":
    main()
