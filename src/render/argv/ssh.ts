// The ssh command line of a fleet run: the operator's own OpenSSH, BatchMode so a password or
// passphrase prompt never hangs a run, host key checking left as it is. The remote command line is
// built from validated words, each quoted for the remote shell. Pure.
import type { FleetHost } from '../../config/types.js';

/** One word for a POSIX shell: left bare when it holds only safe characters, else single-quoted. */
export const shellQuote = (w: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** The argv after `ssh` that runs `bg --config <host's config> <args>` on `host`. */
export function sshArgs(host: FleetHost, args: string[], bg = 'bluegreen'): string[] {
  const remote = [bg, '--config', host.config, ...args].map(shellQuote).join(' ');
  return ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', ...(host.port ? ['-p', String(host.port)] : []), host.ssh, remote];
}

/** The same command as one line the operator can paste into a shell. */
export const sshCommandLine = (ssh: string, host: FleetHost, args: string[], bg = 'bluegreen') =>
  [ssh, ...sshArgs(host, args, bg).map(shellQuote)].join(' ');

/** `logs --host` and `run --host`: the same bg line on the operator's terminal; `tty`: ssh gives the remote side one (-t). */
export function sshAttachedArgs(host: FleetHost, args: string[], tty: boolean, bg = 'bluegreen'): string[] {
  const [target, remote] = sshArgs(host, args, bg).slice(-2);
  return [...sshArgs(host, args, bg).slice(0, -2), ...(tty ? ['-t'] : []), target, remote];
}
