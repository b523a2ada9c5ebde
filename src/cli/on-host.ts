// `logs --host NAME` and `run --host NAME` with `hosts:` in bg.yml: which host, and the ssh line
// that runs the same command there with that host's own config. Pure.
import type { Config, FleetHost } from '../config/types.js';
import { UsageError } from '../errors.js';
import { sshAttachedArgs } from '../render/argv/ssh.js';

/**
 * The host `--host` names. Undefined: bg.yml lists no hosts and no --host was given (the command
 * runs here). Throws (exit 2, nothing ran) for a name bg.yml does not list, a fleet without
 * --host, or --host without a fleet.
 */
export function hostNamed(cfg: Config, name: string | undefined, command: string): FleetHost | undefined {
  const hosts = cfg.hosts;
  if (!hosts) {
    if (name === undefined) return undefined;
    throw new UsageError(`--host ${name}: ${cfg.configPath} lists no hosts, so ${command} runs on this machine.`, {
      code: 'host-without-fleet',
      state: 'Nothing ran.',
      next: `Run it without --host, or on that machine: ssh <host> bluegreen ${command}.`,
    });
  }
  const names = hosts.map((h) => h.name).join(', ');
  if (name === undefined)
    throw new UsageError(`${command} reaches one host at a time, and ${cfg.configPath} lists ${hosts.length}: ${names}.`, {
      code: 'fleet-host-needed',
      state: 'Nothing ran.',
      next: `Name one with --host, e.g. bluegreen ${command} --host ${hosts[0].name}.`,
    });
  const host = hosts.find((h) => h.name === name);
  if (!host)
    throw new UsageError(`No host named ${name} in ${cfg.configPath}: its hosts are ${names}.`, {
      code: 'fleet-host-unknown',
      state: 'Nothing ran.',
      next: `Pass one of: ${names}.`,
    });
  return host;
}

/** The ssh client (BG_SSH may name another, as for every fleet run) and its argv: `args` run by bg on `host` with that host's config. */
export const onHost = (env: NodeJS.ProcessEnv, host: FleetHost, args: string[], tty: boolean) => ({
  cmd: env.BG_SSH || 'ssh',
  args: sshAttachedArgs(host, args, tty),
});
