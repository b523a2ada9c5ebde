#!/usr/bin/env bash
# A Django + Celery deploy, timed by step, on a real systemd as PID 1 (scripts/container.sh) with
# Debian's caddy.service and redis-server.service: the numbers behind the Django row of
# docs/benchmarks.md.
#
#   bash scripts/bench-django.sh                # ~1 minute
#   BENCH_DEPLOYS=6 bash scripts/bench-django.sh
#
# The test project (test/fixtures/django: Debian's python3-django, SQLite, a Celery app that imports
# Django) runs in system scope as its own user, with `release: migrate`, the migration-plan check,
# a Celery worker and beat. Prints each step's median and the Celery gap: from the old worker's
# stop starting to the new worker answering (no worker consumes in between).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
deploys=${BENCH_DEPLOYS:-4}

bash scripts/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
if [ ! -f dist/bundle/main.cjs ] || [ -n "$(find src templates -newer dist/bundle/main.cjs -print -quit)" ]; then
  npm run build --silent
fi

dir=$(mktemp -d /var/tmp/bg-bench-django.XXXXXX)
cleanup() {
  bash "$repo/scripts/container.sh" stop "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
bash scripts/container.sh start "$dir" "$repo" >/dev/null
inside() { bash "$repo/scripts/container.sh" run "$dir" bash -c "$1"; }

inside "set -e
  mkdir -p /srv/git /etc/bg; cp -r $repo/test/fixtures/django /srv/git/mysite; cd /srv/git/mysite; rm -rf __pycache__
  g() { git -c user.name=bench -c user.email=bench@bg.invalid \"\$@\"; }
  git init -q -b main; echo v1 > VERSION; g add -A; g commit -qm v1
  g checkout -q -b v2; echo v2 > VERSION; g commit -qam v2; g checkout -q main
  cat > /etc/bg/mysite.yml <<'YML'
app: mysite
repo: /srv/git/mysite
root: /srv/mysite
release:
  - /usr/bin/python3 manage.py migrate --noinput
django: { manage: manage.py }
web:
  wsgi: site_.wsgi:application
  ports: { blue: 8001, green: 8002 }
  health: { path: /health/ }
caddy:
  site: \":8080\"
celery:
  app: site_
  beat: true
  command: /usr/bin/python3 -m celery
YML
  mkdir -p /srv/mysite/shared
  printf 'DJANGO_SECRET_KEY=bench\nDATABASE_PATH=/srv/mysite/shared/db.sqlite3\nREDIS_URL=redis://127.0.0.1:6379/0\n' > /srv/mysite/shared/.env
  cd /etc/bg && /usr/bin/node $repo/bin/bg.cjs --config mysite.yml setup >/dev/null"

out=$dir/deploys.jsonl
: >"$out"
for i in $(seq 1 "$deploys"); do
  ref=$([ $((i % 2)) = 1 ] && echo v2 || echo main)
  start=$(date +%s%N)
  inside "cd /etc/bg && /usr/bin/node $repo/bin/bg.cjs --config mysite.yml --json deploy $ref" >"$dir/deploy-$i.json"
  end=$(date +%s%N)
  node -e '
    const fs = require("fs");
    const [file, wallNs] = process.argv.slice(1);
    const events = fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const t = {}; let clock = 0; const at = {};
    for (const e of events) if (e.event === "step" && e.status === "done") { t[e.step.replace(/-(blue|green)(?=-|$)/, "")] = e.ms; }
    // the Celery gap: the steps from stopping the old worker through starting the new one
    const order = events.filter((e) => e.event === "step" && e.status === "done").map((e) => [e.step.replace(/-(blue|green)(?=-|$)/, ""), e.ms]);
    let inGap = false, gap = 0;
    for (const [name, ms] of order) { if (name === "stop-worker") inGap = true; if (inGap) gap += ms; if (name === "start-worker") inGap = false; }
    console.log(JSON.stringify({ wall: Number(wallNs) / 1e6, steps: t, celeryGap: gap }));
  ' "$dir/deploy-$i.json" "$((end - start))" >>"$out"
done

node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
  const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
  console.log(`Django + Celery deploy (fixture, system scope, ${rows.length} deploys), medians:`);
  console.log(`  wall: ${fmt(median(rows.map((r) => r.wall)))}   Celery gap: ${fmt(median(rows.map((r) => r.celeryGap)))}`);
  for (const step of Object.keys(rows[0].steps)) console.log(`  ${step.padEnd(22)} ${fmt(median(rows.map((r) => r.steps[step] ?? 0)))}`);
' "$out"
