import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { jsonEvent } from '../support/json-events.js';
import { useScene } from '../support/scene.js';

// Each error a user can meet on setup: one clear message (what happened, state, what to do), the
// documented exit code (README "Commands"), no stack trace, and the host left as it was.
describe('bg setup errors', () => {
  const s = useScene();

  const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

  it('no config: exit 2, says where it looked and how to make one', async () => {
    const r = await s.bg(['setup'], { config: false, env: { BG_CONFIG: `${s.dir}/missing.yml` } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${s.dir}/missing.yml`);
    expect(r.stderr).toMatch(/init/);
    noStack(r.stderr);
  });

  it('bad key: exit 2, names the key and what is allowed', async () => {
    const bad = `${s.dir}/bad.yml`;
    writeFileSync(bad, readFileSync(s.configPath, 'utf8').replace('  workers: 2', '  wokers: 2'));
    const r = await s.bg(['--config', bad, 'setup'], { config: false });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('web.wokers');
    expect(r.stderr).toContain('workers');
    noStack(r.stderr);
  });

  it('a ref that is not a ref is refused before git runs', async () => {
    for (const ref of ['--upload-pack=touch /tmp/x', 'a;b', 'a b']) {
      const r = await s.bg(['deploy', ref]);
      expect(r.code, ref).toBe(2);
      expect(r.stderr).toMatch(/ref/i);
    }
  });

  it('bus not reachable: says which bus and what to check, changes nothing; exit 1, not 4 (nothing is half switched)', async () => {
    const env = { DBUS_SESSION_BUS_ADDRESS: `unix:path=${s.dir}/no-such-bus` };
    const r = await s.bg(['setup'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bus/i);
    expect(r.stderr).toContain('state: Nothing was changed');
    expect(r.stderr).toMatch(/next:/);
    noStack(r.stderr);

    const st = await s.bg(['status', '--json'], { env });
    expect(st.code).toBe(1);
    expect(jsonEvent(st.stdout, 'error')).toMatchObject({ event: 'error', code: 'bus-unreachable', exitCode: 1 });
  });

  it('a full state dir: exit 1, names the dir and the cause, leaves no lock (the next run is not blocked)', async () => {
    const full = `${s.dir}/full-state`;
    mkdirSync(full);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=700', 'tmpfs', full]);
    try {
      // fill it: dd stops with ENOSPC
      spawnSync('dd', ['if=/dev/zero', `of=${full}/fill`, 'bs=4k'], { stdio: 'ignore' });
      const cfg = `${s.dir}/full.yml`;
      writeFileSync(cfg, `${readFileSync(s.configPath, 'utf8')}state_dir: ${full}\n`);
      const r = await s.bg(['--config', cfg, 'setup'], { config: false });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`Cannot take the lock in the state dir ${full}: the disk is full`);
      expect(r.stderr).toContain('no lock was left behind');
      noStack(r.stderr);
      expect(readdirSync(full)).toEqual(['fill']);
    } finally {
      execFileSync('umount', [full]);
    }
  });

  it('unit dir not writable: says which path, changes nothing running', async () => {
    const ro = `${s.dir}/ro-units`;
    mkdirSync(ro);
    writeFileSync(`${ro}/blocker`, '');
    const cfg = `${s.dir}/ro.yml`;
    // a path under a regular file cannot be created, even by root
    writeFileSync(cfg, `${readFileSync(s.configPath, 'utf8')}unit_dir: ${ro}/blocker/units\n`);
    const r = await s.bg(['--config', cfg, 'setup'], { config: false });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${ro}/blocker/units`);
    noStack(r.stderr);
    expect((await s.get('/')).body).toContain('placeholder');
  });

  it('Caddy not running: says so before changing anything', async () => {
    const cfg = `${s.dir}/nocaddy.yml`;
    writeFileSync(
      cfg,
      readFileSync(s.configPath, 'utf8').replace(`admin: 127.0.0.1:${s.ports.admin}`, `admin: 127.0.0.1:${s.ports.legacy}`),
    );
    const r = await s.bg(['--config', cfg, 'setup'], { config: false });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Caddy/);
    expect(r.stderr).toContain(`127.0.0.1:${s.ports.legacy}`);
    noStack(r.stderr);
    expect(s.activeState(`${s.app}-web-blue.service`)).not.toBe('active');
  });

  it('port taken: names the port and the color, changes nothing', async () => {
    const squatter: Server = createServer();
    await new Promise<void>((r) => squatter.listen(s.ports.blue, '127.0.0.1', r));
    try {
      const r = await s.bg(['setup']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(String(s.ports.blue));
      expect(r.stderr).toMatch(/in use/);
      noStack(r.stderr);
      expect((await s.get('/')).body).toContain('placeholder');
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it('health never passes: exit 1, shows the response, blue stopped, Caddy untouched', async () => {
    const cfg = `${s.dir}/unhealthy.yml`;
    writeFileSync(cfg, `${readFileSync(s.configPath, 'utf8')}ref: unhealthy\n`);
    const r = await s.bg(['--config', cfg, 'setup'], { config: false });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('health-gate-blue');
    expect(r.stderr).toContain('unhealthy on purpose');
    noStack(r.stderr);
    expect((await s.get('/')).body).toContain('placeholder');
    expect(s.activeState(`${s.app}-web-blue.service`)).not.toBe('active');
  });

  it('then a good setup still works after all those failures', async () => {
    chmodSync(s.dir, 0o755);
    const r = await s.bg(['setup']);
    expect(r.code, r.stderr).toBe(0);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v1 hello' });
  });
});
