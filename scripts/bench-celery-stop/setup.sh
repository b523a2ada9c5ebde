#!/usr/bin/env bash
# Inside a bench container: the Flask test app `shop` with a Celery worker (no beat: the worker idles
# at each stop), set up by bg in system scope. Args: checkout, loglevel, extra worker words.
set -euo pipefail
repo=$1 loglevel=$2 extra=$3
rm -rf /srv/git/shop; mkdir -p /srv/git /etc/bg
cp -r "$repo/test/fixtures/app" /srv/git/shop
cd /srv/git/shop; rm -rf __pycache__
g() { git -c user.name=bench -c user.email=bench@bg.invalid "$@"; }
git init -q -b main; echo v1 > VERSION; g add -A; g commit -qm v1
cat > /etc/bg/shop.yml <<YML
app: shop
repo: /srv/git/shop
root: /srv/shop
web:
  wsgi: app:app
  ports: { blue: 8001, green: 8002 }
  health: { path: /health/, retries: 50 }
caddy:
  site: ":8080"
celery:
  app: tasks
  broker: redis://127.0.0.1:6379/0
  loglevel: $loglevel
YML
(umask 077; echo 'BG_FIXTURE_TASK_LOG=/srv/shop/shared/tasks.log' > /etc/bg/shop.env)
cd /etc/bg
/usr/bin/node "$repo/bin/bg.cjs" --config shop.yml setup >/tmp/bench-setup.log 2>&1 || { cat /tmp/bench-setup.log >&2; exit 1; }
if [ -n "$extra" ]; then
  sed -i "s|^ExecStart=.*|& $extra|" /etc/systemd/system/shop-worker-blue.service
  systemctl daemon-reload
  systemctl restart shop-worker-blue.service
fi
systemctl is-active --quiet shop-worker-blue.service
