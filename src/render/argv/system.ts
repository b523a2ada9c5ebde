import { shellQuote } from './ssh.js';

// Command lines of the host's own tools: the app's user (getent, id, useradd) and sockets (ss). Pure.

/** The argv after `getent`: the passwd entry of `name`. */
export const getentPasswdArgs = (name: string) => ['passwd', '--', name];

/** The argv after `id`: `-u` uid, `-g` primary gid, `-G` every group. */
export const idArgs = (what: '-u' | '-g' | '-G', name: string) => [what, '--', name];

/** The argv after `useradd`: a system user with a group of its own, no home made, no login; `comment` marks it as an app's. */
export function useraddArgs(name: string, home: string, comment?: string): string[] {
  return [
    '--system',
    '--user-group',
    '--home-dir',
    home,
    '--no-create-home',
    '--shell',
    '/usr/sbin/nologin',
    ...(comment ? ['--comment', comment] : []),
    '--',
    name,
  ];
}

const portFilter = (key: 'sport' | 'dport', ports: number[]) => ports.map((p) => `${key} = :${p}`).join(' or ');

/** The argv after `ss`: established TCP connections from or to local `port`. */
export const ssEstablishedArgs = (port: number) => [
  '-Htn',
  'state',
  'established',
  `( ${portFilter('sport', [port])} or ${portFilter('dport', [port])} )`,
];

/** The argv after `ss`: TCP listeners on any of `ports`. */
/** Every unix socket named `path`: its listener and the connections it accepted. */
export const ssUnixArgs = (path: string) => ['-Hxna', 'src', path];
export const ssListeningArgs = (ports: number[]) => ['-Htn', '-l', `( ${portFilter('sport', ports)} )`];

/**
 * `remove --purge`: <root> and all in it, as root, in a tree the app's user wrote (shared/). GNU rm
 * walks it with openat and O_NOFOLLOW, so a link (or a directory swapped for one mid-walk) is
 * removed, never followed; --one-file-system keeps it off a file system mounted inside.
 */
export const purgeLine = (root: string) => `rm -rf --one-file-system -- ${shellQuote(root)}`;
