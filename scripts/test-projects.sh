#!/usr/bin/env bash
# The test projects of `npm test`, as four vitest processes side by side, each line prefixed with its
# group; exits non-zero if any group fails. One vitest process runs a project whose files go one at
# a time (`fileParallelism: false`) before or after the others, never beside them; these groups
# share nothing, so they can:
#   host        unit + integration, but the schema files (a systemd user manager of its own)
#   schema      the integration files that migrate databases under load (another user manager,
#               its own PostgreSQL clusters)
#   reboots     the system files that reboot or boot several containers, and the Debian 13 root
#   containers  the other system files (each boots its own container: own PID 1 and network)
# Most of a run is waiting (boots, load loops, drains), so four processes on two cores finish
# sooner than two without starving each other.
#
#   bash scripts/test-projects.sh               # everything but soak
#   bash scripts/test-projects.sh [vitest args] # with arguments (a file, -t ...): two groups, as given
set -uo pipefail
cd "$(dirname "$0")/.."

group() {
  local name=$1
  shift
  npx vitest run "$@" 2>&1 | sed -u "s/^/[$name] /"
  return "${PIPESTATUS[0]}"
}

# Each integration process enables net.ipv4.tcp_migrate_req for its run and restores it at its end;
# with two of them, the first to end would turn it off under the other. Enabled here, for all.
migrate=/proc/sys/net/ipv4/tcp_migrate_req
migrate_before=$(cat "$migrate" 2>/dev/null || true)
[ "$migrate_before" = 0 ] && { echo 1 >"$migrate" || echo "test-projects: cannot enable $migrate" >&2; }
restore_migrate() { [ "$migrate_before" = 0 ] && echo 0 >"$migrate" 2>/dev/null; true; }
trap restore_migrate EXIT

names=()
pids=()
start() {
  names+=("$1")
  group "$@" &
  pids+=($!)
}

if [ $# -gt 0 ]; then
  start host --project unit --project integration "$@"
  start containers --project system --project trixie "$@"
else
  # deploy-failures rides with the schema group only to even out the four
  schema=(test/integration/flask-migrate.test.ts test/integration/django- test/integration/backups.test.ts
    test/integration/cleanup-backups.test.ts test/integration/deploy-failures.test.ts)
  reboots=(test/system/kill-reboot.test.ts test/system/real-host.test.ts test/system/fleet.test.ts test/trixie/)
  start host --project unit --project integration \
    --exclude 'test/integration/{flask-migrate,django-*,backups,cleanup-backups,deploy-failures}.test.ts'
  start schema --project integration "${schema[@]}"
  start reboots --project system --project trixie "${reboots[@]}"
  start containers --project system \
    --exclude 'test/system/{kill-reboot,real-host,fleet}.test.ts'
fi

failed=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}"
  rc=$?
  echo "${names[$i]}: exit $rc"
  [ "$rc" -eq 0 ] || failed=1
done
exit "$failed"
