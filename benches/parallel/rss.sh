#!/usr/bin/env bash
# Peak RSS against input size: prefixes of one Common Crawl-like WARC (whole gzip members,
# benches/parallel/cut_warc.py) of SIZES MB, each run with -j 1 and -j 2 (THREADS) by every
# binary given, `/usr/bin/time` peak RSS and CPU; -j 2's outputs compared byte for byte with
# -j 1's. Results: docs/performance.md, "Peak RSS against input size".
#
# Usage: bash benches/parallel/rss.sh [GARBELL...]      (default target/release/garbell)
#   Environment: SOURCE (default ~/.cache/garbell/bench/parallel/warc-520/part-00000.warc.gz,
#   made by benches/parallel/run.sh), SIZES (default "25 50 100 200"), THREADS (default
#   "1 2"), CHAIN (default benches/pipeline/web-nodedup.toml), BENCH_DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BENCH_DIR="${BENCH_DIR:-$HOME/.cache/garbell/bench/parallel}"
SOURCE="${SOURCE:-$BENCH_DIR/warc-520/part-00000.warc.gz}"
SIZES="${SIZES:-25 50 100 200}"
THREADS="${THREADS:-1 2}"
CHAIN="${CHAIN:-$ROOT/benches/pipeline/web-nodedup.toml}"
bins=("$@")
[ ${#bins[@]} -eq 0 ] && bins=("$ROOT/target/release/garbell")
[ -f "$SOURCE" ] || { echo "no $SOURCE: run benches/parallel/run.sh once (it generates it)"; exit 1; }
for s in $SIZES; do
  dir="$BENCH_DIR/warc-cut-$s"
  if [ ! -f "$dir/part-00000.warc.gz" ]; then
    mkdir -p "$dir"
    python3 "$ROOT/benches/parallel/cut_warc.py" "$SOURCE" "$dir/part-00000.warc.gz" "$s"
  fi
done
printf '%-40s %6s %3s %9s %7s %9s %s\n' binary MB j records CPU-s RSS-MiB identical
for s in $SIZES; do
  input="$BENCH_DIR/warc-cut-$s/part-00000.warc.gz"
  for bin in "${bins[@]}"; do
    first=""
    for j in $THREADS; do
      out="$BENCH_DIR/rss-out-j$j"
      rm -rf "$out"
      /usr/bin/time -f "%U %S %M" -o "$out.time" "$bin" run --chain "$CHAIN" -j "$j" -o "$out" \
        "$input" > /dev/null 2>&1 || { echo "$bin failed on $input -j $j"; exit 1; }
      read -r user sys rss < "$out.time"
      records=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['records_read'])" "$out/stats.json")
      same="-"
      if [ -z "$first" ]; then
        first="$BENCH_DIR/rss-out-first"
        rm -rf "$first"
        mv "$out" "$first"
      else
        same=yes
        (cd "$first" && find . -type f ! -name run.json | sort) > "$BENCH_DIR/rss-files"
        while read -r f; do cmp -s "$first/$f" "$out/$f" || same="NO ($f)"; done < "$BENCH_DIR/rss-files"
      fi
      printf '%-40s %6s %3s %9s %7.2f %9.1f %s\n' "$(basename "$bin")" "$s" "$j" "$records" \
        "$(echo "$user + $sys" | bc)" "$(echo "scale=1; $rss / 1024" | bc)" "$same"
    done
  done
done
