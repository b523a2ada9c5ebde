import { describe, expect, it } from 'vitest';
import { BgError } from '../../src/errors.js';
import { runBuild } from '../../src/steps/build.js';
import { FakeHost } from '../support/fake-host.js';
import { sampleConfig } from '../support/sample-config.js';

// A build command's transient unit that systemd could not start (the command never ran) says why in
// words; the command's own exit code (below 200) is left as the command's.
describe('a failed build step', () => {
  const cfg = sampleConfig({ build: ['python manage.py collectstatic --noinput'] });
  const build = (exitCode: number, output: string) => {
    const host = new FakeHost({ upstreamFile: cfg.caddy.upstreamFile });
    host.runTransient = async () => ({ exitCode, output });
    return runBuild(host, cfg, { color: 'green', release: 'r1', commands: cfg.build, user: 'shop', phase: 'build' }).then(
      () => undefined,
      (e: unknown) => e as BgError,
    );
  };

  it('exit 200 is CHDIR: the app user cannot enter the directory, and how to find the one that shuts it out', async () => {
    const err = await build(200, '');
    expect(err).toBeInstanceOf(BgError);
    expect(err!.message).toBe(
      "Build step failed in releases/r1: python manage.py collectstatic --noinput (exit 200/CHDIR: the app's user (shop) cannot enter /srv/shop/releases/r1).",
    );
    expect(err!.detail).toBe('(no output: systemd stopped before running the command)');
    expect(err!.next).toContain('namei -l /srv/shop/releases/r1');
    expect(err!.next).not.toContain('env file');
  });

  it("the command's own exit code stays a number, with the build's own advice", async () => {
    const err = await build(3, 'ImportError: no module named x');
    expect(err!.message).toContain('(exit 3).');
    expect(err!.next).toContain('Fix the build');
  });
});
