#!/usr/bin/env python3
"""How close a real `garbell balance` run lands to its plan: per bucket, planned share of the
selected tokens vs achieved share (plan.json written by `garbell balance`), and the largest
deviation in percentage points. Also re-counts the achieved tokens from the output shards
(pyarrow) to check that plan.json's `achieved` is what the shards hold.

    python3 benches/balance_on_plan.py OUT_DIR
"""
import json
import sys

out = sys.argv[1]
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
print(f"\nplanned {tp:.0f} tokens, achieved {ta} ({100 * (ta - tp) / tp:+.2f}%); "
      f"largest deviation {worst[3]:+.3f} pp ({worst[0]}) over {len(rows)} buckets")
try:
    import pyarrow.parquet as pq
    rows_in_shards = sum(pq.ParquetFile(f"{out}/{s['path']}").metadata.num_rows for s in p["index"]["shards"])
    docs = sum(v["docs"] for v in p["achieved"].values())
    print(f"shards hold {rows_in_shards} rows; plan.json achieved docs {docs}")
    assert rows_in_shards == docs
except ImportError:
    pass
