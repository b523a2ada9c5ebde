#!/usr/bin/env bash
# How long a health gate takes to fail on a release that answers 500 at every try, end to end: a
# container with a real systemd (scripts/container.sh), the fixture app set up from this checkout's
# test/fixtures/app, then `deploy raise` (a release whose /health/ raises) with bg.yml's default
# health keys, BENCH_GATE_RUNS times. Prints the health-gate step's time from --json events.
#
#   bash scripts/bench-gate.sh [checkout]   # the bg to measure (default: this one; built, dist/ present)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
checkout=$(cd "${1:-$here}" && pwd)
runs=${BENCH_GATE_RUNS:-3}
dir=$(mktemp -d /tmp/bg-bench-gate.XXXXXX)
trap 'bash "$here/scripts/container.sh" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
bash "$here/scripts/container.sh" start "$dir" "$checkout" >/dev/null
run() { bash "$here/scripts/container.sh" run "$dir" bash -c "$1"; }
# the fixture (its `raise` mode) from this checkout, whatever bg is measured
tar -C "$here/test/fixtures/app" -cf - . | run 'rm -rf /srv/git/gate; mkdir -p /srv/git/gate; tar -xf - -C /srv/git/gate'
run 'set -e; cd /srv/git/gate; rm -rf __pycache__; git init -q -b main
  g() { git -c user.name=t -c user.email=t@t.invalid "$@"; }
  echo v1 > VERSION; echo ok > MODE; g add -A; g commit -qm v1
  g checkout -q -b raise; echo raise > MODE; g commit -qam raise; g checkout -q main
  mkdir -p /etc/bg; printf "app: gate\nrepo: /srv/git/gate\nroot: /srv/gate\nweb:\n  wsgi: app:app\n  ports: { blue: 8001, green: 8002 }\ncaddy:\n  site: \":8080\"\n" > /etc/bg/gate.yml'
bg="/usr/bin/node $checkout/bin/bg.cjs --config /etc/bg/gate.yml"  # the checkout is bound at its own path
run "$bg setup >/dev/null 2>&1" || { echo "setup failed" >&2; exit 1; }
for i in $(seq "$runs"); do
  run "$bg deploy raise --json 2>/dev/null || true" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const l of s.split("\n")){try{const e=JSON.parse(l);if(e.event==="step"&&e.status==="failed"&&e.step.startsWith("health-gate"))console.log(`run '"$i"': ${e.step} failed after ${(e.ms/1000).toFixed(2)} s: ${e.error.split("\n")[0].slice(0,110)}`)}catch{}}})'
done
