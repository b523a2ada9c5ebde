#!/usr/bin/env bash
# A real systemd as PID 1 (system manager, system bus, journald, Debian's caddy and redis units)
# for tests: systemd-nspawn --boot over an overlay of this machine's own / (or of another root,
# BG_CT_LOWER), with a private network.
#
#   scripts/container.sh start <dir> [checkout]  boot it (the checkout is bound read-only); waits
#                                                until its systemd is up; prints its PID 1
#   scripts/container.sh pid1 <dir>              the container's PID 1 now (it changes at a reboot)
#   scripts/container.sh run <dir> CMD...        run CMD inside as root (cwd /, a clean environment)
#   scripts/container.sh wait <dir>              wait until its systemd is up again (after a reboot)
#   scripts/container.sh stop <dir>              halt it, then kill what is left by PID; idempotent
#
# BG_CT_LOWER=<dir> (default /): the overlay's lower layer, e.g. the Debian 13 root that
# scripts/trixie-root.sh builds. Read-only to the container; nothing may write into it while it runs.
# BG_CT_MEMORY_LIMIT=400M puts the whole container in a memory cgroup (v1) with that limit: a small
# host, as the processes inside see it through their cgroup.
# BG_CT_NETNS=<netns> BG_CT_BRIDGE=<bridge>: instead of a private loopback only, a veth on that
# bridge inside that network namespace (several containers on one network; host0 inside, no address
# until the caller gives it one).
#
# How: the container gets its own cgroup (name=systemd v1 + unified v2) before anything starts, so
# every process it ever has is listed there and `stop` finds them by PID, never by name. A private
# mount namespace holds a tmpfs (the overlay's upper layer, with a fresh machine-id) and the overlay
# itself, so nothing the container writes reaches the host and it all goes when the namespace does.
# `systemctl reboot` inside makes nspawn exit 133: the wrapper runs it again on the same layer, as
# systemd-nspawn@.service does, so a reboot keeps what the container wrote.
set -euo pipefail

CG_ROOTS=(/sys/fs/cgroup/systemd /sys/fs/cgroup/unified)
MEM_ROOT=/sys/fs/cgroup/memory
BOOT_TIMEOUT_S=${BOOT_TIMEOUT_S:-90}
STOP_TIMEOUT_S=${STOP_TIMEOUT_S:-10}
here=$(cd "$(dirname "$0")" && pwd -P)

die() { echo "container: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: $0 start|pid1|run|wait|stop <dir> ..."
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd -P)
shift 2
# the cgroup's name: unique per full path (two checkouts' container dirs may share a basename)
name=bg-ct-$(basename "$dir" | tr -c 'A-Za-z0-9_.\n-' _)-$(printf %s "$dir" | sha256sum | cut -c1-16)
cgfile=$dir/cgroup
wrapperfile=$dir/wrapper.pid

nspawn() {
  local v
  v=$(dpkg-query -W -f='${Version}' systemd)
  local bin=${BG_NSPAWN:-/var/cache/bg-test/nspawn-$v/usr/bin/systemd-nspawn}
  [ -x "$bin" ] || die "no systemd-nspawn $v at $bin: run scripts/install-deps.sh"
  echo "$bin"
}

# every PID in the container's cgroup tree (both hierarchies)
cgroup_pids() {
  [ -s "$cgfile" ] || return 0
  pids_in "$(cat "$cgfile")"
}

# every PID in the cgroup tree <cg> (both hierarchies)
pids_in() {
  local cg=$1
  for root in "${CG_ROOTS[@]}"; do
    [ -d "$root/$cg" ] && find "$root/$cg" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -un
}

pid1() {
  local p
  for p in $(cgroup_pids); do
    # PID 1 of its own namespace, and systemd (not nspawn's stub, not a pre-exec fork)
    if grep -qE '^NSpid:\s+[0-9]+\s+1$' "/proc/$p/status" 2>/dev/null && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = systemd ]; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

run_in() {
  local p
  p=$(pid1) || die "not running ($dir)"
  nsenter --target "$p" --all --root --wd env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}

wait_up() {
  local deadline=$((SECONDS + BOOT_TIMEOUT_S)) state
  while ((SECONDS < deadline)); do
    if pid1 >/dev/null; then
      state=$(run_in timeout 5 systemctl is-system-running --wait 2>/dev/null || true)
      case $state in running | degraded) return 0 ;; esac
    fi
    sleep 0.2
  done
  die "its systemd did not come up within ${BOOT_TIMEOUT_S}s (log: $dir/nspawn.log)"
}

start() {
  local checkout=${1:-}
  local bin
  bin=$(nspawn)
  [ ! -s "$wrapperfile" ] || ! kill -0 "$(cat "$wrapperfile")" 2>/dev/null || die "already running ($dir)"
  if [ -n "$checkout" ]; then
    [ -d "$checkout" ] || die "no checkout at $checkout"
    checkout=$(cd "$checkout" && pwd -P)
    case "$dir/" in "$checkout"/*) die "the container dir must not be under the bound checkout" ;; esac
  fi
  local lower=${BG_CT_LOWER:-/}
  [ -d "$lower" ] || die "BG_CT_LOWER=$lower is not a directory"
  lower=$(cd "$lower" && pwd -P)
  [ -x "$lower/usr/lib/systemd/systemd" ] || [ -x "$lower/lib/systemd/systemd" ] || die "no systemd in $lower (BG_CT_LOWER): not a root to boot"
  case "$dir/" in "$lower"/*) [ "$lower" = / ] || die "the container dir must not be under its lower layer $lower" ;; esac
  local cg=$name
  # a cgroup with processes is someone else's container (or one left running): never share it, since
  # `stop` kills everything in it
  [ -z "$(pids_in "$cg")" ] || die "the cgroup $cg already has processes ($(pids_in "$cg" | tr '\n' ' ')): a container from $dir is still running; stop it first"
  for root in "${CG_ROOTS[@]}"; do mkdir -p "$root/$cg"; done
  echo "$cg" >"$cgfile"
  local memcg=
  if [ -n "${BG_CT_MEMORY_LIMIT:-}" ]; then
    memcg=$MEM_ROOT$(sed -n 's/^[0-9]*:memory://p' /proc/self/cgroup)/$cg
    mkdir -p "$memcg"
    echo "$BG_CT_MEMORY_LIMIT" >"$memcg/memory.limit_in_bytes"
    echo "$memcg" >"$dir/memcg"
  fi
  mkdir -p "$dir/layer" "$dir/root"
  (
    # own cgroup first: nspawn and everything it starts land under it
    for root in "${CG_ROOTS[@]}"; do echo $BASHPID >"$root/$cg/cgroup.procs"; done
    [ -z "$memcg" ] || echo $BASHPID >"$memcg/cgroup.procs"
    netns=()
    # nsenter, not `ip netns exec`: that one remounts /sys, and nspawn needs the cgroup mounts under it
    [ -n "${BG_CT_NETNS:-}" ] && netns=(nsenter "--net=/run/netns/$BG_CT_NETNS")
    exec "${netns[@]}" unshare --mount --propagation private bash -c '
      set -e
      dir=$1 bin=$2 checkout=$3 bridge=$4 lower=$5
      mount -t tmpfs -o mode=755 bg-ct-layer "$dir/layer"
      mkdir -p "$dir/layer/upper/etc/systemd/system" "$dir/layer/work"
      # equal host and container machine ids make nspawn refuse
      od -An -N16 -tx1 /dev/urandom | tr -d " \n" >"$dir/layer/upper/etc/machine-id"
      # PostgreSQL costs seconds of every boot and no test uses it here
      for u in postgresql.service postgresql@.service; do ln -sf /dev/null "$dir/layer/upper/etc/systemd/system/$u"; done
      mount -t overlay -o "lowerdir=$lower,upperdir=$dir/layer/upper,workdir=$dir/layer/work" bg-ct-root "$dir/root"
      # nspawn keeps lock files under /run: they must not reach the host
      mount -t tmpfs -o mode=755 bg-ct-run "$dir/root/run"
      binds=()
      [ -n "$checkout" ] && binds+=("--bind-ro=$checkout")
      net=(--private-network)
      [ -n "$bridge" ] && net=("--network-bridge=$bridge" "--machine=$(basename "$dir")")
      while :; do
        rc=0
        "$bin" -D "$dir/root" --boot --register=no --keep-unit --console=passive --link-journal=no \
          "${net[@]}" "${binds[@]}" || rc=$?
        [ "$rc" = 133 ] || exit "$rc" # 133: systemctl reboot inside
      done
    ' bg-container "$dir" "$bin" "$checkout" "${BG_CT_BRIDGE:-}" "$lower"
  ) >"$dir/nspawn.log" 2>&1 &
  echo $! >"$wrapperfile"
  wait_up
  pid1
}

stop() {
  local w deadline p
  if [ -s "$wrapperfile" ]; then
    w=$(cat "$wrapperfile")
    # the wrapper's own child is nspawn: SIGTERM to it halts the container in order
    for p in $(cgroup_pids); do
      [ "$(cat "/proc/$p/comm" 2>/dev/null)" = systemd-nspawn ] && kill -TERM "$p" 2>/dev/null || true
    done
    kill -TERM "$w" 2>/dev/null || true
    deadline=$((SECONDS + STOP_TIMEOUT_S))
    while ((SECONDS < deadline)) && [ -n "$(cgroup_pids)" ]; do sleep 0.1; done
  fi
  for p in $(cgroup_pids); do kill -KILL "$p" 2>/dev/null || true; done
  deadline=$((SECONDS + 5))
  while ((SECONDS < deadline)) && [ -n "$(cgroup_pids)" ]; do sleep 0.1; done
  [ -z "$(cgroup_pids)" ] || die "processes left in its cgroup: $(cgroup_pids | tr '\n' ' ')"
  if [ -s "$cgfile" ]; then
    local cg
    cg=$(cat "$cgfile")
    for root in "${CG_ROOTS[@]}"; do
      [ -d "$root/$cg" ] && find "$root/$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
  fi
  if [ -s "$dir/memcg" ]; then
    find "$(cat "$dir/memcg")" -depth -type d -exec rmdir {} + 2>/dev/null || true
  fi
  rm -f "$wrapperfile" "$cgfile" "$dir/memcg"
}

case $cmd in
  start) start "${1:-}" ;;
  pid1) pid1 || die "not running ($dir)" ;;
  run) run_in "$@" ;;
  wait) wait_up ;;
  stop) stop ;;
  *) die "unknown command $cmd" ;;
esac
