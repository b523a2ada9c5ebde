"""Samples, every 50 ms until the stop file appears, the memory (PSS) of every process in the app's
units' cgroups, and prints the peak of the web units together and of all the app's units together.

Usage: sampler.py APP STOP_FILE. Reads /sys/fs/cgroup/systemd (the name=systemd hierarchy)."""
import glob
import json
import os
import sys
import time

app, stop = sys.argv[1:3]


def pss(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def sample():
    web = every = 0
    for procs in glob.glob(f"/sys/fs/cgroup/systemd/system.slice/{app}-*-*.service/cgroup.procs"):
        try:
            with open(procs) as f:
                used = sum(pss(int(p)) for p in f.read().split())
        except OSError:  # the unit stopped between the glob and the open
            continue
        every += used
        if f"/{app}-web-" in procs:
            web += used
    return web, every


peak_web = peak_all = 0
while not os.path.exists(stop):
    web, every = sample()
    peak_web, peak_all = max(peak_web, web), max(peak_all, every)
    time.sleep(0.05)
print(json.dumps({"peakWeb": peak_web, "peakAll": peak_all}))
