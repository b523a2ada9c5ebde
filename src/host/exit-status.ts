// systemd's exit statuses in words (`systemd-analyze exit-status` lists them): what a unit's, or a
// build command's transient unit's, ExecMainStatus means, and what to do. 200 and above are systemd's
// own: it failed while setting the process up, before the command ran (so the command printed nothing).
// 1-7 are the LSB's, and usually the program's own exit code. Pure.

/** What the words may name: the unit, the app's user (system scope), the working directory, the command. */
export interface ExitContext {
  unit: string;
  user?: string;
  cwd?: string;
  command?: string;
}

export interface ExitStatus {
  code: number;
  name: string; // systemd's name, e.g. CHDIR
  byRunner: boolean; // systemd failed before the command ran (200 and above)
  what: string; // what happened, in words
  next: string; // what to do
}

type Words = (c: ExitContext) => { what: string; next: string };

const who = (c: ExitContext) => (c.user ? `the app's user (${c.user})` : 'the unit');
const cwd = (c: ExitContext) => c.cwd ?? 'its WorkingDirectory';
const statusOf = (c: ExitContext) => `\`systemctl status ${c.unit}\` and \`journalctl -u ${c.unit}\``;
const setupAgain = 'run `bluegreen setup` so the unit files are rewritten, then try again';

const SYSTEMD: Record<number, [string, Words]> = {
  200: [
    'CHDIR',
    (c) => ({
      what: `${who(c)} cannot enter ${cwd(c)}`,
      next: `Give ${c.user ?? 'it'} search (x) permission on every directory from / down to ${cwd(c)} (\`namei -l ${cwd(c)}\` shows the modes along the path; e.g. \`chmod 755\` the one without it), then try again.`,
    }),
  ],
  201: ['NICE', (c) => ({ what: 'systemd could not set its Nice= level', next: `See ${statusOf(c)}.` })],
  202: ['FDS', (c) => ({ what: 'systemd could not set up its file descriptors', next: `See ${statusOf(c)}.` })],
  203: [
    'EXEC',
    (c) => ({
      what: `the program${c.command ? ` (${c.command})` : ''} could not be run: missing, not executable by ${who(c)}, or a script whose #! interpreter is missing`,
      next: `Check that the path exists in the release and that ${c.user ?? 'its user'} may run it (for a venv: that its python exists; \`bluegreen setup\` rebuilds the venv), then try again.`,
    }),
  ],
  204: [
    'MEMORY',
    () => ({ what: 'systemd ran out of memory while setting the process up', next: 'Free memory on the host, then try again.' }),
  ],
  205: ['LIMITS', (c) => ({ what: 'systemd could not set a resource limit (Limit*=)', next: `See ${statusOf(c)}.` })],
  206: ['OOM_ADJUST', (c) => ({ what: 'systemd could not set OOMScoreAdjust=', next: `See ${statusOf(c)}.` })],
  207: ['SIGNAL_MASK', (c) => ({ what: 'systemd could not set the signal mask', next: `See ${statusOf(c)}.` })],
  208: ['STDIN', (c) => ({ what: 'systemd could not set up standard input', next: `See ${statusOf(c)}.` })],
  209: [
    'STDOUT',
    (c) => ({
      what: 'systemd could not open standard output: a log file it cannot create or append to',
      next: `Check that the log file's directory exists (log_dir in bg.yml; \`bluegreen setup\` creates it), or see ${statusOf(c)}.`,
    }),
  ],
  210: ['CHROOT', (c) => ({ what: 'systemd could not change the root directory (RootDirectory=)', next: `See ${statusOf(c)}.` })],
  211: ['IOPRIO', (c) => ({ what: 'systemd could not set the I/O priority', next: `See ${statusOf(c)}.` })],
  212: ['TIMERSLACK', (c) => ({ what: 'systemd could not set the timer slack', next: `See ${statusOf(c)}.` })],
  213: ['SECUREBITS', (c) => ({ what: 'systemd could not set the secure bits', next: `See ${statusOf(c)}.` })],
  214: ['SETSCHEDULER', (c) => ({ what: 'systemd could not set the CPU scheduling policy', next: `See ${statusOf(c)}.` })],
  215: ['CPUAFFINITY', (c) => ({ what: 'systemd could not set the CPU affinity', next: `See ${statusOf(c)}.` })],
  216: [
    'GROUP',
    (c) => ({
      what: `systemd could not find or switch to the group of ${who(c)}`,
      next: `Check \`getent group ${c.user ?? '<group>'}\`; \`bluegreen setup\` creates the app's user and group.`,
    }),
  ],
  217: [
    'USER',
    (c) => ({
      what: `systemd could not find or switch to ${who(c)}`,
      next: `Check \`getent passwd ${c.user ?? '<user>'}\`; \`bluegreen setup\` creates the app's user.`,
    }),
  ],
  218: [
    'CAPABILITIES',
    (c) => ({ what: 'systemd could not set the capabilities the unit asks for', next: `See ${statusOf(c)}; ${setupAgain}.` }),
  ],
  219: [
    'CGROUP',
    (c) => ({
      what: 'systemd could not put the process into its control group (a memory or CPU setting the kernel refuses)',
      next: `See ${statusOf(c)}; check that the cgroup controllers are available (memory_max in bg.yml).`,
    }),
  ],
  220: ['SETSID', (c) => ({ what: 'systemd could not create a new session', next: `See ${statusOf(c)}.` })],
  221: ['CONFIRM', () => ({ what: 'the start was refused at the console (systemd.confirm_spawn)', next: 'Boot without confirm_spawn.' })],
  222: [
    'STDERR',
    (c) => ({ what: 'systemd could not open standard error: a log file it cannot create or append to', next: `See ${statusOf(c)}.` }),
  ],
  224: ['PAM', (c) => ({ what: 'the PAM session could not be set up', next: `See ${statusOf(c)}.` })],
  225: ['NETWORK', (c) => ({ what: 'systemd could not set up the network namespace (PrivateNetwork=)', next: `See ${statusOf(c)}.` })],
  226: [
    'NAMESPACE',
    (c) => ({
      what: "systemd could not set up the sandbox's file system namespace: a path the unit names (ReadWritePaths=, the release, the shared or log directory) is missing, or mounts are not allowed here",
      next: `Check that every directory the unit names exists (\`bluegreen setup\` creates bg's own), see ${statusOf(c)}, then try again.`,
    }),
  ],
  227: ['NO_NEW_PRIVILEGES', (c) => ({ what: 'systemd could not set NoNewPrivileges=', next: `See ${statusOf(c)}.` })],
  228: [
    'SECCOMP',
    (c) => ({
      what: 'systemd could not install the system call filter (SystemCallFilter=); the kernel may lack seccomp',
      next: `See ${statusOf(c)}.`,
    }),
  ],
  229: ['SELINUX_CONTEXT', (c) => ({ what: 'systemd could not set the SELinux context', next: `See ${statusOf(c)}.` })],
  230: ['PERSONALITY', (c) => ({ what: 'systemd could not set the execution domain (Personality=)', next: `See ${statusOf(c)}.` })],
  231: [
    'APPARMOR',
    (c) => ({
      what: 'systemd could not switch to the AppArmor profile',
      next: `Check the profile is loaded (\`aa-status\`); see ${statusOf(c)}.`,
    }),
  ],
  232: ['ADDRESS_FAMILIES', (c) => ({ what: 'systemd could not restrict the address families', next: `See ${statusOf(c)}.` })],
  233: ['RUNTIME_DIRECTORY', (c) => ({ what: 'systemd could not create the RuntimeDirectory= under /run', next: `See ${statusOf(c)}.` })],
  235: ['CHOWN', (c) => ({ what: 'systemd could not change the owner of a socket or directory', next: `See ${statusOf(c)}.` })],
  236: ['SMACK_PROCESS_LABEL', (c) => ({ what: 'systemd could not set the SMACK label', next: `See ${statusOf(c)}.` })],
  237: ['KEYRING', (c) => ({ what: 'systemd could not set up the kernel keyring', next: `See ${statusOf(c)}.` })],
  238: ['STATE_DIRECTORY', (c) => ({ what: 'systemd could not create the StateDirectory= under /var/lib', next: `See ${statusOf(c)}.` })],
  239: ['CACHE_DIRECTORY', (c) => ({ what: 'systemd could not create the CacheDirectory= under /var/cache', next: `See ${statusOf(c)}.` })],
  240: ['LOGS_DIRECTORY', (c) => ({ what: 'systemd could not create the LogsDirectory= under /var/log', next: `See ${statusOf(c)}.` })],
  241: [
    'CONFIGURATION_DIRECTORY',
    (c) => ({ what: 'systemd could not create the ConfigurationDirectory= under /etc', next: `See ${statusOf(c)}.` }),
  ],
  242: ['NUMA_POLICY', (c) => ({ what: 'systemd could not set the NUMA policy', next: `See ${statusOf(c)}.` })],
  243: [
    'CREDENTIALS',
    (c) => ({ what: 'systemd could not set up the credentials (LoadCredential=, SetCredential=)', next: `See ${statusOf(c)}.` }),
  ],
  244: ['BPF', (c) => ({ what: 'systemd could not set up a BPF program (IP filtering, device policy)', next: `See ${statusOf(c)}.` })],
  255: ['EXCEPTION', (c) => ({ what: 'systemd hit an unexpected error while setting the process up', next: `See ${statusOf(c)}.` })],
};

const ownOutput = (c: ExitContext) => `See its output${c.unit ? ` (\`journalctl -u ${c.unit}\`)` : ''}.`;

// The program's own exit code by the LSB convention: systemd says the name, the program means it.
const LSB: Record<number, [string, Words]> = {
  1: ['FAILURE', (c) => ({ what: 'the program exited with a generic failure', next: ownOutput(c) })],
  2: [
    'INVALIDARGUMENT',
    (c) => ({ what: 'the program exited with an invalid argument or usage error', next: `Check the command line. ${ownOutput(c)}` }),
  ],
  3: ['NOTIMPLEMENTED', (c) => ({ what: 'the program exited: not implemented', next: ownOutput(c) })],
  4: ['NOPERMISSION', (c) => ({ what: `the program exited: permission denied to ${who(c)}`, next: ownOutput(c) })],
  5: ['NOTINSTALLED', (c) => ({ what: 'the program exited: something it needs is not installed', next: ownOutput(c) })],
  6: [
    'NOTCONFIGURED',
    (c) => ({ what: 'the program exited: not configured', next: `Check its settings and the env file. ${ownOutput(c)}` }),
  ],
  7: ['NOTRUNNING', (c) => ({ what: 'the program exited: not running', next: ownOutput(c) })],
};

/** A unit's exit status in words; undefined for 0 and for codes systemd gives no name. */
export function exitStatus(code: number | undefined, c: ExitContext): ExitStatus | undefined {
  if (code === undefined) return undefined;
  const row = SYSTEMD[code] ?? LSB[code];
  if (!row) return undefined;
  const [name, words] = row;
  return { code, name, byRunner: code >= 200, ...words(c) };
}

/** One line: `200/CHDIR: the app's user (shop) cannot enter /srv/shop/releases/x`. */
export const exitStatusLine = (s: ExitStatus): string => `${s.code}/${s.name}: ${s.what}`;
