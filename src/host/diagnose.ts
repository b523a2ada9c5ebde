import { unitNames, venvsDir } from '../config/names.js';
import { COLORS, type Color, type Config, otherColor } from '../config/types.js';
import { EXIT, type ExitCode } from '../errors.js';
import { caddyProblems } from './caddy-problems.js';
import { type HostState, isRunning } from './host-state.js';
import { memoryFit, memoryShortMessage } from './memory-fit.js';
import { nameProblems } from './names-check.js';

// Every problem bg can see on the host, from one observation, pure. `preflight` refuses a command
// with the first problem that blocks it; `bg status` lists them all.

export type Blockable = 'setup' | 'deploy' | 'rollback' | 'restart' | 'cleanup' | 'maintenance';

export interface Problem {
  code: string; // stable, kebab-case
  severity: 'error' | 'warning';
  message: string;
  next: string;
  blocks: Blockable[]; // the commands that must not run while it stands
  color?: Color; // for a problem of one color (port-taken): it blocks only a command that starts that color
  state?: string; // the state line when it blocks a command (default: nothing was changed)
  exitCode?: ExitCode; // when it blocks (default: 1, nothing changed)
}

export function diagnose(cfg: Config, host: HostState): Problem[] {
  const problems: Problem[] = [];
  // a restart starts a color and switches like a rollback: the same problems stop it
  const add = (p: Omit<Problem, 'severity' | 'blocks'> & Partial<Pick<Problem, 'severity' | 'blocks'>>) => {
    const blocks = p.blocks ?? [];
    problems.push({ severity: 'error', ...p, blocks: blocks.includes('rollback') ? [...blocks, 'restart'] : blocks });
  };
  const file = cfg.caddy.upstreamFile;
  problems.push(...nameProblems(cfg, host));

  const found = liveColorWithoutFile(cfg, host);
  if (found && !host.active) {
    add({
      code: 'upstream-file-lost',
      message: `${file} is ${host.upstreamFile === 'missing' ? 'missing' : "not in bg's format"}, but Caddy routes to ${found} (127.0.0.1:${cfg.web.ports[found]}) and its web unit runs.`,
      next: '`bluegreen setup` writes the file for the color that serves; nothing else changes.',
      blocks: ['deploy', 'rollback', 'cleanup'],
      exitCode: EXIT.usage,
    });
  } else if (!host.active) {
    const running = COLORS.filter((c) => isRunning(host.units[unitNames(cfg, c).web]));
    if (running.length > 0 && host.caddyUpstreams !== undefined) {
      const c = running[0];
      const unit = unitNames(cfg, c).web;
      const sc = cfg.scope === 'user' ? 'systemctl --user' : 'systemctl';
      add({
        code: 'unknown-live-color',
        message: `${unit} runs, but neither ${file} nor Caddy (which routes to ${host.caddyUpstreams.join(', ') || 'nothing'}) names it: bg cannot tell which release should serve.`,
        next: `If ${c} should serve: echo 'to 127.0.0.1:${cfg.web.ports[c]}' > ${file} && bluegreen setup. If not: ${sc} stop ${unit} && bluegreen setup.`,
        blocks: ['setup'],
        exitCode: EXIT.usage,
      });
    }
  }
  if (!host.active && !found) {
    add({
      code: 'not-set-up',
      message:
        host.upstreamFile === 'missing'
          ? `${cfg.app} is not set up: ${file} is missing.`
          : host.upstreamFile === 'unreadable'
            ? `${cfg.app} is not set up: ${file} is not in bg's format.`
            : `${cfg.app} is not set up: ${file} names no color of ours (127.0.0.1:${host.upstreamPort}).`,
      next: 'Run `bluegreen setup` first.',
      blocks: ['deploy', 'rollback', 'cleanup', 'maintenance'],
      exitCode: EXIT.usage,
      // a legacy upstream is how a host looks before its first setup: status need not warn
      severity: host.upstreamFile === 'ok' ? 'warning' : 'error',
    });
  }

  const routed = host.caddyUpstreams;
  if (routed === undefined) {
    add({
      code: 'caddy-unreachable',
      message: `Caddy's admin API at ${cfg.caddy.admin} is not answering.`,
      next: `Start Caddy (${cfg.caddy.unit}) and make sure caddy.admin in ${cfg.configPath} is its admin address.`,
      blocks: ['setup', 'deploy', 'rollback', 'maintenance'],
    });
  } else if (!host.maintenance && host.upstreamPort !== undefined && !routed.includes(`127.0.0.1:${host.upstreamPort}`)) {
    const serves = routed.join(', ') || 'nothing';
    add({
      code: 'upstream-mismatch',
      message: `${file} says 127.0.0.1:${host.upstreamPort} but Caddy routes to ${serves}.`,
      state: `Caddy serves ${serves}; an earlier bg run was likely cut off between writing the file and reloading Caddy. Nothing was changed now.`,
      next: found
        ? `\`bluegreen setup\` makes the file name ${found}, which Caddy routes to and which runs; then run this again.`
        : `Make the file name what Caddy routes to (check \`bluegreen status\`), e.g. echo 'to ${routed[0] ?? '127.0.0.1:<port>'}' > ${file}, then run this again.`,
      // cleanup too: it would stop the color the file calls idle, which is the one Caddy serves
      blocks: ['setup', 'deploy', 'rollback', 'cleanup'],
      exitCode: EXIT.attention,
    });
  }

  if (host.active) {
    const live = unitNames(cfg, host.active);
    const idle = unitNames(cfg, otherColor(host.active));
    const web = host.units[live.web];
    if (web?.activeState !== 'active') {
      add({
        code: 'active-web-down',
        message: `the active color's web unit ${live.web} is ${web?.activeState ?? 'unknown'}.`,
        next: `Start it (systemctl${cfg.scope === 'user' ? ' --user' : ''} start ${live.web}) or run \`bluegreen setup\`, which starts what the active color is missing.`,
      });
    }
    if (idle.worker && host.units[idle.worker]?.activeState === 'active') {
      add({ code: 'idle-celery-running', message: `the idle color's Celery worker ${idle.worker} is running.`, next: 'Run `bluegreen cleanup` to stop it.' });
    }
    const down = [live.worker, live.beat].filter((u): u is string => !!u && !!host.units[u] && host.units[u].activeState !== 'active');
    if (down.length) {
      add({
        code: 'active-celery-down',
        message: `${down.join(', ')} of the active color not running (an interrupted deploy?): \`bluegreen setup\` starts it.`,
        next: 'Run `bluegreen setup`.',
      });
    }
    if (host.units[idle.web]?.activeState === 'active') {
      add({
        code: 'idle-web-running',
        message: `both colors' web units run: the idle ${idle.web} takes no traffic (an interrupted run?).`,
        next: 'Run `bluegreen cleanup` to stop it (the next deploy also replaces it).',
      });
    }
    // Caddy reads the upstream file at boot: a reboot must bring up the color it names, and only that one
    const liveOff = Object.values(live).filter((u): u is string => !!u && host.units[u]?.fileState === 'disabled');
    if (liveOff.length) {
      add({
        code: 'live-not-enabled',
        message: `the live color is not enabled: ${liveOff.join(', ')} ${liveOff.length > 1 ? 'are' : 'is'} disabled, so after a reboot ${liveOff.includes(live.web) ? `nothing serves ${cfg.app} (Caddy routes to ${host.active}, which would not start)` : `${host.active} comes up without ${liveOff.length > 1 ? 'them' : 'it'}`}.`,
        next: 'Run `bluegreen setup`, which enables the live color (and starts what it is missing).',
      });
    }
    const enabled = Object.values(idle).filter((u): u is string => !!u && host.units[u]?.fileState === 'enabled');
    if (enabled.length) {
      add({
        code: 'idle-enabled',
        message: `${enabled.join(', ')} of the idle color ${enabled.length > 1 ? 'are' : 'is'} enabled: after a reboot ${enabled.length > 1 ? 'they' : 'it'} would start too${enabled.some((u) => u !== idle.web) ? ", and the two colors' Celery would race for which one runs" : ''}.`,
        next: 'Run `bluegreen cleanup`, which stops and disables them (or `bluegreen setup`, which disables them).',
      });
    }
  }

  // listening undefined: not looked (status does not run `ss`)
  for (const color of host.listening ? COLORS : []) {
    const port = cfg.web.ports[color];
    const web = host.units[unitNames(cfg, color).web];
    // deactivating: our own Gunicorn from the previous deploy, still exiting; a plan waits for it
    if (host.listening!.includes(port) && !isRunning(web) && web?.activeState !== 'deactivating') {
      add({
        code: 'port-taken',
        color,
        message: `Port ${port} (web.ports.${color}) is already in use by another process.`,
        next: `Free port ${port} (ss -ltnp 'sport = :${port}' shows who holds it) or pick another web.ports.${color}.`,
        blocks: ['setup', 'deploy', 'rollback'],
      });
    }
  }

  if (host.lock && !host.lock.alive) {
    const l = host.lock.info;
    const who = l ? `${l.command} (pid ${l.pid}, started ${l.since})${l.step ? ` was cut off at step ${l.step}` : ' was cut off'}` : 'a bg run left an unreadable lock file';
    add({
      code: 'interrupted-run',
      message: `${who}; its lock is stale.`,
      next: 'Check the units above: the next bg command takes the lock over, and `bluegreen deploy` or `rollback` recovers (it stops what the idle color left running); `bluegreen cleanup` stops it now.',
    });
  }

  if (host.maintenance) {
    add({
      code: 'maintenance-on',
      severity: 'warning',
      message: `maintenance is on: Caddy answers 503 for ${cfg.app}; the app keeps running.`,
      next: 'Run `bluegreen maintenance off` when you are done.',
    });
  }

  if (host.envFileIsLink) {
    add({
      code: 'env-file-link',
      message: `the env file ${cfg.envFile} is a symbolic link: systemd would read wherever it points, as root, into the app's environment.`,
      next: `Make it a regular file again (its secrets, 0640 root:${cfg.user}); keep env_file outside shared/ (e.g. /etc/bg/${cfg.app}.env) so the app's user cannot replace it.`,
      blocks: ['setup', 'deploy', 'rollback'],
      exitCode: EXIT.usage,
    });
  }

  problems.push(...caddyProblems(cfg, host));

  if (host.liveVenv?.untrusted) {
    const t = host.liveVenv.target;
    const inVenvs = !!t && t.startsWith(`${venvsDir(cfg)}/`);
    add({
      code: 'venv-untrusted',
      message: `the live units run the Python of a venv bg cannot vouch for: ${host.liveVenv.untrusted}. Whoever can write there chooses the code they run.`,
      next: inVenvs
        ? `Check who changed it (ls -la ${t}), then rm -rf ${t} && bluegreen deploy: bg builds the venv again, root's, in ${venvsDir(cfg)}.`
        : `Run \`bluegreen deploy\`: it builds the venv in ${venvsDir(cfg)} (root's, 0755) and the new release runs from there.`,
    });
  }

  const fit = memoryFit(cfg, host);
  if (fit && !fit.fits) {
    add({
      code: 'memory-short',
      severity: 'warning',
      message: memoryShortMessage(host, fit),
      state: `Nothing was changed; ${host.active} keeps serving.`,
      next: `Lower web.workers, add swap, or stop something else that uses memory; or pass --no-memory-check to go ahead anyway.`,
      blocks: ['deploy', 'rollback'],
      exitCode: EXIT.usage,
    });
  }

  if (host.tcpMigrateReq === false) {
    add({ code: 'tcp-migrate-req-off', severity: 'warning', message: migrateWarning, next: `sudo sysctl -w net.ipv4.tcp_migrate_req=1` });
  }
  return problems;
}

// The upstream file is gone or not bg's, yet Caddy routes to one of our colors and that color's web
// runs: that color is live, whatever the file says.
export function liveColorWithoutFile(cfg: Config, host: HostState): Color | undefined {
  if (host.active && host.caddyUpstreams?.includes(`127.0.0.1:${cfg.web.ports[host.active]}`)) return undefined;
  const routed = host.caddyUpstreams ?? [];
  const live = COLORS.filter((c) => routed.includes(`127.0.0.1:${cfg.web.ports[c]}`) && isRunning(host.units[unitNames(cfg, c).web]));
  return live.length === 1 ? live[0] : undefined;
}

/**
 * After a run whose undo hit an error: does the host serve as before it? The color that served is
 * live in the upstream file and in Caddy, its web runs, and Celery is not split across colors.
 * A first setup (nothing of ours served) is back when no color of ours is live.
 */
export function servesAsBefore(cfg: Config, host: HostState, before: Color | undefined): boolean {
  const broken = new Set(['upstream-mismatch', 'active-web-down', 'idle-celery-running', 'active-celery-down', 'caddy-unreachable']);
  if (diagnose(cfg, host).some((p) => broken.has(p.code))) return false;
  // a first setup: nothing of ours is live, and a legacy unit it took over from runs again
  if (!before) return host.active === undefined && (!cfg.legacyUnit || host.units[cfg.legacyUnit]?.activeState === 'active');
  return host.active === before && !!host.caddyUpstreams?.includes(`127.0.0.1:${cfg.web.ports[before]}`);
}

export const migrateWarning =
  'net.ipv4.tcp_migrate_req is 0: each Caddy reload can reset connections queued in its old listener. Fix: sudo sysctl -w net.ipv4.tcp_migrate_req=1 (and add it to /etc/sysctl.d/).';
