# Sourced by the bench scripts that run in a private systemd user manager (scripts/user-manager.sh).
# The caller has cd'ed to the repository and set -euo pipefail.

# Build bg when its bundle is missing or older than src/.
bench_build_if_stale() {
  if [ ! -f dist/bundle/main.cjs ] || [ -n "$(find src -newer dist/bundle/main.cjs -print -quit)" ]; then
    npm run build --silent
  fi
}

# bench_in_manager <temp-dir prefix> <timeout in s> <script.mjs>: runs the node script with
# BENCH_DIR set to a fresh temp dir, in a fresh manager. However it ends (done, failed, Ctrl-C), the
# script is stopped, then the manager with everything it ran (by PID), then bench_on_exit if the
# caller defines it; the temp dir goes unless BENCH_KEEP=1.
bench_in_manager() {
  bench_tmp=$(mktemp -d "/tmp/$1.XXXXXX")
  bench_pid=""
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  eval "$(bash scripts/user-manager.sh start "$bench_tmp/manager")"
  BENCH_DIR=$bench_tmp timeout -k 5 "$2" node "$3" &
  bench_pid=$!
  wait "$bench_pid"
}

bench_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$bench_pid" ] && kill -0 "$bench_pid" 2>/dev/null; then
    kill -TERM "$bench_pid" 2>/dev/null || true # timeout(1) passes it on to its process group
    wait "$bench_pid" 2>/dev/null || true
  fi
  if declare -F bench_on_exit >/dev/null; then bench_on_exit || true; fi
  bash scripts/user-manager.sh stop "$bench_tmp/manager" || true
  if [ "${BENCH_KEEP:-}" = 1 ]; then echo "bench: kept $bench_tmp" >&2; else rm -rf "$bench_tmp"; fi
  exit "$rc"
}
