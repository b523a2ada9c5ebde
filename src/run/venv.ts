import { createHash } from 'node:crypto';
import { inAppDir, releasePath, sharedDir } from '../config/names.js';
import type { Config } from '../config/types.js';
import { BuildError } from '../errors.js';
import { runBuildStep } from './build.js';
import type { Host } from './host.js';

// The release's .venv, built by bg: one virtualenv per set of requirements (their contents, the
// Python and the system-site-packages flag make its name) under shared/venvs/, linked from each
// release that needs it. A deploy that changes no requirement reuses it and runs no pip. It is
// made under a temp name and renamed when complete, so a cut-off build is never reused.
export const venvsDir = (cfg: Config) => `${sharedDir(cfg)}/venvs`;

export async function ensureVenv(host: Host, cfg: Config, release: string, box: { memoryHigh?: number; signal?: AbortSignal } = {}): Promise<{ id: string; built: boolean }> {
  const v = cfg.venv!;
  const project = inAppDir(cfg, releasePath(cfg, release));
  const hash = createHash('sha256').update(`${v.python}\0${v.systemSitePackages}\0`);
  for (const file of v.requirements) hash.update(`${file}\0${(await host.files.read(`${project}/${file}`)) ?? '(missing)'}\0`);
  const id = hash.digest('hex').slice(0, 16);
  const dir = `${venvsDir(cfg)}/${id}`;
  const link = `${project}/.venv`;
  const built = !host.files.exists(`${dir}/.bg-complete`);
  if (built) {
    const tmp = `${dir}.tmp-${process.pid}`;
    await host.files.removeTree(tmp);
    await host.files.makeDirs([venvsDir(cfg)]);
    let n = 0;
    // venv and pip (the memory-hungry part of a build) run as transient units, like the build commands
    const run = async (cmd: string, what: string) => {
      const env = { PIP_DISABLE_PIP_VERSION_CHECK: '1' };
      const r = await runBuildStep(host, cfg, { phase: 'venv', release, n: ++n, command: cmd, cwd: project, env, memoryHigh: box.memoryHigh, signal: box.signal });
      if (r.exitCode !== 0) {
        await host.files.removeTree(tmp);
        throw new BuildError(`Building the venv failed: ${what} (exit ${r.exitCode ?? r.signal ?? 'unknown'}).`, {
          code: 'venv',
          detail: r.output.trimEnd().split('\n').slice(-20).join('\n'),
          next: `Check venv.python (${v.python}) and ${v.requirements.join(', ')}, then run it again.`,
        });
      }
    };
    await run(`${q(v.python)} -m venv ${v.systemSitePackages ? '--system-site-packages ' : ''}${q(tmp)}`, `${v.python} -m venv`);
    for (const file of v.requirements) {
      if (host.files.exists(`${project}/${file}`)) await run(`${q(`${tmp}/bin/pip`)} install --no-input -r ${q(file)}`, `pip install -r ${file}`);
    }
    // the units run gunicorn (and celery) from here: say so now, not as a unit that cannot start
    for (const tool of cfg.celery ? ['gunicorn', 'celery'] : ['gunicorn']) {
      const has = await host.shell(`${q(`${tmp}/bin/python`)} -c ${q(`import ${tool}`)}`, { cwd: project, env: {} });
      if (has.exitCode !== 0) {
        await host.files.removeTree(tmp);
        throw new BuildError(`The venv has no ${tool}: the units run ${tool} on the venv's Python.`, {
          code: 'venv-missing-tool',
          next: `Add ${tool} to ${v.requirements.join(' or ')}, or set venv.system_site_packages: true with Debian's ${tool === 'gunicorn' ? 'gunicorn' : 'python3-celery'} installed.`,
        });
      }
    }
    await host.files.write(`${tmp}/.bg-complete`, `${v.requirements.join(' ')}\n`, 0o644);
    await host.files.rename(tmp, dir);
  }
  await host.files.pointLink(link, dir);
  return { id, built };
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
