import { mkdir, open, readlink } from 'node:fs/promises';
import { type Config, releaseDir } from '../config/types.js';
import { BgError, CaddyError, EXIT, SystemdError } from '../errors.js';
import type { Action } from '../plan/step.js';
import { readText, writeAtomic, pointSymlink, removeFile } from '../adapters/files.js';
import { checkoutRelease } from '../adapters/git.js';
import { loadHttpClient, waitHealthy } from '../adapters/health.js';
import { waitDrained } from '../adapters/connections.js';
import { renderUpstream } from '../render/upstream.js';
import type { Adapters } from './adapters.js';
import { diffOf, installFiles, restoreFiles, type Replaced } from './install.js';
import { runBuild } from './build.js';
import { lastLogLines } from './unit-logs.js';
import { enableSysctl } from '../adapters/sysctl.js';

// Carries out one Action with the adapters. What an undo needs later (files replaced, Caddy's config
// before the switch) is remembered in Memory.
export interface Memory {
  replaced: Replaced[];
  caddyBefore?: { upstream?: string; current?: string; config?: unknown };
  commits: Partial<Record<string, string>>;
}

export interface ActionContext {
  cfg: Config;
  ad: Adapters;
  mem: Memory;
  signal?: AbortSignal; // Ctrl-C / SIGTERM: long waits (health, drain) stop at once
  note?: (message: string) => void; // shown under the step (e.g. the diff of a replaced file)
}

export async function perform(action: Action, ctx: ActionContext): Promise<string | void> {
  const { cfg, ad, mem } = ctx;
  switch (action.kind) {
    case 'sysctl':
      await enableSysctl(action.name, action.value, action.dropIn);
      return;
    case 'ensure-dirs': {
      for (const d of action.dirs) await mkdir(d, { recursive: true });
      await mkdir(dirOf(action.envFile), { recursive: true });
      // Secrets live here, never in unit files; created empty and 0600 so units can start.
      const fh = await open(action.envFile, 'a', 0o600);
      await fh.close();
      return;
    }
    case 'install': {
      const r = await installFiles(cfg, ad, action.colors, action.caddyfile);
      mem.replaced.push(...r.replaced);
      for (const c of r.changes) ctx.note?.(c.before === undefined ? `new ${c.path}` : `changed:\n${diffOf(c).trimEnd()}`);
      return r.replaced.length ? `${r.replaced.length} file(s) written` : 'unchanged';
    }
    case 'uninstall':
      await restoreFiles(ad, mem.replaced.splice(0));
      return;
    case 'checkout': {
      const r = await checkoutRelease(cfg.repo, releaseDir(cfg, action.color), action.ref);
      mem.commits[action.color] = r.commit;
      return r.commit.slice(0, 12);
    }
    case 'build':
      await runBuild(cfg, action.color, action.commands);
      return;
    case 'start': {
      // A health gate usually follows, and this job's wait is idle time: load its HTTP client now.
      setImmediate(() => void loadHttpClient());
      // systemd refuses a 6th start within 10 s (StartLimitBurst), e.g. deploy, rollback, deploy in
      // quick succession. That limit is for crash loops; a start bg asks for is deliberate.
      await ad.systemd.resetFailed(action.unit);
      const result = await ad.systemd.startUnit(action.unit);
      if (result !== 'done') {
        const st = await ad.systemd.unitState(action.unit).catch(() => undefined);
        throw new SystemdError(`Starting ${action.unit} failed (job ${result}${st ? `, unit ${st.activeState}, result ${st.result}` : ''}).${whyStartFailed(st?.result)}`, {
          detail: await lastLogLines(cfg, ad, action.unit),
        });
      }
      return;
    }
    case 'stop': {
      if (action.wait === false) {
        await ad.systemd.queueStop(action.unit);
        return 'stopping';
      }
      const result = await ad.systemd.stopUnit(action.unit);
      if (result !== 'done') throw new SystemdError(`Stopping ${action.unit} failed (job result: ${result}).`);
      return;
    }
    case 'health-gate': {
      const h = cfg.web.health;
      const r = await waitHealthy({
        port: cfg.web.ports[action.color],
        path: h.path,
        host: h.host,
        intervalMs: h.intervalMs,
        timeoutMs: h.timeoutMs,
        retries: h.retries,
        expect: h.expect,
        signal: ctx.signal,
        alive: async () => {
          const [u] = await ad.systemd.listUnits([action.unit]); // one call before each try
          if (u?.activeState !== 'failed' && u?.activeState !== 'inactive') return undefined;
          const s = await ad.systemd.unitState(action.unit);
          if (s.activeState === 'failed' || s.activeState === 'inactive') {
            return `${action.unit} died while its health was checked (${s.activeState}/${s.subState}, result ${s.result}).\n${await lastLogLines(cfg, ad, action.unit)}`;
          }
          return undefined;
        },
      });
      return `${r.status} after ${r.tries} tries`;
    }
    case 'switch':
      return switchTo(ctx, action.to);
    case 'restore-caddy':
      return restoreCaddy(ctx);
    case 'drain': {
      const parts: string[] = [];
      for (const port of action.ports) {
        const r = await waitDrained(port, { maxMs: cfg.web.timeout * 1000, signal: ctx.signal });
        parts.push(r.drained ? `:${port} drained` : `:${port} still had ${r.left} connection(s) after ${cfg.web.timeout}s`);
      }
      return parts.join(', ');
    }
    case 'enable':
      await ad.systemd.enableUnitFiles(action.units);
      return;
    case 'disable':
      await ad.systemd.disableUnitFiles(action.units);
      return;
  }
}

async function switchTo(ctx: ActionContext, to: 'blue' | 'green'): Promise<string> {
  const { cfg, ad, mem } = ctx;
  const current = `${cfg.root}/current`;
  mem.caddyBefore = {
    upstream: await readText(cfg.caddy.upstreamFile),
    current: await readlink(current).catch(() => undefined),
    config: await ad.caddy.config().catch(() => undefined),
  };
  await writeAtomic(cfg.caddy.upstreamFile, renderUpstream(cfg, to));
  await pointSymlink(current, releaseDir(cfg, to));
  const caddyfile = await readText(cfg.caddy.caddyfile);
  if (caddyfile === undefined) throw new CaddyError(`The Caddyfile ${cfg.caddy.caddyfile} is missing.`, { next: 'Run `bluegreen setup`.' });
  await ad.caddy.load(caddyfile);
  const want = `127.0.0.1:${cfg.web.ports[to]}`;
  const routed = await ad.caddy.upstreams();
  if (!routed.includes(want)) {
    throw new CaddyError(`Caddy did not take the new upstream: it routes to ${routed.join(', ') || 'nothing'}, expected ${want}.`, {
      next: `Check that ${cfg.caddy.caddyfile} is the Caddyfile Caddy runs and that it imports ${cfg.caddy.upstreamFile}.`,
    });
  }
  return `Caddy routes to ${want}`;
}

async function restoreCaddy(ctx: ActionContext): Promise<void> {
  const { cfg, ad, mem } = ctx;
  const before = mem.caddyBefore;
  if (!before) return;
  if (before.upstream === undefined) await removeFile(cfg.caddy.upstreamFile);
  else await writeAtomic(cfg.caddy.upstreamFile, before.upstream);
  if (before.current) await pointSymlink(`${cfg.root}/current`, before.current);
  if (before.config !== undefined) await ad.caddy.loadJson(before.config);
  else throw new BgError('Could not put back the previous Caddy config: it was not readable before the switch.', EXIT.attention);
}

// systemd's unit Result, said for people.
function whyStartFailed(result: string | undefined): string {
  switch (result) {
    case 'timeout':
      return ' It did not finish booting within its start timeout: the app never bound its port (hanging at import?).';
    case 'exit-code':
      return ' The process exited with an error: see its last lines below.';
    case 'signal':
    case 'core-dump':
      return ' The process was killed by a signal.';
    case 'start-limit-hit':
      return ' systemd refused: it was started too often in a short time (StartLimitBurst). `systemctl reset-failed <unit>` clears it.';
    default:
      return '';
  }
}

const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';
