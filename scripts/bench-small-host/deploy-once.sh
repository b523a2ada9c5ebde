#!/usr/bin/env bash
# Inside the container: one deploy of APP to REF while probe tasks flow and memory is sampled;
# prints one JSON line (wall, step times, Celery gap, the new worker's boot, peaks, what bg measured).
# Usage: deploy-once.sh BG_COMMAND APP REF BROKER TASK
set -euo pipefail
bg=$1 app=$2 ref=$3 broker=$4 task=$5
here=$(cd "$(dirname "$0")" && pwd)
cfg=/etc/bg/$app.yml
shared=/srv/$app/shared
run=/run/bench-$app
mkdir -p "$run"; rm -f "$run"/* "$shared/stamps.log"
status=$($bg --config "$cfg" status --json)
# status --json: the protocol header, then the status event (a bg from before the protocol: one document)
status=$(node -e 'const t = process.argv[1]; const e = t.split("\n").find((l) => l.startsWith("{\"event\":\"status\"")); console.log(e ?? JSON.stringify(JSON.parse(t)))' "$status")
from=$(node -e 'console.log(JSON.parse(process.argv[1]).active)' "$status")
to=$([ "$from" = blue ] && echo green || echo blue)
/usr/bin/python3 "$here/sampler.py" "$app" "$run/stop" >"$run/peaks.json" &
sampler=$!
/usr/bin/python3 "$here/producer.py" "$broker" "$task" "$run/stop" >"$run/sent" &
producer=$!
sleep 1
start=$(date +%s%N)
$bg --config "$cfg" --json deploy "$ref" >"$run/events.jsonl"
end=$(date +%s%N)
# until the new worker has run probe tasks for a while
for _ in $(seq 1 100); do
  [ "$(grep -c " $to\$" "$shared/stamps.log" 2>/dev/null || true)" -gt 20 ] && break
  sleep 0.1
done
touch "$run/stop"
wait "$sampler" "$producer"
mono=$(systemctl show -p ExecMainStartTimestampMonotonic --value "$app-worker-$to.service")
started=$(/usr/bin/python3 -c 'import sys,time; print(time.time() - time.monotonic() + int(sys.argv[1]) / 1e6)' "$mono")
gap=$(node "$here/gap.mjs" "$shared/stamps.log" "$to" "$started")
node -e '
  const fs = require("fs");
  const [events, wallNs, status, gap, peaks] = process.argv.slice(1);
  const steps = {};
  for (const l of fs.readFileSync(events, "utf8").trim().split("\n")) {
    const e = JSON.parse(l);
    if (e.event === "step" && e.status === "done") steps[e.step.replace(/-(blue|green)(?=-|$)/, "")] = e.ms;
  }
  const m = JSON.parse(status).memory ?? {}; // a bg without the memory check has none
  console.log(JSON.stringify({ wall: Number(wallNs) / 1e6, steps, ...JSON.parse(gap), ...JSON.parse(fs.readFileSync(peaks, "utf8")), headroom: m.headroom?.bytes ?? null, need: m.need?.bytes ?? null }));
' "$run/events.jsonl" "$((end - start))" "$status" "$gap" "$run/peaks.json"
