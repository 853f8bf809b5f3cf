#!/usr/bin/env python3
"""Side-by-side throughput of `garbell lid` and the Python fastText binding on the same texts.

Builds N documents (default 1,000 and 20,000) of ~1 KB from the bundled samples' paragraphs
(seeded shuffle), then measures in the same run:
  - Python fastText (`fasttext` module from fasttext-wheel or fasttext-predict), lid.176.ftz,
    predict(k=1) per document in a loop (model load excluded: generous to Python);
  - `garbell lid -j 1` and `garbell lid -j 2` on the JSONL file (whole process: parse JSON, load
    the embedded model, predict, print JSON).
Also checks that garbell with --first-stage-only (lid.176 alone, like the Python binding) gives
the same top label on every document; the default (second stage on) is timed too.

Text kinds (`--kind`): `mixed` (default) — ~1 KB documents of random sample paragraphs, so most
mix languages; `short` — single sample paragraphs of 40-200 characters (where the n-gram
profiles rerank: lid.176 is uncertain on short text); `--set FILE` — the `text` of a JSONL file
(e.g. ~/.cache/garbell/lid_eval/docs.jsonl or segments.jsonl), cycled to N; with
`--concat CHARS`, consecutive texts of the same `lang` are joined (newline-separated) into
documents of at least CHARS characters first — web-page-length documents without repeating a
text (give N = the number printed, or less, to avoid cycling).

Timing: each figure is the best of `--repeat` (default 5) runs, the tools' runs interleaved.
`--cpu` (the default) counts CPU time, user + system: the Python loop's own process time, and
the garbell child's (`resource.getrusage(RUSAGE_CHILDREN)`), so other jobs on a shared machine
change the figures little; `--wall` counts wall-clock time instead. `--min-chars` keeps only
texts of at least that many characters.

Run: cargo build --release && python3 benches/lid_throughput.py [--kind mixed|short]
     [--set FILE [--concat CHARS] [--min-chars 200]] [--wall] [N ...]
"""
import argparse
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "garbell")
MODEL = os.path.join(ROOT, "languages", "lid", "lid.176.ftz")


def paragraphs():
    paras = []
    with gzip.open(os.path.join(ROOT, "tests/data/samples/docs.jsonl.gz"), "rt") as f:
        for line in f:
            paras += [p for p in json.loads(line)["text"].split("\n") if len(p) > 40]
    return paras


def make_docs(n, paras, rng):
    docs = []
    for i in range(n):
        text = ""
        while len(text) < 1000:
            text += rng.choice(paras) + "\n"
        docs.append({"id": i, "text": text})
    return docs


CPU = True


def clock():
    """(wall, own CPU, children's CPU) in seconds."""
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), time.process_time(), ch.ru_utime + ch.ru_stime


def timed(fn, child):
    """The time `fn` took: CPU of the children (child=True) or of this process, or wall."""
    w0, p0, c0 = clock()
    out = fn()
    w1, p1, c1 = clock()
    if not CPU:
        return w1 - w0, out
    return (c1 - c0) if child else (p1 - p0), out


def best_interleaved(k, fns):
    """Best time of each (fn, child) over k rounds, the functions run in turn each round."""
    best = [None] * len(fns)
    outs = [None] * len(fns)
    for _ in range(k):
        for i, (fn, child) in enumerate(fns):
            dt, outs[i] = timed(fn, child)
            best[i] = dt if best[i] is None else min(best[i], dt)
    return best, outs


def short_docs(n, paras, rng):
    pool = [p for p in paras if len(p) <= 200]
    return [{"id": i, "text": rng.choice(pool)} for i in range(n)]


def set_docs(n, path, concat=0, min_chars=0):
    rows = [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    rows = [r for r in rows if len(r["text"]) >= min_chars]
    texts = [r["text"] for r in rows]
    if concat:
        texts, cur, lang = [], "", None
        for r in sorted(rows, key=lambda r: r.get("lang", "")):
            if r.get("lang") != lang:
                cur, lang = "", r.get("lang")
            cur += r["text"] + "\n"
            if len(cur) >= concat:
                texts.append(cur)
                cur = ""
        print(f"--concat {concat}: {len(texts)} documents, "
              f"{sum(map(len, texts)) / max(len(texts), 1):,.0f} characters on average")
    return [{"id": i, "text": texts[i % len(texts)]} for i in range(n)]


def main():
    global CPU, BIN
    ap = argparse.ArgumentParser()
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 20000])
    ap.add_argument("--kind", choices=["mixed", "short"], default="mixed")
    ap.add_argument("--set", help="JSONL file whose `text` fields are the documents")
    ap.add_argument("--concat", type=int, default=0,
                    help="with --set: join texts of one `lang` into documents of >= CHARS")
    ap.add_argument("--min-chars", type=int, default=0,
                    help="with --set: only texts of at least this many characters")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--wall", action="store_true", help="wall-clock time instead of CPU time")
    ap.add_argument("--garbell", default=BIN,
                    help="the garbell binary (default: target/release/garbell; e.g. an older "
                         "build for an A/B in the same minute)")
    a = ap.parse_args()
    BIN = a.garbell
    CPU = not a.wall
    sizes = a.sizes
    import fasttext

    model = fasttext.load_model(MODEL)
    rng = random.Random(7)
    paras = paragraphs()
    print("CPU time (user + system), best of", a.repeat if CPU else "", "" if CPU else
          f"wall time, best of {a.repeat}")
    print(f"{'docs':>7} {'python fastText docs/s':>22} {'garbell -j1 docs/s':>19} {'ratio':>6} {'garbell -j2 docs/s':>19} {'j2/j1':>6} {'+2nd stage -j1':>15} {'ratio':>6}")
    for n in sizes:
        if a.set:
            docs = set_docs(n, a.set, a.concat, a.min_chars)
        elif a.kind == "short":
            docs = short_docs(n, paras, rng)
        else:
            docs = make_docs(n, paras, rng)
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            for d in docs:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
            path = f.name
        texts = [d["text"].replace("\n", " ") for d in docs]

        def py():
            return [model.f.predict(t + "\n", 1, 0.0, "strict")[0][1] for t in texts]

        def rs(j, *extra):
            def go():
                o = subprocess.run([BIN, "lid", "-j", str(j), *extra, path], capture_output=True, check=True)
                return o.stdout
            return go

        (t_py, t_j1, t_j2, t_s2), (py_labels, out, _, _) = best_interleaved(a.repeat, [
            (py, False), (rs(1, "--first-stage-only"), True),
            (rs(2, "--first-stage-only"), True), (rs(1), True)])
        ours = [json.loads(l)["lang"] for l in out.decode().splitlines()]
        theirs = [l.replace("__label__", "") for l in py_labels]
        agree = sum(1 for a, b in zip(ours, theirs) if a == b or a == "other")
        print(f"{n:>7} {n / t_py:>22,.0f} {n / t_j1:>19,.0f} {t_py / t_j1:>5.1f}x {n / t_j2:>19,.0f} {t_j1 / t_j2:>5.2f}x {n / t_s2:>15,.0f} {t_py / t_s2:>5.1f}x  (lid.176 labels agree on {agree}/{n})")
        os.unlink(path)


if __name__ == "__main__":
    main()
