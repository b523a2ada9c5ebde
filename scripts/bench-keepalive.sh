#!/usr/bin/env bash
# The keep-alive comparison in docs/benchmarks.md: caddy.switch port vs socket, wrk keep-alive
# through Caddy across 20 switches each, counting socket errors and non-2xx; then a websocket and a
# long streaming response open across 5 switches each of an ASGI app.
#
#   bash scripts/bench-keepalive.sh                      # ~4 minutes, loopback only
#   BENCH_SWITCHES=20 BENCH_WS_SWITCHES=5 BENCH_OUT=ka.json bash scripts/bench-keepalive.sh
#
# Like bench.sh: a private systemd user manager with its own D-Bus in a temp dir
# (scripts/user-manager.sh), stopped at the end with everything it ran.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
for tool in wrk caddy gunicorn git; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (scripts/install-deps.sh)" >&2; exit 1; }
done
if [ ! -f dist/bundle/main.cjs ] || [ -n "$(find src -newer dist/bundle/main.cjs -print -quit)" ]; then
  npm run build --silent
fi
tmp=$(mktemp -d /tmp/bg-bench-ka.XXXXXX)
bench_pid=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$bench_pid" ] && kill -0 "$bench_pid" 2>/dev/null; then
    kill -TERM "$bench_pid" 2>/dev/null || true
    wait "$bench_pid" 2>/dev/null || true
  fi
  bash "$repo/scripts/user-manager.sh" stop "$tmp/manager" || true
  if [ "${BENCH_KEEP:-}" = 1 ]; then echo "bench: kept $tmp" >&2; else rm -rf "$tmp"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

eval "$(bash scripts/user-manager.sh start "$tmp/manager")"
BENCH_DIR=$tmp timeout -k 5 600 node scripts/bench-keepalive.mjs &
bench_pid=$!
wait "$bench_pid"
