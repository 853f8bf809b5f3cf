#!/bin/sh
# Scale benchmark of dedup stages 2-3 (buckets, cluster) on synthetic signatures with planted
# duplicate clusters (crates/dedup/examples/scale.rs): docs/s per stage and peak RSS, with the
# address space capped at 4 GiB (ulimit -v) and MEMORY_MIB for buffers and merges.
#
#   benches/dedup/scale.sh [DOCS] [MEMORY_MIB] [WORK_DIR]     (defaults: 5000000 512 /tmp/...)
#
# Disk: about 16 bytes x 14 bands per document of run files (1.1 GB for 5 M documents) plus the
# candidate pairs; the directory is removed at the end. The example exits non-zero when the
# clusters found differ from the planted ones.
set -eu
DOCS=${1:-5000000}
MEM=${2:-512}
WORK=${3:-/tmp/garbell-dedup-scale}
cd "$(dirname "$0")/../.."
cargo build --release -q -p garbell-dedup --example scale
# The cap: at most 4 GiB of address space for the benchmark process.
ulimit -v 4194304
/usr/bin/time -v target/release/examples/scale --docs "$DOCS" --memory-mib "$MEM" --dir "$WORK" \
    2> "$WORK.time" | tee "$WORK.json"
grep -E "Maximum resident set size|Elapsed \(wall|User time|System time" "$WORK.time"
rm -rf "$WORK" "$WORK.time"
