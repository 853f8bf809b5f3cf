#!/usr/bin/env bash
# Alternated A/B timing of two garbell binaries on the real sets (see README.md in this folder).
# Usage: bash benches/pipeline/ab_time.sh BIN_A BIN_B [ROUNDS=5]
# Each round runs, for each set (real/jsonl, real/warc) and chain (web-nodedup, web-nodedup-dt),
# A then B, one thread, under /usr/bin/time; prints every run, then per (set, chain, binary) the
# median CPU-seconds (user + sys), all rounds sorted, and the peak RSS. Alternating the binaries
# round by round spreads the machine's load changes over both; single runs are noise here.
set -euo pipefail
A=$1; B=$2; ROUNDS=${3:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
REAL=${BENCH_DIR:-$HOME/.cache/garbell/bench}/real
[ -d "$REAL/jsonl" ] && [ -d "$REAL/warc" ] || { echo "no real sets under $REAL (run real_input.py)" >&2; exit 1; }
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
for r in $(seq "$ROUNDS"); do
  for set in jsonl warc; do for chain in web-nodedup web-nodedup-dt; do for bin in "$A" "$B"; do
    rm -rf "$TMP/out"
    /usr/bin/time -f "%U %S %M" -o "$TMP/t" "$bin" run --chain "$HERE/$chain.toml" -o "$TMP/out" -j 1 "$REAL/$set" >/dev/null 2>"$TMP/err" \
      || { cat "$TMP/err" >&2; exit 1; }
    echo "$set $chain $bin $(cat "$TMP/t")" | tee -a "$TMP/all"
  done; done; done
done
python3 - "$TMP/all" <<'PY'
import collections, statistics, sys
cpu, rss = collections.defaultdict(list), collections.defaultdict(int)
for line in open(sys.argv[1]):
    s, c, b, u, sy, m = line.split()
    cpu[(s, c, b)].append(round(float(u) + float(sy), 2))
    rss[(s, c, b)] = max(rss[(s, c, b)], int(m))
for k in sorted(cpu, key=lambda k: (k[0], k[1])):
    print("%-5s %-15s %-40s median %.2f s  rounds %s  peak RSS %d MB"
          % (k[0], k[1], k[2], statistics.median(cpu[k]), sorted(cpu[k]), rss[k] // 1024))
PY
