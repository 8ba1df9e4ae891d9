#!/usr/bin/env bash
# local-cluster.sh — a one-node Slurm cluster on this machine, to try `ouro sweep --slurm --submit` on a laptop or in CI.
#   scripts/slurm/local-cluster.sh up       # installs slurm-wlm + munge with apt-get when missing, starts the daemons
#   export SLURM_CONF=/tmp/ouro-slurm/slurm.conf   # (up prints it) so sbatch, squeue, sacct, scontrol find the cluster
#   scripts/slurm/local-cluster.sh status   # the daemons and sinfo
#   scripts/slurm/local-cluster.sh down     # stops exactly the daemons `up` started (their PIDs, checked)
# Everything lives under one directory (OURO_SLURM_DIR, default /tmp/ouro-slurm): slurm.conf, a munge key and
# socket, state, spool, logs, PID files. Nothing is written to /etc; the package's own /etc/munge/munge.key and
# services are left alone. One node (this host, its CPUs and memory), one partition `local`, proctrack/linuxproc,
# task/none, no accounting (sacct answers nothing; `ouro ls` then reads squeue only). The daemons run as the
# invoking user, so jobs run as that user. Ports: OURO_SLURM_PORT (slurmctld, default 16817) and the next one
# (slurmd), away from a real cluster's 6817/6818.
set -euo pipefail

dir="${OURO_SLURM_DIR:-/tmp/ouro-slurm}"
port="${OURO_SLURM_PORT:-16817}"
user="$(id -un)"
node="$(hostname -s)"
conf="$dir/slurm.conf"

die() { echo "local-cluster: $*" >&2; exit 2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

install_packages() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null &&
     command -v munged >/dev/null; then
    return
  fi
  echo "local-cluster: installing slurm-wlm and munge with apt-get ..." >&2
  command -v apt-get >/dev/null || die "slurm-wlm and munge are missing and there is no apt-get: install them by hand"
  as_root apt-get update -qq >&2 || die "apt-get update failed (root or passwordless sudo needed)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >&2 ||
    die "apt-get install slurm-wlm munge failed"
}

# pid_of NAME: the PID in $dir/NAME.pid when that process is alive and was started with this directory
pid_of() {
  local f="$dir/$1.pid" pid
  [ -f "$f" ] || return 1
  pid="$(tr -dc 0-9 < "$f")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$dir/" || return 1
  echo "$pid"
}

write_config() {
  local cpus mem
  cpus="$(nproc)"
  # MiB, less 1 GiB for the system (Slurm refuses a node that claims more than it has)
  mem="$(awk '/MemTotal/ {m = int($2 / 1024) - 1024; print (m < 512 ? 512 : m)}' /proc/meminfo)"
  mkdir -p "$dir"/{state,spool,log,munge}
  chmod 700 "$dir/munge"
  if [ ! -f "$dir/munge/munge.key" ]; then
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$dir/munge/munge.key"
  fi
  cat > "$conf" <<EOF
# written by scripts/slurm/local-cluster.sh: a one-node cluster on $node for Ouroboros' Slurm path
ClusterName=ouro-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
KillWait=30
MinJobAge=300
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

up() {
  install_packages
  if pid_of slurmctld >/dev/null || pid_of slurmd >/dev/null || pid_of munged >/dev/null; then
    die "a cluster from $dir is already running (local-cluster.sh down first)"
  fi
  write_config
  munged --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" --force ||
    die "munged did not start (see $dir/log/munged.log)"
  slurmctld -f "$conf" || die "slurmctld did not start (see $dir/log/slurmctld.log)"
  slurmd -f "$conf" || die "slurmd did not start (see $dir/log/slurmd.log)"
  export SLURM_CONF="$conf"
  local state=""
  for _ in $(seq 1 60); do
    state="$(sinfo -h -N -o %T 2>/dev/null | head -1 || true)"
    case "$state" in
      idle*|mixed*|alloc*) break ;;
      down*|drain*) scontrol update nodename="$node" state=resume 2>/dev/null || true ;;
    esac
    sleep 0.5
  done
  case "$state" in
    idle*|mixed*|alloc*) ;;
    *) die "the node did not come up (state '${state:-none}'; logs in $dir/log)" ;;
  esac
  echo "local-cluster: up: node $node ($(nproc) CPUs), partition local, everything under $dir" >&2
  echo "export SLURM_CONF=$conf"
}

down() {
  local any=0 name pid
  for name in slurmd slurmctld munged; do
    if pid="$(pid_of "$name")"; then
      kill -TERM "$pid"
      for _ in $(seq 1 40); do
        [ -e "/proc/$pid" ] || break
        sleep 0.25
      done
      if [ -e "/proc/$pid" ]; then
        kill -KILL "$pid"
      fi
      echo "local-cluster: stopped $name ($pid)" >&2
      any=1
    fi
    rm -f "$dir/$name.pid"
  done
  [ "$any" = 1 ] || echo "local-cluster: nothing from $dir was running" >&2
}

status() {
  local name pid
  for name in munged slurmctld slurmd; do
    if pid="$(pid_of "$name")"; then echo "$name: running ($pid)"; else echo "$name: not running"; fi
  done
  if pid_of slurmctld >/dev/null; then SLURM_CONF="$conf" sinfo; fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up | down | status   (directory: $dir)" >&2; exit 2 ;;
esac
