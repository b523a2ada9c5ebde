import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lstatPath } from '../../src/adapters/files.js';
import { isBgError } from '../../src/errors.js';
import type { Host } from '../../src/execute/host.js';
import { checkStaticDir } from '../../src/steps/static-dir.js';
import { sampleConfig } from '../support/sample-config.js';

// The static dir Caddy serves, on a real tree: a build could leave links in it to another site's
// private key, or a repository.
let root: string;
const files = {
  exists: (p: string) => existsSync(p),
  list: (d: string) => readdir(d).catch(() => []),
  readLink: (p: string) => readlink(p).catch(() => undefined),
  lstat: lstatPath,
};
const host = { files } as unknown as Host;
const cfgOf = () => sampleConfig({ root, caddy: { ...sampleConfig().caddy, staticPath: '/static/', staticDir: 'staticfiles' } });
const rel = () => join(root, 'releases', 'r1');

async function outcome(): Promise<string> {
  try {
    await checkStaticDir(host, cfgOf(), 'r1');
    return 'ok';
  } catch (e) {
    if (isBgError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'bg-static-'));
  await mkdir(join(rel(), 'staticfiles', 'css'), { recursive: true });
  await writeFile(join(rel(), 'staticfiles', 'css', 'site.css'), 'body{}');
  await writeFile(join(rel(), 'app.py'), '');
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('checkStaticDir', () => {
  it('passes plain files, and links to regular files inside the release (collectstatic --link)', async () => {
    await symlink('../app.py', join(rel(), 'staticfiles', 'app.py'));
    await symlink('css/site.css', join(rel(), 'staticfiles', 'again.css'));
    expect(await outcome()).toBe('ok');
  });

  it('refuses a link out of the release, however deep, naming it', async () => {
    await symlink('/etc/passwd', join(rel(), 'staticfiles', 'css', 'key.pem'));
    expect(await outcome()).toMatch(
      /^static-dir-link: .*staticfiles\/css\/key\.pem is a symbolic link to \/etc\/passwd, outside the release/,
    );
  });

  it('refuses a link to a link inside the release that leads out, and a link to a directory', async () => {
    await symlink('/etc', join(rel(), 'out'));
    await symlink('../out/passwd', join(rel(), 'staticfiles', 'p'));
    expect(await outcome()).toMatch(
      /^static-dir-link: .*staticfiles\/p is a symbolic link to .*\/out\/passwd, reached through the link .*\/out:/,
    );
    await rm(join(rel(), 'staticfiles', 'p'));
    await symlink('..', join(rel(), 'staticfiles', 'up'));
    expect(await outcome()).toMatch(/^static-dir-link: .*staticfiles\/up .* not a regular file/);
  });

  it('refuses a static dir that is itself a link out of the release, and one holding a .git', async () => {
    await rm(join(rel(), 'staticfiles'), { recursive: true });
    await symlink('/var/lib', join(rel(), 'staticfiles'));
    expect(await outcome()).toMatch(/^static-dir-link: /);
    await rm(join(rel(), 'staticfiles'));
    await mkdir(join(rel(), 'staticfiles', '.git'), { recursive: true });
    expect(await outcome()).toMatch(/^static-dir-has-git: /);
  });
});
