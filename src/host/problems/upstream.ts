// What serves: the upstream file, what Caddy routes to, and which color's web runs. Pure.
import { unitNames } from '../../config/names.js';
import { activeSocket, colorAddress, colorSocket } from '../../config/socket-paths.js';
import { COLORS, type Color, type Config } from '../../config/types.js';
import { EXIT } from '../../errors.js';
import { renderUpstream } from '../../render/upstream.js';
import { caddyRoutesTo, type HostState, isRunning } from '../host-state.js';
import type { Found } from '../problem.js';
import { upstreamSays } from '../socket-state.js';

// The upstream file is gone or not bg's, yet Caddy routes to one of our colors and that color's web
// runs: that color is live, whatever the file says.
export function liveColorWithoutFile(cfg: Config, host: HostState): Color | undefined {
  if (host.active && caddyRoutesTo(cfg, host, cfg.web.ports[host.active])) return undefined;
  const live = COLORS.filter((c) => caddyRoutesTo(cfg, host, cfg.web.ports[c]) && isRunning(host.units[unitNames(cfg, c).web]));
  return live.length === 1 ? live[0] : undefined;
}

export function upstreamFileLost(cfg: Config, host: HostState): Found | undefined {
  const found = liveColorWithoutFile(cfg, host);
  if (!found || host.active) return undefined;
  return {
    code: 'upstream-file-lost',
    message: `${cfg.caddy.upstreamFile} is ${host.upstreamFile === 'missing' ? 'missing' : "not in bg's format"}, but Caddy routes to ${found} (${colorAddress(cfg, found)}) and its web unit runs.`,
    next: '`bluegreen setup` writes the file for the color that serves; nothing else changes.',
    blocks: ['deploy', 'rollback', 'cleanup'],
    exitCode: EXIT.usage,
  };
}

export function unknownLiveColor(cfg: Config, host: HostState): Found | undefined {
  if (host.active || liveColorWithoutFile(cfg, host)) return undefined;
  const running = COLORS.filter((c) => isRunning(host.units[unitNames(cfg, c).web]));
  if (running.length === 0 || host.caddyUpstreams === undefined) return undefined;
  const c = running[0];
  const unit = unitNames(cfg, c).web;
  const file = cfg.caddy.upstreamFile;
  const sc = cfg.scope === 'user' ? 'systemctl --user' : 'systemctl';
  return {
    code: 'unknown-live-color',
    message: `${unit} runs, but neither ${file} nor Caddy (which routes to ${host.caddyUpstreams.join(', ') || 'nothing'}) names it: bg cannot tell which release should serve.`,
    next: `If ${c} should serve: ${pointCommand(cfg, c)} && bluegreen setup. If not: ${sc} stop ${unit} && bluegreen setup.`,
    blocks: ['setup'],
    exitCode: EXIT.usage,
  };
}

export function notSetUp(cfg: Config, host: HostState): Found | undefined {
  if (host.active || liveColorWithoutFile(cfg, host)) return undefined;
  const file = cfg.caddy.upstreamFile;
  return {
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
  };
}

export function caddyUnreachable(cfg: Config, host: HostState): Found | undefined {
  if (host.caddyUpstreams !== undefined) return undefined;
  return {
    code: 'caddy-unreachable',
    message: `Caddy's admin API at ${cfg.caddy.admin} is not answering.`,
    next: `Start Caddy (${cfg.caddy.unit}) and make sure caddy.admin in ${cfg.configPath} is its admin address.`,
    blocks: ['setup', 'deploy', 'rollback', 'maintenance'],
  };
}

export function upstreamMismatch(cfg: Config, host: HostState): Found | undefined {
  const routed = host.caddyUpstreams;
  if (routed === undefined || host.maintenance || host.upstreamPort === undefined || caddyRoutesTo(cfg, host, host.upstreamPort))
    return undefined;
  const file = cfg.caddy.upstreamFile;
  const found = liveColorWithoutFile(cfg, host);
  const serves = routed.join(', ') || 'nothing';
  return {
    code: 'upstream-mismatch',
    message: `${file} ${upstreamSays(cfg, host)} but Caddy routes to ${serves}.`,
    state: `Caddy serves ${serves}; an earlier bg run was likely cut off between writing the file and reloading Caddy. Nothing was changed now.`,
    next: found
      ? `\`bluegreen setup\` makes the file name ${found}, which Caddy routes to and which runs; then run this again.`
      : `Make the file name what Caddy routes to (check \`bluegreen status\`), e.g. echo 'to ${routed[0] ?? '127.0.0.1:<port>'}' > ${file}, then run this again.`,
    // cleanup too: it would stop the color the file calls idle, which is the one Caddy serves
    blocks: ['setup', 'deploy', 'rollback', 'cleanup'],
    exitCode: EXIT.attention,
  };
}

/** The shell line that makes the upstream file (and with the socket switch, its link) name `color`. */
function pointCommand(cfg: Config, color: Color): string {
  const write = `echo '${renderUpstream(cfg, color).trim()}' > ${cfg.caddy.upstreamFile}`;
  return cfg.caddy.switch === 'socket' ? `ln -sfn ${colorSocket(cfg, color)} ${activeSocket(cfg)} && ${write}` : write;
}
