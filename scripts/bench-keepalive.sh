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
for tool in wrk caddy gunicorn git; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (scripts/install-deps.sh)" >&2; exit 1; }
done
source scripts/bench-lib.sh
bench_build_if_stale
bench_in_manager bg-bench-ka 600 scripts/bench-keepalive.mjs
