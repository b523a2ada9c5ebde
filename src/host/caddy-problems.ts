// The problems of a shared Caddy that diagnose reports: bg's caddy.caddyfile is not the file
// Caddy's unit runs (bg would add this app where Caddy never reads it, and load that over every
// other site), or the config on disk does not load (and whose file breaks it). Pure.
import type { Config } from '../config/types.js';
import { BgError, EXIT } from '../errors.js';
import { describeBlamed } from './caddy-sites.js';
import type { HostState } from './host-state.js';
import type { Blockable, Problem } from './problem.js';

const WRITES_CADDY: Problem['blocks'] = ['setup', 'deploy', 'rollback', 'restart', 'maintenance', 'remove'];

/** Throws the first of these problems that blocks `command` (exit 2, nothing changed). */
export function refuseCaddyProblems(cfg: Config, host: HostState, command: Blockable): void {
  const p = caddyProblems(cfg, host).find((x) => x.blocks.includes(command));
  if (p) throw new BgError(p.message, { code: p.code, state: 'Nothing was changed.', next: p.next, exitCode: p.exitCode });
}

export const caddyProblems = (cfg: Config, host: HostState): Problem[] =>
  [caddyUnitUnknown(cfg, host), caddyfileNotRun(cfg, host), caddyfileMissing(cfg, host), caddyConfigInvalid(cfg, host)].filter(
    (p) => p !== undefined,
  );

const refusal = (code: string, message: string, next: string): Problem => ({
  code,
  severity: 'error',
  message,
  next,
  blocks: WRITES_CADDY,
  exitCode: EXIT.usage,
});

export function caddyUnitUnknown(cfg: Config, host: HostState): Problem | undefined {
  const u = host.caddyUnit;
  if (!u || u.loadState === 'loaded') return undefined;
  return refusal(
    'caddy-unit-unknown',
    `caddy.unit ${cfg.caddy.unit} is not a unit systemd has (${u.loadState}): bg cannot check that Caddy runs ${cfg.caddy.caddyfile}.`,
    `Set caddy.unit in ${cfg.configPath} to the unit that runs Caddy (Debian's is caddy.service).`,
  );
}

export function caddyfileNotRun(cfg: Config, host: HostState): Problem | undefined {
  const { unit, caddyfile } = cfg.caddy;
  const u = host.caddyUnit;
  if (u && u.loadState !== 'loaded') return undefined; // caddy-unit-unknown
  const cmd = u?.command;
  if (u && (!cmd?.config || !cmd.caddyfile || cmd.resume)) {
    const why = !cmd?.config
      ? 'no --config'
      : cmd.resume
        ? '--resume (its autosaved config, not a file)'
        : `${cmd.config}, which is not a Caddyfile`;
    return refusal(
      'caddyfile-not-run',
      `${unit} runs Caddy with ${why}: bg adds ${cfg.app} to ${caddyfile}, which Caddy would not load at its next start.`,
      `Run Caddy from its Caddyfile (Debian's caddy.service: caddy run --environ --config ${caddyfile}) and point caddy.unit at that unit.`,
    );
  }
  if (cmd?.config && cmd.config !== caddyfile) {
    return refusal(
      'caddyfile-not-run',
      `caddy.caddyfile is ${caddyfile}, but ${unit} runs ${cmd.config}: bg would add ${cfg.app} to a file Caddy never loads, and loading it would replace every other site.`,
      `Set caddy.caddyfile: ${cmd.config} in ${cfg.configPath}, then run the command again.`,
    );
  }
  return undefined;
}

export function caddyfileMissing(cfg: Config, host: HostState): Problem | undefined {
  // the unit's own problems come first: the file it names is the one to check
  if (host.caddyfileExists !== false || caddyUnitUnknown(cfg, host) || caddyfileNotRun(cfg, host)) return undefined;
  const { unit, caddyfile } = cfg.caddy;
  return refusal(
    'caddyfile-missing',
    `${caddyfile}, the Caddyfile ${unit} runs, does not exist: Caddy could not start again, and bg would write one holding only ${cfg.app}.`,
    `Restore it (Debian's: apt-get install --reinstall -o Dpkg::Options::=--force-confmiss caddy), with the import of every app's site file, then run the command again.`,
  );
}

export function caddyConfigInvalid(cfg: Config, host: HostState): Problem | undefined {
  const disk = host.caddyOnDisk;
  if (!disk || disk.ok) return undefined;
  const others = disk.blamed.filter((b) => b.app !== cfg.app);
  const mine = disk.blamed.some((b) => b.app === cfg.app);
  return {
    code: 'caddy-config-invalid',
    severity: 'error',
    message: `The Caddy config on disk does not load${disk.blamed.length ? `: ${disk.blamed.map(describeBlamed).join(' and ')} ${disk.blamed.length > 1 ? 'clash' : 'breaks it'}` : ''}. Caddy: ${disk.error}`,
    next: others.length
      ? `Fix ${others.map(describeBlamed).join(', ')}${others.some((b) => b.app) ? " (run `bluegreen setup` with that app's bg.yml)" : ''}. Until then every reload or restart of Caddy fails, and so does the switch of every app on it (${cfg.app}'s deploys too).`
      : mine
        ? "Run `bluegreen setup`, which rewrites this app's site file."
        : `Fix ${cfg.caddy.caddyfile} (Caddy's message above). Until then every reload or restart of Caddy fails.`,
    blocks: [],
  };
}
