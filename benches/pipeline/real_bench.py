#!/usr/bin/env python3
"""garbell's `web` chain without dedup against datatrove 0.10.1's same chain on the *real* sets of
real_input.py, one thread, CPU-seconds, all in one run.

    BENCH_DIR=~/.cache/garbell/bench python3 benches/pipeline/real_bench.py [GARBELL ...]

Runs datatrove_chain.py (1 worker) on `real/jsonl` (JsonlReader, no extractor) and on
`real/warc` (WarcReader + Trafilatura, as the generated-set benchmark), then each GARBELL binary
(default: BENCH_DIR/garbell-bin) with web-nodedup.toml (default tokenizer) and
web-nodedup-dt.toml (`tokenizer = "datatrove"`) on both sets, `-j 1`. Prints CPU-seconds
(user + sys of the process tree, /usr/bin/time), documents per CPU-second and the ratio
garbell / datatrove per CPU-second.
"""
import json
import os
import shutil
import sys

from bench import BENCH, HERE, PY, ROOT, timed

REAL = os.path.join(BENCH, "real")


def count(s):
    if s == "jsonl":
        return sum(1 for _ in open(os.path.join(REAL, "jsonl", "docs.jsonl")))
    n = 0
    import gzip
    with gzip.open(os.path.join(REAL, "warc", "pages.warc.gz"), "rb") as fh:
        for line in fh:
            if line.startswith(b"WARC-Type: response"):
                n += 1
    return n


def main():
    binaries = sys.argv[1:] or [os.path.join(BENCH, "garbell-bin")]
    env = dict(os.environ, PYTHONPATH=HERE, GARBELL_LID_MODEL=os.path.join(ROOT, "languages/lid/lid.176.ftz"))
    docs = {s: count(s) for s in ("jsonl", "warc")}
    plan = []
    for s in ("jsonl", "warc"):
        plan.append(("datatrove", s, [PY, os.path.join(HERE, "datatrove_chain.py"), os.path.join(REAL, s), None, "1", "trafilatura"]))
        for b in binaries:
            for chain in ("web-nodedup", "web-nodedup-dt"):
                plan.append(("%s %s" % (os.path.basename(b), chain), s,
                             [b, "run", "--chain", os.path.join(HERE, chain + ".toml"), "-o", None, "-j", "1", os.path.join(REAL, s)]))
    print("load before: %s" % open("/proc/loadavg").read().strip(), flush=True)
    results = []
    for name, s, cmd in plan:
        out = os.path.join(BENCH, "out-real", "%s-%s" % (name.replace(" ", "-"), s))
        shutil.rmtree(out, ignore_errors=True)
        wall, cpu, rss = timed([out if c is None else c for c in cmd], env)
        r = dict(name=name, set=s, docs=docs[s], wall_s=round(wall, 2), cpu_s=round(cpu, 2),
                 docs_per_cpu_s=round(docs[s] / cpu, 1), peak_rss_mb=round(rss, 1))
        results.append(r)
        print("%-36s %-5s %6d docs  wall %7.2f s  cpu %7.2f s  %9.1f docs/cpu-s  RSS %6.1f MB"
              % (name, s, docs[s], wall, cpu, docs[s] / cpu, rss), flush=True)
    print("load after: %s" % open("/proc/loadavg").read().strip())
    print("\nratios garbell / datatrove per CPU-second (same run, one thread):")
    for s in ("jsonl", "warc"):
        dt = [r for r in results if r["name"] == "datatrove" and r["set"] == s][0]
        for r in results:
            if r["set"] == s and r["name"] != "datatrove":
                print("  %-5s %-36s %6.1fx" % (s, r["name"], dt["cpu_s"] / r["cpu_s"]))
    with open(os.path.join(BENCH, "results-real.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
