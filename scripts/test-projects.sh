#!/usr/bin/env bash
# The test projects of `npm test`, as two vitest processes side by side: unit + integration (a
# systemd user manager on this machine) and system + trixie (containers, each with its own PID 1
# and network). One vitest process runs a project whose files go one at a time
# (`fileParallelism: false`) before or after the others, never beside them; these two groups share
# nothing, so they can. Each line is prefixed with its group; exits non-zero if either group fails.
#
#   bash scripts/test-projects.sh [vitest args...]
set -uo pipefail
cd "$(dirname "$0")/.."

group() {
  local name=$1
  shift
  npx vitest run "$@" 2>&1 | sed -u "s/^/[$name] /"
  return "${PIPESTATUS[0]}"
}

group host --project unit --project integration "$@" &
host=$!
group containers --project system --project trixie "$@" &
containers=$!
wait "$host"
host_rc=$?
wait "$containers"
containers_rc=$?
echo "unit + integration: exit $host_rc; system + trixie: exit $containers_rc"
[ "$host_rc" -eq 0 ] && [ "$containers_rc" -eq 0 ]
