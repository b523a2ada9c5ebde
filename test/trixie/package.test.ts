import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Container, startContainer } from '../harness/container.js';
import { buildDeb } from '../support/deb-package.js';
import { makeApp } from '../system/app-host.js';
import { trixieRoot } from './root.js';

// The Debian package, installed with apt on a Debian 13 host (its own nodejs satisfies the Depends): the
// commands, the man page, the completions, a setup run by the installed bluegreen, and a clean removal.
describe('bluegreen_<version>_all.deb', () => {
  let c: Container;
  let deb: string;

  beforeAll(async () => {
    deb = buildDeb();
    const lower = trixieRoot();
    c = await startContainer({ lower });
  }, 900_000);
  afterAll(async () => {
    await c?.stop();
    if (deb) rmSync(dirname(deb), { recursive: true, force: true });
  });

  it('apt installs the file; bluegreen and bg run the installed bundle', async () => {
    const r = await c.sh(`apt-get install -y ${deb}`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const version = JSON.parse(await c.ok('cat /usr/lib/bluegreen/package.json')).version;
    expect(await c.ok('bluegreen --version && /usr/bin/bg --version')).toBe(`${version}\n${version}\n`);
    expect(await c.ok('readlink -f /usr/bin/bluegreen')).toBe('/usr/lib/bluegreen/bin/bg.cjs\n');
    expect(await c.ok('dpkg -s bluegreen | grep ^Depends:')).toBe('Depends: nodejs (>= 20.18)\n');
  });

  it('man bluegreen shows the page made from the CLI help, every command included', async () => {
    const page = await c.ok('MANWIDTH=100 man bluegreen 2>/dev/null | col -bx');
    // man justifies the line: the spaces between words vary
    expect(page).toMatch(/bluegreen, +bg +- +zero-downtime +blue\/green +deploys/);
    const commands = (await c.ok('bluegreen --help')).split('\nCommands:\n')[1];
    for (const name of commands.matchAll(/^ {2}([a-z]+)/gm))
      if (name[1] !== 'help') expect(page, name[1]).toMatch(new RegExp(`^ {3}${name[1]}$`, 'm'));
    expect(await c.ok('man -w bg')).toBe('/usr/share/man/man1/bluegreen.1.gz\n');
  });

  it('completions are where bash, zsh and fish load them, the same as `bluegreen completion <shell>` prints', async () => {
    for (const [shell, path] of [
      ['bash', '/usr/share/bash-completion/completions/bluegreen'],
      ['zsh', '/usr/share/zsh/vendor-completions/_bluegreen'],
      ['fish', '/usr/share/fish/vendor_completions.d/bluegreen.fish'],
    ]) {
      expect(await c.ok(`cat ${path}`), shell).toBe(await c.ok(`bluegreen completion ${shell}`));
    }
    expect(await c.ok('bash -c ". /usr/share/bash-completion/completions/bluegreen && complete -p bluegreen"')).toBe(
      'complete -F _bluegreen bluegreen\n',
    );
  });

  it('the installed bluegreen sets up an app; removing the package leaves the app serving', async () => {
    const shop = await makeApp(c, 'shop', { blue: 8001, green: 8002, site: 8080 });
    const r = await c.sh(`bluegreen --config ${shop.config} setup`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await shop.get()).toBe('v1');
    expect((await c.sh('apt-get remove -y bluegreen')).code).toBe(0);
    expect(await c.ok('test ! -e /usr/bin/bluegreen && test ! -e /usr/lib/bluegreen && echo gone')).toBe('gone\n');
    expect(await shop.get()).toBe('v1');
  });
});
