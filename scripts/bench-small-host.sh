#!/usr/bin/env bash
# Deploys on a small host, timed by step, with the Celery gap and memory: the numbers behind the
# "Small host" section of docs/benchmarks.md. A real systemd as PID 1 (scripts/container.sh) inside
# a memory cgroup (BENCH_MEMORY_LIMIT, default 1G), with Debian's caddy.service and redis-server.service,
# and two apps deployed in turn in system scope: the Flask test app with a Celery worker and beat
# (test/fixtures/app) and the Django test project with Celery and `release: migrate`
# (test/fixtures/django).
#
#   bash scripts/bench-small-host.sh                     # ~2 minutes
#   BENCH_DEPLOYS=6 bash scripts/bench-small-host.sh
#   BENCH_BG=/path/to/other/checkout bash scripts/bench-small-host.sh   # measure another bg build
#
# Per deploy: wall time and each step; the Celery gap (the longest pause between probe tasks sent
# every 20 ms, i.e. the time no worker consumed) and the new worker's own boot (its start to its
# first task); the peak memory (PSS) of both web colors together and of all the app's units; and
# the headroom and need `bg status` computed before the deploy. Medians are printed.
# The Django project's Celery app spends BENCH_DJANGO_IMPORT_CPU_S (default 1) CPU seconds at import,
# like a large project: every process that loads the app (worker, beat, `celery -A` commands) pays it.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
bgdir=${BENCH_BG:-$repo}
deploys=${BENCH_DEPLOYS:-4}

bash scripts/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
if [ "$bgdir" = "$repo" ] && { [ ! -f dist/bundle/main.cjs ] || [ -n "$(find src templates -newer dist/bundle/main.cjs -print -quit)" ]; }; then
  npm run build --silent
fi

dir=$(mktemp -d /var/tmp/bg-bench-small.XXXXXX)
cleanup() {
  bash "$repo/scripts/container.sh" stop "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
BG_CT_MEMORY_LIMIT=${BENCH_MEMORY_LIMIT:-1G} bash scripts/container.sh start "$dir" "$repo" >/dev/null
inside() { bash "$repo/scripts/container.sh" run "$dir" bash -c "$1"; }
bg="/usr/bin/node $bgdir/bin/bg.cjs"
broker=redis://127.0.0.1:6379/0

# app name, fixture dir, bg.yml body (after the common keys)
make_app() {
  local app=$1 fixture=$2 body=$3 import_cpu=${4:-0}
  inside "set -e
    mkdir -p /srv/git /etc/bg /srv/$app/shared; cp -r $repo/test/fixtures/$fixture /srv/git/$app; cd /srv/git/$app; rm -rf __pycache__
    g() { git -c user.name=bench -c user.email=bench@bg.invalid \"\$@\"; }
    git init -q -b main; echo v1 > VERSION; g add -A; g commit -qm v1
    g checkout -q -b v2; echo v2 > VERSION; g commit -qam v2; g checkout -q main
    printf 'app: $app\nrepo: /srv/git/$app\nroot: /srv/$app\n$body' > /etc/bg/$app.yml
    printf 'DJANGO_SECRET_KEY=bench\nDATABASE_PATH=/srv/$app/shared/db.sqlite3\nREDIS_URL=$broker\nBG_FIXTURE_STAMP_LOG=/srv/$app/shared/stamps.log\nBG_FIXTURE_TASK_LOG=/srv/$app/shared/tasks.log\nBG_FIXTURE_BEAT_LOG=/srv/$app/shared/beat.log\nBG_FIXTURE_IMPORT_CPU_S=$import_cpu\n' > /srv/$app/shared/.env
    cd /etc/bg && $bg --config $app.yml setup >/tmp/setup.log 2>&1 || { cat /tmp/setup.log; exit 1; }"
}
celery_block() { printf 'celery:\n  app: %s\n  beat: true\n  command: /usr/bin/python3 -m celery\n' "$1"; }
make_app shop app "web:\n  wsgi: app:app\n  ports: { blue: 8001, green: 8002 }\ncaddy:\n  site: \":8080\"\n$(celery_block tasks | sed 's/$/\\n/' | tr -d '\n')"
make_app mysite django "release:\n  - /usr/bin/python3 manage.py migrate --noinput\ndjango: { manage: manage.py }\nweb:\n  wsgi: site_.wsgi:application\n  ports: { blue: 8011, green: 8012 }\n  health: { path: /health/ }\ncaddy:\n  site: \":8090\"\n$(celery_block site_ | sed 's/$/\\n/' | tr -d '\n')" "${BENCH_DJANGO_IMPORT_CPU_S:-1}"

results=()
for spec in "shop tasks.stamp flask-celery" "mysite polls.tasks.stamp django-celery"; do
  read -r app task label <<<"$spec"
  out=$dir/$label.jsonl
  : >"$out"
  for i in $(seq 1 "$deploys"); do
    ref=$([ $((i % 2)) = 1 ] && echo v2 || echo main)
    inside "bash $repo/scripts/bench-small-host/deploy-once.sh '$bg' $app $ref $broker $task" >>"$out"
  done
  results+=("$out")
done
echo "bg under test: $bgdir ($(git -C "$bgdir" log -1 --format='%h %s' | cut -c1-70)); memory limit ${BENCH_MEMORY_LIMIT:-1G}"
node scripts/bench-small-host/report.mjs "${results[@]}"
