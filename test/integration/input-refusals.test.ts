import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useScene } from '../support/scene.js';

// Input the CLI refuses with exit 2 and nothing written: no state dir, no bg.log, no lock.
describe('input refusals', () => {
  const s = useScene();

  const variant = (name: string, edit: (text: string) => string) => {
    const path = `${s.dir}/${name}.yml`;
    writeFileSync(path, edit(readFileSync(s.configPath, 'utf8')));
    return path;
  };
  const withStateDir = (name: string, stateDir: string, edit: (text: string) => string = (t) => t) =>
    variant(name, (t) => `${edit(t)}\nstate_dir: ${stateDir}\n`);

  it('a run refused at planning (deploy before setup) leaves no state dir, no bg.log and no parents behind', async () => {
    const fresh = `${s.dir}/not-yet/var/state`;
    const r = await s.bg(['--config', withStateDir('before-setup', fresh), 'deploy', 'main'], { config: false });
    expect(r.code, r.stderr).toBe(2);
    expect(existsSync(`${s.dir}/not-yet`)).toBe(false);
  });

  it('a ref over 255 bytes: exit 2 before anything runs', async () => {
    const fresh = `${s.dir}/long-ref-state`;
    const r = await s.bg(['--config', withStateDir('long-ref', fresh), 'deploy', 'a'.repeat(256)], { config: false });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('longer than 255 bytes');
    expect(existsSync(fresh)).toBe(false);
  });

  it('--config of a device, a FIFO or a directory: exit 2 without reading it', async () => {
    const fifo = `${s.dir}/bg.fifo`;
    execFileSync('mkfifo', [fifo]);
    for (const [path, why] of [
      ['/dev/zero', 'a device'],
      [fifo, 'a named pipe'],
      [s.dir, 'a directory'],
    ]) {
      const r = await s.bg(['--config', path, 'status'], { config: false });
      expect(r.code, path).toBe(2);
      expect(r.stderr).toContain(`it is ${why}, not a file`);
    }
  });

  it('root under /proc: exit 2, and nothing is made', async () => {
    const fresh = `${s.dir}/proc-root-state`;
    const r = await s.bg(['--config', withStateDir('proc-root', fresh, (t) => t.replace(/^root: .*$/m, 'root: /proc/x')), 'setup'], {
      config: false,
    });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/root: must be .*not under \/proc or \/sys/);
    expect(existsSync(fresh)).toBe(false);
  });

  it('YAML merge keys are read as merges', async () => {
    const merged = variant('merged', (t) => t.replace(/^web:\n/m, 'web:\n  <<: { workers: 3 }\n').replace(/^ {2}workers: .*\n/m, ''));
    const r = await s.bg(['--config', merged, 'setup', '--dry-run'], { config: false });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('dry run of bg setup');
  });
});

describe('a static dir that holds a .git', () => {
  const s = useScene({ build: ['mkdir -p staticfiles/.git && echo "[core]" > staticfiles/.git/config'] });

  it('fails the build step and rolls back: Caddy never serves it', async () => {
    const r = await s.bg(['setup']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain('staticfiles holds a .git');
    expect((await s.get('/static/.git/config')).body).not.toContain('[core]');
  });
});
