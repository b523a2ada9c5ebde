// setup's ensure-dirs in system scope: the env file's directory (e.g. /etc/bg) is root's and 0755
// when setup makes it, and a new env file is 0640 root:<user>; what is there already is left alone.
import { describe, expect, it } from 'vitest';
import { perform } from '../../src/steps/actions.js';
import { FakeHost } from '../support/fake-host.js';
import { sampleConfig } from '../support/sample-config.js';

const cfg = sampleConfig({ envFile: '/etc/bg/shop.env' });
const action = {
  kind: 'ensure-dirs' as const,
  dirs: ['/srv/shop/releases', '/srv/shop/shared'],
  envFile: cfg.envFile,
  shared: '/srv/shop/shared',
  owner: 'shop',
};
const run = (host: FakeHost) => perform(action, { cfg, host, note: () => {}, keep: () => {} });
const owners = (host: FakeHost) => host.calls.filter((c) => c.startsWith('chown'));

describe('ensure-dirs in system scope', () => {
  it("makes the env file's directory root's 0755 and the new env file 0640 root:<user>", async () => {
    const host = new FakeHost({ upstreamFile: cfg.caddy.upstreamFile });
    await run(host);
    expect(owners(host)).toEqual(['chown 0:0 755 /etc/bg', 'chown 990:990 750 /srv/shop/shared', 'chown 0:990 640 /etc/bg/shop.env']);
  });

  it('leaves a directory and an env file that are there already as they are', async () => {
    const host = new FakeHost({ upstreamFile: cfg.caddy.upstreamFile, files: { '/etc/bg/shop.env': 'SECRET=1\n' } });
    host.dirs.add('/etc/bg');
    await run(host);
    expect(owners(host)).toEqual(['chown 990:990 750 /srv/shop/shared']);
  });

  it('repairs the root and releases dir an earlier run left 0700 (a strict umask), and says so', async () => {
    const host = new FakeHost({ upstreamFile: cfg.caddy.upstreamFile });
    host.owners.set('/srv/shop', { kind: 'dir', uid: 0, gid: 0, mode: 0o700 });
    host.owners.set('/srv/shop/releases', { kind: 'dir', uid: 0, gid: 0, mode: 0o750 });
    const notes: string[] = [];
    await perform(action, { cfg, host, note: (m) => notes.push(m), keep: () => {} });
    expect(owners(host)).toEqual(expect.arrayContaining(['chown 0:0 755 /srv/shop', 'chown 0:0 755 /srv/shop/releases']));
    expect(notes).toEqual([
      "/srv/shop: mode 0700 → 0755 (the app's user must enter it)",
      "/srv/shop/releases: mode 0750 → 0755 (the app's user must enter it)",
    ]);
  });
});
