#!/usr/bin/env bash
# A Celery worker's stop, timed in phases, on Debian 12 (Celery 5.2) and Debian 13 (Celery 5.5): the
# numbers behind "Celery worker stop: Debian 12 vs 13" in docs/benchmarks.md. Two containers
# (scripts/container.sh), one over this machine's / and one over the Debian 13 root that
# scripts/trixie-root.sh builds, each with Debian's redis-server.service and the Flask test app's
# Celery worker (test/fixtures/app) set up by bg in system scope, idle at each stop. The runs alternate between them.
#
#   bash scripts/bench-celery-stop.sh                        # 8 stops each, ~3 minutes
#   BENCH_RUNS=12 bash scripts/bench-celery-stop.sh
#   BENCH_LOGLEVEL=debug BENCH_TRACE=1 bash scripts/bench-celery-stop.sh   # also print each stop's worker log
#   BENCH_WORKER_ARGS='--heartbeat-interval 1' bash scripts/bench-celery-stop.sh   # words appended to the worker's ExecStart
#
# Each stop is `systemctl stop` of the worker unit; its phases come from the unit's journal and
# systemd's own timestamps (one monotonic clock, the host's):
#   quiesce   "Stopping ..." → "worker: Warm shutdown"     (bg's ExecStop, then SIGTERM)
#   warm      "Warm shutdown" → the main process's exit     (Celery's shutdown; at loglevel debug split into:
#             the loop sees it, the bootsteps stop, the pool joins its processes)
#   cgroup    main process exit → the unit inactive          (KillMode=mixed: the pool's processes)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
runs=${BENCH_RUNS:-8}

bash scripts/install-deps.sh >/dev/null
if [ ! -f dist/bundle/main.cjs ] || [ -n "$(find src templates -newer dist/bundle/main.cjs -print -quit)" ]; then
  npm run build --silent
fi
trixie=$(bash scripts/trixie-root.sh)

d12=$(mktemp -d /var/tmp/bg-bench-stop12.XXXXXX)
d13=$(mktemp -d /var/tmp/bg-bench-stop13.XXXXXX)
out=$(mktemp -d /var/tmp/bg-bench-stop-out.XXXXXX)
cleanup() {
  bash "$repo/scripts/container.sh" stop "$d12" >/dev/null 2>&1 || true
  bash "$repo/scripts/container.sh" stop "$d13" >/dev/null 2>&1 || true
  rm -rf "$d12" "$d13"
}
trap cleanup EXIT
bash scripts/container.sh start "$d12" "$repo" >/dev/null
BG_CT_LOWER=$trixie bash scripts/container.sh start "$d13" "$repo" >/dev/null
inside() { bash "$repo/scripts/container.sh" run "$1" bash -c "$2"; }

for d in "$d12" "$d13"; do
  inside "$d" "bash $repo/scripts/bench-celery-stop/setup.sh '$repo' '${BENCH_LOGLEVEL:-info}' '${BENCH_WORKER_ARGS:-}'"
done
v12=$(inside "$d12" "/usr/bin/python3 -c 'import celery, kombu; print(\"Celery\", celery.__version__, \"kombu\", kombu.__version__)'")
v13=$(inside "$d13" "/usr/bin/python3 -c 'import celery, kombu; print(\"Celery\", celery.__version__, \"kombu\", kombu.__version__)'")

: >"$out/12.jsonl"
: >"$out/13.jsonl"
for i in $(seq 1 "$runs"); do
  # alternate which one goes first
  if [ $((i % 2)) = 1 ]; then order="12 13"; else order="13 12"; fi
  for v in $order; do
    d=$d12
    [ "$v" = 13 ] && d=$d13
    inside "$d" "BENCH_TRACE=${BENCH_TRACE:-} bash $repo/scripts/bench-celery-stop/stop-once.sh" >"$out/one"
    tail -1 "$out/one" >>"$out/$v.jsonl"
    if [ -n "${BENCH_TRACE:-}" ]; then echo "--- Debian $v, run $i"; head -n -1 "$out/one"; fi
  done
done
echo "bg: $(git log -1 --format='%h %s' | cut -c1-70); runs: $runs each, alternating; loglevel ${BENCH_LOGLEVEL:-info}; extra worker args: '${BENCH_WORKER_ARGS:-}'"
node scripts/bench-celery-stop/report.mjs "Debian 12 ($v12)" "$out/12.jsonl" "Debian 13 ($v13)" "$out/13.jsonl"
echo "raw: $out"
