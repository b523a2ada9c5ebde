import { describe, expect, it } from 'vitest';
import { BgError } from '../../src/errors.js';
import { checkMigrationPlan, manage } from '../../src/steps/django.js';
import { FakeHost } from '../support/fake-host.js';
import { sampleConfig } from '../support/sample-config.js';

// manage.py runs as a transient unit, like the build: systemd reads the env file (bg never passes its
// contents), the app's user runs it, and nothing it starts outlives the unit.
describe('manage', () => {
  it("runs manage.py in the release as a transient unit of the app's user, the env file read by systemd", async () => {
    const cfg = sampleConfig({ django: { manage: 'manage.py' } });
    const h = new FakeHost({ upstreamFile: cfg.caddy.upstreamFile });
    await manage(h, cfg, 'r1', 'migrate --plan', 'shop');
    expect(
      h.transients.map((t) => ({
        unit: t.unit.replace(/-\d+\.service$/, ''),
        command: t.command,
        cwd: t.cwd,
        user: t.user,
        envFile: t.envFile,
        env: t.env,
      })),
    ).toEqual([
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

// contenttypes 0002 on a database that already has contenttypes: destructive by the guard's rules
const PLAN =
  'Planned operations:\ncontenttypes.0002_remove_content_type_name\n    Raw Python operation\n    Remove field name from contenttype\n';

describe('checkMigrationPlan: what serves while the release migrates decides what is refused', () => {
  const cfg = sampleConfig({ django: { manage: 'manage.py' } });
  const withPlan = () => {
    const h = new FakeHost({ upstreamFile: cfg.caddy.upstreamFile });
    h.runTransient = async () => ({ exitCode: 0, output: PLAN });
    return h;
  };
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: BgError) => e,
    );

  it('nothing serves (a first setup): the plan comes back, nothing refused', async () => {
    const plan = await checkMigrationPlan(withPlan(), cfg, 'r1', { serving: 'nothing' });
    expect(plan.map((m) => m.name)).toEqual(['contenttypes.0002_remove_content_type_name']);
  });

  it('a legacy unit serves (setup beside it): refused naming that unit, with no advice setup cannot take', async () => {
    const e = await refusal(checkMigrationPlan(withPlan(), cfg, 'r1', { serving: 'legacy', unit: 'shop.service' }));
    expect(e).toBeInstanceOf(BgError);
    expect(e?.exitCode).toBe(2);
    expect(e?.message).toContain('would break shop.service');
    expect(`${e?.message} ${e?.state} ${e?.next}`).not.toMatch(/old version|--allow-destructive|maintenance on/);
    expect(e?.next).toContain('stop shop.service first');
  });

  it('the live color serves (a deploy): refused with the two-step way and --allow-destructive, unless allowed', async () => {
    const e = await refusal(checkMigrationPlan(withPlan(), cfg, 'r1', { serving: 'live', allowDestructive: false }));
    expect(e?.message).toContain('the version still serving');
    expect(e?.next).toContain('--allow-destructive');
    expect(await checkMigrationPlan(withPlan(), cfg, 'r1', { serving: 'live', allowDestructive: true })).toHaveLength(1);
  });
});
