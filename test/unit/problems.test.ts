import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/types.js';
import { caddyCommand } from '../../src/host/caddy-sites.js';
import { diagnose, findProblem, PROBLEMS } from '../../src/host/diagnose.js';
import type { HostState } from '../../src/host/host-state.js';
import { BLUE_SERVES, hostState, NOT_SET_UP, units } from '../support/host-state.js';
import { sampleConfig } from '../support/sample-config.js';

// Each of diagnose's problems on its own: a host that has it and a near one that does not.
const MiB = 2 ** 20;
const cfg = sampleConfig();
const withUnits = (states: Record<string, string>) => hostState({ units: units({ ...BLUE_SERVES, ...states }) });
const runsCaddyfile = (file: string) => ({
  loadState: 'loaded',
  command: caddyCommand(['/usr/bin/caddy', 'run', '--environ', '--config', file]),
});
const webUses = (free: number) => ({ units: { 'shop-web-blue.service': 300 * MiB }, headroom: { bytes: free, by: 'MemAvailable' } });

interface Case {
  cfg?: Config;
  has: HostState;
  hasNot: HostState; // as close to `has` as the problem allows
}

const CASES: Record<string, Case> = {
  'user-not-the-apps': {
    has: hostState({ appUser: { uid: 0, comment: 'root', home: '/root', shell: '/bin/bash' } }),
    hasNot: hostState({ appUser: { uid: 990, comment: 'bg app shop', home: '/srv/shop', shell: '/usr/sbin/nologin' } }),
  },
  'legacy-unit-not-an-app': {
    cfg: sampleConfig({ legacyUnit: 'shop-old.service' }),
    has: hostState({ units: units({ ...BLUE_SERVES, 'shop-old.service': 'active' }), legacyExecStart: [['/usr/bin/sleep', 'infinity']] }),
    hasNot: hostState({
      units: units({ ...BLUE_SERVES, 'shop-old.service': 'active' }),
      legacyExecStart: [['/usr/bin/gunicorn', 'app:app']],
    }),
  },
  'upstream-file-lost': {
    has: hostState({ active: undefined, upstreamFile: 'missing', upstreamPort: undefined }),
    // Caddy routes to blue, but blue's web does not run: nothing says which color is live
    hasNot: hostState({
      active: undefined,
      upstreamFile: 'missing',
      upstreamPort: undefined,
      units: units({ ...BLUE_SERVES, 'shop-web-blue.service': 'failed' }),
    }),
  },
  'unknown-live-color': {
    has: hostState({ ...NOT_SET_UP, units: units(BLUE_SERVES) }),
    hasNot: hostState(NOT_SET_UP),
  },
  'not-set-up': { has: hostState(NOT_SET_UP), hasNot: hostState() },
  'caddy-unreachable': { has: hostState({ caddyUpstreams: undefined }), hasNot: hostState() },
  'upstream-mismatch': {
    has: hostState({ caddyUpstreams: ['127.0.0.1:8100'] }),
    // maintenance on: Caddy answers 503 itself
    hasNot: hostState({ caddyUpstreams: ['127.0.0.1:8100'], maintenance: true }),
  },
  'active-web-down': { has: withUnits({ 'shop-web-blue.service': 'failed' }), hasNot: hostState() },
  'idle-celery-running': {
    has: withUnits({ 'shop-worker-green.service': 'active' }),
    hasNot: withUnits({ 'shop-beat-green.service': 'active' }),
  },
  'active-celery-down': {
    has: withUnits({ 'shop-beat-blue.service': 'inactive' }),
    // a unit observe did not see (not installed) is not "down"
    hasNot: hostState({ units: units({ 'shop-web-blue.service': 'active' }) }),
  },
  'idle-web-running': { has: withUnits({ 'shop-web-green.service': 'active' }), hasNot: withUnits({ 'shop-web-green.service': 'failed' }) },
  'live-not-enabled': {
    has: hostState({
      units: { ...units(BLUE_SERVES), 'shop-web-blue.service': { ...units(BLUE_SERVES)['shop-web-blue.service'], fileState: 'disabled' } },
    }),
    hasNot: hostState({
      units: { ...units(BLUE_SERVES), 'shop-web-blue.service': { ...units(BLUE_SERVES)['shop-web-blue.service'], fileState: 'enabled' } },
    }),
  },
  'idle-enabled': {
    has: hostState({
      units: {
        ...units(BLUE_SERVES),
        'shop-worker-green.service': { ...units(BLUE_SERVES)['shop-worker-green.service'], fileState: 'enabled' },
      },
    }),
    hasNot: hostState({
      units: {
        ...units(BLUE_SERVES),
        'shop-worker-green.service': { ...units(BLUE_SERVES)['shop-worker-green.service'], fileState: 'disabled' },
      },
    }),
  },
  'port-taken': {
    has: hostState({ listening: [8000, 8100] }),
    // our own Gunicorn from the previous deploy, still exiting
    hasNot: hostState({ listening: [8000, 8100], units: units({ ...BLUE_SERVES, 'shop-web-green.service': 'deactivating' }) }),
  },
  'interrupted-run': {
    has: hostState({
      lock: {
        info: { pid: 4242, user: 'root', host: 'h', command: 'bg deploy v2', since: '2026-12-01T00:00:00Z', step: 'switch-to-green' },
        alive: false,
      },
    }),
    hasNot: hostState({
      lock: { info: { pid: 4242, user: 'root', host: 'h', command: 'bg deploy v2', since: '2026-12-01T00:00:00Z' }, alive: true },
    }),
  },
  'maintenance-on': { has: hostState({ maintenance: true }), hasNot: hostState({ maintenance: false }) },
  'env-file-link': { has: hostState({ envFileIsLink: true }), hasNot: hostState({ envFileIsLink: false }) },
  'caddy-unit-unknown': {
    has: hostState({ caddyUnit: { loadState: 'not-found' } }),
    hasNot: hostState({ caddyUnit: runsCaddyfile(cfg.caddy.caddyfile) }),
  },
  'caddyfile-not-run': {
    has: hostState({ caddyUnit: runsCaddyfile('/etc/caddy/Other') }),
    // a unit systemd does not have: caddy-unit-unknown says so instead
    hasNot: hostState({ caddyUnit: { loadState: 'not-found' } }),
  },
  'caddyfile-missing': {
    has: hostState({ caddyUnit: runsCaddyfile(cfg.caddy.caddyfile), caddyfileExists: false }),
    // the unit runs another file: caddyfile-not-run says so instead
    hasNot: hostState({ caddyUnit: runsCaddyfile('/etc/caddy/Other'), caddyfileExists: false }),
  },
  'caddy-config-invalid': {
    has: hostState({ caddyOnDisk: { ok: false, error: 'Error during parsing', blamed: [{ path: '/etc/caddy/blog.caddy', app: 'blog' }] } }),
    hasNot: hostState({ caddyOnDisk: { ok: true } }),
  },
  'venv-untrusted': {
    has: hostState({
      liveVenv: {
        link: '/srv/shop/releases/r1/.venv',
        target: '/srv/shop/shared/venv',
        untrusted: '/srv/shop/shared/venv is outside /srv/shop/venvs',
      },
    }),
    hasNot: hostState({ liveVenv: { link: '/srv/shop/releases/r1/.venv', target: '/srv/shop/venvs/0123456789abcdef' } }),
  },
  'memory-short': { has: hostState({ memory: webUses(100 * MiB) }), hasNot: hostState({ memory: webUses(400 * MiB) }) },
  'tcp-migrate-req-off': {
    has: hostState({ tcpMigrateReq: false }),
    // a kernel without the sysctl
    hasNot: hostState({ tcpMigrateReq: undefined }),
  },
};

describe('the table of problems', () => {
  it('has one check per code, and a case here for each', () => {
    const codes = PROBLEMS.map((p) => p.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(Object.keys(CASES).sort()).toEqual([...codes].sort());
  });

  it('the healthy host has none of them', () => {
    expect(diagnose(cfg, hostState())).toEqual([]);
  });

  for (const [code, c] of Object.entries(CASES)) {
    describe(code, () => {
      const config = c.cfg ?? cfg;
      it('found on a host that has it, under its own code, and listed by diagnose', () => {
        const found = findProblem(code, config, c.has);
        expect(found.length).toBeGreaterThan(0);
        for (const p of found) {
          expect(p.code).toBe(code);
          expect(p.message).not.toBe('');
          expect(p.next).not.toBe('');
        }
        expect(diagnose(config, c.has).filter((p) => p.code === code)).toEqual(found);
      });

      it('not found on the near host that does not', () => {
        expect(findProblem(code, config, c.hasNot)).toEqual([]);
      });
    });
  }
});

describe('what a problem blocks', () => {
  it('a problem that blocks rollback blocks restart too (a restart switches like a rollback)', () => {
    for (const [code, c] of Object.entries(CASES)) {
      for (const p of findProblem(code, c.cfg ?? cfg, c.has)) {
        if (p.blocks.includes('rollback'))
          expect(
            p.blocks.filter((b) => b === 'restart'),
            code,
          ).toEqual(['restart']);
      }
    }
  });

  it('keeps each severity', () => {
    const severity = Object.fromEntries(
      Object.entries(CASES).map(([code, c]) => [code, findProblem(code, c.cfg ?? cfg, c.has)[0].severity]),
    );
    const warnings = Object.entries(severity)
      .filter(([, s]) => s === 'warning')
      .map(([code]) => code);
    expect(warnings.sort()).toEqual(['maintenance-on', 'memory-short', 'tcp-migrate-req-off']);
  });
});
