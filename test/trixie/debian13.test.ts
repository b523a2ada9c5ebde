import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKOUT, type Container, startContainer } from '../harness/container.js';
import { makeDjangoRepo } from '../support/fixture-repo.js';
import { jsonEvent } from '../support/json-events.js';
import { type App, makeApp } from '../system/app-host.js';
import { trixieRoot } from './root.js';

// bg on Debian 13 "trixie" (systemd 257, Celery 5.5, Django 4.2, node 20.19): the same nspawn
// container as test/system, over the Debian 13 root scripts/trixie-root.sh builds (cached by point
// release) instead of this machine's /. One boot for the whole file. If the root cannot be built or
// booted, the file fails.
const TASK_LOG = '/srv/shop/shared/tasks.log';

describe('Debian 13 (trixie)', () => {
  let c: Container;
  let shop: App;
  let site: App;

  beforeAll(async () => {
    const lower = trixieRoot();
    c = await startContainer({ lower });
    shop = await makeApp(
      c,
      'shop',
      { blue: 8001, green: 8002, site: 8080 },
      'celery:\n  app: tasks\n  beat: true\n  broker: redis://127.0.0.1:6379/0\n',
    );
    await c.ok(`umask 077; echo 'BG_FIXTURE_TASK_LOG=${TASK_LOG}' > /etc/bg/shop.env`);
    site = await makeDjangoApp(c);
  }, 900_000);
  afterAll(async () => c?.stop());

  const needReload = async (units: string) => (await c.ok(`systemctl show -p NeedDaemonReload --value ${units} | sort -u`)).trim();

  it('the container runs Debian 13: systemd ≥ 257 as PID 1, and bg on its own node 20', async () => {
    expect(await c.ok('. /etc/os-release; echo "$ID $VERSION_ID"')).toBe('debian 13\n');
    expect(Number((await c.ok('systemctl --version')).match(/^systemd (\d+)/)?.[1])).toBeGreaterThanOrEqual(257);
    expect(await c.ok(`/usr/bin/node --version; /usr/bin/node ${CHECKOUT}/bin/bg.cjs --version >/dev/null && echo runs`)).toMatch(
      /^v20\.\d+\.\d+\nruns\n$/,
    );
    // what bg's reload after enable/disable is for: without one, every unit reads "changed on disk"
    await c.ok('systemctl disable --no-reload --quiet redis-server.service; systemctl enable --no-reload --quiet redis-server.service');
    expect(await needReload('caddy.service')).toBe('yes');
    await c.ok('systemctl daemon-reload');
  });

  it('setup serves v1 through caddy.service, and leaves no unit "changed on disk"', async () => {
    const r = await shop.bg('setup');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await shop.get()).toBe('v1');
    expect(await c.ok('systemctl is-active caddy.service shop-web-blue.service shop-worker-blue.service shop-beat-blue.service')).toBe(
      'active\nactive\nactive\nactive\n',
    );
    expect(await needReload('caddy.service redis-server.service shop-web-blue.service shop-worker-blue.service')).toBe('no');
  });

  it('deploy and rollback under load: no failed request, every task run exactly once, never two colors of Celery; no unit "changed on disk"', async () => {
    const sampler = c.spawn(`/usr/bin/python3 -c '${CELERY_SAMPLER}'`);
    const enqueuer = c.spawn(`cd /srv/git/shop && /usr/bin/python3 -c '${ENQUEUER}'`);
    const loop = shop.loop();
    const deployed = await shop.bg('deploy v2');
    expect(deployed.code, deployed.stdout + deployed.stderr).toBe(0);
    expect(await shop.get()).toBe('v2');
    expect(
      await needReload('caddy.service redis-server.service shop-web-blue.service shop-web-green.service shop-worker-green.service'),
    ).toBe('no');
    const rolled = await shop.bg('rollback');
    expect(rolled.code, rolled.stdout + rolled.stderr).toBe(0);
    await c.ok('touch /run/bg-enqueue.stop');
    const sent = Number((await enqueuer.wait()).stdout.trim());
    const counts = await loop.stop();
    await c.ok('touch /run/bg-sampler.stop');
    const seen = JSON.parse((await sampler.wait()).stdout.trim()) as {
      samples: number;
      workers: Record<string, number>;
      beats: Record<string, number>;
      violations: string[];
    };

    expect(counts.failed, counts.failures.join('\n')).toBe(0);
    expect(counts.sent).toBeGreaterThan(20);
    expect(await shop.get()).toBe('v1');
    expect(seen.violations).toEqual([]);
    // the sampler did see each color's worker (it could have caught two)
    expect(seen.workers.blue).toBeGreaterThan(0);
    expect(seen.workers.green).toBeGreaterThan(0);
    expect(sent).toBeGreaterThan(10);
    const ran = await c.ok(
      `for i in $(seq 300); do [ "$(cut -d' ' -f1 ${TASK_LOG} 2>/dev/null | sort -u | wc -l)" -ge ${sent} ] && break; sleep 0.2; done; cut -d' ' -f1,2 ${TASK_LOG}`,
    );
    const numbers = ran
      .trim()
      .split('\n')
      .map((l) => Number(l.split(' ')[0]));
    const twice = numbers.filter((n, i) => numbers.indexOf(n) !== i);
    const missing = Array.from({ length: sent }, (_, i) => i).filter((n) => !numbers.includes(n));
    expect({ missing, twice }).toEqual({ missing: [], twice: [] });
    expect(new Set(ran.match(/ (blue|green)$/gm)).size).toBe(2);
    expect(await needReload('caddy.service shop-web-blue.service shop-worker-blue.service shop-worker-green.service')).toBe('no');
  });

  const columns = async () => (await c.ok(`/usr/bin/python3 -c '${COLUMNS}' /srv/site/shared/db.sqlite3`)).trim().split(' ').sort();

  it('Django 4.2: a deploy adding a nullable field migrates under load with no failed request; a rollback leaves it applied and serves v1', async () => {
    const r = await site.bg('setup');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await site.get()).toBe('v1 questions=0');
    expect(await columns()).toEqual(['id', 'text']);
    const loop = site.loop();
    const d = await site.bg('deploy v2');
    const counts = await loop.stop();
    expect(d.code, d.stdout + d.stderr).toBe(0);
    expect(counts.failed, counts.failures.join('\n')).toBe(0);
    expect(await site.get()).toBe('v2 questions=0');
    expect(await columns()).toEqual(['id', 'note', 'text']);
    const back = await site.bg('rollback');
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(back.stdout + back.stderr).toContain('polls.0002_question_note stay applied');
    expect(await site.get()).toBe('v1 questions=0');
    expect(await columns()).toEqual(['id', 'note', 'text']);
  });

  it('a reboot: both sites serve again; at the shutdown the Celery worker stopped before the local redis, with no broker error', async () => {
    // a persistent journal, to read the shutdown's from the next boot
    await c.ok('mkdir -p /var/log/journal && journalctl --flush');
    const live = jsonEvent((await shop.bg('status --json')).stdout, 'status').active as string;
    await c.reboot();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && ((await shop.get()) !== 'v1' || (await site.get()) !== 'v1 questions=0'))
      await new Promise((r) => setTimeout(r, 200));
    expect(await shop.get()).toBe('v1');
    expect(await site.get()).toBe('v1 questions=0');
    expect(jsonEvent((await shop.bg('status --json')).stdout, 'status').active).toBe(live);
    expect(await c.ok(`systemctl is-active shop-worker-${live}.service shop-beat-${live}.service`)).toBe('active\nactive\n');

    const journal = (
      await c.ok(`journalctl -b -1 --no-pager -o short-monotonic -u shop-worker-${live}.service -u redis-server.service`)
    ).split('\n');
    // the last of each: the boot's deploys stopped workers too, and the shutdown is the end of the boot
    const at = (re: RegExp) => {
      for (let i = journal.length - 1; i >= 0; i--) if (re.test(journal[i])) return i;
      return -1;
    };
    const workerStopping = at(new RegExp(`Stopping shop-worker-${live}\\.service`));
    const workerStopped = at(new RegExp(`Stopped shop-worker-${live}\\.service`));
    const redisStopping = at(/Stopping redis-server\.service/);
    const shutdown = journal.slice(workerStopping, workerStopped + 1).join('\n');
    expect(workerStopping, journal.join('\n')).toBeGreaterThan(-1);
    expect(workerStopped, shutdown).toBeGreaterThan(workerStopping);
    expect(redisStopping, journal.join('\n')).toBeGreaterThan(workerStopped);
    // the stop's quiesce reached the worker through the broker, and nothing failed to reach it
    expect(shutdown).toContain('Canceling queue celery');
    expect(shutdown).not.toMatch(/Error 111|Connection refused|Cannot connect|ConnectionError|OperationalError/i);
    const secs = (i: number) => Number(/^\[\s*([\d.]+)\]/.exec(journal[i])?.[1]);
    process.stdout.write(
      `trixie shutdown: shop-worker-${live} stopped in ${(secs(workerStopped) - secs(workerStopping)).toFixed(2)} s, before redis:\n${shutdown}\n`,
    );
  });
});

/** The Django fixture (test/fixtures/django: v1, v2 adds a nullable field) as the app `site`. */
async function makeDjangoApp(c: Container): Promise<App> {
  const extra = 'release:\n  - "/usr/bin/python3 manage.py migrate --noinput"\ndjango:\n  manage: manage.py\n';
  const app = await makeApp(c, 'site', { blue: 8021, green: 8022, site: 8100 }, extra);
  await c.ok(`set -e; sed -i 's/wsgi: app:app/wsgi: site_.wsgi:application/' ${app.config}; rm -rf /srv/git/site
    umask 077; printf 'DJANGO_SECRET_KEY=trixie-test-key\\nDATABASE_PATH=/srv/site/shared/db.sqlite3\\n' > /etc/bg/site.env`);
  // the fixture's history is made here by fixture-repo.ts, then copied in through the container's root
  const made = mkdtempSync(join(tmpdir(), 'bg-trixie-django-'));
  try {
    makeDjangoRepo(`${made}/repo`);
    const pid1 = execFileSync('bash', [`${CHECKOUT}/scripts/container.sh`, 'pid1', c.dir], { encoding: 'utf8' }).trim();
    cpSync(`${made}/repo`, `/proc/${pid1}/root/srv/git/site`, { recursive: true });
  } finally {
    rmSync(made, { recursive: true, force: true });
  }
  return app;
}

// Samples both colors' Celery processes from their units' cgroups every 20 ms until /run/bg-sampler.stop;
// prints how often each color's worker and beat was seen and every instant with two of either.
const CELERY_SAMPLER = `
import json, os, time
def mains(unit, kind):
    pids = []
    for root in ("/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd", "/sys/fs/cgroup"):
        try:
            procs = open(root + "/system.slice/" + unit + "/cgroup.procs").read().split()
        except OSError:
            continue
        for p in procs:
            if p in pids:
                continue
            try:
                argv = open("/proc/%s/cmdline" % p).read().split(chr(0))
            except OSError:
                continue
            if kind in argv and "control" not in argv and "inspect" not in argv:
                pids.append(p)
    ppids = {}
    for p in pids:
        try:
            ppids[p] = open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()[1]
        except OSError:
            pass
    return sorted(p for p in pids if ppids.get(p) not in pids)
n, workers, beats, violations = 0, {"blue": 0, "green": 0}, {"blue": 0, "green": 0}, []
while not os.path.exists("/run/bg-sampler.stop") and n < 30000:
    n += 1
    w = {c: mains("shop-worker-%s.service" % c, "worker") for c in workers}
    b = {c: mains("shop-beat-%s.service" % c, "beat") for c in beats}
    for c in workers:
        workers[c] += bool(w[c])
        beats[c] += bool(b[c])
    if all(w.values()) or all(b.values()) or len(w["blue"] + w["green"]) > 1:
        violations.append("%.3f workers %s beats %s" % (time.time(), w, b))
    time.sleep(0.02)
print(json.dumps({"samples": n, "workers": workers, "beats": beats, "violations": violations[:20]}))
`.replaceAll("'", "'\\''");

// Sends tasks.record(0..n-1) every 20 ms until /run/bg-enqueue.stop; prints n.
const ENQUEUER = `
import os, sys, time
sys.path.insert(0, ".")
from tasks import record
n = 0
while not os.path.exists("/run/bg-enqueue.stop") and n < 5000:
    record.delay(n)
    n += 1
    time.sleep(0.02)
print(n)
`.replaceAll("'", "'\\''");

const COLUMNS = `
import sqlite3, sys
print(" ".join(r[1] for r in sqlite3.connect(sys.argv[1]).execute("pragma table_info(polls_question)")))
`.replaceAll("'", "'\\''");
