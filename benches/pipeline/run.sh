#!/usr/bin/env bash
# Whole-pipeline benchmark: garbell vs datatrove 0.10.1 on the same generated WARC input.
# Usage: bash benches/pipeline/run.sh [all|garbell|datatrove|scale ...]   (see README.md)
# Everything is written under $BENCH_DIR (default ~/.cache/garbell/bench), nothing in the repo.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BENCH_DIR="${BENCH_DIR:-$HOME/.cache/garbell/bench}"
export BENCH_DIR
mkdir -p "$BENCH_DIR"
cd "$BENCH_DIR"

# 1. datatrove 0.10.1 and what its steps need, in a local venv (PyPI only; the LID model is the
#    repo's languages/lid/lid.176.ftz, loaded by dt_custom.LocalFT176LID: nothing is downloaded).
if [ ! -x venv/bin/python ] || ! venv/bin/python -c "import datatrove, trafilatura, spacy, fasttext, cchardet, magic, lxml_html_clean, orjson" 2>/dev/null; then
  python3 -m venv venv
  venv/bin/pip install -q "datatrove[processing]==0.10.1" "trafilatura==1.11.0" lxml_html_clean \
    fasttext-numpy2-wheel fasteners "spacy==3.8.*" faust-cchardet python-magic warcio pyarrow orjson
fi

# 2. garbell, built once and copied so that a rebuild in the tree does not change it mid-run.
(cd "$ROOT" && cargo build --release -q)
cp "$ROOT/target/release/garbell" "$BENCH_DIR/garbell-bin"

# 3. inputs: 200 MB (8 x 25 MB), its first two files as the 50 MB set, and a 20 MB set (2 x 10 MB)
#    on which datatrove runs (it is ~25-50x slower; the ratios are per document and per CPU-second).
[ -f warc/part-00007.warc.gz ] || venv/bin/python "$HERE/make_input.py" --out warc --total-mb 200 --files 8
mkdir -p warc-50 && (cd warc-50 && ln -sf ../warc/part-00000.warc.gz ../warc/part-00001.warc.gz .)
[ -f warc-20/part-00001.warc.gz ] || venv/bin/python "$HERE/make_input.py" --out warc-20 --total-mb 20 --files 2

# 4. the runs (measure on an idle machine: check `uptime` first).
uptime
python3 "$HERE/bench.py" "$@"
