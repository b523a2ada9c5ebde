import { describe, expect, it } from 'vitest';
import { PROBE_MARK } from '../../src/django/schema-probe.js';
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

// contenttypes 0002 on a database that already has contenttypes, as the probe reads it: it drops a
// column, which a legacy unit's code (not readable) counts as using
const PLAN = `${PROBE_MARK}${JSON.stringify({
  plan: [
    {
      name: 'contenttypes.0002_remove_content_type_name',
      operations: [
        { op: 'RunPython', kind: 'unchecked', text: 'Raw Python operation' },
        {
          op: 'RemoveField',
          kind: 'remove-field',
          text: 'Remove field name from contenttype',
          table: 'django_content_type',
          column: 'name',
          field: 'name',
        },
      ],
    },
  ],
  applied: ['contenttypes.0001_initial'],
  known: ['contenttypes.0001_initial', 'contenttypes.0002_remove_content_type_name'],
})}\n`;

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
    const { plan } = await checkMigrationPlan(withPlan(), cfg, 'r1', { serving: 'nothing' });
    expect(plan.plan.map((m) => m.name)).toEqual(['contenttypes.0002_remove_content_type_name']);
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
    expect((await checkMigrationPlan(withPlan(), cfg, 'r1', { serving: 'live', allowDestructive: true })).plan.plan).toHaveLength(1);
  });

  it("the live color's release is read for what its models map: a column it no longer maps may go", async () => {
    const h = new FakeHost({ upstreamFile: cfg.caddy.upstreamFile });
    const models = (cols: string[]) =>
      `${PROBE_MARK}${JSON.stringify({ tables: { django_content_type: cols.map((column) => ({ column, null: false, type: null, max_length: null })) } })}\n`;
    let serving = models(['id', 'app_label']);
    const units: string[] = [];
    h.runTransient = async (t) => {
      units.push(t.unit.replace(/-\d+\.service$/, ''));
      return { exitCode: 0, output: t.command.includes('bg_main("models")') ? serving : PLAN };
    };
    const { verdict } = await checkMigrationPlan(h, cfg, 'r2', { serving: 'live', allowDestructive: false, release: 'r1' });
    expect(verdict).toEqual({ breaks: [], unchecked: ['contenttypes.0002_remove_content_type_name'] });
    // the new release's plan, then the serving release's models
    expect(units).toEqual(['shop-manage-r2', 'shop-manage-r1']);
    serving = models(['id', 'name']);
    const e = await refusal(checkMigrationPlan(h, cfg, 'r2', { serving: 'live', allowDestructive: false, release: 'r1' }));
    expect(e?.exitCode).toBe(2);
    expect(e?.message).toContain(
      'contenttypes.0002_remove_content_type_name: Remove field name from contenttype (django_content_type.name)',
    );
    expect(e?.next).toMatch(/code step first/);
  });

  it("a release's models are kept with its plan (one Python start): when it serves, the guard reads them without starting Python in it", async () => {
    const h = new FakeHost({ upstreamFile: cfg.caddy.upstreamFile });
    const tables = (cols: string[]) => ({
      django_content_type: cols.map((column) => ({ column, null: false, type: null, max_length: null })),
    });
    const planOf = (cols: string[], vendor: string) =>
      `${PROBE_MARK}${JSON.stringify({ ...JSON.parse(PLAN.slice(PROBE_MARK.length)), tables: tables(cols), vendor })}\n`;
    let output = planOf(['id', 'app_label'], 'sqlite');
    const units: string[] = [];
    h.runTransient = async (t) => {
      units.push(t.unit.replace(/-\d+\.service$/, ''));
      return {
        exitCode: 0,
        output: t.command.includes('bg_main("models")') ? `${PROBE_MARK}${JSON.stringify({ tables: tables(['id', 'name']) })}\n` : output,
      };
    };
    await checkMigrationPlan(h, cfg, 'r1', { serving: 'nothing' });
    expect(JSON.parse((await h.files.read('/srv/shop/releases/r1.models.json'))!)).toEqual({
      vendor: 'sqlite',
      tables: tables(['id', 'app_label']),
      unique: {}, // what the models declare unique (none in this plan's output)
    });
    units.length = 0;
    const { verdict } = await checkMigrationPlan(h, cfg, 'r2', { serving: 'live', allowDestructive: false, release: 'r1' });
    expect(verdict.breaks).toEqual([]);
    expect(units).toEqual(['shop-manage-r2']);
    // on another database vendor the kept types may not hold: the serving release is read again (and maps name)
    output = planOf(['id', 'app_label'], 'postgresql');
    units.length = 0;
    const e = await refusal(checkMigrationPlan(h, cfg, 'r3', { serving: 'live', allowDestructive: false, release: 'r1' }));
    expect(units).toEqual(['shop-manage-r3', 'shop-manage-r1']);
    expect(e?.exitCode).toBe(2);
  });

  it('a plan it cannot read fails the step with what manage.py printed', async () => {
    const h = new FakeHost({ upstreamFile: cfg.caddy.upstreamFile });
    h.runTransient = async () => ({ exitCode: 1, output: "KeyError: 'DJANGO_SECRET_KEY'\n" });
    const e = await refusal(checkMigrationPlan(h, cfg, 'r1', { serving: 'nothing' }));
    expect(e?.message).toMatch(/Reading its pending migrations .* failed in releases\/r1 \(exit 1\)/);
    expect(e?.detail).toContain('DJANGO_SECRET_KEY');
  });

  it("a read systemd could not start (exit 200) says why in words: the app's user cannot enter the release", async () => {
    const h = new FakeHost({ upstreamFile: cfg.caddy.upstreamFile });
    h.runTransient = async () => ({ exitCode: 200, output: '' });
    const e = await refusal(checkMigrationPlan(h, cfg, 'r1', { serving: 'nothing' }, 'shop'));
    expect(e?.message).toContain("(exit 200/CHDIR: the app's user (shop) cannot enter /srv/shop/releases/r1");
    expect(e?.next).toContain('namei -l /srv/shop/releases/r1');
  });
});
