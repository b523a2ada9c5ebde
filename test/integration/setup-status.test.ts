import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { jsonEvent } from '../support/json-events.js';
import { useScene } from '../support/scene.js';

// bg setup and bg status against the real thing: systemd user manager over D-Bus, Caddy, Gunicorn.
describe('bg setup from nothing, then status', () => {
  const sb = inject('sandbox');
  const s = useScene();

  it('setup --dry-run prints the plan and the files as diffs, and touches nothing', async () => {
    const r = await s.bg(['setup', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('start-web-blue');
    expect(r.stdout).toContain(`+++ ${sb.unitDir}/${s.app}-web-blue.service`);
    expect(r.stdout).toContain('+KillSignal=SIGQUIT');
    expect(existsSync(`${sb.unitDir}/${s.app}-web-blue.service`)).toBe(false);
    expect(existsSync(`${s.dir}/srv/releases`)).toBe(false);
  });

  it('serves the app through Caddy from blue', async () => {
    const before = await s.get('/');
    expect(before.body).toContain('placeholder');
    const r = await s.bg(['setup']);
    expect(r.stderr + r.stdout).toContain('serving from blue');
    expect(r.code, r.stderr).toBe(0);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v1 hello' });
    expect((await s.get('/static/version.txt')).body.trim()).toBe('v1');
    expect(readFileSync(`${s.dir}/caddy/upstream.txt`, 'utf8')).toBe(`to 127.0.0.1:${s.ports.blue}\n`);
    expect(s.activeState(`${s.app}-web-blue.service`)).toBe('active');
    expect(s.enabledState(`${s.app}-web-blue.service`)).toBe('enabled');
    expect(existsSync(`${sb.unitDir}/${s.app}-web-green.service`)).toBe(true);
    expect(readFileSync(`${s.dir}/srv/shared/.env`).length).toBeGreaterThan(0);
  });

  it('changes nothing when run again, and says so', async () => {
    const unitBefore = readFileSync(`${sb.unitDir}/${s.app}-web-blue.service`, 'utf8');
    const pidBefore = s.systemctl('show', '-p', 'MainPID', '--value', `${s.app}-web-blue.service`).trim();
    const r = await s.bg(['setup']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Nothing to do/);
    expect(readFileSync(`${sb.unitDir}/${s.app}-web-blue.service`, 'utf8')).toBe(unitBefore);
    expect(s.systemctl('show', '-p', 'MainPID', '--value', `${s.app}-web-blue.service`).trim()).toBe(pidBefore);
  });

  it('reports it in status, text and JSON', async () => {
    const text = await s.bg(['status']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/active:\s+blue/);
    expect(text.stdout).toContain(`${s.app}-web-blue.service`);
    expect(text.stdout).not.toContain('PROBLEM');

    const j = await s.bg(['status', '--json']);
    expect(j.code, j.stderr).toBe(0);
    const st = jsonEvent(j.stdout, 'status');
    expect(st.active).toBe('blue');
    expect(st.upstream.port).toBe(s.ports.blue);
    expect(st.upstream.caddy).toEqual([`127.0.0.1:${s.ports.blue}`]);
    expect(st.upstream.mismatch).toBe(false);
    const blue = st.units.find((u: { name: string }) => u.name === `${s.app}-web-blue.service`)!;
    expect(blue).toMatchObject({ active: 'active', sub: 'running' });
    expect(blue.pid).toBeGreaterThan(0);
    expect(Date.parse(blue.since!)).toBeGreaterThan(0);
    expect(st.releases.blue.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(st.releases.green.commit).toBeNull();
    expect(st.lastDeploy).toMatchObject({ command: 'setup', result: 'ok', to: 'blue' });
  });

  it('flags an upstream file that disagrees with Caddy', async () => {
    const path = `${s.dir}/caddy/upstream.txt`;
    const good = readFileSync(path, 'utf8');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, `to 127.0.0.1:${s.ports.green}\n`);
    try {
      const st = jsonEvent((await s.bg(['status', '--json'])).stdout, 'status');
      expect(st.upstream.mismatch).toBe(true);
      expect(st.problem).toContain('Caddy routes to');
    } finally {
      writeFileSync(path, good);
    }
  });

  it('a changed file is shown as a diff and replaced; blue keeps serving', async () => {
    const { writeFileSync } = await import('node:fs');
    const yml = readFileSync(s.configPath, 'utf8');
    writeFileSync(s.configPath, yml.replace('  workers: 2', '  workers: 3'));
    try {
      const r = await s.bg(['setup']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^\s+-.*--workers 2/m);
      expect(r.stderr).toMatch(/^\s+\+.*--workers 3/m);
      expect(readFileSync(`${sb.unitDir}/${s.app}-web-blue.service`, 'utf8')).toContain('--workers 3');
      expect(await s.get('/')).toEqual({ status: 200, body: 'v1 hello' });
    } finally {
      writeFileSync(s.configPath, yml);
    }
  });

  it('prints the plan and diffs with --dry-run and touches nothing', async () => {
    const r = await s.bg(['deploy', 'v2', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('checkout-green');
    expect(r.stdout).toContain('health-gate-green');
    expect(await s.get('/')).toEqual({ status: 200, body: 'v1 hello' });
    expect(existsSync(`${s.dir}/srv/green`)).toBe(false);
    expect(readdirSync(`${s.dir}/srv/releases`).filter((n) => !n.startsWith('.') && !n.endsWith('.json'))).toHaveLength(1);
  });
});
