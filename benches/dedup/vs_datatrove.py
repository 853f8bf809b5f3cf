#!/usr/bin/env python3
"""MinHash dedup stages 1-3, garbell vs datatrove 0.10.1, per core, side by side on one input.

Input: `--docs` text documents (default 30,000) generated from text we did not write -- the
plain-text pydoc rendering of the Python standard library (PSF-2.0) of the running Python:
  * 70 % "base" documents: 150-500 consecutive words of one module's documentation, or
    20-60 lines drawn from all modules (mixtures, for volume);
  * 30 % copies of a base document: exact (15 %), 3 % of words replaced (50 %), one paragraph
    added (20 %), lines reordered (15 %).
The same JSONL files feed both tools. datatrove uses its MinhashConfig() (5-gram shingles,
14 bands x 8 hashes, seed 1); garbell its default (`[dedup.minhash]` with no keys: 2-gram
candidates in 20 bands x 5 rows, every candidate pair verified on 128-value bottom-k sketches),
or the table given with --minhash (e.g. --minhash 'preset = "fineweb"').

datatrove (in one process, LocalPipelineExecutor, workers=1): MinhashDedupSignature (tasks=1),
MinhashDedupBuckets (tasks=14, run one after another), MinhashDedupCluster (tasks=1); its
default English word tokenizer (spaCy) is used as shipped. CPU seconds are measured in the
process around each executor.run (imports excluded). datatrove 0.10.1 passes `str` to
xxhash.xxh64_intdigest, which recent xxhash releases refuse; the step's hash function is
replaced by the same call on UTF-8 bytes (identical values).

garbell (release binary): `garbell run` writes the Parquet shards (not timed, like the JSONL
input of datatrove), then `garbell dedup signatures`, `buckets`, `cluster` with -j 1; CPU
seconds (user + sys) of each process from getrusage.

Usage (from the workspace root):
    cargo build --release --bin garbell
    nice python3 benches/dedup/vs_datatrove.py --python ~/.cache/garbell/bench/venv/bin/python \
        [--docs 30000] [--work /tmp/garbell-dedup-vs-dt] [--json results.json]
`--python` is an interpreter with datatrove==0.10.1 (plus spacy, xxhash) installed.
"""
import argparse
import json
import os
import pkgutil
import pydoc
import random
import re
import resource
import shutil
import subprocess
import sys
import time

BOILER = ("Subscribe to our newsletter for weekly updates on new releases, security fixes and "
          "community events. Unsubscribe at any time from the link in every message.")


def scrub(text):
    """Removes what depends on the running process: object addresses (`<f at 0x7f...>`,
    `handle 7f...`) and the environment some modules render as a default argument
    (`environ=environ({...})` in cgi), so that the corpus is the same on every run and carries
    nothing of the machine."""
    text = re.sub(r"environ\(\{[^\n]*", "environ(...)", text)
    return re.sub(r"( at 0x| handle )[0-9a-f]+", "", text)


def stdlib_texts():
    names = sorted(
        m.name for m in pkgutil.iter_modules()
        if not m.name.startswith("_") and m.module_finder.path.startswith(sys.base_prefix)
        and "site-packages" not in m.module_finder.path
    )
    out = []
    for name in names:
        if name in {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo"}:
            continue
        try:
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mod = __import__(name)
                text = pydoc.render_doc(mod, renderer=pydoc.plaintext)
        except BaseException:  # noqa: BLE001 -- some modules fail to import; skip them
            continue
        out.append(scrub(text))
    return out


def make_docs(n, seed):
    rng = random.Random(seed)
    texts = stdlib_texts()
    lines = [l.strip() for t in texts for l in t.splitlines() if len(l.split()) >= 4]
    windows = []
    for t in texts:
        w = t.split()
        i = 0
        while i + 150 <= len(w):
            k = rng.randint(150, 500)
            windows.append(" ".join(w[i:i + k]))
            i += k
    n_base = int(n * 0.7)
    base = []
    for i in range(n_base):
        if i < len(windows) and rng.random() < 0.5:
            base.append(windows[i])
        else:
            base.append("\n".join(rng.choice(lines) for _ in range(rng.randint(20, 60))))
    docs = list(base)
    pool = [w for l in lines[:20000] for w in l.split()]
    while len(docs) < n:
        src = rng.choice(base)
        u = rng.random()
        if u < 0.15:
            d = src
        elif u < 0.65:
            w = src.split()
            for j in rng.sample(range(len(w)), max(1, len(w) * 3 // 100)):
                w[j] = rng.choice(pool)
            d = " ".join(w)
        elif u < 0.85:
            d = src + "\n\n" + BOILER
        else:
            ls = src.split("\n")
            rng.shuffle(ls)
            d = "\n".join(ls)
        docs.append(d)
    rng.shuffle(docs)
    return docs


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_garbell(binary, work, inputs, minhash):
    chain = os.path.join(work, "chain.toml")
    with open(chain, "w") as f:
        f.write('name = "dedup-bench"\n[[steps]]\nstep = "normalize"\n[dedup]\n[dedup.minhash]\n'
                + minhash.replace("\\n", "\n") + "\n")
    out = os.path.join(work, "garbell-out")
    shutil.rmtree(out, ignore_errors=True)
    common = ["--chain", chain, "-o", out] + inputs
    n = len(inputs)
    for k in range(n):  # shards only: array tasks do not run the dedup
        subprocess.run([binary, "run", "-j", "1", "--task-index", str(k), "--task-count", str(n)]
                       + common, check=True, capture_output=True)
    times = {}
    for stage in ["signatures", "buckets", "cluster"]:
        c0, w0 = cpu_children(), time.perf_counter()
        p = subprocess.run([binary, "dedup", stage, "-j", "1"] + common, check=True,
                           capture_output=True, text=True)
        times[stage] = {"cpu_s": cpu_children() - c0, "wall_s": time.perf_counter() - w0}
        if stage == "cluster":
            print("  garbell  :", p.stderr.strip().splitlines()[-1], file=sys.stderr)
    removed = json.load(open(os.path.join(out, "dedup/completions/cluster.json")))["stats"]["removed"]
    return times, removed


DT_CHILD = r'''
import json, sys, time, xxhash
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupSignature,
    MinhashDedupBuckets, MinhashDedupCluster)
inp, work = sys.argv[1], sys.argv[2]
cfg = MinhashConfig()
sig = MinhashDedupSignature(output_folder=f"{work}/sigs", config=cfg)
sig._hash_func = lambda s: xxhash.xxh64_intdigest(s.encode("utf-8"))
stages = [
    ("signatures", [JsonlReader(inp, text_key="text", id_key="id"), sig], 1),
    ("buckets", [MinhashDedupBuckets(input_folder=f"{work}/sigs", output_folder=f"{work}/buckets", config=cfg)], cfg.num_buckets),
    ("cluster", [MinhashDedupCluster(input_folder=f"{work}/buckets", output_folder=f"{work}/remove_ids", config=cfg)], 1),
]
times = {}
for name, steps, tasks in stages:
    ex = LocalPipelineExecutor(pipeline=steps, tasks=tasks, workers=1, logging_dir=f"{work}/logs-{name}")
    c0, w0 = time.process_time(), time.perf_counter()
    ex.run()
    times[name] = {"cpu_s": time.process_time() - c0, "wall_s": time.perf_counter() - w0}
import glob, struct
removed = 0
for f in glob.glob(f"{work}/remove_ids/*.remove"):
    removed += len(open(f, "rb").read()) // 4
print(json.dumps({"times": times, "removed": removed}))
'''


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=30000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--files", type=int, default=4, help="JSONL files (garbell shards)")
    ap.add_argument("--work", default="/tmp/garbell-dedup-vs-dt")
    ap.add_argument("--binary", default="target/release/garbell")
    ap.add_argument("--python", default=sys.executable, help="interpreter with datatrove 0.10.1")
    ap.add_argument("--json", default=None, help="write the results here")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--minhash", default="", help="keys of garbell's [dedup.minhash] table")
    args = ap.parse_args()

    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(os.path.join(args.work, "input"))
    docs = make_docs(args.docs, args.seed)
    inputs = []
    per = (len(docs) + args.files - 1) // args.files
    for k in range(args.files):
        p = os.path.join(args.work, "input", f"part-{k}.jsonl")
        with open(p, "w") as f:
            for i, d in enumerate(docs[k * per:(k + 1) * per]):
                f.write(json.dumps({"id": f"{k}-{i}", "text": d}) + "\n")
        inputs.append(p)
    words = sum(len(d.split()) for d in docs)
    print(f"{len(docs)} documents, {words} words, {args.files} files", file=sys.stderr)

    g_times, g_removed = run_garbell(args.binary, args.work, inputs, args.minhash)
    dt_work = os.path.join(args.work, "datatrove")
    p = subprocess.run([args.python, "-c", DT_CHILD, os.path.join(args.work, "input"), dt_work],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"datatrove failed:\n{p.stderr[-3000:]}")
    dt = json.loads(p.stdout.strip().splitlines()[-1])
    d_times, d_removed = dt["times"], dt["removed"]

    print(f"{'stage':<12}{'datatrove cpu s':>16}{'garbell cpu s':>15}{'ratio':>9}")
    tot_d = tot_g = 0.0
    for s in ["signatures", "buckets", "cluster"]:
        d, g = d_times[s]["cpu_s"], g_times[s]["cpu_s"]
        tot_d += d
        tot_g += g
        print(f"{s:<12}{d:>16.2f}{g:>15.2f}{d / max(g, 1e-9):>8.1f}x")
    print(f"{'stages 1-3':<12}{tot_d:>16.2f}{tot_g:>15.2f}{tot_d / max(tot_g, 1e-9):>8.1f}x")
    print(f"docs per CPU-second: datatrove {len(docs) / tot_d:,.0f}, garbell {len(docs) / tot_g:,.0f}")
    print(f"documents removed: datatrove {d_removed}, garbell {g_removed}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"docs": len(docs), "words": words, "datatrove": d_times, "garbell": g_times,
                       "ratio_stages_1_3": tot_d / tot_g, "removed": {"datatrove": d_removed,
                       "garbell": g_removed}}, f, indent=1)
    if not args.keep:
        shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
