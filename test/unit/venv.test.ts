import { describe, expect, it } from 'vitest';
import { isBgError } from '../../src/errors.js';
import { checkVenvLink, ensureVenv } from '../../src/steps/venv.js';
import { FakeHost } from '../support/fake-host.js';
import { sampleConfig } from '../support/sample-config.js';

// ensureVenv on the in-memory host: where it builds, as whom the venv's Python runs, and what it
// refuses to reuse. The real build is in test/integration/venv.test.ts and test/system/venv-attack.test.ts.
const cfg = sampleConfig({ venv: { requirements: ['requirements.txt'], python: '/usr/bin/python3', systemSitePackages: true } });
const REL = '/srv/shop/releases/r1';
const fresh = () => new FakeHost({ upstreamFile: cfg.caddy.upstreamFile, files: { [`${REL}/requirements.txt`]: 'flask\n' } });

async function refusal(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (isBgError(e)) return { code: e.code, message: e.message, next: e.next ?? '' };
    throw e;
  }
  throw new Error('not refused');
}

describe('ensureVenv', () => {
  it("builds under <root>/venvs (made root's, 0755), never shared/; the venv's Python runs only as the app's user", async () => {
    const h = fresh();
    const v = await ensureVenv(h, cfg, 'r1');
    expect(v.built).toBe(true);
    const dir = `/srv/shop/venvs/${v.id}`;
    expect(h.links.get(`${REL}/.venv`)).toBe(dir);
    expect(h.calls).toContain('chown 0:0 755 /srv/shop/venvs');
    expect(h.calls).toContain(`rename ${dir}.tmp-${process.pid} ${dir}`);
    expect(h.calls.filter((c) => c.includes('/shared/'))).toEqual([]);
    const runsVenvPython = h.transients.filter((t) => t.command.startsWith(`'${dir}.tmp-${process.pid}/bin/python'`));
    expect(runsVenvPython.map((t) => [t.command.split(' ').slice(1).join(' '), t.user])).toEqual([
      ["-c 'import gunicorn'", 'shop'],
      ["-c 'import celery'", 'shop'],
    ]);
    // root's own steps: the Debian Python's -m venv (isolated: not the release on its path) and pip
    expect(h.transients.filter((t) => !t.user).map((t) => t.command.split(' ')[0])).toEqual([
      "'/usr/bin/python3'",
      `'${dir}.tmp-${process.pid}/bin/pip'`,
    ]);
    expect(h.transients[0].command).toContain("'/usr/bin/python3' -I -m venv");
  });

  it("a check systemd could not start (exit 200: the app's user cannot enter the release) says so, not that gunicorn is missing", async () => {
    const h = fresh();
    const runs = h.runTransient;
    h.runTransient = async (t) => (t.user ? { exitCode: 200, output: '' } : runs(t));
    const err = await refusal(ensureVenv(h, cfg, 'r1'));
    expect(err.code).toBe('venv-check');
    expect(err.message).toBe(`Checking the venv for gunicorn could not start: 200/CHDIR: the app's user (shop) cannot enter ${REL}.`);
    expect(err.next).toContain(`namei -l ${REL}`);
  });

  it('reuses a complete venv that is root-owned all the way: no build', async () => {
    const h = fresh();
    const { id } = await ensureVenv(h, cfg, 'r1');
    const dir = `/srv/shop/venvs/${id}`;
    h.dirs.add(dir);
    h.fileMap.set(`${dir}/.bg-complete`, 'requirements.txt\n');
    const before = h.transients.length;
    expect(await ensureVenv(h, cfg, 'r1')).toEqual({ id, built: false });
    expect(h.transients.length).toBe(before);
  });

  it("refuses a venv dir or .bg-complete that is not root's, naming it and the command that removes it; runs nothing from it", async () => {
    for (const [what, stat] of [
      ['dir', { kind: 'dir', uid: 990, gid: 990, mode: 0o755 }],
      ['complete', { kind: 'file', uid: 0, gid: 0, mode: 0o666 }],
    ] as const) {
      const h = fresh();
      const { id } = await ensureVenv(fresh(), cfg, 'r1');
      const dir = `/srv/shop/venvs/${id}`;
      h.dirs.add(dir);
      h.fileMap.set(`${dir}/.bg-complete`, '');
      h.owners.set(what === 'dir' ? dir : `${dir}/.bg-complete`, stat);
      const r = await refusal(ensureVenv(h, cfg, 'r1'));
      expect(r.code).toBe('venv-untrusted');
      expect(r.message).toContain(
        what === 'dir' ? `${dir} is owned by uid 990, not root` : `${dir}/.bg-complete is writable by its group and others (mode 0666)`,
      );
      expect(r.next).toContain(`rm -rf ${dir}`);
      expect(h.transients).toEqual([]);
      expect(h.links.has(`${REL}/.venv`)).toBe(false);
    }
  });

  it("refuses a venvs dir that is a symlink, or a root directory the app's user owns", async () => {
    const h = fresh();
    h.owners.set('/srv/shop/venvs', { kind: 'link', uid: 990, gid: 990, mode: 0o777 });
    expect((await refusal(ensureVenv(h, cfg, 'r1'))).message).toContain('/srv/shop/venvs is a symbolic link');
    const g = fresh();
    g.owners.set('/srv/shop', { kind: 'dir', uid: 990, gid: 990, mode: 0o755 });
    const r = await refusal(ensureVenv(g, cfg, 'r1'));
    expect(r.message).toContain('/srv/shop is owned by uid 990');
    expect(r.next).toContain('chown root:root /srv/shop');
    expect(g.transients).toEqual([]);
  });

  it(".venv replaced by the build (the app's user owned the release) is caught before the color points at it", async () => {
    const h = fresh();
    await ensureVenv(h, cfg, 'r1');
    await checkVenvLink(h, cfg, 'r1');
    h.links.set(`${REL}/.venv`, '/srv/shop/shared/evil');
    expect((await refusal(checkVenvLink(h, cfg, 'r1'))).code).toBe('venv-replaced');
  });
});
