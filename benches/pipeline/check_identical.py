#!/usr/bin/env python3
"""Byte-identity check of garbell's `web` chain (no dedup) for optimisation work.

    python3 benches/pipeline/check_identical.py GARBELL_BINARY HASHES.json [--against REF.json]
        [--languages DIR]

Runs GARBELL_BINARY on the real sets of real_input.py (CACHE/bench/real/{jsonl,warc}) with
web-nodedup.toml and web-nodedup-dt.toml, and on the JSONL set with both chains' quality steps in
`annotate_only` mode (so that every document's signals reach the shard, not only the kept ones'),
one thread; writes the sha256 of every shard and of stats.json to HASHES.json. With --against,
exits 1 when any hash differs from REF.json (written by the binary before the change).
With --languages, every run reads the language profiles from DIR (`garbell run --languages`)
instead of those embedded at build time: two binaries built from trees whose languages/ differ
(or a binary whose embedded profiles are stale) are then compared on the same profiles.
"""
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REAL = os.path.join(os.environ.get("BENCH_DIR", os.path.expanduser("~/.cache/garbell/bench")), "real")


def annotate_only(chain, out):
    text = open(chain).read()
    text = re.sub(r'(step = "filter_[a-z0-9_]+")', r'\1\nannotate_only = true', text)
    text = re.sub(r'^name = "([^"]+)"', r'name = "\1-annotate"', text, flags=re.M)
    # filter_language keeps its drops (it has no annotate mode of interest here).
    text = text.replace('step = "filter_language"\nannotate_only = true', 'step = "filter_language"')
    open(out, "w").write(text)
    return out


def main():
    binary, dest = sys.argv[1], sys.argv[2]
    ref = sys.argv[sys.argv.index("--against") + 1] if "--against" in sys.argv else None
    extra = ["--languages", sys.argv[sys.argv.index("--languages") + 1]] if "--languages" in sys.argv else []
    tmp = tempfile.mkdtemp(prefix="garbell-identical-")
    chains = {c: os.path.join(HERE, c + ".toml") for c in ("web-nodedup", "web-nodedup-dt")}
    plan = [(s, c, p) for s in ("jsonl", "warc") for c, p in chains.items()]
    for c, p in chains.items():
        plan.append(("jsonl", c + "-annotate", annotate_only(p, os.path.join(tmp, c + "-annotate.toml"))))
    hashes = {}
    for s, c, p in plan:
        out = os.path.join(tmp, "%s-%s" % (s, c))
        subprocess.run([binary, "run", "--chain", p, "-o", out, "-j", "1", *extra, os.path.join(REAL, s)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for f in sorted(glob.glob(os.path.join(out, "shards", "*.parquet"))) + [os.path.join(out, "stats.json")]:
            hashes["%s/%s/%s" % (s, c, os.path.relpath(f, out))] = hashlib.sha256(open(f, "rb").read()).hexdigest()
    shutil.rmtree(tmp)
    json.dump(hashes, open(dest, "w"), indent=1, sort_keys=True)
    if ref:
        want = json.load(open(ref))
        bad = sorted(k for k in set(want) | set(hashes) if want.get(k) != hashes.get(k))
        for k in bad:
            print("DIFFERS: %s" % k)
        print("%d outputs, %d differ" % (len(hashes), len(bad)))
        sys.exit(1 if bad else 0)
    print("%d outputs hashed into %s" % (len(hashes), dest))


if __name__ == "__main__":
    main()
