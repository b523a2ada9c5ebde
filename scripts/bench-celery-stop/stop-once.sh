#!/usr/bin/env bash
# Inside a bench container: start the worker if it is not running, then time one `systemctl stop`
# of it, idle (bg's quiesce lasts longer than a short task: one enqueued before the stop is done
# before the SIGTERM).
# Prints one JSON line (seconds per phase); with BENCH_TRACE=1, first the worker's log of the stop,
# each line's time from the stop request.
set -euo pipefail
unit=shop-worker-blue.service
systemctl start "$unit"
sleep 1
cursor=$(journalctl --show-cursor -n 0 -q | sed -n 's/^-- cursor: //p')
systemctl stop "$unit"
journalctl -u "$unit" --after-cursor="$cursor" -o json --no-pager >/tmp/bench-stop.json
systemctl show -p ExecMainExitTimestampMonotonic -p InactiveEnterTimestampMonotonic -p ExecMainStatus "$unit" >/tmp/bench-stop.show
/usr/bin/python3 - <<'PY'
import json, os, sys
entries = [json.loads(l) for l in open("/tmp/bench-stop.json")]
show = dict(l.strip().split("=", 1) for l in open("/tmp/bench-stop.show"))
mono = lambda e: int(e["__MONOTONIC_TIMESTAMP"]) / 1e6
msg = lambda e: e.get("MESSAGE") if isinstance(e.get("MESSAGE"), str) else ""
def first(pred):
    for e in entries:
        if pred(msg(e)):
            return mono(e)
    raise SystemExit("bench: no journal line for this phase:\n" + "\n".join(msg(e) for e in entries))
t_req = first(lambda m: m.startswith("Stopping "))
t_warm = first(lambda m: "Warm shutdown" in m)
t_inactive = first(lambda m: "Deactivated successfully" in m or m.startswith("Stopped "))
# systemd 252 may have unloaded the stopped unit by now (all zeros): then the journal's line stands for it
t_exit = int(show["ExecMainExitTimestampMonotonic"]) / 1e6 or None
# at loglevel debug: when the worker's loop saw the shutdown (its first bootstep stop) and when its
# pool began to join its processes
def maybe(pred):
    try:
        return first(pred)
    except SystemExit:
        return None
t_seen = maybe(lambda m: "| Worker: Closing Hub" in m)
t_join = maybe(lambda m: "removing tasks from inqueue" in m)
t_end = t_exit or t_inactive
if os.environ.get("BENCH_TRACE"):
    for e in entries:
        print("%+8.3f %s" % (mono(e) - t_req, msg(e)))
    if t_exit:
        print("%+8.3f (main process exit, status %s)" % (t_exit - t_req, show["ExecMainStatus"]))
r = lambda x: None if x is None else round(x, 3)
print(json.dumps({
    "quiesce": r(t_warm - t_req),
    "warm": r(t_end - t_warm),
    "seen": r(t_seen and t_seen - t_warm),
    "teardown": r(t_seen and t_join and t_join - t_seen),
    "join": r(t_join and t_end - t_join),
    "cgroup": r(t_exit and t_inactive - t_exit),
    "total": r(t_inactive - t_req),
    "status": show["ExecMainStatus"],
}))
PY
