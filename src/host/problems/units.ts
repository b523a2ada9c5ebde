// What runs: each color's units against the color that serves, and our ports. Pure.
import { unitNames } from '../../config/names.js';
import { COLORS, type Config, otherColor } from '../../config/types.js';
import { type HostState, isRunning } from '../host-state.js';
import type { Found } from '../problem.js';

export function activeWebDown(cfg: Config, host: HostState): Found | undefined {
  if (!host.active) return undefined;
  const unit = unitNames(cfg, host.active).web;
  const web = host.units[unit];
  if (web?.activeState === 'active') return undefined;
  return {
    code: 'active-web-down',
    message: `the active color's web unit ${unit} is ${web?.activeState ?? 'unknown'}.`,
    next: `Start it (systemctl${cfg.scope === 'user' ? ' --user' : ''} start ${unit}) or run \`bluegreen setup\`, which starts what the active color is missing.`,
  };
}

export function idleCeleryRunning(cfg: Config, host: HostState): Found | undefined {
  if (!host.active) return undefined;
  const worker = unitNames(cfg, otherColor(host.active)).worker;
  if (!worker || host.units[worker]?.activeState !== 'active') return undefined;
  return {
    code: 'idle-celery-running',
    message: `the idle color's Celery worker ${worker} is running.`,
    next: 'Run `bluegreen cleanup` to stop it.',
  };
}

export function activeCeleryDown(cfg: Config, host: HostState): Found | undefined {
  if (!host.active) return undefined;
  const live = unitNames(cfg, host.active);
  const down = [live.worker, live.beat].filter((u): u is string => !!u && !!host.units[u] && host.units[u].activeState !== 'active');
  if (!down.length) return undefined;
  return {
    code: 'active-celery-down',
    message: `${down.join(', ')} of the active color not running (an interrupted deploy?): \`bluegreen setup\` starts it.`,
    next: 'Run `bluegreen setup`.',
  };
}

export function idleWebRunning(cfg: Config, host: HostState): Found | undefined {
  if (!host.active) return undefined;
  const web = unitNames(cfg, otherColor(host.active)).web;
  if (host.units[web]?.activeState !== 'active') return undefined;
  return {
    code: 'idle-web-running',
    message: `both colors' web units run: the idle ${web} takes no traffic (an interrupted run?).`,
    next: 'Run `bluegreen cleanup` to stop it (the next deploy also replaces it).',
  };
}

/** One per color whose port something else holds; listening undefined: not looked (status does not run `ss`). */
export function portTaken(cfg: Config, host: HostState): Found[] {
  // the socket switch binds no port: another process on one is not ours to mind
  if (cfg.caddy.switch === 'socket') return [];
  const listening = host.listening ?? [];
  return COLORS.flatMap((color): Found[] => {
    const port = cfg.web.ports[color];
    const web = host.units[unitNames(cfg, color).web];
    // deactivating: our own Gunicorn from the previous deploy, still exiting; a plan waits for it
    if (!listening.includes(port) || isRunning(web) || web?.activeState === 'deactivating') return [];
    return [
      {
        code: 'port-taken',
        color,
        message: `Port ${port} (web.ports.${color}) is already in use by another process.`,
        next: `Free port ${port} (ss -ltnp 'sport = :${port}' shows who holds it) or pick another web.ports.${color}.`,
        blocks: ['setup', 'deploy', 'rollback'],
      },
    ];
  });
}
