#!/bin/sh
# Scale benchmark of dedup stages 2-3 (buckets, cluster) on synthetic signatures with planted
# duplicate clusters (crates/dedup/examples/scale.rs): docs/s per stage and peak RSS, with the
# address space capped at 4 GiB (ulimit -v) and MEMORY_MIB for buffers and merges.
#
#   benches/dedup/scale.sh [DOCS] [MEMORY_MIB] [WORK_DIR] [EXTRA]  (defaults: 5000000 512 /tmp/...)
#
# Disk: about 16 bytes x 20 bands per document of run files (1.6 GB for 5 M documents), the
# candidate pairs, and 8 x 129 bytes per document of verification sketches (5.2 GB; --verify 0
# in EXTRA turns them off); the directory is removed at the end. The example exits non-zero when
# the clusters found differ from the planted ones.
set -eu
DOCS=${1:-5000000}
MEM=${2:-512}
WORK=${3:-/tmp/garbell-dedup-scale}
EXTRA=${4:-}
cd "$(dirname "$0")/../.."
cargo build --release -q -p garbell-dedup --example scale
# The cap: at most 4 GiB of address space for the benchmark process.
ulimit -v 4194304
/usr/bin/time -v target/release/examples/scale --docs "$DOCS" --memory-mib "$MEM" --dir "$WORK" $EXTRA \
    2> "$WORK.time" | tee "$WORK.json"
grep -E "Maximum resident set size|Elapsed \(wall|User time|System time" "$WORK.time"
rm -rf "$WORK" "$WORK.time"
