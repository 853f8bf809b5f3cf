#!/usr/bin/env python3
"""garbell vs datatrove 0.10.1, per-core docs/s, side by side in one run, on the same documents
(the texts of tests/data/goldens.jsonl.gz): Gopher quality, Gopher repetition, C4 and FineWeb,
every filter on every document (garbell in annotate-only mode, so no step is skipped).

    <python with datatrove 0.10.1> crates/quality/benches/quality_vs_datatrove.py [--rounds N]

Builds and runs `cargo run --release -p garbell-quality --example quality_speed` (garbell's
tokenizer, then the datatrove-compatible one) between two datatrove timings, and prints the
ratio garbell / datatrove (datatrove: the better of its two timings; garbell: the worse of its
two, so the ratio is conservative on a noisy machine).
"""
import argparse
import gzip
import json
import os
import subprocess
import time

from datatrove.data import Document
from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def datatrove_docs_per_s(texts, rounds):
    filters = [GopherQualityFilter(), GopherRepetitionFilter(), C4QualityFilter(), FineWebQualityFilter()]
    for flt in filters:  # warm up (tokenizer load)
        flt.filter(Document(text=texts[0], id="w"))
    best = 0.0
    for _ in range(rounds):
        t0 = time.perf_counter()
        for i, t in enumerate(texts):
            for flt in filters:
                flt.filter(Document(text=t, id=str(i)))
        best = max(best, len(texts) / (time.perf_counter() - t0))
    return best


def garbell_docs_per_s(tokenizer, seconds):
    cmd = ["cargo", "run", "--quiet", "--release", "-p", "garbell-quality", "--example", "quality_speed",
           "--", str(seconds), tokenizer]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return float(out.split("garbell_docs_per_s")[1].split()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2, help="datatrove passes over the documents, per timing")
    ap.add_argument("--seconds", type=float, default=5.0, help="garbell timing duration")
    a = ap.parse_args()
    with gzip.open(os.path.join(HERE, "..", "tests", "data", "goldens.jsonl.gz"), "rt", encoding="utf-8") as f:
        texts = [json.loads(l)["text"] for l in f]
    garbell_docs_per_s("garbell", 0.1)  # build
    dt1 = datatrove_docs_per_s(texts, a.rounds)
    g1 = garbell_docs_per_s("garbell", a.seconds)
    gd1 = garbell_docs_per_s("datatrove", a.seconds)
    dt2 = datatrove_docs_per_s(texts, a.rounds)
    g2 = garbell_docs_per_s("garbell", a.seconds)
    gd2 = garbell_docs_per_s("datatrove", a.seconds)
    dt, g, gd = max(dt1, dt2), min(g1, g2), min(gd1, gd2)
    print(f"documents: {len(texts)} ({sum(len(t.encode()) for t in texts)} bytes), one core each")
    print(f"datatrove 0.10.1: {dt:.0f} docs/s (timings {dt1:.0f}, {dt2:.0f})")
    print(f"garbell (garbell tokenizer): {g:.0f} docs/s (timings {g1:.0f}, {g2:.0f}) -> {g / dt:.1f}x")
    print(f"garbell (datatrove tokenizer): {gd:.0f} docs/s (timings {gd1:.0f}, {gd2:.0f}) -> {gd / dt:.1f}x")


if __name__ == "__main__":
    main()
