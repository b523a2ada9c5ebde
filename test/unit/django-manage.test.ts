import { describe, expect, it } from 'vitest';
import { manage } from '../../src/steps/django.js';
import { FakeHost } from '../support/fake-host.js';
import { sampleConfig } from '../support/sample-config.js';

// manage.py runs as a transient unit, like the build: systemd reads the env file (bg never passes its
// contents), the app's user runs it, and nothing it starts outlives the unit.
describe('manage', () => {
  it("runs manage.py in the release as a transient unit of the app's user, the env file read by systemd", async () => {
    const cfg = sampleConfig({ django: { manage: 'manage.py' } });
    const h = new FakeHost({ upstreamFile: cfg.caddy.upstreamFile });
    await manage(h, cfg, 'r1', 'migrate --plan', 'shop');
    expect(h.transients.map((t) => ({ unit: t.unit.replace(/-\d+\.service$/, ''), command: t.command, cwd: t.cwd, user: t.user, envFile: t.envFile, env: t.env }))).toEqual([
      {
        unit: 'shop-manage-r1',
        command: "'/usr/bin/python3' 'manage.py' migrate --plan",
        cwd: '/srv/shop/releases/r1',
        user: 'shop',
        envFile: '/etc/bg/shop.env',
        env: { HOME: '/srv/shop/releases/r1' },
      },
    ]);
  });
});
