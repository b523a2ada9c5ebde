import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKOUT, type Container, startContainer } from '../harness/container.js';

// The container script's cgroup: `stop` kills everything in it by PID, so it must be this
// container's alone.
const script = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((res) =>
    execFile(
      'bash',
      [join(CHECKOUT, 'scripts/container.sh'), ...args],
      { timeout: 60_000, env: { ...process.env, ...env } },
      (err, stdout, stderr) =>
        res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    ),
  );

describe('scripts/container.sh', () => {
  let c: Container;
  beforeAll(async () => {
    c = await startContainer();
  }, 120_000);
  afterAll(async () => c?.stop());

  it('names the cgroup after the full path of the container dir, not its basename', async () => {
    const cg = (await readFile(join(c.dir, 'cgroup'), 'utf8')).trim();
    const base = c.dir.split('/').at(-1);
    expect(cg).toBe(`bg-ct-${base}-${createHash('sha256').update(c.dir).digest('hex').slice(0, 16)}`);
  });

  it('refuses to start into a cgroup that already has processes', async () => {
    // as if its record were lost: the wrapper's pid file gone, the container still running
    const wrapper = join(c.dir, 'wrapper.pid');
    const pid = await readFile(wrapper, 'utf8');
    await rm(wrapper);
    const r = await script(['start', c.dir, CHECKOUT]);
    await writeFile(wrapper, pid);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/the cgroup bg-ct-\S+ already has processes/);
    expect((await c.sh('systemctl is-system-running')).stdout.trim()).toMatch(/running|degraded/);
  });

  it('starts without a checkout (it is optional), and refuses a lower layer that is not a root to boot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bg-ct-'));
    const notRoot = await mkdtemp(join(tmpdir(), 'bg-ct-lower-'));
    try {
      const started = await script(['start', dir]);
      expect(started.code, started.stderr).toBe(0);
      expect((await script(['run', dir, 'systemctl', 'is-system-running'])).stdout.trim()).toMatch(/running|degraded/);
      const refused = await script(['start', join(dir, 'other')], { BG_CT_LOWER: notRoot });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(`no systemd in ${notRoot} (BG_CT_LOWER)`);
    } finally {
      const stopped = await script(['stop', dir]);
      expect(stopped.code, stopped.stderr).toBe(0);
      await rm(dir, { recursive: true, force: true });
      await rm(notRoot, { recursive: true, force: true });
    }
  });
});
