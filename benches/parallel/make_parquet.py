#!/usr/bin/env python3
"""A large Parquet input for "Parallelism inside one input" (docs/performance.md): the real
JSONL set's documents repeated, each copy with a varying suffix (so no two texts are equal), up
to --total-mb MB of text, written with pyarrow's defaults (`pq.write_table(table, path)`:
snappy, dictionary encoding, row groups of at most 1 Mi rows; with fewer rows than that the
file is one row group, as pyarrow writes it). Columns: id, text, source, n (int64).

Usage: python3 benches/parallel/make_parquet.py [--src ~/.cache/garbell/bench/real/jsonl/docs.jsonl]
           [--out ~/.cache/garbell/bench/parallel/parquet-520/docs.parquet] [--total-mb 520]
           [--row-group-rows N]   # N: pyarrow's row_group_size (default: pyarrow's default)
Deterministic: the same source gives the same table.
"""
import argparse
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq

p = argparse.ArgumentParser()
home = os.path.expanduser("~")
p.add_argument("--src", default=f"{home}/.cache/garbell/bench/real/jsonl/docs.jsonl")
p.add_argument("--out", default=f"{home}/.cache/garbell/bench/parallel/parquet-520/docs.parquet")
p.add_argument("--total-mb", type=int, default=520)
p.add_argument("--row-group-rows", type=int, default=None)
a = p.parse_args()

docs = []
with open(a.src, encoding="utf-8") as f:
    for line in f:
        d = json.loads(line)
        docs.append((d.get("id") or str(len(docs)), d["text"]))
ids, texts, sources, ns = [], [], [], []
total, copy = 0, 0
limit = a.total_mb * 1_000_000
while total < limit:
    for i, (doc_id, text) in enumerate(docs):
        t = text if copy == 0 else f"{text}\n({copy}.{i})"
        ids.append(f"{doc_id}#{copy}")
        texts.append(t)
        sources.append(doc_id.split("/")[0])
        ns.append(len(ns))
        total += len(t.encode("utf-8"))
        if total >= limit:
            break
    copy += 1
table = pa.table({"id": ids, "text": texts, "source": sources, "n": pa.array(ns, pa.int64())})
os.makedirs(os.path.dirname(a.out), exist_ok=True)
tmp = a.out + ".tmp"
if a.row_group_rows:
    pq.write_table(table, tmp, row_group_size=a.row_group_rows)
else:
    pq.write_table(table, tmp)
os.replace(tmp, a.out)
md = pq.ParquetFile(a.out).metadata
print(f"{a.out}: {md.num_rows} rows, {total / 1e6:.0f} MB of text, {md.num_row_groups} row "
      f"group(s), {os.path.getsize(a.out) / 1e6:.0f} MB on disk, pyarrow {pa.__version__}")
