import { createHash } from 'node:crypto';
import { inAppDir, releasePath, VENV_COMPLETE, venvPath, venvsDir } from '../config/names.js';
import type { Config } from '../config/types.js';
import { BuildError } from '../errors.js';
import type { Host } from '../execute/host.js';
import { exitStatusLine } from '../host/exit-status.js';
import { outsideVenvs, pathChain, type Trust, trustFor, whyUntrusted } from '../host/venv-trust.js';
import { importCheckLine, pipInstallLine, venvCreateLine } from '../render/argv/python.js';
import { runBuildStep, setupFailure } from './build.js';

// The release's .venv, built by bg: one virtualenv per set of requirements (their contents, the
// Python and the system-site-packages flag make its name) under <root>/venvs/, linked from each
// release that needs it. A deploy that changes no requirement reuses it and runs no pip. It is
// made under a temp name and renamed when complete, so a cut-off build is never reused.
//
// In system scope root builds it, so nothing root touches may be the app user's: <root>/venvs and
// every directory above it are root's and writable by no one else (checked with lstat), the
// requirements are read while the release is still root's (this step runs before the build hands
// the release to the app's user), and the venv's own Python runs only as the app's user.
export async function ensureVenv(
  host: Host,
  cfg: Config,
  release: string,
  box: { memoryHigh?: number; signal?: AbortSignal } = {},
): Promise<{ id: string; built: boolean }> {
  const v = cfg.venv!;
  const project = inAppDir(cfg, releasePath(cfg, release));
  const hash = createHash('sha256').update(`${v.python}\0${v.systemSitePackages}\0`);
  for (const file of v.requirements) hash.update(`${file}\0${(await host.files.read(`${project}/${file}`)) ?? '(missing)'}\0`);
  const id = hash.digest('hex').slice(0, 16);
  const trust = trustFor(cfg.scope, process.geteuid?.() ?? 0);
  await trustedVenvsDir(host, cfg, trust);
  const dir = venvPath(cfg, id);
  const link = `${project}/.venv`;
  const built = !(await reusable(host, dir, trust));
  if (built) {
    const tmp = `${dir}.tmp-${process.pid}`;
    await host.files.removeTree(tmp);
    let n = 0;
    const step = {
      phase: 'venv' as const,
      release,
      cwd: project,
      env: { PIP_DISABLE_PIP_VERSION_CHECK: '1' },
      memoryHigh: box.memoryHigh,
      signal: box.signal,
    };
    // venv and pip (the memory-hungry part of a build) run as transient units, like the build commands
    const run = async (cmd: string, what: string) => {
      const s = { ...step, n: ++n, command: cmd };
      const r = await runBuildStep(host, cfg, s);
      if (r.exitCode !== 0) {
        await host.files.removeTree(tmp);
        const setup = setupFailure(cfg, s, r);
        throw new BuildError(
          `Building the venv failed: ${what} (exit ${setup ? exitStatusLine(setup) : (r.exitCode ?? r.signal ?? 'unknown')}).`,
          {
            code: 'venv',
            detail: r.output.trimEnd().split('\n').slice(-20).join('\n'),
            next: setup?.next ?? `Check venv.python (${v.python}) and ${v.requirements.join(', ')}, then run it again.`,
          },
        );
      }
    };
    await run(venvCreateLine(v.python, v.systemSitePackages, tmp), `${v.python} -m venv`);
    for (const file of v.requirements) {
      if (host.files.exists(`${project}/${file}`)) await run(pipInstallLine(`${tmp}/bin/pip`, file), `pip install -r ${file}`);
    }
    // the units run gunicorn (and celery) from here: say so now, not as a unit that cannot start.
    // The venv's Python runs as the units run it: as the app's user in system scope, never root.
    const user = cfg.scope === 'system' ? { user: cfg.user } : {};
    if (user.user) await host.ensureSystemUser(user.user, cfg.root);
    for (const tool of cfg.celery ? ['gunicorn', 'celery'] : ['gunicorn']) {
      const check = { ...step, ...user, n: ++n, command: importCheckLine(`${tmp}/bin/python`, tool) };
      const has = await runBuildStep(host, cfg, check);
      if (has.exitCode !== 0) {
        await host.files.removeTree(tmp);
        // systemd could not start the check (the app's user cannot enter the release, ...): not a missing tool
        const setup = setupFailure(cfg, check, has);
        if (setup)
          throw new BuildError(`Checking the venv for ${tool} could not start: ${exitStatusLine(setup)}.`, {
            code: 'venv-check',
            detail: has.output.trimEnd().split('\n').slice(-5).join('\n') || undefined,
            next: setup.next,
          });
        throw new BuildError(`The venv has no ${tool}: the units run ${tool} on the venv's Python.`, {
          code: 'venv-missing-tool',
          detail: has.output.trimEnd().split('\n').slice(-5).join('\n') || undefined,
          next: `${v.requirements.length ? `Add ${tool} to ${v.requirements.join(' or ')}, or set` : `venv.requirements is empty: set`} venv.system_site_packages: true with Debian's ${tool === 'gunicorn' ? 'gunicorn' : 'python3-celery'} installed${v.requirements.length ? '' : `, or list a requirements file with ${tool} in venv.requirements`}.`,
        });
      }
    }
    await host.files.write(`${tmp}/${VENV_COMPLETE}`, `${v.requirements.join(' ')}\n`, 0o644);
    await host.files.rename(tmp, dir);
  }
  await host.files.pointLink(link, dir);
  return { id, built };
}

/** <root>/venvs, made when missing (0755): it and every directory above it must be trusted. */
async function trustedVenvsDir(host: Host, cfg: Config, trust: Trust): Promise<void> {
  const venvs = venvsDir(cfg);
  const chain = pathChain(venvs);
  for (const d of chain.slice(0, -1))
    await refuseUntrusted(d, whyUntrusted(d, await host.files.lstat(d), 'dir', trust, true), `chown root:root ${d} && chmod go-w ${d}`);
  if (!(await host.files.lstat(venvs))) {
    await host.files.makeDirs([venvs]);
    if (cfg.scope === 'system') await host.setOwner(venvs, 0, 0, 0o755);
  }
  await refuseUntrusted(venvs, whyUntrusted(venvs, await host.files.lstat(venvs), 'dir', trust), `rm -rf ${venvs}`);
}

/**
 * Whether the venv `dir` is complete and may be reused. A venv dir or `.bg-complete` that is not
 * trusted is refused (never rebuilt over): something other than bg changed it, and the operator
 * should look. A trusted dir without `.bg-complete` is a leftover and goes.
 */
async function reusable(host: Host, dir: string, trust: Trust): Promise<boolean> {
  const st = await host.files.lstat(dir);
  if (!st) return false;
  await refuseUntrusted(dir, whyUntrusted(dir, st, 'dir', trust), `rm -rf ${dir}`);
  const complete = `${dir}/${VENV_COMPLETE}`;
  const done = await host.files.lstat(complete);
  if (!done) {
    await host.files.removeTree(dir);
    return false;
  }
  await refuseUntrusted(complete, whyUntrusted(complete, done, 'file', trust), `rm -rf ${dir}`);
  return true;
}

async function refuseUntrusted(path: string, why: string | undefined, fix: string): Promise<void> {
  if (!why) return;
  throw new BuildError(`bg will not build or run the venv: ${why}.`, {
    code: 'venv-untrusted',
    detail: `bg builds venvs as the user it runs as, in directories only that user (root, in system scope) can write, all the way down; something other than bg changed ${path}. bg ran nothing from it.`,
    next: `Check who changed it (ls -la ${path}), then: ${fix}, and deploy again (bg builds the venv afresh).`,
  });
}

/**
 * After a build or release command ran as the app's user in the release, `.venv` must still be the
 * link to one of bg's venvs: the units would run whatever it points at.
 */
export async function checkVenvLink(host: Host, cfg: Config, release: string): Promise<void> {
  const link = `${inAppDir(cfg, releasePath(cfg, release))}/.venv`;
  const st = await host.files.lstat(link);
  const why = st?.kind === 'link' ? outsideVenvs(cfg, await host.files.readLink(link)) : `is ${st ? 'not a symbolic link' : 'gone'}`;
  if (why)
    throw new BuildError(`releases/${release}/.venv ${why}: the build or release commands replaced the venv bg built.`, {
      code: 'venv-replaced',
      next: `With venv: in bg.yml, bg makes .venv: take the command that creates .venv out of build/release, then deploy again.`,
    });
}
