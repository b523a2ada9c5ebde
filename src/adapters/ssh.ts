// bg on another host, through the operator's own OpenSSH: their keys and ~/.ssh/config, BatchMode
// so a password or passphrase prompt never hangs a run, host key checking left as it is (a changed
// key stops the run). The remote command line is built from validated words, each quoted for the
// remote shell.
import { spawn } from 'node:child_process';
import type { FleetHost } from '../config/types.js';
import { type RemoteBg, type RemoteEvent, type RemoteResult, SSH_FAILED } from '../fleet/remote.js';
import type { ProtocolHeader } from '../protocol/events.js';
import { parseLine } from '../protocol/wire.js';

const shellQuote = (w: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

export class SshBg implements RemoteBg {
  /** `ssh`: the client (BG_SSH may name another, e.g. in tests); `bg`: the command on the remote side. */
  constructor(
    private readonly ssh = process.env.BG_SSH || 'ssh',
    private readonly bg = 'bluegreen',
  ) {}

  private argv(host: FleetHost, args: string[]): string[] {
    const remote = [this.bg, '--config', host.config, ...args].map(shellQuote).join(' ');
    return ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', ...(host.port ? ['-p', String(host.port)] : []), host.ssh, remote];
  }

  commandFor(host: FleetHost, args: string[]): string {
    return [this.ssh, ...this.argv(host, args).map(shellQuote)].join(' ');
  }

  run(host: FleetHost, args: string[], onEvent?: (e: RemoteEvent) => void): Promise<RemoteResult> {
    return new Promise((resolve) => {
      const child = spawn(this.ssh, this.argv(host, args), { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let pending = '';
      const events: RemoteEvent[] = [];
      let header: ProtocolHeader | undefined;
      // a line that is neither (an older bg's multi-line JSON) is kept in stdout only
      const line = (l: string) => {
        const p = parseLine(l);
        if (p.kind === 'header') header ??= p.header;
        else if (p.kind === 'event') {
          events.push(p.event);
          onEvent?.(p.event);
        }
      };
      child.stdout.on('data', (d: Buffer) => {
        const text = d.toString();
        stdout += text;
        pending += text;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const l of lines) line(l);
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('error', (err) => resolve({ exitCode: SSH_FAILED, header, events, stdout, stderr: `${stderr}${this.ssh}: ${err.message}\n` }));
      child.on('close', (code, signal) => {
        if (pending) line(pending);
        resolve({ exitCode: code ?? (signal ? SSH_FAILED : 1), header, events, stdout, stderr });
      });
    });
  }
}
