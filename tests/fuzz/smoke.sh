#!/usr/bin/env bash
# A short run of every fuzz target, affordable in CI: builds the targets on the stable toolchain
# (no sanitizer, see README.md), then runs each for SECONDS_PER_TARGET seconds (default 20) from
# its committed seed corpus. Exits non-zero on the first crash, timeout or out-of-memory; the
# reproducer is left in tests/fuzz/artifacts/<target>/.
#
#   bash tests/fuzz/smoke.sh            # 20 s per target, ~2.5 min plus the build
#   SECONDS_PER_TARGET=300 bash tests/fuzz/smoke.sh
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). New finds go to a scratch corpus
# directory, not to the committed seeds.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${SECONDS_PER_TARGET:-20}"
targets="${TARGETS:-warc jsonl parquet mediawiki html_to_text wikitext config}"
fuzz=(cargo fuzz)
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz missing: cargo install cargo-fuzz --locked" >&2; exit 1; }
"${fuzz[@]}" build --fuzz-dir tests/fuzz --sanitizer none
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for t in $targets; do
  mkdir -p "$scratch/$t"
  echo "== $t: ${secs}s"
  # -rss_limit_mb: the readers cap records at 64 MiB; 2 GiB means something is unbounded.
  # -timeout: one input taking 10 s is a hang.
  rc=0
  "${fuzz[@]}" run --fuzz-dir tests/fuzz --sanitizer none "$t" "$scratch/$t" "tests/fuzz/corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1 \
    >"$scratch/$t.log" 2>&1 || rc=$?
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^SUMMARY|panicked|^==[0-9]+== ERROR' "$scratch/$t.log" || true
  if [ "$rc" -ne 0 ]; then
    tail -40 "$scratch/$t.log" >&2
    echo "fuzz smoke: $t failed (exit $rc)" >&2
    exit 1
  fi
done
echo "fuzz smoke: all targets ran ${secs}s without a crash"
