import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/cli/commands/status.js';
import { formatStatus } from '../../src/cli/status-format.js';
import { migrateWarning } from '../../src/host/diagnose.js';
import type { JournalEntry } from '../../src/state/journal.js';
import { BLUE_SERVES, hostState, NOT_SET_UP, observedUnit, units } from '../support/host-state.js';
import { sampleConfig } from '../support/sample-config.js';

// `bg status` without a host: the report (--json) from one observation, and the text it prints.
const MiB = 2 ** 20;
const cfg = sampleConfig();
const lastDeploy: JournalEntry = {
  time: '2026-12-01T10:00:00.000Z',
  user: 'root',
  command: 'deploy',
  ref: 'main',
  from: 'blue',
  to: 'green',
  result: 'ok',
  ms: 5123,
  steps: [],
};

describe('buildReport', () => {
  it('a healthy host: what serves, every unit of both colors, no problem', () => {
    const r = buildReport(cfg, hostState(), null);
    expect(r).toMatchObject({
      app: 'shop',
      scope: 'system',
      active: 'blue',
      maintenance: false,
      upstream: { file: '/etc/caddy/upstream.txt', port: 8000, caddy: ['127.0.0.1:8000'], mismatch: false },
      problems: [],
      warnings: [],
      lastDeploy: null,
      lastLog: null,
      releases: { blue: { id: null, commit: null, subject: null }, green: { id: null, commit: null, subject: null } },
      memory: { colors: { blue: null, green: null }, headroom: null, need: null, fits: null },
    });
    expect(r.problem).toBeUndefined();
    expect(r.units.map((u) => u.name)).toEqual([
      'shop-web-blue.service',
      'shop-worker-blue.service',
      'shop-beat-blue.service',
      'shop-web-green.service',
      'shop-worker-green.service',
      'shop-beat-green.service',
    ]);
    expect(r.units[0]).toEqual({
      name: 'shop-web-blue.service',
      load: 'loaded',
      active: 'active',
      sub: '',
      pid: null,
      since: null,
      memory: null,
    });
  });

  it('a unit observe did not see is unknown; pid and since when it runs', () => {
    const since = new Date('2026-12-01T09:00:00Z');
    const r = buildReport(
      cfg,
      hostState({
        units: { 'shop-web-blue.service': observedUnit('shop-web-blue.service', 'active', { subState: 'running', mainPid: 42, since }) },
      }),
      null,
    );
    expect(r.units[0]).toMatchObject({ active: 'active', sub: 'running', pid: 42, since: since.toISOString() });
    expect(r.units[1]).toMatchObject({ name: 'shop-worker-blue.service', load: 'unknown', active: 'unknown', sub: 'unknown', pid: null });
  });

  it('the legacy unit is listed after both colors', () => {
    expect(buildReport(sampleConfig({ legacyUnit: 'shop-old.service' }), hostState(), null).units.at(-1)?.name).toBe('shop-old.service');
  });

  it('file and Caddy disagree: mismatch, and the first error is the one-line problem', () => {
    const r = buildReport(cfg, hostState({ caddyUpstreams: ['127.0.0.1:8100'] }), null);
    expect(r.upstream.mismatch).toBe(true);
    expect(r.problems[0]).toEqual({
      code: 'upstream-mismatch',
      severity: 'error',
      message: expect.stringContaining('Caddy routes to 127.0.0.1:8100'),
      next: expect.any(String),
    });
    expect(r.problem).toBe(r.problems[0].message);
  });

  it('Caddy not answering: caddy is null and that is no mismatch', () => {
    const r = buildReport(cfg, hostState({ caddyUpstreams: undefined }), null);
    expect(r.upstream).toMatchObject({ caddy: null, mismatch: false });
    expect(r.problems.map((p) => p.code)).toEqual(['caddy-unreachable']);
  });

  it('warnings are problems too, but never the one-line problem', () => {
    const r = buildReport(cfg, hostState({ tcpMigrateReq: false }), null);
    expect(r.warnings).toEqual([migrateWarning]);
    expect(r.problems).toEqual([{ code: 'tcp-migrate-req-off', severity: 'warning', message: migrateWarning, next: expect.any(String) }]);
    expect(r.problem).toBeUndefined();
  });

  it("each color's memory is its units together; a second web color's need against the headroom", () => {
    const memory = {
      units: { 'shop-web-blue.service': 300 * MiB, 'shop-worker-blue.service': 100 * MiB },
      headroom: { bytes: 200 * MiB, by: 'MemAvailable' },
    };
    const r = buildReport(cfg, hostState({ memory }), null);
    expect(r.memory).toEqual({
      colors: { blue: 400 * MiB, green: null },
      headroom: memory.headroom,
      need: { bytes: 300 * MiB, from: "what blue's web uses now" },
      fits: false,
    });
    expect(r.units[0].memory).toBe(300 * MiB);
    expect(r.warnings).toEqual([expect.stringContaining('Not enough memory')]);
  });

  it("each color's release, the last run and the active web's last log line pass through", () => {
    const colors = { blue: { linked: true, release: 'r1', commit: 'a'.repeat(40), subject: 'first' }, green: { linked: true } };
    const r = buildReport(cfg, hostState({ colors, activeLog: { unit: 'shop-web-blue.service', lines: 'booted' } }), lastDeploy);
    expect(r.releases).toEqual({
      blue: { id: 'r1', commit: 'a'.repeat(40), subject: 'first' },
      green: { id: null, commit: null, subject: null },
    });
    expect(r.lastDeploy).toBe(lastDeploy);
    expect(r.lastLog).toEqual({ unit: 'shop-web-blue.service', lines: 'booted' });
  });
});

describe('formatStatus', () => {
  const text = (...a: Parameters<typeof buildReport>) => formatStatus(buildReport(...a));

  it('a healthy host, line by line', () => {
    const lines = text(cfg, hostState(), null).split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'shop (system scope)',
      '  active:   blue',
      '  upstream: 127.0.0.1:8000 in /etc/caddy/upstream.txt; Caddy routes to 127.0.0.1:8000',
      '  units:',
    ]);
    expect(lines[4]).toBe('    shop-web-blue.service      active/');
    expect(lines).toContain('  memory:   blue -, green -');
    expect(lines.slice(-5)).toEqual([
      '  releases:',
      '    blue   (no release)',
      '    green  (no release)',
      '  last:     no deploy recorded',
      '',
    ]);
  });

  it('not set up: no active color, no upstream, the problem and what to do next', () => {
    const out = text(cfg, hostState(NOT_SET_UP), null);
    expect(out).toContain('  active:   none (not set up)\n');
    expect(out).toContain('  upstream: none in /etc/caddy/upstream.txt; Caddy routes to nothing\n');
    expect(out).toContain(
      '  PROBLEM:  shop is not set up: /etc/caddy/upstream.txt is missing.\n            next: Run `bluegreen setup` first.\n',
    );
  });

  it('a warning is a note, without a next line; maintenance shows on the active line', () => {
    const out = text(cfg, hostState({ maintenance: true, caddyUpstreams: undefined }), null);
    expect(out).toContain('  active:   blue (maintenance on: Caddy answers 503)\n');
    expect(out).toContain('Caddy routes to admin API not answering\n');
    expect(out).toContain("  PROBLEM:  Caddy's admin API at localhost:2019 is not answering.\n            next: Start Caddy");
    // the note is the last of the problems: no next line follows it
    expect(out).toContain('  note:     maintenance is on: Caddy answers 503 for shop; the app keeps running.\n  units:\n');
  });

  it('a unit that is not installed, a running one with its pid, memory and start', () => {
    const h = hostState({
      units: {
        ...units(BLUE_SERVES),
        'shop-web-blue.service': observedUnit('shop-web-blue.service', 'active', {
          subState: 'running',
          mainPid: 42,
          since: new Date('2026-12-01T09:00:00Z'),
        }),
        'shop-beat-green.service': observedUnit('shop-beat-green.service', 'inactive', { loadState: 'not-found' }),
      },
      memory: { units: { 'shop-web-blue.service': 300 * MiB }, headroom: { bytes: 900 * MiB, by: 'MemAvailable' } },
    });
    const out = text(cfg, h, null);
    expect(out).toMatch(/ {4}shop-web-blue\.service +active\/running +pid 42 +300 MiB +since 2026-12-01T09:00:00\.000Z\n/);
    expect(out).toMatch(/ {4}shop-beat-green\.service +not installed\n/);
    expect(out).toContain('  memory:   blue 300 MiB, green -; 900 MiB free (MemAvailable); a second web color needs about 300 MiB: fits\n');
  });

  it('the last run: when, what, the colors, its result and where it stopped', () => {
    expect(text(cfg, hostState(), lastDeploy)).toContain(
      '  last:     2026-12-01T10:00:00.000Z deploy main blue→green ok (5123 ms, by root)\n',
    );
    const cut = { ...lastDeploy, result: 'interrupted' as const, failedStep: 'switch-to-green' };
    expect(text(cfg, hostState(), cut)).toContain('deploy main blue→green interrupted at switch-to-green (5123 ms, by root)\n');
  });

  it("each color's release, and the last line of the active web's log", () => {
    const colors = {
      blue: { linked: true, release: '20261201-100000', commit: 'a'.repeat(40), subject: 'first' },
      green: { linked: true },
    };
    const out = text(cfg, hostState({ colors, activeLog: { unit: 'shop-web-blue.service', lines: 'older\nBooting worker' } }), null);
    expect(out).toContain(`    blue   20261201-100000    ${'a'.repeat(12)}  first\n`);
    expect(out.endsWith('  log:      shop-web-blue.service: Booting worker\n')).toBe(true);
  });
});
