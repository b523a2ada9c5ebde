// The systemd-run command line of `bluegreen run`: the app's command as a transient service, so it
// never gets the caller's terminal or environment. PID 1 (or the user manager) starts it with the
// app's sandbox (sandbox.ts), reads the env file itself, and gives it a pseudo-terminal of its own
// (--pty) or the caller's pipes (--pipe). Pure.
import type { Color, Config } from '../config/types.js';
import { sandboxLines } from './sandbox.js';

// what a root login's PATH holds on Debian; never root's own PATH (it may name root's directories)
export const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface RunCommandInput {
  command: string[];
  color: Color; // the live color: BG_COLOR
  cwd: string; // the live release's app dir
  venvBin?: string; // the release's .venv/bin, when it exists
  tty: boolean; // the caller's stdin is a terminal: a pseudo-terminal of its own, else pipes
  caller: { PATH?: string; HOME?: string; LANG?: string; TERM?: string };
}

// systemd expands $NAME and ${NAME} in a service's command line; $$ is a literal $
const literal = (arg: string) => arg.replaceAll('$', () => '$$');
// an environment value from the caller passes only when it is one plain line
const isControl = (ch: string) => ch.charCodeAt(0) < 0x20 || ch === '\x7f';
const plain = (v: string | undefined) => (v !== undefined && v !== '' && ![...v].some(isControl) ? v : undefined);

/** The argv after `systemd-run`. */
export function runCommandArgs(cfg: Config, r: RunCommandInput): string[] {
  const system = cfg.scope === 'system';
  const basePath = system ? SYSTEM_PATH : (plain(r.caller.PATH) ?? SYSTEM_PATH);
  const env: Record<string, string | undefined> = {
    PATH: r.venvBin ? `${r.venvBin}:${basePath}` : basePath,
    // the app's user's home is the app's root (useradd --home-dir <root>)
    HOME: system ? cfg.root : plain(r.caller.HOME),
    LANG: plain(r.caller.LANG),
    TERM: r.tty ? plain(r.caller.TERM) : undefined,
    BG_COLOR: r.color,
  };
  return [
    ...(system ? [] : ['--user']),
    r.tty ? '--pty' : '--pipe',
    '--wait',
    '--collect',
    '--quiet',
    [...`--description=bg run: ${r.command.join(' ')}`.slice(0, 200)].map((ch) => (isControl(ch) ? ' ' : ch)).join(''),
    `--working-directory=${r.cwd}`,
    '-p',
    `EnvironmentFile=${cfg.envFile}`,
    ...Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : ['-E', `${k}=${v}`])),
    ...sandboxLines(cfg).flatMap((line) => ['-p', line]),
    '--',
    ...r.command.map(literal),
  ];
}
