#!/usr/bin/env python3
"""How close a real `garbell balance` run lands to its plan: per bucket, planned share of the
selected tokens vs achieved share (plan.json written by `garbell balance`), the largest
deviation in percentage points, and the total against the budget. With pyarrow, it also
re-reads the output shards: their rows must be plan.json's achieved documents and, when the
mix counts tokens with the estimate (`estimate(chars_per_token=C)`), their tokens re-counted
here must be plan.json's achieved tokens, bucket by bucket.

    python3 benches/balance_on_plan.py OUT_DIR [--max-pp 0.5] [--max-total-pct 0.5]

With the limits, it exits 1 when a bucket's share is further than --max-pp percentage points
from its plan or the total further than --max-total-pct percent from the planned total.
"""
import argparse
import collections
import json
import math
import re
import sys
import unicodedata

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--max-pp", type=float, default=None)
ap.add_argument("--max-total-pct", type=float, default=None)
args = ap.parse_args()

out = args.out
p = json.load(open(f"{out}/plan.json"))
planned = {f"{b['lang']}/{b['source']}": b["selected_tokens"] for b in p["plan"]["buckets"]}
achieved = {k: v["tokens"] for k, v in p["achieved"].items()}
tp, ta = sum(planned.values()), sum(achieved.values())
rows = []
for k in sorted(planned):
    sp = 100 * planned[k] / tp if tp else 0
    sa = 100 * achieved.get(k, 0) / ta if ta else 0
    rows.append((k, sp, sa, sa - sp))
print(f"{'bucket':<14} {'plan %':>8} {'achieved %':>11} {'diff pp':>8}")
for k, sp, sa, d in rows:
    print(f"{k:<14} {sp:8.3f} {sa:11.3f} {d:+8.3f}")
worst = max(rows, key=lambda r: abs(r[3]))
total_pct = 100 * (ta - tp) / tp
print(f"\nseed {p['plan']['seed']}: planned {tp:.0f} tokens, achieved {ta} ({total_pct:+.3f}%); "
      f"largest deviation {worst[3]:+.3f} pp ({worst[0]}) over {len(rows)} buckets")

# garbell_balance::Estimate: a run of alphanumeric characters (Rust's char::is_alphanumeric:
# Unicode Alphabetic or Numeric) counts ceil(len / C) tokens, any other character that is not
# White_Space one. Exact with the `regex` package (Unicode properties); without it, general
# categories approximate Alphabetic (combining marks such as Arabic harakat then differ).
try:
    import regex

    WORD = regex.compile(r"[\p{Alphabetic}\p{N}]+")
    OTHER = regex.compile(r"[^\p{Alphabetic}\p{N}\p{White_Space}]")

    def estimate(text, cpt):
        return sum(math.ceil(len(w) / cpt) for w in WORD.findall(text)) + len(OTHER.findall(text))
except ImportError:
    ALNUM = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nl", "Nd", "No"}

    def estimate(text, cpt):
        n = word = 0
        for c in text:
            if unicodedata.category(c) in ALNUM:
                word += 1
                continue
            if word:
                n += math.ceil(word / cpt)
                word = 0
            if not c.isspace():
                n += 1
        if word:
            n += math.ceil(word / cpt)
        return n


try:
    import pyarrow.parquet as pq
except ImportError:
    pq = None
if pq is not None:
    shards = [f"{out}/{s['path']}" for s in p["index"]["shards"]]
    rows_in_shards = sum(pq.ParquetFile(f).metadata.num_rows for f in shards)
    docs = sum(v["docs"] for v in p["achieved"].values())
    print(f"shards hold {rows_in_shards} rows; plan.json achieved docs {docs}")
    assert rows_in_shards == docs
    m = re.fullmatch(r"estimate\(chars_per_token=([0-9.]+)\)", p["token_counter"])
    if m:
        cpt = float(m.group(1))
        counted = collections.Counter()
        for f in shards:
            t = pq.read_table(f, columns=["text", "lang", "source"])
            for text, lang, source in zip(*(t.column(c).to_pylist() for c in ["text", "lang", "source"])):
                counted[f"{lang}/{source}"] += estimate(text, cpt)
        assert dict(counted) == {k: v for k, v in achieved.items() if v}, "shard tokens != plan.json achieved"
        print(f"shards hold {sum(counted.values())} tokens re-counted here = plan.json achieved")

failed = []
if args.max_pp is not None and abs(worst[3]) > args.max_pp:
    failed.append(f"bucket {worst[0]} off by {worst[3]:+.3f} pp > {args.max_pp}")
if args.max_total_pct is not None and abs(total_pct) > args.max_total_pct:
    failed.append(f"total off by {total_pct:+.3f}% > {args.max_total_pct}%")
if failed:
    print("FAIL: " + "; ".join(failed))
    sys.exit(1)
