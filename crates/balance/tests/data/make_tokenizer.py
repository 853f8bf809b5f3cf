#!/usr/bin/env python3
"""Trains the small byte-level BPE `bpe-1k.tokenizer.json` used by the token-count parity test.

Provenance: trained with the Python `tokenizers` package (the same version as the Rust crate
garbell builds with, see tests/requirements.txt) on the 40 documents of
tests/data/samples/docs.jsonl.gz, text written for this project (CC0). Deterministic: the
trainer is single-threaded here and its input order is fixed.

    python3 crates/balance/tests/data/make_tokenizer.py
"""
import gzip
import json
import os

os.environ["RAYON_NUM_THREADS"] = "1"
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers  # noqa: E402

root = os.path.dirname(os.path.abspath(__file__))
samples = os.path.join(root, "..", "..", "..", "..", "tests", "data", "samples", "docs.jsonl.gz")
with gzip.open(samples, "rt", encoding="utf-8") as f:
    texts = [json.loads(line)["text"] for line in f if line.strip()]

tok = Tokenizer(models.BPE(unk_token=None))
tok.normalizer = normalizers.NFC()
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
tok.decoder = decoders.ByteLevel()
trainer = trainers.BpeTrainer(
    vocab_size=1000,
    special_tokens=["<s>", "</s>"],
    initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    show_progress=False,
)
tok.train_from_iterator(texts, trainer=trainer)
# A BOS token added to every document, so that `special_tokens = true` is observable.
tok.post_processor = processors.TemplateProcessing(
    single="<s> $A", special_tokens=[("<s>", tok.token_to_id("<s>"))]
)
out = os.path.join(root, "bpe-1k.tokenizer.json")
tok.save(out, pretty=False)
print(out, os.path.getsize(out), "bytes")
