// A real systemd as PID 1 for the system-scope suites (test/system, test/trixie): scripts/container.sh
// boots systemd-nspawn over an overlay of this machine's / (or of another root: `lower`) with a
// private network, in its own cgroup;
// this wraps it. Everything bg does runs inside, as root, through nsenter: the container's loopback
// is its own, so request loops run inside too (test/support/loop-cli.mjs).
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHECKOUT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = join(CHECKOUT, 'scripts/container.sh');
export const BG = `/usr/bin/node ${CHECKOUT}/bin/bg.cjs`;

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Container {
  dir: string;
  /** Runs a shell script inside as root (bash -c), cwd /. */
  sh(script: string, opts?: { timeoutMs?: number }): Promise<Result>;
  /** Like sh, but throws with the output when it exits non-zero. */
  ok(script: string): Promise<string>;
  /** Starts a script inside without waiting: `wait()` gives its result. */
  spawn(script: string): { wait(): Promise<Result>; kill(signal?: NodeJS.Signals): void };
  reboot(): Promise<void>;
  stop(): Promise<void>;
}

function script(args: string[], timeoutMs = 120_000, env: Record<string, string> = {}): Promise<Result> {
  return new Promise((res) => {
    execFile(
      'bash',
      [SCRIPT, ...args],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        res({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/**
 * `memoryLimit` (e.g. "700M"): the whole container in a memory cgroup with that limit, a small host
 * as its processes see it. `net`: a veth on that bridge in that network namespace instead of a
 * private loopback only (the caller gives host0 its address). `lower`: the root the overlay is laid
 * over instead of this machine's / (e.g. the Debian 13 root from scripts/trixie-root.sh).
 */
export async function startContainer(
  opts: { memoryLimit?: string; net?: { netns: string; bridge: string }; lower?: string } = {},
): Promise<Container> {
  const dir = await mkdtemp(join(tmpdir(), 'bg-ct-'));
  const env: Record<string, string> = {
    ...(opts.memoryLimit && { BG_CT_MEMORY_LIMIT: opts.memoryLimit }),
    ...(opts.net && { BG_CT_NETNS: opts.net.netns, BG_CT_BRIDGE: opts.net.bridge }),
    ...(opts.lower && { BG_CT_LOWER: opts.lower }),
  };
  const started = await script(['start', dir, CHECKOUT], 120_000, env);
  if (started.code !== 0) throw new Error(`the container did not boot:\n${started.stdout}${started.stderr}`);
  const sh = (s: string, o: { timeoutMs?: number } = {}) => script(['run', dir, 'bash', '-c', s], o.timeoutMs ?? 180_000);
  const c: Container = {
    dir,
    sh,
    async ok(s) {
      const r = await sh(s);
      if (r.code !== 0) throw new Error(`exit ${r.code}: ${s}\n${r.stdout}${r.stderr}`);
      return r.stdout;
    },
    spawn(s) {
      const child = spawn('bash', [SCRIPT, 'run', dir, 'bash', '-c', s], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      const done = new Promise<Result>((res) => child.on('close', (code) => res({ code: code ?? 1, stdout, stderr })));
      return { wait: () => done, kill: (signal = 'SIGTERM') => void child.kill(signal) };
    },
    async reboot() {
      const before = (await script(['pid1', dir])).stdout.trim();
      await sh('systemctl reboot');
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const now = (await script(['pid1', dir])).stdout.trim();
        if (now && now !== before) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const up = await script(['wait', dir], 120_000);
      if (up.code !== 0) throw new Error(`the container did not come back from its reboot:\n${up.stderr}`);
    },
    async stop() {
      const r = await script(['stop', dir], 60_000);
      if (r.code !== 0) throw new Error(`the container did not stop cleanly:\n${r.stderr}`);
      if (process.env.BG_TEST_KEEP !== '1') await rm(dir, { recursive: true, force: true });
    },
  };
  return c;
}
