import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/cli/commands/deploy.js';
import { buildReport } from '../../src/cli/commands/status.js';
import { runFailure } from '../../src/cli/outcome.js';
import { formatStatus } from '../../src/cli/status-format.js';
import { colorAddress, portPlace } from '../../src/config/socket-paths.js';
import type { Config } from '../../src/config/types.js';
import { HealthError } from '../../src/errors.js';
import { describePlan } from '../../src/execute/executor.js';
import { findProblem } from '../../src/host/diagnose.js';
import { planDeploy } from '../../src/plan/deploy-plan.js';
import type { Plan } from '../../src/plan/step.js';
import { BLUE_SERVES, hostState, NOT_SET_UP, units } from '../support/host-state.js';
import { sampleConfig } from '../support/sample-config.js';

// With caddy.switch: socket no Gunicorn binds 127.0.0.1:<port>: every line that names where a color
// listens names its socket instead.
const socketConfig = (): Config => {
  const base = sampleConfig();
  return { ...base, caddy: { ...base.caddy, switch: 'socket' } };
};
const LINK = '/run/bg/shop/active.sock';
const GREEN_SOCKET = '/run/bg/shop/green/gunicorn.sock';
// blue serves through the socket switch: the upstream file names the link, the link blue's socket
const viaSocket = { upstreamSocket: true, socketColor: 'blue' as const, caddyUpstreams: [`unix/${LINK}`] };

describe('where a color listens, as messages say it', () => {
  it("the socket switch names the color's socket; the port switch 127.0.0.1:<port>", () => {
    expect(colorAddress(socketConfig(), 'green')).toBe(GREEN_SOCKET);
    expect(colorAddress(sampleConfig(), 'green')).toBe('127.0.0.1:8100');
    expect(portPlace(socketConfig())(8100)).toBe(GREEN_SOCKET);
    expect(portPlace(socketConfig())(9999)).toBe('port 9999'); // a legacy port stays a port
    expect(portPlace(sampleConfig())(8100)).toBe('port 8100');
  });

  it("the dry run's drain and stop steps name the old color's socket", () => {
    const cfg = socketConfig();
    const plan = planDeploy(cfg, hostState(viaSocket), { ref: 'main' });
    const lines = describePlan(plan, portPlace(cfg)).join('\n');
    expect(lines).toContain('drain-blue: wait for in-flight requests on /run/bg/shop/blue/gunicorn.sock to finish');
    expect(lines).toContain(`(undo: wait for ${GREEN_SOCKET} to drain, then stop shop-web-green.service)`);
    expect(lines).not.toMatch(/port 8[01]00/);
    expect(describePlan(plan).join('\n')).toContain('on port 8000 to finish');
  });
});

describe('status with the socket switch', () => {
  it('names the link and its color, not a port', () => {
    const out = formatStatus(buildReport(socketConfig(), hostState(viaSocket), null));
    expect(out).toContain(`upstream: ${LINK} → blue (no Caddy reload at a switch); Caddy routes to unix/${LINK}`);
    expect(out).not.toContain('127.0.0.1');
  });

  it('bg.yml says socket but the upstream file still names the port (before the deploy that moves): status says the port', () => {
    const report = buildReport(socketConfig(), hostState({ socketColor: 'green' }), null);
    expect(report.upstream.socket).toBeUndefined();
    expect(formatStatus(report)).toContain('upstream: 127.0.0.1:8000 in');
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('bg.yml says port but the upstream file still names the link: status says the link', () => {
    const report = buildReport(sampleConfig(), hostState(viaSocket), null);
    expect(report.upstream.socket).toEqual({ link: LINK, color: 'blue' });
  });
});

describe('problems and their next: lines with the socket switch', () => {
  it('upstream-mismatch says the file names the link, and which color it points at', () => {
    const [p] = findProblem('upstream-mismatch', socketConfig(), hostState({ ...viaSocket, caddyUpstreams: ['127.0.0.1:8100'] }));
    expect(p?.message).toBe(`/etc/caddy/upstream.txt names ${LINK} (→ blue's socket) but Caddy routes to 127.0.0.1:8100.`);
  });

  it('upstream-file-lost names the socket of the color Caddy reaches through the link', () => {
    const host = hostState({
      ...viaSocket,
      active: undefined,
      upstreamFile: 'missing',
      upstreamPort: undefined,
      upstreamSocket: undefined,
    });
    const [p] = findProblem('upstream-file-lost', socketConfig(), host);
    expect(p?.message).toContain(`Caddy routes to blue (/run/bg/shop/blue/gunicorn.sock)`);
    expect(p?.message).not.toContain('127.0.0.1');
  });

  it("unknown-live-color's next: points the link and writes the socket upstream", () => {
    const [p] = findProblem('unknown-live-color', socketConfig(), hostState({ ...NOT_SET_UP, units: units(BLUE_SERVES) }));
    expect(p?.next).toContain(
      `If blue should serve: ln -sfn /run/bg/shop/blue/gunicorn.sock ${LINK} && echo 'to unix/${LINK}' > /etc/caddy/upstream.txt && bluegreen setup.`,
    );
    const [port] = findProblem('unknown-live-color', sampleConfig(), hostState({ ...NOT_SET_UP, units: units(BLUE_SERVES) }));
    expect(port?.next).toContain("echo 'to 127.0.0.1:8000' > /etc/caddy/upstream.txt && bluegreen setup.");
  });

  it('port-taken: with the socket switch a port in use is no problem (no Gunicorn binds it)', () => {
    const taken = hostState({ ...viaSocket, listening: [8100] });
    expect(findProblem('port-taken', socketConfig(), taken)).toEqual([]);
    expect(findProblem('port-taken', sampleConfig(), hostState({ listening: [8100] }))[0]?.message).toContain('Port 8100');
  });
});

describe('a failed deploy with the socket switch', () => {
  it("its state line names the old color's socket", () => {
    const plan: Plan = { command: 'deploy', from: 'blue', to: 'green', steps: [], notes: [] };
    const err = runFailure('deploy', socketConfig(), plan, {
      ok: false,
      ms: 1,
      steps: [],
      failed: { step: 'health-gate-green', error: new HealthError('green answered 500', { code: 'unhealthy' }) },
    });
    expect(err.state).toBe('Rolled back: old version still serving from blue (/run/bg/shop/blue/gunicorn.sock); Celery as before.');
  });
});

describe("a deploy's summary with the socket switch", () => {
  it("names the new color's socket; the port switch its port", () => {
    const plan: Plan = { command: 'deploy', from: 'blue', to: 'green', release: '20261204-010000', steps: [], notes: [] };
    const result = { ok: true, ms: 1200, steps: [], commit: 'abcdef1234567890' };
    const line = (cfg: Config) => summarize('main')(cfg, plan, result, {}).split('\n')[0];
    expect(line(socketConfig())).toBe(
      `deploy: main (abcdef123456) in releases/20261204-010000 is live on green (unix socket, no Caddy reload) at ${GREEN_SOCKET}; blue drained and stopping. 1.20 s.`,
    );
    expect(line(sampleConfig())).toContain('is live on green (127.0.0.1:8100); blue drained');
  });
});
