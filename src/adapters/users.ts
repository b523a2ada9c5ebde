// The app's unprivileged system user: looked up, and created when missing (useradd --system).
import { execFile } from 'node:child_process';
import { appUserComment } from '../config/names.js';
import { FsError } from '../errors.js';
import type { PasswdEntry } from '../host/host-state.js';

const exec = (cmd: string, args: string[]) =>
  new Promise<{ ok: boolean; out: string }>((resolve) => execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => resolve({ ok: !err, out: `${stdout}${stderr}`.trim() })));

export interface Ids {
  uid: number;
  gid: number;
  created: boolean;
}

/** The passwd entry of `name` (getent: /etc/passwd or NSS); undefined when there is no such account. */
export async function passwdEntry(name: string): Promise<PasswdEntry | undefined> {
  const r = await exec('getent', ['passwd', '--', name]);
  if (!r.ok) return undefined;
  const [, , uid, , comment, home, shell] = r.out.split('\n')[0].split(':');
  return { uid: Number(uid), comment: comment ?? '', home: home ?? '', shell: shell ?? '' };
}

/**
 * The app's user, created when missing. `app` marks the account as this app's (its GECOS comment),
 * which is what tells it apart from an account bg must not take over (host/names-check.ts).
 */
export async function ensureSystemUser(name: string, home: string, app?: string): Promise<Ids> {
  let created = false;
  if (!(await exec('id', ['-u', name])).ok) {
    const mark = app ? ['--comment', appUserComment(app)] : [];
    const r = await exec('useradd', ['--system', '--user-group', '--home-dir', home, '--no-create-home', '--shell', '/usr/sbin/nologin', ...mark, '--', name]);
    if (!r.ok)
      throw new FsError(`Could not create the system user ${name}: ${r.out}`, {
        code: 'useradd-failed',
        next: `Create it yourself (useradd --system --user-group ${name}) or set user in bg.yml to an existing user.`,
      });
    created = true;
  }
  const [uid, gid] = await Promise.all([exec('id', ['-u', name]), exec('id', ['-g', name])]);
  return { uid: Number(uid.out), gid: Number(gid.out), created };
}

/** The user's uid, primary gid and every group it is in; undefined when there is no such user. */
export async function lookupUser(name: string): Promise<{ uid: number; gid: number; groups: number[] } | undefined> {
  const [uid, gid, groups] = await Promise.all([exec('id', ['-u', '--', name]), exec('id', ['-g', '--', name]), exec('id', ['-G', '--', name])]);
  if (!uid.ok || !gid.ok || !groups.ok) return undefined;
  return { uid: Number(uid.out), gid: Number(gid.out), groups: groups.out.split(/\s+/).filter(Boolean).map(Number) };
}
