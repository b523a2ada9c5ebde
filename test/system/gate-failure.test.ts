import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Container, startContainer } from '../harness/container.js';
import { type App, makeApp } from './app-host.js';

// A release that answers 500 at every try ends the gate after health.fail_after answers (the
// health budget here is far longer than the test's own timeout), and the message holds the app's
// own exception line from this start; systemd's 200/CHDIR is said in words, and a build the app's
// user could not enter is refused before it runs.
describe('a gate that fails fast, with the cause', () => {
  let c: Container;
  let app: App;
  beforeAll(async () => {
    c = await startContainer();
    // 100000 tries 1 s apart: only fail_after can end this gate within the test's time
    app = await makeApp(c, 'gate', { blue: 8001, green: 8002, site: 8080 }, '');
    await c.ok(
      `sed -i 's|  health: { path: /health/, retries: 50 }|  health: { path: /health/, retries: 100000, interval: 1s, fail_after: 4 }|' ${app.config}`,
    );
    await c.ok(
      `set -e; cd /srv/git/gate; git checkout -q -b raise main; echo raise > MODE; git -c user.name=t -c user.email=t@t.invalid commit -qam raise; git checkout -q main`,
    );
    const r = await app.bg('setup');
    if (r.code !== 0) throw new Error(`setup failed:\n${r.stdout}${r.stderr}`);
  }, 120_000);
  afterAll(async () => c?.stop());

  it("a steady 500 ends the gate after fail_after answers; the message has the app's exception line and the logs command", async () => {
    const r = await app.bg('deploy raise');
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toContain('The app answered HTTP 500 4 times in a row: GET http://127.0.0.1:8002/health/ (gate-web-green.service)');
    expect(r.stderr).toContain('LookupError: fixture app: no such row (MODE=raise)');
    expect(r.stderr).toContain('gate-web-green.service in the journal, this start only');
    expect(r.stderr).toContain('`bluegreen --config /etc/bg/gate.yml logs web --color green -n 200`');
    expect(r.stderr).not.toContain('<!doctype html>');
    // the app saw exactly fail_after requests: Flask logs each exception once
    const seen = await c.ok(
      "journalctl -u gate-web-green.service --no-pager -q -o cat | grep -c 'Exception on /health/ \\[GET\\]' || true",
    );
    expect(seen.trim()).toBe('4');
    expect(await app.get()).toBe('v1');
  });

  it("a web unit whose release the app's user cannot enter fails with 200/CHDIR in words", async () => {
    await c.ok('chmod 0700 /srv/gate/releases');
    try {
      const r = await app.bg('restart');
      expect(r.code, r.stdout + r.stderr).not.toBe(0);
      // the unit's WorkingDirectory is the color's link into the release
      expect(r.stderr).toContain("200/CHDIR: the app's user (gate) cannot enter /srv/gate/green");
      expect(r.stderr).toContain('namei -l /srv/gate/green');
      expect(r.stderr).toContain('Rolled back: old version still serving from blue');
    } finally {
      await c.ok('chmod 0755 /srv/gate/releases');
    }
  });

  it('a build is refused before it runs when the app user cannot enter the root, naming the directory', async () => {
    await c.ok(`sed -i 's|^root: .*|&\\nbuild: ["true"]|' ${app.config}`);
    await c.ok('chmod 0700 /srv/gate');
    try {
      const r = await app.bg('deploy v2');
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain("The app's user (gate, uid");
      expect(r.stderr).toMatch(/cannot enter \/srv\/gate \(mode 0700, owner 0:0\)/);
      expect(r.stderr).toContain('chmod o+x /srv/gate');
    } finally {
      await c.ok('chmod 0755 /srv/gate');
    }
    expect(await app.get()).toBe('v1');
  });
});
