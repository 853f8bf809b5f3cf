#!/usr/bin/env bash
# Stops the daemons tests/slurm/start-slurm.sh started (by their pid files), cancelling jobs first.
set -uo pipefail
DIR=${GARBELL_SLURM_DIR:-/var/spool/garbell-slurm}
if [ -s "$DIR/run/slurmctld.pid" ] && kill -0 "$(cat "$DIR/run/slurmctld.pid")" 2>/dev/null; then
  ids=$(squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')
  [ -n "${ids// }" ] && scancel $ids 2>/dev/null
fi
for d in slurmd slurmctld munged; do
  f="$DIR/run/$d.pid"
  if [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then
    pid=$(cat "$f"); kill -TERM "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$f"
done
exit 0
