import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeScene, type Scene } from '../support/scene.js';

// Configured build steps run in the idle release, with the app's env file, before it starts.
describe('build steps', () => {
  const sb = inject('sandbox');
  let s: Scene;
  beforeAll(async () => {
    s = await makeScene(sb, {
      build: [
        '/usr/bin/python3 -m venv --system-site-packages .venv',
        'echo "built for $BG_COLOR with greeting=$BG_FIXTURE_GREETING" > BUILT',
        'test "$(cat MODE)" != broken-build || { echo "compiling assets... error: broken on purpose" >&2; exit 3; }',
      ],
    });
    const r = await s.bg(['setup']);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => s?.close());

  it('setup ran them in releases/blue with the env file', () => {
    expect(readFileSync(`${s.dir}/srv/releases/blue/BUILT`, 'utf8')).toBe('built for blue with greeting=hello\n');
    expect(existsSync(`${s.dir}/srv/releases/blue/.venv/bin/python`)).toBe(true);
  });

  it('deploy runs them in the idle release only; the running release is untouched', async () => {
    const blueBuilt = readFileSync(`${s.dir}/srv/releases/blue/BUILT`, 'utf8');
    const r = await s.bg(['deploy', 'v2']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(`${s.dir}/srv/releases/green/BUILT`, 'utf8')).toBe('built for green with greeting=hello\n');
    expect(readFileSync(`${s.dir}/srv/releases/blue/BUILT`, 'utf8')).toBe(blueBuilt);
  });

  it('a failing build step stops the deploy before anything starts, and shows its output', async () => {
    const { execFileSync } = await import('node:child_process');
    const git = (...a: string[]) => execFileSync('git', ['-C', s.repo, '-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...a]);
    git('checkout', '-q', '-b', 'broken-build', 'main');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${s.repo}/MODE`, 'broken-build\n');
    git('commit', '-qam', 'broken build');
    git('checkout', '-q', 'main');
    const r = await s.bg(['deploy', 'broken-build']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('failed at step build-blue');
    expect(r.stderr).toContain('error: broken on purpose');
    expect(r.stderr).toContain('old version still serving');
    // bg returns once the drained blue has its stop job; systemd completes it (Gunicorn's ~0.3 s exit)
    expect(['deactivating', 'inactive']).toContain(s.activeState(`${s.app}-web-blue.service`));
    expect(await s.settledState(`${s.app}-web-blue.service`)).toBe('inactive');
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
  });
});
