#!/usr/bin/env python3
"""datatrove 0.10.1's equivalent of garbell's `web` chain (FineWeb's stage 1), for the benchmark.

Usage: datatrove_chain.py INPUT_DIR OUTPUT_DIR WORKERS [trafilatura|simple|none]

An INPUT_DIR holding `*.jsonl` files (the real-documents set of real_input.py) is read with
`JsonlReader` (text already extracted: no extractor step) instead of `WarcReader`.

WarcReader -> extractor -> LanguageFilter(35 languages, 0.65, local lid.176.ftz)
-> GopherRepetitionFilter -> GopherQualityFilter -> C4QualityFilter(filter_no_terminal_punct=False)
-> FineWebQualityFilter -> ParquetWriter -> MinhashDedupSignature (FineWeb's MinhashConfig:
5-grams, 14 buckets x 8 hashes). One task per input file (tasks = number of files), `workers`
processes. The writer sits before the signature step because the signature step yields nothing
(datatrove's FineWeb example writes the text in stage 1 and computes signatures in another
job); the dedup stages 2-4 (buckets, clusters, filter) are not run.
"""
import glob
import os
import sys

from datatrove.executor.local import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
from datatrove.pipeline.extractors import Trafilatura
from datatrove.pipeline.filters import (
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
    LanguageFilter,
)
from datatrove.pipeline.readers import JsonlReader, WarcReader
from datatrove.pipeline.writers import ParquetWriter

from dt_custom import LocalFT176LID, SimpleHtmlExtractor

LANGS = ("bg ca cs cy da de el en es et eu fi fr ga gl hr hu it lt lv mt nl nn no oc pl pt ro ru "
         "sh sk sl sr sv uk").split()


def main():
    inp, out, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    extractor = sys.argv[4] if len(sys.argv) > 4 else "trafilatura"
    jsonl = glob.glob(os.path.join(inp, "*.jsonl"))
    tasks = len(jsonl) or len(glob.glob(os.path.join(inp, "*.warc.gz")))
    lang = LanguageFilter(languages=LANGS, language_threshold=0.65)
    lang.model = LocalFT176LID(LANGS)
    if jsonl:
        head = [JsonlReader(inp, glob_pattern="*.jsonl")]
    else:
        head = [WarcReader(inp, glob_pattern="*.warc.gz"),
                Trafilatura(favour_precision=True, timeout=10.0) if extractor == "trafilatura"
                else SimpleHtmlExtractor()]
    pipeline = head + [
        lang,
        GopherRepetitionFilter(),
        GopherQualityFilter(),
        C4QualityFilter(filter_no_terminal_punct=False),
        FineWebQualityFilter(),
        ParquetWriter(os.path.join(out, "output")),
        MinhashDedupSignature(os.path.join(out, "signatures"), config=MinhashConfig()),
    ]
    # start_method="fork": the pool workers are then children of this process, so that
    # `/usr/bin/time` counts their CPU time (with the default "forkserver" it does not).
    LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=workers, start_method="fork",
                          logging_dir=os.path.join(out, "logs")).run()


if __name__ == "__main__":
    main()
