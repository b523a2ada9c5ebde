#!/usr/bin/env bash
# bg end to end on this host, in a temp dir: a systemd user manager (a private one, or the one this
# session already has), a Caddy unit, a sample Flask app repo (main = v1, branch v2), then
# `bluegreen setup`, `status`, a request through Caddy, `deploy v2` under a request loop, `status`.
# On exit (success, failure or Ctrl-C) it stops everything it started, by PID, and removes the temp dir.
#
#   bash scripts/demo.sh
#   BG_DEMO_PRIVATE_MANAGER=1  always start a private user manager, even when one answers
#   BG_DEMO_KEEP=1             keep the temp dir (unit logs, bg.yml) after exit
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
FIXTURE_APP=$ROOT/test/fixtures/app
MIGRATE=/proc/sys/net/ipv4/tcp_migrate_req
T0=$SECONDS

DEMO="" MANAGER_DIR="" PRIVATE=0 UNIT_DIR="" APP="" LOAD_PID="" MIGRATE_BEFORE=""
UNITS=()

say() { printf '\n== %s\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }
# Shows a command, then runs it.
run() { printf '$ %s\n' "$*"; "$@"; }
# The CLI from this checkout, under its installed name (`bg` is a shell builtin).
bluegreen() { node "$ROOT/bin/bg.cjs" "$@"; }
# curl through Caddy, and check which version answered (the app answers "<version> <greeting>")
get() {
  local body
  printf '$ curl -fsS %s\n' "$1"
  body=$(curl -fsS --max-time 10 "$1")
  echo "$body"
  [[ $body == "$2 "* ]] || die "expected $2 to answer, got: $body"
}

# alive PID: exists and is not a zombie (PID 1 here may be slow to reap)
alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# the PIDs in cgroup $1 (a path below a hierarchy's root) and below it, in whichever hierarchy has it
cgroup_pids() {
  local root
  for root in /sys/fs/cgroup /sys/fs/cgroup/unified /sys/fs/cgroup/systemd; do
    [ -n "$1" ] && [ -d "$root$1" ] && find "$root$1" -name cgroup.procs -exec cat {} + 2>/dev/null
  done
  return 0
}

# Every PID the demo's units (and the private manager) hold right now: each unit's main PID and
# cgroup (gunicorn's workers, caddy), and the private manager with everything in its cgroup.
demo_pids() {
  local u
  for u in "${UNITS[@]}"; do
    timeout 5 systemctl --user show -p MainPID -p ControlGroup "$u" 2>/dev/null |
      while IFS='=' read -r key value; do
        case $key in
          MainPID) [ "$value" != 0 ] && echo "$value" ;;
          ControlGroup) cgroup_pids "$value" ;;
        esac
      done
  done
  if [ $PRIVATE = 1 ]; then
    cat "$MANAGER_DIR/manager.pid" 2>/dev/null
    [ -s "$MANAGER_DIR/manager.cgroup" ] && cgroup_pids "/$(cat "$MANAGER_DIR/manager.cgroup")"
  fi
  return 0
}

cleanup() {
  local rc=$? pids p left=""
  set +e
  trap - EXIT INT TERM
  say "cleaning up"
  if [ -n "$LOAD_PID" ] && alive "$LOAD_PID"; then kill -TERM "$LOAD_PID" 2>/dev/null; wait "$LOAD_PID" 2>/dev/null; fi
  if [ $rc -ne 0 ] && [ -n "$DEMO" ] && [ -d "$DEMO/logs" ]; then
    for f in "$DEMO"/logs/*.log; do
      [ -s "$f" ] && { echo "--- last lines of $f (BG_DEMO_KEEP=1 keeps them)"; tail -n 8 "$f"; }
    done
  fi
  pids=$(demo_pids | tr -s ' \n' '\n' | grep -E '^[0-9]+$' | sort -un)
  if [ $PRIVATE = 1 ]; then
    # `systemctl --user exit` stops every unit, then the manager; then SIGKILL to its cgroup's leftovers
    echo "stopping the private user manager (pid $(cat "$MANAGER_DIR/manager.pid" 2>/dev/null || echo '?')) and its units"
    bash "$ROOT/scripts/user-manager.sh" stop "$MANAGER_DIR"
  elif [ ${#UNITS[@]} -gt 0 ]; then
    echo "stopping ${UNITS[*]}"
    timeout 60 systemctl --user stop "${UNITS[@]}" 2>/dev/null
    timeout 10 systemctl --user reset-failed "${UNITS[@]}" 2>/dev/null
    for p in "${UNITS[@]}"; do rm -f "$UNIT_DIR/$p"; done
    rm -rf "$UNIT_DIR/default.target.wants/$APP-"* 2>/dev/null
    timeout 10 systemctl --user daemon-reload
  fi
  if [ -n "$MIGRATE_BEFORE" ]; then
    echo "$MIGRATE_BEFORE" >"$MIGRATE" && echo "restored net.ipv4.tcp_migrate_req=$MIGRATE_BEFORE"
  fi
  for _ in $(seq 50); do
    left=""
    for p in $pids; do alive "$p" && left+=" $p"; done
    [ -z "$left" ] && break
    sleep 0.1
  done
  if [ -n "$left" ]; then
    echo "demo: still running after cleanup:" >&2
    for p in $left; do echo "  $p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2; done
    rc=1
  else
    echo "checked: none of the $(wc -w <<<"$pids") processes the demo started (manager, units, their children) is left"
  fi
  if [ -n "$DEMO" ]; then
    if [ "${BG_DEMO_KEEP:-}" = 1 ]; then echo "kept $DEMO"; else rm -rf "$DEMO"; fi
  fi
  if [ $rc -eq 0 ]; then echo "demo ok ($((SECONDS - T0)) s)"; else echo "demo FAILED (exit $rc)" >&2; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
say "checking what this needs"
command -v node >/dev/null || die "Node.js >= 20 is needed (https://nodejs.org or apt install nodejs)"
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' ||
  die "Node.js >= 20 is needed, this is $(node --version)"
bash "$ROOT/scripts/install-deps.sh"
cd "$ROOT"
if [ ! -d node_modules ]; then run npm ci --no-audit --no-fund; fi
if [ ! -f dist/bundle/main.cjs ] ||
  [ -n "$(find src tsconfig.json package.json -newer dist/bundle/main.cjs -print -quit)" ]; then
  run npm run build --silent
fi
echo "ok: caddy $(caddy version | awk '{print $1}'), gunicorn $(gunicorn --version 2>&1 | awk '{print $NF}' | tr -d ')'), node $(node --version), $(git --version)"

DEMO=$(mktemp -d "${TMPDIR:-/tmp}/bg-demo.XXXXXX")
chmod 755 "$DEMO"
cd "$DEMO"

# ---------------------------------------------------------------------------------------------
say "1. a systemd user manager"
state=""
if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ "${BG_DEMO_PRIVATE_MANAGER:-}" != 1 ]; then
  state=$(timeout 5 systemctl --user is-system-running 2>/dev/null || true)
fi
if [ -n "$state" ] && [ "$state" != unknown ] &&
  UNIT_DIR=$(timeout 5 systemctl --user show -p UnitPath --value | tr ' ' '\n' |
    grep -E '/systemd/user$' | grep -vE '^/(etc|usr|lib|run)/|/systemd/user\.control' | head -n1) &&
  [ -n "$UNIT_DIR" ]; then
  APP=demo-$$
  echo "using this session's user manager ($state) on $DBUS_SESSION_BUS_ADDRESS; units go in $UNIT_DIR"
else
  PRIVATE=1
  APP=demo
  MANAGER_DIR=$DEMO/manager
  echo "no user manager answers here: starting a private one (own D-Bus, mount namespace and cgroup)"
  printf '$ %s\n' "eval \"\$(scripts/user-manager.sh start $MANAGER_DIR)\""
  eval "$(bash "$ROOT/scripts/user-manager.sh" start "$MANAGER_DIR")"
  UNIT_DIR=$XDG_CONFIG_HOME/systemd/user
fi
mkdir -p "$UNIT_DIR" "$DEMO/logs"

if [ -r "$MIGRATE" ] && [ "$(cat "$MIGRATE")" = 0 ]; then
  if [ -w "$MIGRATE" ] && echo 1 2>/dev/null >"$MIGRATE"; then
    MIGRATE_BEFORE=0
    echo "net.ipv4.tcp_migrate_req=1 until the demo ends: Caddy opens a new listener at each config load, and without it connections still queued on the old one are reset."
  else
    echo "warning: net.ipv4.tcp_migrate_req is 0 and not writable here: a connection queued at a Caddy reload may be reset (the loop may count it as failed)."
  fi
fi

# ---------------------------------------------------------------------------------------------
say "2. a sample app repository and a Caddy unit"
read -r P_BLUE P_GREEN P_SITE P_ADMIN < <(node -e '
  const net = require("node:net");
  const servers = Array.from({ length: 4 }, () => net.createServer());
  Promise.all(servers.map((s) => new Promise((ok, fail) => s.once("error", fail).listen(0, "127.0.0.1", ok))))
    .then(() => { console.log(servers.map((s) => s.address().port).join(" ")); servers.forEach((s) => s.close()); });')
[ -n "$P_ADMIN" ] || die "could not pick free loopback ports"

git_() { git -C "$DEMO/repo" -c user.name="bg demo" -c user.email=demo@bg.invalid "$@"; }
mkdir -p "$DEMO/repo"
git_ init -q -b main
cp "$FIXTURE_APP"/*.py "$DEMO/repo/"
echo v1 >"$DEMO/repo/VERSION"
git_ add -A && git_ commit -q -m "v1"
git_ checkout -q -b v2
echo v2 >"$DEMO/repo/VERSION"
git_ commit -q -am "v2"
git_ checkout -q main
echo "$DEMO/repo: Flask app (test/fixtures/app); main answers v1, branch v2 answers v2"

# the app reads its greeting from the env file bg gives every unit
mkdir -p "$DEMO/srv/shared"
(umask 077 && echo "BG_FIXTURE_GREETING=hello" >"$DEMO/srv/shared/.env")

mkdir -p "$DEMO/caddy" "$DEMO/caddy-home"
cat >"$DEMO/caddy/Caddyfile" <<EOF
{
	admin 127.0.0.1:$P_ADMIN
	auto_https off
}
:$P_SITE {
	respond "placeholder before bg setup"
}
EOF
CADDY_UNIT=$APP-caddy.service
UNITS=("$CADDY_UNIT" "$APP-web-blue.service" "$APP-web-green.service")
cat >"$UNIT_DIR/$CADDY_UNIT" <<EOF
[Unit]
Description=Caddy for the bg demo
[Service]
Type=notify
Environment=XDG_CONFIG_HOME=$DEMO/caddy-home XDG_DATA_HOME=$DEMO/caddy-home HOME=$DEMO/caddy-home
WorkingDirectory=$DEMO/caddy-home
ExecStart=/usr/bin/caddy run --config $DEMO/caddy/Caddyfile --adapter caddyfile
ExecReload=/usr/bin/caddy reload --config $DEMO/caddy/Caddyfile --adapter caddyfile --force --address 127.0.0.1:$P_ADMIN
TimeoutStopSec=10s
KillMode=mixed
StandardOutput=append:$DEMO/logs/$CADDY_UNIT.log
StandardError=append:$DEMO/logs/$CADDY_UNIT.log
EOF
systemctl --user daemon-reload
run systemctl --user start "$CADDY_UNIT"
for _ in $(seq 100); do
  curl -fsS --max-time 1 "http://127.0.0.1:$P_ADMIN/config/" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS --max-time 1 "http://127.0.0.1:$P_ADMIN/config/" >/dev/null ||
  die "Caddy's admin API did not answer on 127.0.0.1:$P_ADMIN within 10 s"
echo "Caddy serves :$P_SITE (admin API 127.0.0.1:$P_ADMIN)"

# ---------------------------------------------------------------------------------------------
say "3. bluegreen"
cat >"$DEMO/bg.yml" <<EOF
app: $APP
repo: $DEMO/repo
root: $DEMO/srv
unit_dir: $UNIT_DIR
state_dir: $DEMO/state
log_dir: $DEMO/logs
web:
  wsgi: app:app
  ports: { blue: $P_BLUE, green: $P_GREEN }
  workers: 2
  timeout: 10
  health: { path: /health/, interval: 0.05 }
caddy:
  site: ":$P_SITE"
  caddyfile: $DEMO/caddy/Caddyfile
  upstream_file: $DEMO/caddy/upstream.txt
  unit: $CADDY_UNIT
  admin: 127.0.0.1:$P_ADMIN
EOF
run cat bg.yml
echo
run bluegreen --user --config bg.yml setup
echo
run bluegreen --user --config bg.yml status
echo
get "http://127.0.0.1:$P_SITE/" v1

echo
echo "a request loop through Caddy (4 clients, new connection each) while v2 is deployed:"
node "$ROOT/scripts/demo-load.mjs" "http://127.0.0.1:$P_SITE/" "$DEMO/load.ready" &
LOAD_PID=$!
for _ in $(seq 100); do [ -e "$DEMO/load.ready" ] || ! alive "$LOAD_PID" && break; sleep 0.05; done
[ -e "$DEMO/load.ready" ] || die "the request loop got no answer from Caddy"
deploy_rc=0
run bluegreen --user --config bg.yml deploy v2 || deploy_rc=$?
kill -TERM "$LOAD_PID" 2>/dev/null || true
load_rc=0
wait "$LOAD_PID" || load_rc=$?
LOAD_PID=""
if [ $deploy_rc -ne 0 ]; then
  case $deploy_rc in 130 | 143) echo "demo: interrupted" >&2 ;; *) echo "demo: bluegreen deploy v2 failed (exit $deploy_rc)" >&2 ;; esac
  exit $deploy_rc
fi
[ $load_rc -eq 0 ] || die "the request loop saw failed requests"
echo
run bluegreen --user --config bg.yml status
echo
get "http://127.0.0.1:$P_SITE/" v2
