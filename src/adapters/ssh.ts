// bg on another host, through the operator's own OpenSSH (their keys and ~/.ssh/config); the
// command line is src/render/argv/ssh.ts's. `bg status` reaches this, so it runs on the light engine.
import type { FleetHost } from '../config/types.js';
import { type RemoteBg, type RemoteEvent, type RemoteResult, SSH_FAILED } from '../fleet/remote.js';
import type { ProtocolHeader } from '../protocol/events.js';
import { parseLine } from '../protocol/wire.js';
import { sshArgs, sshCommandLine } from '../render/argv/ssh.js';
import { streamProcess } from './process.js';

export class SshBg implements RemoteBg {
  /** `ssh`: the client (BG_SSH may name another, e.g. in tests); `bg`: the command on the remote side. */
  constructor(
    private readonly ssh = process.env.BG_SSH || 'ssh',
    private readonly bg = 'bluegreen',
  ) {}

  commandFor(host: FleetHost, args: string[]): string {
    return sshCommandLine(this.ssh, host, args, this.bg);
  }

  async run(host: FleetHost, args: string[], onEvent?: (e: RemoteEvent) => void): Promise<RemoteResult> {
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
    const r = await streamProcess(this.ssh, sshArgs(host, args, this.bg), (text) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) line(l);
    });
    if (r.error) return { exitCode: SSH_FAILED, header, events, stdout: r.stdout, stderr: `${r.stderr}${this.ssh}: ${r.error.message}\n` };
    if (pending) line(pending);
    return { exitCode: r.exitCode ?? (r.signal ? SSH_FAILED : 1), header, events, stdout: r.stdout, stderr: r.stderr };
  }
}
