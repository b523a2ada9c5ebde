// The systemd adapter against the harness's real user manager, with real Gunicorn units.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Systemd } from '../../src/adapters/systemd.js';
import { unitObjectPath } from '../../src/adapters/systemd-state.js';
import { outcomeOf } from '../../src/cli/outcome.js';
import { BusError, SystemdError } from '../../src/errors.js';
import { freePorts, sandboxEnv, stopService, systemctl, unitLog } from '../harness/sandbox.js';

const sb = inject('sandbox');
const tag = `bgt-sd-${randomBytes(3).toString('hex')}`; // unit name prefix of this run
const dir = join(sb.tmpRoot, tag);
const started = new Set<string>();
let sd: Systemd;

const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    console.log(`[measure] ${label}: ${(performance.now() - t0).toFixed(1)} ms`);
  }
};

const APPS: Record<string, string> = {
  good: `def app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'ok']
`,
  bad: `raise RuntimeError('boom at import')\n`,
  // Records signals it gets, so killUnit can be observed from outside.
  sig: `import signal, sys, time
out = sys.argv[1]
signal.signal(signal.SIGUSR1, lambda *a: open(out, 'a').write('USR1\\n'))
open(out, 'a').write('ready\\n')
while True:
    time.sleep(1)
`,
};

/** Writes a gunicorn unit (Type=notify, --preload so a bad import fails the start job). */
async function gunicornUnit(name: string, app: 'good' | 'bad', port: number, extra = ''): Promise<string> {
  started.add(name);
  await writeFile(
    join(sb.unitDir, name),
    `[Unit]
Description=${name}
[Service]
Type=notify
WorkingDirectory=${dir}
ExecStart=/usr/bin/gunicorn --bind 127.0.0.1:${port} --workers 1 --preload ${app}:app
KillSignal=SIGTERM
TimeoutStopSec=10s
StandardOutput=append:${unitLog(sb, name)}
StandardError=append:${unitLog(sb, name)}
${extra}
[Install]
WantedBy=default.target
`,
  );
  return name;
}

async function waitForLine(file: string, line: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.split('\n').includes(line)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${file} never got a line "${line}"`);
}

beforeAll(async () => {
  await mkdir(dir, { recursive: true });
  await mkdir(join(sb.tmpRoot, 'logs'), { recursive: true });
  await mkdir(sb.unitDir, { recursive: true });
  for (const [name, code] of Object.entries(APPS)) await writeFile(join(dir, `${name}.py`), code);
  sd = await timed('Systemd.connect(user)', () => Systemd.connect('user', sandboxEnv(sb)));
});

afterAll(async () => {
  sd?.close();
  for (const name of started) {
    await stopService(sb, name);
    await rm(join(sb.unitDir, name), { force: true });
  }
  await systemctl(sb, 'daemon-reload');
});

describe('Systemd over D-Bus (real user manager)', () => {
  it('starts a Type=notify gunicorn unit: job done, unit active/running with pid and since', async () => {
    const [port] = await freePorts(1);
    const name = await gunicornUnit(`${tag}-good.service`, 'good', port);
    await sd.reload();
    const before = Date.now();
    expect(await timed('StartUnit Type=notify gunicorn (ok app)', () => sd.startUnit(name))).toBe('done');

    // Type=notify: the job finished only after gunicorn bound its socket.
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe('ok');

    const st = await timed('unitState (loaded, active)', () => sd.unitState(name));
    expect(st).toMatchObject({ name, loadState: 'loaded', activeState: 'active', subState: 'running', result: 'success' });
    expect(st.mainPid).toBeGreaterThan(0);
    expect(existsSync(`/proc/${st.mainPid}`)).toBe(true);
    expect(st.since).toBeInstanceOf(Date);
    expect(st.since!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(st.since!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(st.fragmentPath).toBe(join(sb.unitDir, name));
    expect(st.nRestarts).toBe(0);
    await timed('unitState x20 (sequential, total)', async () => {
      for (let i = 0; i < 20; i++) await sd.unitState(name);
    });
    const missing = `${tag}-absent.service`;
    const [summary, absent] = await timed('unitSummaries (active + not-found)', () => sd.unitSummaries([name, missing]));
    // the invocation names this run of the unit (journald tags its lines with it)
    expect(summary).toEqual({
      name,
      loadState: 'loaded',
      activeState: 'active',
      subState: 'running',
      mainPid: st.mainPid,
      since: st.since,
      fileState: 'disabled',
      invocationId: st.invocationId,
    });
    expect(st.invocationId).toMatch(/^[0-9a-f]{32}$/);
    expect(absent).toEqual({ name: missing, loadState: 'not-found', activeState: 'inactive', subState: 'dead', mainPid: 0 });
    // the object paths unitSummaries derives are systemd's own
    const odd = ['a.b-c_d@x\\y.service', '9x.service', '0.service'];
    const listed = await sd.listUnits([name, missing, ...odd]);
    expect(listed.map((u) => u.name)).toEqual([name, missing, ...odd]);
    for (const u of listed) expect(unitObjectPath(u.name)).toBe(u.path);

    expect(await timed('StopUnit gunicorn', () => sd.stopUnit(name))).toBe('done');
    const stopped = await sd.unitState(name);
    expect(stopped).toMatchObject({ activeState: 'inactive', subState: 'dead', mainPid: 0 });
    expect((await sd.unitSummaries([name]))[0]).toEqual({
      name,
      loadState: 'loaded',
      activeState: 'inactive',
      subState: 'dead',
      mainPid: 0,
      since: stopped.since,
      fileState: 'disabled',
    });
    expect(existsSync(`/proc/${st.mainPid}`)).toBe(false);
  });

  it('a unit whose app fails at import: start job failed, unit failed', async () => {
    const [port] = await freePorts(1);
    const name = await gunicornUnit(`${tag}-bad.service`, 'bad', port);
    await sd.reload();
    expect(await timed('StartUnit Type=notify gunicorn (app fails to import)', () => sd.startUnit(name))).toBe('failed');
    const st = await sd.unitState(name);
    expect(st).toMatchObject({ loadState: 'loaded', activeState: 'failed', result: 'exit-code', mainPid: 0 });
    expect(st.execMainStatus).not.toBe(0);
    expect(await readFile(unitLog(sb, name), 'utf8')).toContain('boom at import');

    await sd.resetFailed(name);
    expect((await sd.unitState(name)).activeState).toBe('inactive');
    await sd.resetFailed(`${tag}-never-loaded.service`); // nothing to reset is not an error
  });

  it('unitState of a unit that was never loaded, and of one that does not exist', async () => {
    const missing = await timed('unitState (not-found unit)', () => sd.unitState(`${tag}-nope.service`));
    expect(missing).toMatchObject({ loadState: 'not-found', activeState: 'inactive', subState: 'dead', mainPid: 0 });
    expect(missing.fragmentPath).toBeUndefined();

    // A unit file nobody asked about yet: LoadUnit loads it (GetUnit would fail).
    const [port] = await freePorts(1);
    const name = await gunicornUnit(`${tag}-idle.service`, 'good', port);
    await sd.reload();
    expect(await sd.unitState(name)).toMatchObject({ loadState: 'loaded', activeState: 'inactive', subState: 'dead' });
  });

  it('starting a unit that does not exist is a clear SystemdError', async () => {
    const name = `${tag}-missing.service`;
    const err = await sd.startUnit(name).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SystemdError);
    expect((err as SystemdError).message).toContain(name);
    expect((err as SystemdError).message).toMatch(/not found/);
    expect((err as SystemdError).detail).toMatch(/^org\.freedesktop\.systemd1\.NoSuchUnit/);
    expect((err as SystemdError).next).toMatch(/daemon-reload/);
  });

  it('reload() picks up a changed unit file, and a new unit written afterwards starts', async () => {
    const [p1, p2] = await freePorts(2);
    const name = await gunicornUnit(`${tag}-reload.service`, 'good', p1);
    await sd.reload();
    expect(await sd.startUnit(name)).toBe('done');
    const show = async () => (await systemctl(sb, 'show', '-p', 'Description,NeedDaemonReload', name)).trim();
    expect(await show()).toBe(`Description=${name}\nNeedDaemonReload=no`);

    const text = await readFile(join(sb.unitDir, name), 'utf8');
    await writeFile(join(sb.unitDir, name), text.replace(`Description=${name}`, 'Description=changed'));
    expect(await show()).toBe(`Description=${name}\nNeedDaemonReload=yes`);
    await timed('Manager.Reload (daemon-reload)', () => sd.reload());
    expect(await show()).toBe('Description=changed\nNeedDaemonReload=no');

    const fresh = await gunicornUnit(`${tag}-fresh.service`, 'good', p2);
    await sd.reload();
    expect(await sd.startUnit(fresh)).toBe('done');
    expect((await sd.unitSummaries([name, fresh])).map((s) => s.activeState)).toEqual(['active', 'active']);
    expect(await sd.stopUnit(name)).toBe('done');
    expect(await sd.stopUnit(fresh)).toBe('done');
  });

  it('many concurrent jobs each get their own result (no lost or swapped JobRemoved)', async () => {
    const n = 6;
    const ports = await freePorts(n);
    const names = await Promise.all(ports.map((p, i) => gunicornUnit(`${tag}-many${i}.service`, i % 2 === 0 ? 'good' : 'bad', p)));
    await sd.reload();
    const starts = await timed(`${n} concurrent StartUnit (half failing)`, () => Promise.all(names.map((u) => sd.startUnit(u))));
    expect(starts).toEqual(names.map((_, i) => (i % 2 === 0 ? 'done' : 'failed')));

    const good = names.filter((_, i) => i % 2 === 0);
    // Starting an active unit: the job often finishes before the StartUnit reply arrives.
    const again = await Promise.all(Array.from({ length: 30 }, (_, i) => sd.startUnit(good[i % good.length])));
    expect(again).toEqual(Array(30).fill('done'));
    const restarts = await Promise.all(good.map((u) => sd.restartUnit(u)));
    expect(restarts).toEqual(good.map(() => 'done'));
    const states = await sd.unitSummaries(names);
    expect(states.map((s) => s.activeState)).toEqual(names.map((_, i) => (i % 2 === 0 ? 'active' : 'failed')));

    const stops = await Promise.all(names.map((u) => sd.stopUnit(u)));
    expect(stops).toEqual(names.map(() => 'done'));
    // a stop right after the restart can reach Gunicorn before it handles SIGQUIT: the signal's
    // default action ends it and systemd says failed (bg clears that at its next start)
    for (const s of await sd.unitSummaries(good)) expect(['inactive', 'failed'], s.name).toContain(s.activeState);
  });

  it('killUnit delivers a signal to the main process', async () => {
    const name = `${tag}-sig.service`;
    const out = join(dir, 'sig.out');
    started.add(name);
    await writeFile(
      join(sb.unitDir, name),
      `[Service]\nExecStart=/usr/bin/python3 ${join(dir, 'sig.py')} ${out}\nStandardError=append:${unitLog(sb, name)}\n`,
    );
    await sd.reload();
    expect(await sd.startUnit(name)).toBe('done');
    await waitForLine(out, 'ready');
    await sd.killUnit(name, 'main', 10 /* SIGUSR1 */);
    await waitForLine(out, 'USR1');
    expect((await sd.unitState(name)).activeState).toBe('active');

    await sd.killUnit(name, 'all', 9 /* SIGKILL */);
    let st = await sd.unitState(name);
    for (let i = 0; i < 100 && st.activeState === 'active'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      st = await sd.unitState(name);
    }
    expect(st).toMatchObject({ activeState: 'failed', result: 'signal' });
    await sd.resetFailed(name);
  });

  it('enableUnitFiles/disableUnitFiles write and remove the wants symlink', async () => {
    const [port] = await freePorts(1);
    const name = await gunicornUnit(`${tag}-enable.service`, 'good', port);
    await sd.reload();
    const link = join(sb.unitDir, 'default.target.wants', name);
    await sd.enableUnitFiles([name]);
    expect(await readlink(link)).toBe(join(sb.unitDir, name));
    expect((await sd.unitSummaries([name]))[0].fileState).toBe('enabled');
    await sd.enableUnitFiles([name]); // idempotent
    await sd.disableUnitFiles([name]);
    expect(existsSync(link)).toBe(false);
    // read from disk each time: not the unit's cached property, which stays stale until a reload
    expect((await sd.unitSummaries([name]))[0].fileState).toBe('disabled');
  });

  it('a job that does not finish in time rejects with a SystemdError', async () => {
    const [port] = await freePorts(1);
    const name = await gunicornUnit(`${tag}-slow.service`, 'good', port, 'ExecStartPre=/bin/sleep 3');
    await sd.reload();
    const impatient = await Systemd.connect('user', sandboxEnv(sb), { jobTimeoutMs: 300 });
    try {
      const err = await impatient.startUnit(name).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SystemdError);
      expect((err as Error).message).toMatch(new RegExp(`start job for ${name} did not finish within`));
    } finally {
      impatient.close();
    }
    expect(await sd.stopUnit(name)).toBe('done'); // cancels the start job
  });

  /** Resolves once `name` is activating, i.e. systemd has accepted and is running its start job. */
  async function activating(name: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if ((await sd.unitState(name)).activeState === 'activating') return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`${name} never became activating`);
  }

  it('close() with a job in flight: the waiter rejects, later calls reject with BusError', async () => {
    const [port] = await freePorts(1);
    const name = await gunicornUnit(`${tag}-closed.service`, 'good', port, 'ExecStartPre=/bin/sleep 3');
    await sd.reload();
    const other = await Systemd.connect('user', sandboxEnv(sb));
    const pending = other.startUnit(name).catch((e: unknown) => e);
    await activating(name);
    other.close();
    const err = await pending;
    expect(err).toBeInstanceOf(SystemdError);
    expect((err as Error).message).toMatch(new RegExp(`Lost the connection to systemd while waiting for the job on ${name}`));
    await expect(other.unitState(name)).rejects.toBeInstanceOf(BusError);
    expect(await sd.stopUnit(name)).toBe('done');
  });

  it('the bus going away mid-job (peer closes the socket): the waiter rejects instead of hanging', async () => {
    const [port] = await freePorts(1);
    const name = await gunicornUnit(`${tag}-lost.service`, 'good', port, 'ExecStartPre=/bin/sleep 3');
    await sd.reload();
    // A socket proxy in front of the real bus, so the test can cut the connection.
    const busPath = sb.busAddress.replace(/^unix:path=/, '');
    const proxyPath = join(sb.tmpRoot, `${tag}-proxy.sock`);
    const sockets = new Set<Socket>();
    const proxy = createServer((down) => {
      const up = createConnection(busPath);
      for (const s of [down, up]) {
        sockets.add(s);
        s.on('error', () => undefined);
      }
      down.pipe(up).pipe(down);
    });
    await new Promise<void>((r) => proxy.listen(proxyPath, r));
    try {
      const viaProxy = await Systemd.connect('user', { ...sandboxEnv(sb), DBUS_SESSION_BUS_ADDRESS: `unix:path=${proxyPath}` });
      const pending = viaProxy.startUnit(name).catch((e: unknown) => e);
      await activating(name);
      // the job runs 3 s (ExecStartPre): time for StartUnit's reply to reach us on a loaded machine,
      // so the cut lands on the job's wait, not on the call
      await new Promise((r) => setTimeout(r, 1000));
      for (const s of sockets) s.destroy();
      const err = await pending;
      expect(err, String(err)).toBeInstanceOf(SystemdError);
      expect((err as SystemdError).message).toContain('while waiting for the job');
      expect((err as SystemdError).code).toBe('bus-lost');
      expect((err as SystemdError).state).toMatch(/^Unknown/);
      await expect(viaProxy.unitState(name)).rejects.toBeInstanceOf(BusError);
      viaProxy.close();
    } finally {
      proxy.close();
    }
    expect(await sd.stopUnit(name)).toBe('done');
  });

  it('connect with a bad bus address is a BusError that says what to check', async () => {
    const bad = sandboxEnv(sb, {});
    bad.DBUS_SESSION_BUS_ADDRESS = `unix:path=${join(sb.tmpRoot, 'no-such-bus')}`;
    const err = await Systemd.connect('user', bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BusError);
    const e = err as BusError;
    expect(e.message).toContain('user manager');
    expect(e.message).toContain(join(sb.tmpRoot, 'no-such-bus'));
    expect(e.message).toMatch(/ENOENT/);
    expect(e.code).toBe('bus-unreachable');
    expect(e.next).toMatch(/DBUS_SESSION_BUS_ADDRESS/);
    // an adapter reports the fact; the CLI decides: nothing was changed, exit 1 (4 means half switched)
    expect(outcomeOf(e)).toEqual({ exitCode: 1, state: 'Nothing was changed by this command.' });

    const none = await Systemd.connect('user', {}).catch((x: unknown) => x);
    expect(none).toBeInstanceOf(BusError);
    expect((none as Error).message).toMatch(/neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR/);

    const sys = await Systemd.connect('system', { DBUS_SYSTEM_BUS_ADDRESS: bad.DBUS_SESSION_BUS_ADDRESS }).catch((x: unknown) => x);
    expect(sys).toBeInstanceOf(BusError);
    expect((sys as BusError).next).toMatch(/run as root, or pass --user/i);
  });
});
