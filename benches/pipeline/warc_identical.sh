#!/bin/bash
# Byte-identity check of the WARC/WET/ARC path between two garbell binaries:
#   bash benches/pipeline/warc_identical.sh BIN_BEFORE BIN_AFTER
# Runs both on every WARC/WET/ARC fixture and on the real WARC set (BENCH_DIR/real/warc, see
# real_input.py) with a normalize-only chain (every page reaches the shard with its charset)
# and the two web-nodedup chains, one thread; compares shards, stats.json, errors.jsonl and
# exit codes. Prints the differences and their count.
A=$1; B=$2; W=$(cd "$(dirname "$0")/../.." && pwd); T=$(mktemp -d)
KEEP=$T/keep.toml
printf 'name = "keep-all"\ndescription = "identity check: every document reaches the shard"\n\n[[steps]]\nstep = "normalize"\n' > $KEEP
inputs="$W/crates/io/tests/data/old.arc $W/crates/io/tests/data/corrupt.warc.gz $W/crates/io/tests/data/garbage.warc.gz $W/crates/io/tests/data/old.arc.gz $W/crates/io/tests/data/text.warc.wet.gz $W/crates/io/tests/data/plain.warc $W/crates/io/tests/data/truncated.warc.gz $W/crates/io/tests/data/web.warc.gz $W/tests/data/corrupt/empty.warc.gz $W/tests/data/corrupt/empty.warc $W/tests/data/corrupt/deep_nesting.warc.gz $W/tests/data/corrupt/garbage_member.warc.gz $W/tests/data/samples/web.warc.gz ${BENCH_DIR:-$HOME/.cache/garbell/bench}/real/warc"
n=0; bad=0
for chain in $KEEP $W/benches/pipeline/web-nodedup.toml $W/benches/pipeline/web-nodedup-dt.toml; do
  for inp in $inputs; do
    n=$((n+1))
    for X in A B; do
      bin=${!X}; o=$T/$n.$X
      $bin run --chain $chain -o $o -j 1 $inp >/dev/null 2>&1; echo "rc=$?" > $o.rc
    done
    for f in $(cd $T/$n.A && find . -type f \( -name '*.parquet' -o -name stats.json -o -name errors.jsonl \) | sort); do
      if ! cmp -s $T/$n.A/$f $T/$n.B/$f; then echo "DIFF $chain $inp $f"; bad=$((bad+1)); fi
    done
    cmp -s $T/$n.A.rc $T/$n.B.rc || { echo "RC DIFF $chain $inp"; bad=$((bad+1)); }
    [ "$(cd $T/$n.A && find . -type f \( -name '*.parquet' -o -name stats.json -o -name errors.jsonl \) | wc -l)" = "$(cd $T/$n.B && find . -type f \( -name '*.parquet' -o -name stats.json -o -name errors.jsonl \) | wc -l)" ] || { echo "FILECOUNT DIFF $inp"; bad=$((bad+1)); }
  done
done
echo "$n runs compared, $bad differences"; 
(cd $T && echo "$(find . -name "*.parquet" | wc -l) shards compared")
rm -rf $T
