#!/usr/bin/env bash
# Parallelism inside one input: one large input run with -j 1 and -j 2 (and more with
# THREADS="1 2 4"), wall-clock throughput, CPU, peak RSS (/usr/bin/time -v), and a byte-for-byte
# comparison of every output but run.json. Results: docs/performance.md, "Parallelism inside
# one input".
#
# Usage: bash benches/parallel/run.sh [INPUT...]
#   With no INPUT, generates (once) one Common Crawl-like multi-member gzip WARC of SIZE_MB
#   (default 520) MB with benches/pipeline/make_input.py (seeded; needs warcio: run
#   benches/pipeline/run.sh once for its venv, or set PYTHON to a python with warcio).
#   Environment: BENCH_DIR (default ~/.cache/garbell/bench/parallel), CHAIN (default
#   benches/pipeline/web-nodedup.toml), THREADS (default "1 2"), GARBELL (default
#   target/release/garbell, built if missing).
# Measure on an idle machine; the script prints `uptime` before and after each run.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BENCH_DIR="${BENCH_DIR:-$HOME/.cache/garbell/bench/parallel}"
CHAIN="${CHAIN:-$ROOT/benches/pipeline/web-nodedup.toml}"
THREADS="${THREADS:-1 2}"
SIZE_MB="${SIZE_MB:-520}"
PYTHON="${PYTHON:-$HOME/.cache/garbell/bench/venv/bin/python}"
GARBELL="${GARBELL:-$ROOT/target/release/garbell}"
mkdir -p "$BENCH_DIR"
if [ ! -x "$GARBELL" ]; then
  (cd "$ROOT" && cargo build --release)
fi
inputs=("$@")
if [ ${#inputs[@]} -eq 0 ]; then
  dir="$BENCH_DIR/warc-$SIZE_MB"
  if [ ! -f "$dir/part-00000.warc.gz" ]; then
    "$PYTHON" "$ROOT/benches/pipeline/make_input.py" --out "$dir" --total-mb "$SIZE_MB" --files 1
  fi
  inputs=("$dir/part-00000.warc.gz")
fi
for input in "${inputs[@]}"; do
  name="$(basename "$(dirname "$input")")-$(basename "$input")"
  bytes=$(stat -c %s "$input")
  first=""
  for j in $THREADS; do
    out="$BENCH_DIR/out-$name-j$j"
    rm -rf "$out"
    echo "== $input ($((bytes / 1000000)) MB) -j $j; load before: $(uptime | sed 's/.*load average: //')"
    /usr/bin/time -v "$GARBELL" run --chain "$CHAIN" -j "$j" -o "$out" "$input" \
      2> "$out.time" || { cat "$out.time"; exit 1; }
    wall=$(grep "Elapsed (wall clock)" "$out.time" | awk '{print $NF}')
    secs=$(python3 -c "import sys; p=[float(x) for x in sys.argv[1].split(':')]; print(sum(v*60**i for i,v in enumerate(reversed(p))))" "$wall")
    user=$(grep "User time" "$out.time" | awk '{print $NF}')
    sys=$(grep "System time" "$out.time" | awk '{print $NF}')
    rss=$(grep "Maximum resident" "$out.time" | awk '{print $NF}')
    docs=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['records_read'])" "$out/stats.json")
    python3 - "$j" "$secs" "$user" "$sys" "$rss" "$docs" "$bytes" <<'EOF'
import sys
j, secs, user, sys_, rss, docs, size = sys.argv[1:]
secs, user, sys_, docs, size = float(secs), float(user), float(sys_), int(docs), int(size)
print(f"   -j {j}: {secs:.1f} s wall, {user + sys_:.1f} CPU-s, {docs / secs:.0f} docs/s, "
      f"{size / 1e6 / secs:.2f} MB/s, peak RSS {int(rss) / 1024:.0f} MiB")
EOF
    echo "   load after: $(uptime | sed 's/.*load average: //')"
    if [ -z "$first" ]; then
      first="$out"
    else
      (cd "$first" && find . -type f ! -name run.json | sort) > "$BENCH_DIR/files-a"
      (cd "$out" && find . -type f ! -name run.json | sort) > "$BENCH_DIR/files-b"
      cmp -s "$BENCH_DIR/files-a" "$BENCH_DIR/files-b" || { echo "   DIFFERENT FILE LISTS"; exit 1; }
      while read -r f; do
        cmp -s "$first/$f" "$out/$f" || { echo "   DIFFERS: $f"; exit 1; }
      done < "$BENCH_DIR/files-a"
      echo "   outputs byte-identical to -j ${THREADS%% *} ($(wc -l < "$BENCH_DIR/files-a") files)"
    fi
  done
done
