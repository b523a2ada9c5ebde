import { describe, expect, it } from 'vitest';
import { outcomeOf } from '../../src/cli/outcome.js';
import { EXIT, isBgError } from '../../src/errors.js';
import { diagnose } from '../../src/host/diagnose.js';
import type { HostState } from '../../src/host/host-state.js';
import { preflight } from '../../src/host/preflight.js';
import { BLUE_SERVES, hostState, NOT_SET_UP, units } from '../support/host-state.js';
import { sampleConfig } from '../support/sample-config.js';

const cfg = sampleConfig();
const codes = (h: HostState) => diagnose(cfg, h).map((p) => p.code);

function refusal(fn: () => void) {
  try {
    fn();
  } catch (e) {
    if (isBgError(e)) return { code: e.code, ...outcomeOf(e), message: e.message };
    throw e;
  }
  return undefined;
}

describe('diagnose', () => {
  it('finds nothing on a healthy host', () => {
    expect(diagnose(cfg, hostState())).toEqual([]);
  });

  it('lists every problem of one observation, not only the first', () => {
    const h = hostState({
      caddyUpstreams: ['127.0.0.1:8100'],
      units: units({
        ...BLUE_SERVES,
        'shop-web-blue.service': 'failed',
        'shop-beat-blue.service': 'inactive',
        'shop-worker-green.service': 'active',
        'shop-web-green.service': 'active',
      }),
      lock: {
        info: { pid: 999999, user: 'root', host: 'h', command: 'bg deploy main', since: '2026-12-01T00:00:00Z', step: 'switch-to-green' },
        alive: false,
      },
      tcpMigrateReq: false,
    });
    expect(codes(h)).toEqual([
      'upstream-mismatch',
      'active-web-down',
      'idle-celery-running',
      'active-celery-down',
      'idle-web-running',
      'interrupted-run',
      'tcp-migrate-req-off',
    ]);
    expect(diagnose(cfg, h).find((p) => p.code === 'interrupted-run')?.message).toContain('bg deploy main');
  });

  it('tells "not set up" apart by what the upstream file holds', () => {
    expect(diagnose(cfg, hostState(NOT_SET_UP))[0]).toMatchObject({ code: 'not-set-up', severity: 'error' });
    expect(diagnose(cfg, hostState({ ...NOT_SET_UP, upstreamFile: 'unreadable' }))[0].message).toContain("not in bg's format");
    // a legacy app's port: what a host looks like before its first setup
    expect(
      diagnose(cfg, hostState({ active: undefined, upstreamPort: 9000, caddyUpstreams: ['127.0.0.1:9000'], units: {} }))[0],
    ).toMatchObject({ code: 'not-set-up', severity: 'warning' });
  });

  it('a lost upstream file with a color Caddy routes to and that runs: that color is live, setup repairs the file', () => {
    const lost = hostState({ active: undefined, upstreamFile: 'missing', upstreamPort: undefined });
    expect(diagnose(cfg, lost)[0]).toMatchObject({ code: 'upstream-file-lost', blocks: ['deploy', 'rollback', 'cleanup', 'restart'] });
    expect(refusal(() => preflight(cfg, lost, 'setup', 'blue'))).toBeUndefined();
  });

  it('a color that runs while neither the file nor Caddy names it: setup refuses with exit 2 and the commands', () => {
    const h = hostState({ active: undefined, upstreamFile: 'missing', upstreamPort: undefined, caddyUpstreams: [] });
    const r = refusal(() => preflight(cfg, h, 'setup', 'blue'));
    expect(r).toMatchObject({ code: 'unknown-live-color', exitCode: EXIT.usage });
    expect(diagnose(cfg, h)[0].next).toContain("echo 'to 127.0.0.1:8000'");
  });

  it('says nothing about ports it did not look at, and reports a taken port when it did', () => {
    expect(codes(hostState({ listening: undefined }))).not.toContain('port-taken');
    expect(codes(hostState({ listening: [8000] }))).toEqual([]);
    const taken = diagnose(cfg, hostState({ listening: [8000, 8100] }));
    expect(taken).toMatchObject([{ code: 'port-taken', color: 'green' }]);
    // our own Gunicorn still exiting from the previous deploy is not another process
    expect(
      codes(hostState({ listening: [8000, 8100], units: units({ ...BLUE_SERVES, 'shop-web-green.service': 'deactivating' }) })),
    ).toEqual([]);
  });

  it('an env file replaced by a symbolic link blocks every command that starts units (exit 2)', () => {
    const h = hostState({ envFileIsLink: true });
    expect(codes(h)).toEqual(['env-file-link']);
    expect(refusal(() => preflight(cfg, h, 'deploy', 'green'))).toMatchObject({ code: 'env-file-link', exitCode: EXIT.usage });
  });

  it('a lock whose process is alive is a run in progress, not a problem', () => {
    expect(
      codes(hostState({ lock: { info: { pid: process.pid, user: 'u', host: 'h', command: 'bg deploy x', since: '' }, alive: true } })),
    ).toEqual([]);
  });
});

describe('preflight: the first problem that blocks the command, with its exit code', () => {
  it('deploy on a host that is not set up: exit 2', () => {
    expect(
      refusal(() =>
        preflight(cfg, hostState({ active: undefined, upstreamFile: 'missing', upstreamPort: undefined, units: {} }), 'deploy', 'green'),
      ),
    ).toMatchObject({
      code: 'not-set-up',
      exitCode: EXIT.usage,
    });
  });

  it('Caddy not answering: exit 1, nothing changed', () => {
    expect(refusal(() => preflight(cfg, hostState({ caddyUpstreams: undefined }), 'deploy', 'green'))).toMatchObject({
      code: 'caddy-unreachable',
      exitCode: EXIT.deployFailed,
      state: 'Nothing was changed.',
    });
  });

  it('upstream file and Caddy disagree: the host is half switched, exit 4', () => {
    expect(refusal(() => preflight(cfg, hostState({ caddyUpstreams: ['127.0.0.1:8100'] }), 'rollback', 'green'))).toMatchObject({
      code: 'upstream-mismatch',
      exitCode: EXIT.attention,
    });
  });

  it('a taken port blocks only the command that starts that color', () => {
    const h = hostState({ listening: [8000, 8100] });
    expect(refusal(() => preflight(cfg, h, 'deploy', 'green'))).toMatchObject({ code: 'port-taken', exitCode: EXIT.deployFailed });
    expect(refusal(() => preflight(cfg, h, 'cleanup'))).toBeUndefined();
  });

  it('status-only problems block nothing', () => {
    const h = hostState({ units: units({ ...BLUE_SERVES, 'shop-worker-green.service': 'active' }), tcpMigrateReq: false });
    expect(refusal(() => preflight(cfg, h, 'deploy', 'green'))).toBeUndefined();
  });
});

describe("the live release's venv", () => {
  const withVenv = { ...cfg, venv: { requirements: ['requirements.txt'], python: '/usr/bin/python3', systemSitePackages: true } };
  const link = '/srv/shop/releases/r1/.venv';
  const problem = (liveVenv: HostState['liveVenv']) => diagnose(withVenv, hostState({ liveVenv })).find((p) => p.code === 'venv-untrusted');

  it("a venv outside <root>/venvs (an old host's shared/venvs) is an error; the next deploy builds it root's", () => {
    const p = problem({
      link,
      target: '/srv/shop/shared/venvs/0123456789abcdef',
      untrusted: `${link} points at /srv/shop/shared/venvs/0123456789abcdef, outside /srv/shop/venvs`,
    });
    expect(p).toMatchObject({ severity: 'error', blocks: [] });
    expect(p?.message).toContain('outside /srv/shop/venvs');
    expect(p?.next).toContain('bluegreen deploy');
  });

  it("a venv under <root>/venvs the app's user owns: remove it, then deploy", () => {
    const t = '/srv/shop/venvs/0123456789abcdef';
    expect(problem({ link, target: t, untrusted: `${t} is owned by uid 990, not root` })?.next).toContain(
      `rm -rf ${t} && bluegreen deploy`,
    );
  });

  it('a root-owned venv under <root>/venvs is no problem', () => {
    expect(problem({ link, target: '/srv/shop/venvs/0123456789abcdef' })).toBeUndefined();
  });
});
