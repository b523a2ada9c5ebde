// Builds dist/deb/bluegreen_<version>_all.deb with dpkg-deb, offline, from a built checkout
// (`npm run package` builds first). The package holds exactly what `npm pack` ships, under
// /usr/lib/bluegreen, plus what an operator on Debian expects: /usr/bin/bluegreen (and bg), a man
// page generated from the CLI's own --help (so it cannot drift from the code), and completions
// where bash, zsh and fish load them.
//
//   node scripts/package.mjs [--out <dir>]   prints the .deb's path
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { manPage } from './package-man.mjs';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const outArg = process.argv.indexOf('--out');
const outDir = outArg > 0 ? resolve(process.argv[outArg + 1]) : join(root, 'dist/deb');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const node = (...args) =>
  execFileSync(process.execPath, [join(root, 'bin/bg.cjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, BG_CACHE_DIR: 'off' },
  });

const stage = mkdtempSync(join(tmpdir(), 'bluegreen-deb-'));
chmodSync(stage, 0o755); // the archive's ./, which dpkg would otherwise see as 0700
try {
  const lib = join(stage, 'usr/lib/bluegreen');
  const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }))[0]
    .files;
  if (!packed.some((f) => f.path.startsWith('dist/bundle/')))
    throw new Error('dist/bundle is missing: run `npm run build` first (or `npm run package`).');
  // README.md goes to /usr/share/doc, where Debian keeps it
  for (const f of packed.filter((p) => p.path !== 'README.md')) {
    mkdirSync(dirname(join(lib, f.path)), { recursive: true });
    cpSync(join(root, f.path), join(lib, f.path));
    chmodSync(join(lib, f.path), f.mode & 0o111 ? 0o755 : 0o644);
  }

  mkdirSync(join(stage, 'usr/bin'), { recursive: true });
  for (const name of ['bluegreen', 'bg']) symlinkSync('../lib/bluegreen/bin/bg.cjs', join(stage, `usr/bin/${name}`));

  const man1 = join(stage, 'usr/share/man/man1');
  mkdirSync(man1, { recursive: true });
  writeFileSync(join(man1, 'bluegreen.1.gz'), gzipSync(manPage(pkg.version, node), { level: 9 }));
  symlinkSync('bluegreen.1.gz', join(man1, 'bg.1.gz'));

  const completions = {
    bash: 'usr/share/bash-completion/completions/bluegreen',
    zsh: 'usr/share/zsh/vendor-completions/_bluegreen',
    fish: 'usr/share/fish/vendor_completions.d/bluegreen.fish',
  };
  for (const [shell, path] of Object.entries(completions)) {
    mkdirSync(dirname(join(stage, path)), { recursive: true });
    writeFileSync(join(stage, path), node('completion', shell));
  }

  const doc = join(stage, 'usr/share/doc/bluegreen');
  mkdirSync(doc, { recursive: true });
  cpSync(join(root, 'README.md'), join(doc, 'README.md'));
  writeFileSync(
    join(doc, 'copyright'),
    `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: bluegreen\n\nFiles: *\nLicense: ${pkg.license}\n`,
  );

  const installedKb = Number(execFileSync('du', ['-sk', '--apparent-size', join(stage, 'usr')], { encoding: 'utf8' }).split('\t')[0]);
  mkdirSync(join(stage, 'DEBIAN'));
  writeFileSync(
    join(stage, 'DEBIAN/control'),
    [
      'Package: bluegreen',
      `Version: ${pkg.version}`,
      'Architecture: all',
      'Maintainer: bg maintainers <maintainers@users.noreply.github.com>',
      `Installed-Size: ${installedKb}`,
      // the bundle targets Node 20.18+; Debian 13's nodejs is 20.19, Debian 12's own is 18
      `Depends: nodejs (>= ${pkg.engines.node
        .replace(/^>=\s*/, '')
        .split('.')
        .slice(0, 2)
        .join('.')})`,
      'Recommends: caddy, gunicorn',
      'Suggests: redis-server, python3-celery',
      'Section: admin',
      'Priority: optional',
      'Description: zero-downtime blue/green deploys of a Gunicorn app behind Caddy',
      ` ${pkg.description.slice(pkg.description.indexOf(':') + 1).trim()}`,
      ' Django or Flask, with optional Celery worker and beat, on one small host.',
      '',
    ].join('\n'),
  );

  mkdirSync(outDir, { recursive: true });
  const deb = join(outDir, `bluegreen_${pkg.version}_all.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
  process.stdout.write(`${deb}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
