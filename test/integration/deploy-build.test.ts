import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonEvent } from '../support/json-events.js';
import { useScene } from '../support/scene.js';

// Each deploy builds a new release directory; a color points at it only once its build passed, so
// a failed build never changes what `rollback` goes back to.
describe('build steps and releases', () => {
  const s = useScene({
    build: [
      '/usr/bin/python3 -m venv --system-site-packages .venv',
      'echo "built for $BG_COLOR with greeting=$BG_FIXTURE_GREETING in $BG_RELEASE" > BUILT',
      'test "$(cat MODE)" != broken-build || { echo "compiling assets... error: broken on purpose" >&2; exit 3; }',
    ],
    release: ['echo "release $(cat VERSION) for $BG_COLOR" >> "$(dirname "$(dirname "$(pwd -P)")")/shared/release.log"'],
  });
  const srv = () => `${s.dir}/srv`;
  const releaseOf = (color: string) => basename(readlinkSync(`${srv()}/${color}`));
  const releases = async () =>
    jsonEvent((await s.bg(['releases', '--json'])).stdout, 'releases').releases as {
      id: string;
      status: string;
      colors: string[];
      live: boolean;
      ref: string | null;
    }[];
  let firstRelease = '';

  beforeAll(async () => {
    const r = await s.bg(['setup']);
    expect(r.code, r.stderr).toBe(0);
    firstRelease = releaseOf('blue');
  });

  it('setup built its release with the env file, and blue points at it', () => {
    const dir = `${srv()}/releases/${firstRelease}`;
    expect(readFileSync(`${dir}/BUILT`, 'utf8')).toBe(`built for blue with greeting=hello in ${dir}\n`);
    expect(existsSync(`${dir}/.venv/bin/python`)).toBe(true);
    expect(readlinkSync(`${srv()}/current`)).toBe(dir);
  });

  it('release commands run once per deploy, after the build, in the new release', () => {
    expect(readFileSync(`${srv()}/shared/release.log`, 'utf8')).toBe('release v1 for blue\n');
  });

  it('deploy builds a new release for the idle color; the running release is untouched', async () => {
    const before = readFileSync(`${srv()}/releases/${firstRelease}/BUILT`, 'utf8');
    const r = await s.bg(['deploy', 'v2']);
    expect(r.code, r.stderr).toBe(0);
    const green = releaseOf('green');
    expect(green).not.toBe(firstRelease);
    expect(readFileSync(`${srv()}/releases/${green}/BUILT`, 'utf8')).toContain('built for green');
    expect(readFileSync(`${srv()}/releases/${firstRelease}/BUILT`, 'utf8')).toBe(before);
    expect(releaseOf('blue')).toBe(firstRelease);
    expect(readFileSync(`${srv()}/shared/release.log`, 'utf8')).toBe('release v1 for blue\nrelease v2 for green\n');
  });

  it('a failing build stops the deploy before anything starts, shows its output, and leaves rollback where it was', async () => {
    const git = (...a: string[]) => execFileSync('git', ['-C', s.repo, '-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...a]);
    git('checkout', '-q', '-b', 'broken-build', 'main');
    writeFileSync(`${s.repo}/MODE`, 'broken-build\n');
    git('commit', '-qam', 'broken build');
    git('checkout', '-q', 'main');
    const r = await s.bg(['deploy', 'broken-build']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('failed at step build-blue');
    expect(r.stderr).toContain('error: broken on purpose');
    expect(r.stderr).toContain('old version still serving');
    expect(releaseOf('blue')).toBe(firstRelease); // the failed build never became blue's
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
    const failed = (await releases()).find((x) => x.ref === 'broken-build');
    expect(failed).toMatchObject({ status: 'failed', colors: [], live: false });
    expect(s.journal().at(-1)).toMatchObject({ command: 'deploy', ref: 'broken-build', result: 'rolled-back', failedStep: 'build-blue' });
    expect(s.journal().at(-1)?.commit).not.toBe(s.journal().at(-2)?.commit);
  });

  it('rollback then brings back the release that served before the good deploy', async () => {
    const r = await s.bg(['rollback']);
    expect(r.code, r.stderr).toBe(0);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v1 hello' });
    expect((await releases()).find((x) => x.live)?.id).toBe(firstRelease);
  });

  it('rollback --to a kept release works through the same gate; a failed or unknown one is refused (exit 2)', async () => {
    const v2 = releaseOf('green');
    const v3 = await s.bg(['deploy', 'v3']);
    expect(v3.code, v3.stderr).toBe(0);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v3 hello' });
    // green runs v3 now; blue holds the first release; v2 is kept but held by no color
    expect(releaseOf('blue')).toBe(firstRelease);
    const r = await s.bg(['rollback', '--to', v2]);
    expect(r.code, r.stderr).toBe(0);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
    expect(releaseOf('blue')).toBe(v2);

    const failed = (await releases()).find((x) => x.status === 'failed')!;
    const refused = await s.bg(['rollback', '--to', failed.id]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('never passed its build');
    expect((await s.bg(['rollback', '--to', 'no-such'])).code).toBe(2);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
  });

  it('cleanup keeps keep_releases built releases and every release a color holds', async () => {
    const all = await releases();
    const r = await s.bg(['cleanup']);
    expect(r.code, r.stderr).toBe(0);
    const left = await releases();
    // three built releases and a failed one; keep_releases 5: only the failed one goes
    expect(all.length).toBe(4);
    expect(left.map((x) => x.id).sort()).toEqual(
      all
        .filter((x) => x.status !== 'failed')
        .map((x) => x.id)
        .sort(),
    );
    for (const c of ['blue', 'green']) expect(existsSync(`${srv()}/releases/${releaseOf(c)}`)).toBe(true);
  });
});
