import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { exitStatus, exitStatusLine } from '../../src/host/exit-status.js';

describe('systemd exit statuses in words', () => {
  const ctx = { unit: 'shop-build-20261203-1.service', user: 'shop', cwd: '/srv/shop/releases/20261203-1' };

  it('says 200/CHDIR as the app user that cannot enter the directory, and how to find which one', () => {
    const s = exitStatus(200, ctx)!;
    expect(exitStatusLine(s)).toBe("200/CHDIR: the app's user (shop) cannot enter /srv/shop/releases/20261203-1");
    expect(s.byRunner).toBe(true);
    expect(s.next).toContain('namei -l /srv/shop/releases/20261203-1');
    expect(s.next).toContain('search (x) permission');
  });

  it('names EXEC, USER and NAMESPACE with what to do', () => {
    expect(exitStatusLine(exitStatus(203, { ...ctx, command: '.venv/bin/gunicorn' })!)).toContain(
      '203/EXEC: the program (.venv/bin/gunicorn) could not be run',
    );
    expect(exitStatus(217, ctx)!.next).toContain('getent passwd shop');
    expect(exitStatus(226, ctx)!.what).toContain('namespace');
  });

  it("has a name for every status of systemd's own table (systemd-analyze exit-status), and the same name", () => {
    const rows = execFileSync('systemd-analyze', ['exit-status'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter(([, code, cls]) => cls === 'systemd' || cls === 'LSB' || (cls === 'libc' && code !== '0'));
    expect(rows.length).toBeGreaterThan(50);
    for (const [name, code] of rows) {
      const s = exitStatus(Number(code), ctx);
      expect(s?.name, `status ${code}`).toBe(name);
      expect(s!.next.length, `advice for ${name}`).toBeGreaterThan(0);
      expect(s!.byRunner).toBe(Number(code) >= 200);
    }
  });

  it('says nothing for 0, an unknown code or none', () => {
    expect(exitStatus(0, ctx)).toBeUndefined();
    expect(exitStatus(42, ctx)).toBeUndefined();
    expect(exitStatus(undefined, ctx)).toBeUndefined();
  });

  it('words a unit without a user (user scope)', () => {
    expect(exitStatusLine(exitStatus(200, { unit: 'shop-web-blue.service', cwd: '/home/me/shop' })!)).toBe(
      '200/CHDIR: the unit cannot enter /home/me/shop',
    );
  });
});
