#!/usr/bin/env bash
# A/B of two garbell binaries on one input at -j 1 and -j 2, alternated (A1 B1 A2 B2 per round):
# wall, CPU-s (user+sys), peak RSS via `/usr/bin/time -f '%e %U %S %M'`, the 1-minute load
# before each run, and a byte-for-byte check of every output but run.json against the first run.
# Usage: bash benches/parallel/ab_parquet.sh A_BINARY B_BINARY INPUT [ROUNDS]
#   Environment: BENCH_DIR (default ~/.cache/garbell/bench/parallel), CHAIN (default
#   benches/pipeline/web-nodedup.toml), THREADS (default "1 2").
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
A="$1"; B="$2"; INPUT="$3"; ROUNDS="${4:-1}"
BENCH_DIR="${BENCH_DIR:-$HOME/.cache/garbell/bench/parallel}"
CHAIN="${CHAIN:-$ROOT/benches/pipeline/web-nodedup.toml}"
THREADS="${THREADS:-1 2}"
ref=""
for r in $(seq 1 "$ROUNDS"); do
  for j in $THREADS; do
    for side in A B; do
      bin="$A"; [ "$side" = B ] && bin="$B"
      out="$BENCH_DIR/ab-out-$side-j$j"
      rm -rf "$out"
      load=$(cut -d' ' -f1 /proc/loadavg)
      /usr/bin/time -f '%e %U %S %M' "$bin" run --chain "$CHAIN" -j "$j" -o "$out" "$INPUT" \
        >/dev/null 2>"$out.log" || { cat "$out.log"; exit 1; }
      t=$(tail -1 "$out.log")
      read -r wall user sys rss <<<"$t"
      same="-"
      if [ -z "$ref" ]; then
        ref="$BENCH_DIR/ab-ref"; rm -rf "$ref"; cp -r "$out" "$ref"; same="ref"
      else
        same=yes
        while read -r f; do cmp -s "$ref/$f" "$out/$f" || same="NO:$f"; done \
          < <(cd "$ref" && find . -type f ! -name run.json | sort)
      fi
      python3 -c "import sys; w,u,s,m=map(float,sys.argv[1:5]); print(f'round {sys.argv[5]} {sys.argv[6]} -j {sys.argv[7]}: wall {w:.1f} s, CPU {u+s:.1f} s ({(u+s)/w:.2f} cores), peak RSS {m/1024:.0f} MiB, load before {sys.argv[8]}, identical {sys.argv[9]}')" \
        "$wall" "$user" "$sys" "$rss" "$r" "$side" "$j" "$load" "$same"
    done
  done
done
