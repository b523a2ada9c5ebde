import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKOUT, type Container, startContainer } from '../harness/container.js';

// As users install it: the package tarball (`npm pack`), `npm install -g` of it on a host with no
// registry (the container's network is private), then the README's quick start as root.
describe('installed from the package, the quick start as the README writes it', () => {
  let c: Container;
  let packDir: string;
  let tarball: string;

  beforeAll(async () => {
    // packed before the container boots (its / is an overlay of this machine's as it was then), and
    // not under /tmp, which the container's systemd mounts a tmpfs over
    packDir = mkdtempSync('/var/tmp/bg-pack-');
    execFileSync('npm', ['pack', '--pack-destination', packDir], { cwd: CHECKOUT, stdio: 'ignore' });
    tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);
    c = await startContainer();
  });
  afterAll(async () => {
    await c?.stop();
    rmSync(packDir, { recursive: true, force: true });
  });

  it('the package holds the CLI, its bundles and templates, and nothing of the tests', async () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    expect(files).toContain('package/bin/bg.cjs');
    expect(files).toContain('package/dist/bundle/deploy.cjs');
    expect(files).toContain('package/templates/web.service.ejs');
    expect(files.filter((f) => /\/(test|src|scripts)\//.test(f))).toEqual([]);
    // everything it runs is bundled: installing it needs no registry
    expect(JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })).dependencies ?? {}).toEqual(
      {},
    );
  });

  it('npm install -g works offline, and the quick start runs as written (as root: sudo is a no-op)', async () => {
    const install = await c.sh(`npm install -g --offline --no-audit --no-fund ${tarball} && command -v bluegreen bg`);
    expect(install.code, install.stdout + install.stderr).toBe(0);
    expect(install.stdout).toContain('/bluegreen');

    // a project as a user has it: a git repository with the app on main
    await c.ok(`set -e; mkdir -p /srv/git; cp -r ${CHECKOUT}/test/fixtures/app /srv/git/shop; cd /srv/git/shop; rm -rf __pycache__
      echo v1 > VERSION; echo ok > MODE; git init -q -b main; git add -A; git -c user.name=t -c user.email=t@t.invalid commit -qm v1`);
    const readme = readFileSync(join(CHECKOUT, 'README.md'), 'utf8');
    const quickStart = /## Quick start\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(quickStart).toBeDefined();
    // `$EDITOR bg.yml`: what bluegreen init wrote already fits this project
    const r = await c.sh(`set -e; sudo() { "$@"; }; export EDITOR=true\n${quickStart}`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await c.ok('curl -sS --max-time 5 http://127.0.0.1:8080/')).toBe('v1');
    // setup, deploy, cleanup, rollback: blue serves again, as the app's own user
    expect(await c.ok('ps -o user= -p $(systemctl show -p MainPID --value shop-web-blue.service)')).toBe('shop\n');
  });
});
