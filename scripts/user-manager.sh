#!/usr/bin/env bash
# A private systemd user manager with its own D-Bus, for tests and the demo, on hosts where
# PID 1 is not systemd (containers, CI VMs).
#
#   scripts/user-manager.sh start <dir>   start it; prints `export ...` lines for its env
#   scripts/user-manager.sh stop <dir>    stop it (and everything it started); idempotent
#   eval "$(scripts/user-manager.sh env <dir>)"  the same export lines again
#
# How: `systemd --user` runs in a private mount namespace (a tmpfs on /run/systemd, so it
# believes it was booted with systemd and touches nothing of the host's), with
# XDG_RUNTIME_DIR=<dir>/runtime and XDG_CONFIG_HOME=<dir>/config (unit files go in
# <dir>/config/systemd/user). Its dbus.socket (package dbus-user-session) creates the session
# bus at <dir>/runtime/bus. It gets its own cgroup (name=systemd v1 + unified v2), so two
# managers on one host never share a cgroup subtree and `stop` can find every process it
# started. Nothing here looks processes up by name: only by the PID in <dir>/manager.pid and
# the PIDs listed in the manager's cgroup.
set -euo pipefail

SYSTEMD_BIN=${SYSTEMD_BIN:-/lib/systemd/systemd}
CG_ROOTS=(/sys/fs/cgroup/systemd /sys/fs/cgroup/unified)
START_TIMEOUT_S=${START_TIMEOUT_S:-10}
STOP_TIMEOUT_S=${STOP_TIMEOUT_S:-10}

die() { echo "user-manager: $*" >&2; exit 1; }
usage() { die "usage: $0 start|stop|env <dir>"; }

[ $# -eq 2 ] || usage
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd -P)
runtime=$dir/runtime
config=$dir/config
log=$dir/manager.log
pidfile=$dir/manager.pid
cgfile=$dir/manager.cgroup

print_env() {
  printf 'export XDG_RUNTIME_DIR=%q\n' "$runtime"
  printf 'export XDG_CONFIG_HOME=%q\n' "$config"
  printf 'export DBUS_SESSION_BUS_ADDRESS=%q\n' "unix:path=$runtime/bus"
}

use_env() {
  export XDG_RUNTIME_DIR=$runtime XDG_CONFIG_HOME=$config
  export DBUS_SESSION_BUS_ADDRESS=unix:path=$runtime/bus
}

# alive PID: exists and is not a zombie (our PID 1 may be slow to reap)
alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

manager_pid() {
  [ -s "$pidfile" ] || return 1
  local pid
  pid=$(cat "$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  # the PID is ours only if it still runs systemd with our runtime dir in its environment
  alive "$pid" || return 1
  tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "XDG_RUNTIME_DIR=$runtime" || return 1
  echo "$pid"
}

# every PID in the manager's cgroups, recursively
cgroup_pids() {
  [ -s "$cgfile" ] || return 0
  local cg root
  cg=$(cat "$cgfile")
  for root in "${CG_ROOTS[@]}"; do
    [ -d "$root/$cg" ] || continue
    find "$root/$cg" -name cgroup.procs -exec cat {} + 2>/dev/null || true
  done | sort -un
}

remove_cgroups() {
  [ -s "$cgfile" ] || return 0
  local cg root
  cg=$(cat "$cgfile")
  for root in "${CG_ROOTS[@]}"; do
    [ -d "$root/$cg" ] || continue
    # children first; a cgroup dir goes only with rmdir
    find "$root/$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
}

start() {
  if pid=$(manager_pid); then
    echo "user-manager: already running (pid $pid) in $dir" >&2
    print_env
    return 0
  fi
  [ -x "$SYSTEMD_BIN" ] || die "$SYSTEMD_BIN not found (apt-get install systemd dbus-user-session)"
  [ -e /usr/lib/systemd/user/dbus.socket ] || [ -e /lib/systemd/user/dbus.socket ] ||
    die "no dbus.socket user unit: apt-get install dbus-user-session"
  mkdir -p "$runtime" "$config/systemd/user"
  chmod 700 "$runtime"
  rm -f "$pidfile" "$runtime/bus"
  : >"$log"

  # Own cgroup per manager (see header). If the cgroup fs is not writable we go on without
  # one: it still works when this is the only user manager on the host.
  local cg="bg-user-manager-$(basename "$dir")-$$" cg_ok=0 root
  for root in "${CG_ROOTS[@]}"; do
    if [ -d "$root" ] && mkdir -p "$root/$cg" 2>/dev/null; then cg_ok=1; fi
  done
  if [ $cg_ok = 1 ]; then echo "$cg" >"$cgfile"; else
    rm -f "$cgfile"
    echo "user-manager: warning: cannot create a cgroup under /sys/fs/cgroup; running without one" >&2
  fi

  use_env
  # The inner sh records its own PID (which `exec` hands to systemd), joins the cgroup, and
  # mounts the tmpfs only inside the new mount namespace (unshare makes mounts private).
  # setsid + /dev/null stdin + log file: nothing ties the manager to the caller's terminal
  # or pipes, so the caller (a shell, vitest) can exit.
  CG="$([ $cg_ok = 1 ] && echo "$cg" || true)" PIDFILE=$pidfile SYSTEMD_BIN=$SYSTEMD_BIN \
    setsid unshare -m sh -c '
      echo $$ >"$PIDFILE"
      if [ -n "$CG" ]; then
        for r in /sys/fs/cgroup/systemd /sys/fs/cgroup/unified; do
          [ -d "$r/$CG" ] && echo $$ >"$r/$CG/cgroup.procs"
        done
      fi
      mount -t tmpfs tmpfs /run/systemd && mkdir -p /run/systemd/system &&
        exec "$SYSTEMD_BIN" --user' </dev/null >>"$log" 2>&1 &

  local deadline=$((SECONDS + START_TIMEOUT_S)) answer=""
  while [ $SECONDS -lt $deadline ]; do
    if [ -S "$runtime/bus" ] && answer=$(systemctl --user is-system-running 2>/dev/null || true) &&
      [ -n "$answer" ] && [ "$answer" != unknown ]; then
      break
    fi
    answer=""
    if [ -s "$pidfile" ] && ! alive "$(cat "$pidfile")"; then break; fi
    sleep 0.1
  done
  if [ -z "$answer" ]; then
    if [ -s "$pidfile" ] && ! alive "$(cat "$pidfile")"; then
      echo "user-manager: the systemd user manager exited during start-up" >&2
    else
      echo "user-manager: the systemd user manager did not come up within ${START_TIMEOUT_S}s" >&2
    fi
    echo "user-manager: bus socket: $([ -S "$runtime/bus" ] && echo present || echo missing)" \
      "pid: $(cat "$pidfile" 2>/dev/null || echo none); last lines of $log:" >&2
    tail -n 20 "$log" >&2 || true
    stop >/dev/null 2>&1 || true
    exit 1
  fi
  echo "user-manager: up (pid $(cat "$pidfile"), state $answer) in $dir" >&2
  print_env
}

stop() {
  use_env
  local pid deadline
  if pid=$(manager_pid); then
    # `exit` stops every unit first (their own stop logic), then the manager exits
    timeout 5 systemctl --user exit >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + STOP_TIMEOUT_S))
    while alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if alive "$pid"; then
      echo "user-manager: pid $pid did not exit within ${STOP_TIMEOUT_S}s; SIGKILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  # whatever is left in its cgroup (units it could not stop, a SIGKILLed manager's children)
  local left p
  for _ in 1 2 3 4 5; do
    left=$(cgroup_pids)
    [ -n "$left" ] || break
    for p in $left; do kill -KILL "$p" 2>/dev/null || true; done
    sleep 0.1
  done
  remove_cgroups
  rm -f "$pidfile" "$cgfile"
}

case $cmd in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  *) usage ;;
esac
