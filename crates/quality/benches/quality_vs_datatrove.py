#!/usr/bin/env python3
"""datatrove 0.10.1's per-core docs/s on the same documents as `cargo bench -p garbell-quality`
(the texts of tests/data/goldens.jsonl.gz), all four filters, every filter on every document.

    /tmp/dtvenv/bin/python crates/quality/benches/quality_vs_datatrove.py [garbell_docs_per_s]

Prints datatrove's docs/s and, given garbell's figure from criterion, the ratio.
"""
import gzip
import json
import os
import sys
import time

from datatrove.data import Document
from datatrove.pipeline.filters import C4QualityFilter, FineWebQualityFilter, GopherQualityFilter, GopherRepetitionFilter

HERE = os.path.dirname(os.path.abspath(__file__))
with gzip.open(os.path.join(HERE, "..", "tests", "data", "goldens.jsonl.gz"), "rt", encoding="utf-8") as f:
    texts = [json.loads(l)["text"] for l in f]
filters = [GopherQualityFilter(), GopherRepetitionFilter(), C4QualityFilter(), FineWebQualityFilter()]
for flt in filters:  # warm up (tokenizer load)
    flt.filter(Document(text=texts[0], id="w"))
best = 0.0
for _ in range(3):
    t0 = time.perf_counter()
    for i, t in enumerate(texts):
        for flt in filters:
            flt.filter(Document(text=t, id=str(i)))
    best = max(best, len(texts) / (time.perf_counter() - t0))
print(f"datatrove: {best:.0f} docs/s ({len(texts)} docs, one core)")
if len(sys.argv) > 1:
    print(f"garbell/datatrove: {float(sys.argv[1]) / best:.1f}x")
