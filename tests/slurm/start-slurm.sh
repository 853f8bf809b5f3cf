#!/usr/bin/env bash
# Starts a real single-node Slurm (Debian's slurm-wlm + munge) on 127.0.0.1 for garbell's cluster
# tests: installs the packages when missing, writes /etc/slurm/slurm.conf, starts munged,
# slurmctld and slurmd without systemd, and waits until a job runs. Needs root. Idempotent.
# State, logs and pid files live under $GARBELL_SLURM_DIR (default /var/spool/garbell-slurm).
# Stop with tests/slurm/stop-slurm.sh.
set -euo pipefail
DIR=${GARBELL_SLURM_DIR:-/var/spool/garbell-slurm}
CPUS=$(nproc)
MEM=$(( $(awk '/^MemTotal:/{print $2}' /proc/meminfo) / 1024 * 80 / 100 ))
say() { echo "[garbell-slurm] $*" >&2; }
[ "$(id -u)" = 0 ] || { say "needs root"; exit 2; }

need=()
for p in slurm-wlm slurmctld slurmd slurm-client munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  # Keep the packages' scripts from starting daemons through init: we start our own.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
  export DEBIAN_FRONTEND=noninteractive
  apt-get -q update >&2 && apt-get -q -y install --no-install-recommends "${need[@]}" >&2
  rm -f /usr/sbin/policy-rc.d
fi

mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/run" /etc/slurm
install -d -o munge -g munge -m 0700 /etc/munge /var/log/munge
install -d -o munge -g munge -m 0711 /var/lib/munge
install -d -o munge -g munge -m 0755 /run/munge
[ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key

cat > /etc/slurm/slurm.conf <<CONF
# written by garbell tests/slurm/start-slurm.sh
ClusterName=garbell
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=3600
MaxArraySize=${GARBELL_SLURM_MAX_ARRAY:-1001}
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP DefMemPerCPU=512
CONF

pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
wait_for() { local n=$1; shift; for _ in $(seq $((n * 5))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }

if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- munged </dev/null >>"$DIR/log/munged.out" 2>&1
  wait_for 30 sh -c 'munge -n </dev/null | unmunge' || { say "munged did not start"; exit 1; }
  cp /run/munge/munged.pid "$DIR/run/munged.pid"
fi
if pid_alive "$DIR/run/slurmctld.pid"; then scontrol reconfigure >/dev/null 2>&1 || true
else setsid slurmctld </dev/null >>"$DIR/log/slurmctld.out" 2>&1; fi
wait_for 60 sh -c 'scontrol ping | grep -q "is UP"' || { say "slurmctld is not up"; tail -20 "$DIR/log/slurmctld.log" >&2; exit 1; }
pid_alive "$DIR/run/slurmd.pid" || setsid slurmd -N localhost </dev/null >>"$DIR/log/slurmd.out" 2>&1
node_ok() { case $(sinfo -h -n localhost -o %t) in idle|mix|alloc) return 0;; *) scontrol update nodename=localhost state=resume >/dev/null 2>&1; return 1;; esac; }
wait_for 60 node_ok || { say "node not usable: $(sinfo -h -n localhost -o %t)"; tail -20 "$DIR/log/slurmd.log" >&2; exit 1; }
tmp=$(mktemp -d)
id=$(sbatch --parsable -o "$tmp/out" --wrap 'echo ok')
wait_for 60 sh -c "! squeue -h -j $id | grep -q ." && grep -qx ok "$tmp/out" || { say "smoke job $id did not run"; exit 1; }
rm -rf "$tmp"
say "Slurm is up (state in $DIR)"
