// The problems of a shared Caddy that diagnose reports: bg's caddy.caddyfile is not the file
// Caddy's unit runs (bg would add this app where Caddy never reads it, and load that over every
// other site), or the config on disk does not load (and whose file breaks it). Pure.
import type { Config } from '../config/types.js';
import { BgError, EXIT } from '../errors.js';
import { describeBlamed } from './caddy-sites.js';
import type { Blockable, Problem } from './diagnose.js';
import type { HostState } from './host-state.js';

const WRITES_CADDY: Problem['blocks'] = ['setup', 'deploy', 'rollback', 'restart', 'maintenance'];

/** Throws the first of these problems that blocks `command` (exit 2, nothing changed). */
export function refuseCaddyProblems(cfg: Config, host: HostState, command: Blockable): void {
  const p = caddyProblems(cfg, host).find((x) => x.blocks.includes(command));
  if (p) throw new BgError(p.message, { code: p.code, state: 'Nothing was changed.', next: p.next, exitCode: p.exitCode });
}

export function caddyProblems(cfg: Config, host: HostState): Problem[] {
  const problems: Problem[] = [];
  const { unit, caddyfile } = cfg.caddy;
  const refuse = (code: string, message: string, next: string) => problems.push({ code, severity: 'error', message, next, blocks: WRITES_CADDY, exitCode: EXIT.usage });
  const u = host.caddyUnit;
  const cmd = u?.command;
  if (u && u.loadState !== 'loaded') {
    refuse(
      'caddy-unit-unknown',
      `caddy.unit ${unit} is not a unit systemd has (${u.loadState}): bg cannot check that Caddy runs ${caddyfile}.`,
      `Set caddy.unit in ${cfg.configPath} to the unit that runs Caddy (Debian's is caddy.service).`,
    );
  } else if (u && (!cmd?.config || !cmd.caddyfile || cmd.resume)) {
    const why = !cmd?.config ? 'no --config' : cmd.resume ? '--resume (its autosaved config, not a file)' : `${cmd.config}, which is not a Caddyfile`;
    refuse(
      'caddyfile-not-run',
      `${unit} runs Caddy with ${why}: bg adds ${cfg.app} to ${caddyfile}, which Caddy would not load at its next start.`,
      `Run Caddy from its Caddyfile (Debian's caddy.service: caddy run --environ --config ${caddyfile}) and point caddy.unit at that unit.`,
    );
  } else if (cmd?.config && cmd.config !== caddyfile) {
    refuse(
      'caddyfile-not-run',
      `caddy.caddyfile is ${caddyfile}, but ${unit} runs ${cmd.config}: bg would add ${cfg.app} to a file Caddy never loads, and loading it would replace every other site.`,
      `Set caddy.caddyfile: ${cmd.config} in ${cfg.configPath}, then run the command again.`,
    );
  } else if (host.caddyfileExists === false) {
    refuse(
      'caddyfile-missing',
      `${caddyfile}, the Caddyfile ${unit} runs, does not exist: Caddy could not start again, and bg would write one holding only ${cfg.app}.`,
      `Restore it (Debian's: apt-get install --reinstall -o Dpkg::Options::=--force-confmiss caddy), with the import of every app's site file, then run the command again.`,
    );
  }
  const disk = host.caddyOnDisk;
  if (disk && !disk.ok) {
    const others = disk.blamed.filter((b) => b.app !== cfg.app);
    const mine = disk.blamed.some((b) => b.app === cfg.app);
    problems.push({
      code: 'caddy-config-invalid',
      severity: 'error',
      message: `The Caddy config on disk does not load${disk.blamed.length ? `: ${disk.blamed.map(describeBlamed).join(' and ')} ${disk.blamed.length > 1 ? 'clash' : 'breaks it'}` : ''}. Caddy: ${disk.error}`,
      next: others.length
        ? `Fix ${others.map(describeBlamed).join(', ')}${others.some((b) => b.app) ? " (run `bluegreen setup` with that app's bg.yml)" : ''}. Until then every reload or restart of Caddy fails, and so does the switch of every app on it (${cfg.app}'s deploys too).`
        : mine
          ? "Run `bluegreen setup`, which rewrites this app's site file."
          : `Fix ${cfg.caddy.caddyfile} (Caddy's message above). Until then every reload or restart of Caddy fails.`,
      blocks: [],
    });
  }
  return problems;
}
