import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { request } from 'undici';
import type { Scene } from './scene.js';

// Observers for the Celery tests: which worker/beat processes run (from the units' cgroups), a
// numbered task producer, the fixture's task and beat logs, and a bg run that timestamps its steps.

const BG = fileURLToPath(new URL('../../bin/bg.cjs', import.meta.url));
const COLORS = ['blue', 'green'] as const;
type Color = (typeof COLORS)[number];
type PerColor<T> = Record<Color, T>;

/** Where systemd keeps a unit's processes: <cgroup fs>/<slice's ControlGroup>/<unit>/cgroup.procs. */
export function unitCgroupDirs(s: Scene, units: string[]): Map<string, string> {
  const roots = ['/sys/fs/cgroup/unified', '/sys/fs/cgroup']; // hybrid (this sandbox), then pure v2
  const dirs = new Map<string, string>();
  for (const unit of units) {
    const slice = s.systemctl('show', '-p', 'Slice', '--value', unit).trim();
    const sliceCg = slice ? s.systemctl('show', '-p', 'ControlGroup', '--value', slice).trim() : '';
    const root = roots.find((r) => sliceCg && existsSync(`${r}${sliceCg}/cgroup.procs`));
    if (!root)
      throw new Error(
        `cannot find the cgroup of ${unit} (slice ${slice || '?'}, ControlGroup ${sliceCg || '?'}) under ${roots.join(' or ')}`,
      );
    dirs.set(unit, `${root}${sliceCg}/${unit}`);
  }
  return dirs;
}

function cgroupPids(dir: string): number[] {
  try {
    return readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // the cgroup is removed when the unit stops
  }
}

function ppid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

// The worker unit's ExecStop (`celery control cancel_consumer`, then sleep) runs in the same cgroup:
// count only processes whose command line is the worker or beat itself.
function celeryPids(dir: string, kind: 'worker' | 'beat'): number[] {
  return cgroupPids(dir).filter((p) => {
    try {
      const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      return argv.includes(kind) && !argv.includes('control');
    } catch {
      return false; // exited meanwhile
    }
  });
}

/** Processes of a cgroup whose parent is outside it: a Celery worker's main process, not its pool children. */
function mainPids(dir: string, kind: 'worker' | 'beat'): number[] {
  const pids = celeryPids(dir, kind);
  return pids.filter((p) => {
    const pp = ppid(p);
    return pp !== undefined && !pids.includes(pp);
  });
}

export interface Sample {
  t: number;
  worker: PerColor<number[]>; // every process in the worker unit's cgroup (main + pool)
  workerMain: PerColor<number[]>;
  beat: PerColor<number[]>; // main processes in the beat unit's cgroup
}

export interface SamplerReport {
  samples: Sample[];
  violations: string[]; // instants with two beats or both colors' workers
}

/** Every `everyMs`, for at most `maxMs` / `maxSamples`: the app's worker and beat processes per color. */
export function startSampler(s: Scene, o: { everyMs?: number; maxMs?: number; maxSamples?: number } = {}) {
  const { everyMs = 25, maxMs = 90_000, maxSamples = 5_000 } = o;
  const unit = (kind: 'worker' | 'beat', c: Color) => `${s.app}-${kind}-${c}.service`;
  const dirs = unitCgroupDirs(
    s,
    COLORS.flatMap((c) => [unit('worker', c), unit('beat', c)]),
  );
  const dir = (kind: 'worker' | 'beat', c: Color) => dirs.get(unit(kind, c))!;
  const report: SamplerReport = { samples: [], violations: [] };
  const started = Date.now();
  const take = () => {
    const per = <T>(f: (c: Color) => T): PerColor<T> => ({ blue: f('blue'), green: f('green') });
    const smp: Sample = {
      t: Date.now(),
      worker: per((c) => celeryPids(dir('worker', c), 'worker')),
      workerMain: per((c) => mainPids(dir('worker', c), 'worker')),
      beat: per((c) => mainPids(dir('beat', c), 'beat')),
    };
    report.samples.push(smp);
    const at = `+${smp.t - started} ms`;
    const beats = smp.beat.blue.length + smp.beat.green.length;
    if (beats > 1) report.violations.push(`${at}: ${beats} beat processes (blue ${smp.beat.blue}, green ${smp.beat.green})`);
    if (smp.worker.blue.length > 0 && smp.worker.green.length > 0) {
      report.violations.push(`${at}: both workers run (blue ${smp.worker.blue}, green ${smp.worker.green})`);
    }
    for (const c of COLORS) {
      if (smp.workerMain[c].length > 1) report.violations.push(`${at}: ${smp.workerMain[c].length} ${c} worker main processes`);
    }
  };
  take();
  const timer = setInterval(() => {
    if (Date.now() - started > maxMs || report.samples.length >= maxSamples) clearInterval(timer);
    else take();
  }, everyMs);
  return {
    report,
    stop(): SamplerReport {
      clearInterval(timer);
      take();
      return report;
    },
  };
}

/** Did any sample see this color's worker (or beat) running? Proves the sampler can see what it checks. */
export const seen = (r: SamplerReport, kind: 'worker' | 'beat', c: Color) => r.samples.some((x) => x[kind][c].length > 0);

export interface EnqueueResult {
  queued: number[]; // numbers whose POST /enqueue answered 200 "queued"
  failures: string[];
  sentAt: Map<number, number>; // when each POST started
}

/** POST /enqueue?n=<next number> through Caddy every `everyMs`, numbered from `first`, until stopped (bounded). */
export function startEnqueuer(s: Scene, o: { first?: number; everyMs?: number; maxCount?: number; maxMs?: number } = {}) {
  const { first = 0, everyMs = 20, maxCount = 2_000, maxMs = 60_000 } = o;
  const res: EnqueueResult = { queued: [], failures: [], sentAt: new Map() };
  let stopping = false;
  const deadline = Date.now() + maxMs;
  const loop = (async () => {
    for (let n = first; !stopping && n < first + maxCount && Date.now() < deadline; n++) {
      const t = Date.now();
      res.sentAt.set(n, t);
      try {
        const r = await request(s.url(`/enqueue?n=${n}`), { method: 'POST', reset: true, headersTimeout: 10_000, bodyTimeout: 10_000 });
        const body = await r.body.text();
        if (r.statusCode === 200 && body === 'queued') res.queued.push(n);
        else res.failures.push(`n=${n}: ${r.statusCode} ${body.slice(0, 120)}`);
      } catch (e) {
        res.failures.push(`n=${n}: ${(e as Error).message}`);
      }
      const wait = t + everyMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    result: res,
    done: loop.then(() => res), // the loop ended by itself (maxCount or maxMs)
    async stop(): Promise<EnqueueResult> {
      stopping = true;
      await loop;
      return res;
    },
  };
}

export interface TaskLine {
  n: number;
  color: string;
  pid: number;
}

export function readTaskLog(s: Scene): TaskLine[] {
  if (!existsSync(s.taskLog)) return [];
  return readFileSync(s.taskLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [n, color, pid] = l.split(' ');
      return { n: Number(n), color, pid: Number(pid) };
    });
}

/** Waits (bounded) until every number in `want` is in the task log, then `settleMs` more for duplicates. */
export async function waitForTasks(s: Scene, want: number[], o: { maxMs?: number; settleMs?: number } = {}): Promise<TaskLine[]> {
  const { maxMs = 30_000, settleMs = 1_000 } = o;
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const got = new Set(readTaskLog(s).map((l) => l.n));
    if (want.every((n) => got.has(n))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, settleMs));
  return readTaskLog(s);
}

/** Numbers of `want` missing from the log, and those that appear more than once (each list cut at 20). */
export function exactlyOnce(lines: TaskLine[], want: number[]): { missing: number[]; twice: number[]; counts: string } {
  const count = new Map<number, number>();
  for (const l of lines) count.set(l.n, (count.get(l.n) ?? 0) + 1);
  const missing = want.filter((n) => !count.has(n));
  const twice = want.filter((n) => (count.get(n) ?? 0) > 1);
  return {
    missing: missing.slice(0, 20),
    twice: twice.slice(0, 20),
    counts: `${want.length} queued, ${missing.length} missing, ${twice.length} more than once`,
  };
}

export interface Tick {
  t: number; // seconds since the epoch, when the tick ran
  worker: string;
  beatColor: string;
  beatPid: number;
}

export function readBeatLog(s: Scene): Tick[] {
  if (!existsSync(s.beatLog)) return [];
  return readFileSync(s.beatLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [t, worker, beatColor, beatPid] = l.split(' ');
      return { t: Number(t), worker, beatColor, beatPid: Number(beatPid) };
    })
    .sort((a, b) => a.t - b.t);
}

/** Beats whose ticks interleave in time (one beat's ticks, then another's, then the first's again). */
export function interleavedBeats(ticks: Tick[]): string[] {
  const out: string[] = [];
  const done = new Set<number>();
  let current: number | undefined;
  for (const k of ticks) {
    if (k.beatPid === current) continue;
    if (done.has(k.beatPid)) out.push(`${k.t.toFixed(3)}: beat ${k.beatColor}/${k.beatPid} ticks again after beat ${current}`);
    if (current !== undefined) done.add(current);
    current = k.beatPid;
  }
  return out;
}

export interface TimedRun {
  code: number;
  stdout: string;
  stderr: string;
  started: number;
  steps: Map<string, { start?: number; done?: number; ms?: number; status: string }>; // wall-clock times of --json step events
}

/** `bg <args> --json`, noting when each step event arrives. */
export async function runBgTimed(s: Scene, args: string[]): Promise<TimedRun> {
  const started = Date.now();
  const steps: TimedRun['steps'] = new Map();
  const child = execa(process.execPath, [BG, '--user', '--config', s.configPath, '--json', ...args], {
    env: s.env,
    reject: false,
    stdin: 'ignore',
    timeout: 180_000,
  });
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        const e = JSON.parse(line) as { event?: string; step?: string; status?: string; ms?: number };
        if ((e.event === 'step' || e.event === 'undo') && e.step) {
          const key = e.event === 'undo' ? `undo:${e.step}` : e.step;
          const entry = steps.get(key) ?? { status: '' };
          entry.status = e.status ?? '';
          if (e.status === 'start') entry.start = Date.now();
          else {
            entry.done = Date.now();
            entry.ms = e.ms;
          }
          steps.set(key, entry);
        }
      } catch {
        // not an event line (the result or an error)
      }
    }
  });
  const r = await child;
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), started, steps };
}

/** Queues record(n, seconds) straight into Redis with the fixture's Celery app, from `color`'s release. */
export async function pushTask(s: Scene, color: Color, n: number, seconds: number): Promise<void> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(`${s.dir}/srv/shared/.env`, 'utf8').split('\n')) {
    const m = line.match(/^([A-Z_][A-Z0-9_]*)=(.*)$/);
    if (m) env[m[1]] = m[2];
  }
  await execa(
    '/usr/bin/python3',
    ['-c', 'import sys, tasks; tasks.record.delay(int(sys.argv[1]), float(sys.argv[2]))', String(n), String(seconds)],
    {
      cwd: `${s.dir}/srv/${color}`,
      env: { PATH: '/usr/bin:/bin', ...env },
      extendEnv: false,
      timeout: 30_000,
    },
  );
}

/** The last `chars` of a file, for assertion messages. */
export const tail = (path: string, chars = 3000) => (existsSync(path) ? readFileSync(path, 'utf8').slice(-chars) : `(no ${path})`);
