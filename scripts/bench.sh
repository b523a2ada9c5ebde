#!/usr/bin/env bash
# The numbers behind docs/benchmarks.md: deploy overhead, switch time, `status` time, the CLI's
# peak RSS, and wrk -t2 -c16 through Caddy during deploys with net.ipv4.tcp_migrate_req 0 and 1.
#
#   bash scripts/bench.sh                 # ~2 minutes, loopback only
#   BENCH_DEPLOYS=20 BENCH_OUT=bench.json bash scripts/bench.sh
#
# Env: BENCH_DEPLOYS (10) deploys without load; BENCH_STATUS_RUNS (20) runs of each status form;
# BENCH_LOAD_DEPLOYS (4) deploys under wrk per tcp_migrate_req value and connection mode
# (keep-alive, Connection: close); BENCH_OUT (none) JSON file; BENCH_MAX_S (240) time budget;
# BENCH_KEEP=1 keeps the temp dir (unit logs).
#
# Like the demo: a private systemd user manager with its own D-Bus in a temp dir
# (scripts/user-manager.sh), a Caddy unit and the fixture app in it; everything is stopped by PID
# at the end (the manager stops its units; then whatever is left in its cgroup), and
# tcp_migrate_req is put back as it was.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
source scripts/bench-lib.sh
bench_build_if_stale
for tool in wrk caddy gunicorn git /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (scripts/install-deps.sh)" >&2; exit 1; }
done

migrate=/proc/sys/net/ipv4/tcp_migrate_req
migrate_before=$(cat "$migrate" 2>/dev/null || true)
bench_on_exit() {
  if [ -n "$migrate_before" ] && [ "$(cat "$migrate")" != "$migrate_before" ]; then
    echo "$migrate_before" >"$migrate" || echo "bench: could not restore $migrate to $migrate_before" >&2
  fi
}
if [ -n "$migrate_before" ] && ! (echo "$migrate_before" >"$migrate") 2>/dev/null; then
  echo "bench: cannot write $migrate (needs root): the tcp_migrate_req comparison needs it" >&2
  exit 1
fi

bench_in_manager bg-bench "$(( ${BENCH_MAX_S:-240} + 30 ))" scripts/bench-deploy.mjs
