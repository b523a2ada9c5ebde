import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import type { HostState } from '../../src/host/host-state.js';
import { planDeploy } from '../../src/plan/deploy-plan.js';
import type { Plan, Step } from '../../src/plan/step.js';
import { MINIMAL_YAML } from '../support/sample-config.js';

// The window a schema change opens (deploy --allow-destructive / --maintenance) and every way back
// (rollback, deploy of an older ref) with --migrate-back: which steps, in which order, with which undo.
const celery = 'celery:\n  app: shop\n  beat: true\n';
const django = 'django:\n  manage: manage.py\nrelease: ["python manage.py migrate --noinput"]\n';
const cfgOf = (extra = '') =>
  parseConfig(MINIMAL_YAML + extra, { configPath: '/srv/shop/bg.yml', scope: 'system', env: {}, homedir: '/root' });
const commit = 'a'.repeat(40);
// blue serves r2; green holds r1, which served before
const host = (over: Partial<HostState> = {}): HostState => ({
  upstreamFile: 'ok',
  units: {},
  colors: { blue: { release: 'r2', linked: true, commit }, green: { release: 'r1', linked: true, commit } },
  changedFiles: [],
  listening: [],
  caddyUpstreams: [],
  active: 'blue',
  ...over,
});
const names = (p: Plan) => p.steps.map((s) => s.name);
const step = (p: Plan, name: string): Step => p.steps.find((s) => s.name === name)!;
const between = (p: Plan, a: string, b: string) => names(p).slice(names(p).indexOf(a), names(p).indexOf(b) + 1);

describe('the window: deploy --allow-destructive and --maintenance', () => {
  it('--allow-destructive: the old beat and worker stop before `release` (their undo starts them), not after the health gate', () => {
    const p = planDeploy(cfgOf(celery + django), host(), { ref: 'v3', allowDestructive: true });
    expect(between(p, 'migration-plan-green', 'point-green')).toEqual([
      'migration-plan-green',
      'backup-db-green',
      'check-broker',
      'stop-beat-blue',
      'stop-worker-blue',
      'release-green',
      'point-green',
    ]);
    expect(step(p, 'stop-worker-blue').undo).toEqual({ kind: 'start', unit: 'shop-worker-blue.service' });
    expect(step(p, 'stop-beat-blue').undo).toEqual({ kind: 'start', unit: 'shop-beat-blue.service' });
    expect(names(p).filter((n) => n === 'stop-worker-blue' || n === 'check-broker')).toHaveLength(2); // once each
    expect(names(p)).not.toContain('maintenance-on');
    expect(names(p).indexOf('start-worker-green')).toBeGreaterThan(names(p).indexOf('switch-to-green'));
  });

  it('--maintenance: on right before `release` (after the build and the checks), off right after the switch', () => {
    const p = planDeploy(cfgOf(`${django}build: ["make"]\n`), host(), { ref: 'v3', allowDestructive: true, maintenance: true });
    const n = names(p);
    expect(n.slice(n.indexOf('maintenance-on'), n.indexOf('release-green'))).toEqual(['maintenance-on', 'drain-blue-before-schema']);
    expect(n.indexOf('maintenance-on')).toBeGreaterThan(n.indexOf('build-green'));
    expect(n.indexOf('maintenance-on')).toBeGreaterThan(n.indexOf('migration-plan-green'));
    expect(n.indexOf('maintenance-off')).toBe(n.indexOf('switch-to-green') + 1);
    expect(step(p, 'maintenance-on')).toMatchObject({
      action: { kind: 'maintenance', on: true },
      undo: { kind: 'maintenance', on: false },
    });
    expect(step(p, 'maintenance-off')).toMatchObject({
      action: { kind: 'maintenance', on: false },
      undo: { kind: 'maintenance', on: true },
    });
    expect(p.notes.join('\n')).toContain('503');
  });

  it('maintenance the operator turned on stays theirs: neither turned on nor off by the deploy', () => {
    const p = planDeploy(cfgOf(django), host({ maintenance: true }), { ref: 'v3', maintenance: true });
    expect(names(p)).not.toContain('maintenance-on');
    expect(names(p)).not.toContain('maintenance-off');
    expect(p.notes.join('\n')).toContain('already on');
  });

  it('a plain deploy keeps the old order: Celery stops after the health gate, no maintenance', () => {
    const p = planDeploy(cfgOf(celery + django), host(), { ref: 'v3' });
    expect(between(p, 'health-gate-green', 'stop-worker-blue')).toEqual(['health-gate-green', 'stop-beat-blue', 'stop-worker-blue']);
    expect(names(p).some((x) => x.startsWith('maintenance'))).toBe(false);
  });
});

describe('every way back is checked', () => {
  it('a deploy (of any ref) with django: the back check reads the database before the migration plan, with the serving release', () => {
    const p = planDeploy(cfgOf(django), host(), { ref: 'v1' });
    expect(between(p, 'checkout-green', 'migration-plan-green')).toEqual(['checkout-green', 'back-check-green', 'migration-plan-green']);
    expect(step(p, 'back-check-green').action).toMatchObject({
      kind: 'back-check',
      serving: 'r2',
      command: 'deploy',
      migrateBack: false,
      user: 'shop',
    });
  });

  it('rollback --migrate-back: checked and rehearsed first, then maintenance on, the old Celery stopped, migrated back, the older code started, gated, switched, maintenance off', () => {
    const p = planDeploy(cfgOf(celery + django), host(), { rollback: true, migrateBack: true });
    expect(names(p)).toEqual([
      'back-check-green',
      'install-green-units',
      'backup-db-green', // before the 503 starts
      'check-broker',
      'maintenance-on',
      'drain-blue-before-schema',
      'stop-beat-blue',
      'stop-worker-blue',
      'migrate-back-green',
      'start-web-green',
      'health-gate-green',
      'disable-celery-blue',
      'enable-web-green',
      'switch-to-green',
      'maintenance-off',
      'start-worker-green',
      'start-beat-green',
      'enable-celery-green',
      'drain-blue',
      'stop-web-blue',
      'disable-web-blue',
      'prune-backups',
    ]);
    expect(step(p, 'back-check-green').action).toEqual({
      kind: 'back-check',
      serving: 'r2',
      older: 'r1',
      command: 'rollback',
      migrateBack: true,
      user: 'shop',
    });
    // from the reversal on, the way out is forward: its undo applies the serving release's migrations again
    expect(step(p, 'migrate-back-green')).toEqual({
      name: 'migrate-back-green',
      action: { kind: 'migrate-back', serving: 'r2', older: 'r1', command: 'rollback', user: 'shop' },
      undo: { kind: 'migrate-forward', release: 'r2', user: 'shop' },
      onlyIf: 'reversal',
    });
    // the window runs only if the check finds something to reverse; the old Celery stops either way
    expect(p.steps.filter((s) => s.onlyIf).map((s) => s.name)).toEqual([
      'backup-db-green',
      'maintenance-on',
      'drain-blue-before-schema',
      'migrate-back-green',
      'maintenance-off',
    ]);
    expect(p.notes.join('\n')).toMatch(/if the check finds migrations to migrate back \(otherwise no 503 at all\)/);
    expect(p.notes.join('\n')).toMatch(/way out is forward/);
    expect(p.notes.join('\n')).toMatch(/dropped columns does not come back/);
  });

  it('--migrate-back with --maintenance: the operator asked for the window, so it opens whatever the check finds', () => {
    const p = planDeploy(cfgOf(celery + django), host(), { rollback: true, migrateBack: true, maintenance: true });
    expect(p.steps.filter((s) => s.onlyIf)).toEqual([]);
    expect(names(p)).toContain('maintenance-on');
  });

  it('deploy <older ref> --migrate-back: the same window, opened right before `release`', () => {
    const p = planDeploy(cfgOf(celery + django), host(), { ref: 'v1', migrateBack: true });
    expect(between(p, 'back-check-green', 'point-green')).toEqual([
      'back-check-green',
      'migration-plan-green',
      'backup-db-green', // the release's copy, before the 503 starts: one copy per deploy
      'check-broker',
      'maintenance-on',
      'drain-blue-before-schema',
      'stop-beat-blue',
      'stop-worker-blue',
      'migrate-back-green',
      'release-green',
      'point-green',
    ]);
    expect(step(p, 'back-check-green').action).toMatchObject({ command: 'deploy', migrateBack: true });
    expect(names(p).indexOf('maintenance-off')).toBe(names(p).indexOf('switch-to-green') + 1);
  });

  it('a failure at the last step undoes in reverse: the schema forward again before the old Celery starts, maintenance off last', () => {
    const p = planDeploy(cfgOf(celery + django), host(), { rollback: true, migrateBack: true });
    const undos = p.steps
      .filter((s) => s.undo)
      .reverse()
      .map((s) => s.undo!);
    const kinds = undos.map((u) => ('unit' in u ? `${u.kind} ${u.unit}` : 'on' in u ? `maintenance ${u.on ? 'on' : 'off'}` : u.kind));
    const at = (k: string) => kinds.indexOf(k);
    expect(at('migrate-forward')).toBeGreaterThan(at('stop shop-web-green.service'));
    expect(at('start shop-worker-blue.service')).toBeGreaterThan(at('migrate-forward'));
    // the last undo that touches what serves (the unit files' undo comes after: they do not serve)
    expect(kinds.filter((k) => k !== 'restore-files').at(-1)).toBe('maintenance off');
    expect(at('maintenance on')).toBeLessThan(at('switch-back'));
  });

  const alembic = 'alembic:\n  command: flask db\nrelease: ["flask db upgrade"]\n';

  it('alembic, deploy <older ref> --migrate-back: checked and rehearsed after the build, then the window, downgraded with the serving release before `release`', () => {
    const p = planDeploy(cfgOf(`${celery}${alembic}build: ["make"]\n`), host(), { ref: 'v1', migrateBack: true });
    expect(names(p)).toEqual([
      'checkout-green',
      'build-green',
      'alembic-rollback-green', // the check and the rehearsal: newer = the serving release, older = the one just built
      'alembic-plan-green', // does not refuse the database's revision: the downgrade below takes it back first
      'backup-db-green', // the release's copy, before the 503 starts
      'check-broker',
      'maintenance-on',
      'drain-blue-before-schema',
      'stop-beat-blue',
      'stop-worker-blue',
      'alembic-migrate-back-green',
      'release-green',
      'point-green',
      'install-green-units',
      'start-web-green',
      'health-gate-green',
      'disable-celery-blue',
      'enable-web-green',
      'switch-to-green',
      'maintenance-off',
      'start-worker-green',
      'start-beat-green',
      'enable-celery-green',
      'drain-blue',
      'stop-web-blue',
      'disable-web-blue',
      'prune-backups',
    ]);
    const id = p.release;
    expect(step(p, 'alembic-rollback-green').action).toEqual({
      kind: 'alembic-rollback',
      newer: 'r2',
      older: id,
      migrateBack: true,
      user: 'shop',
    });
    expect(step(p, 'alembic-plan-green').action).toMatchObject({ kind: 'alembic-plan', release: id, ref: 'v1', migrateBack: true });
    // from the downgrade on, the way out is forward: its undo upgrades with the serving release's files
    expect(step(p, 'alembic-migrate-back-green')).toEqual({
      name: 'alembic-migrate-back-green',
      action: { kind: 'alembic-migrate-back', newer: 'r2', older: id, user: 'shop' },
      undo: { kind: 'alembic-upgrade', release: 'r2', user: 'shop' },
      onlyIf: 'reversal',
    });
    expect(p.notes.join('\n')).toMatch(/way out is forward/);
    expect(p.notes.join('\n')).toMatch(/dropped columns does not come back/);
  });

  it('alembic, a plain deploy (of any ref, the serving one too) is not checked as a way back: no check, no window, its plan step refuses an unknown revision', () => {
    const p = planDeploy(cfgOf(celery + alembic), host(), { ref: 'v1' });
    expect(names(p).slice(0, 3)).toEqual(['checkout-green', 'alembic-plan-green', 'backup-db-green']);
    expect(step(p, 'alembic-plan-green').action).not.toHaveProperty('migrateBack');
    expect(
      names(p).some((n) => n.startsWith('alembic-rollback') || n.startsWith('alembic-migrate-back') || n.startsWith('maintenance')),
    ).toBe(false);
    expect(between(p, 'health-gate-green', 'stop-worker-blue')).toEqual(['health-gate-green', 'stop-beat-blue', 'stop-worker-blue']);
  });

  it('alembic, rollback --migrate-back: unchanged, the check first and the downgrade in the window', () => {
    const p = planDeploy(cfgOf(alembic), host(), { rollback: true, migrateBack: true });
    expect(names(p).slice(0, 6)).toEqual([
      'alembic-rollback-green',
      'install-green-units',
      'backup-db-green',
      'maintenance-on',
      'drain-blue-before-schema',
      'alembic-migrate-back-green',
    ]);
  });

  it('the copy before release may be skipped (nothing pending) only when every release command just migrates', () => {
    const only = planDeploy(cfgOf(django), host(), { ref: 'v3' });
    expect(step(only, 'backup-db-green').action).toMatchObject({ onlyMigrates: true });
    const seeded = cfgOf(
      'django:\n  manage: manage.py\nrelease: ["python manage.py migrate --noinput", "python manage.py loaddata seed"]\n',
    );
    expect(step(planDeploy(seeded, host(), { ref: 'v3' }), 'backup-db-green').action).not.toHaveProperty('onlyMigrates');
    const chained = cfgOf('django:\n  manage: manage.py\nrelease: ["python manage.py migrate && ./seed.sh"]\n');
    expect(step(planDeploy(chained, host(), { ref: 'v3' }), 'backup-db-green').action).not.toHaveProperty('onlyMigrates');
  });

  it("the switch knows when the run's own maintenance-off follows it (it says so instead of pointing at `maintenance off`)", () => {
    const back = planDeploy(cfgOf(alembic), host(), { rollback: true, migrateBack: true });
    expect(step(back, 'switch-to-green').action).toMatchObject({ windowCloses: true });
    const operators = planDeploy(cfgOf(alembic), host({ maintenance: true }), { rollback: true, migrateBack: true });
    expect(step(operators, 'switch-to-green').action).not.toHaveProperty('windowCloses');
    expect(step(planDeploy(cfgOf(), host(), { ref: 'v3' }), 'switch-to-green').action).not.toHaveProperty('windowCloses');
  });

  it('rollback --allow-destructive: the check keeps what the older release cannot run on, as told; no window, no reversal', () => {
    for (const [extra, name] of [
      [alembic, 'alembic-rollback-green'],
      [django, 'back-check-green'],
    ] as const) {
      const p = planDeploy(cfgOf(extra), host(), { rollback: true, allowDestructive: true });
      expect(step(p, name).action).toMatchObject({ migrateBack: false, allowDestructive: true });
      expect(names(p).some((n) => n.startsWith('maintenance') || n.includes('migrate-back'))).toBe(false);
      // both ways at once is a usage error
      expect(() => planDeploy(cfgOf(extra), host(), { rollback: true, allowDestructive: true, migrateBack: true })).toThrow(
        /rollback takes --migrate-back or --allow-destructive, not both/,
      );
    }
    // a rollback changes no schema: the old Celery stops after the gate, as in a plain rollback
    const withCelery = planDeploy(cfgOf(celery + django), host(), { rollback: true, allowDestructive: true });
    expect(between(withCelery, 'health-gate-green', 'stop-worker-blue')).toEqual([
      'health-gate-green',
      'stop-beat-blue',
      'stop-worker-blue',
    ]);
    // a deploy's --allow-destructive is about the new release's migrations: an older ref's way back is still checked
    expect(step(planDeploy(cfgOf(django), host(), { ref: 'v1', allowDestructive: true }), 'back-check-green').action).not.toHaveProperty(
      'allowDestructive',
    );
  });

  it('--migrate-back without django or without a serving release is a usage error, nothing changed', () => {
    expect(() => planDeploy(cfgOf(), host(), { rollback: true, migrateBack: true })).toThrow(/--migrate-back has nothing to reverse/);
    const none = host({ colors: { blue: { linked: true }, green: { release: 'r1', linked: true, commit } } });
    expect(() => planDeploy(cfgOf(alembic), none, { ref: 'v1', migrateBack: true })).toThrow(/blue holds no release bg knows/);
  });
});
