// The app's unprivileged system user: looked up, and created when missing (useradd --system).
import { appUserComment } from '../config/names.js';
import { FsError } from '../errors.js';
import type { PasswdEntry } from '../host/host-state.js';
import { getentPasswdArgs, idArgs, useraddArgs } from '../render/argv/system.js';
import { type ProcessResult, readProcess, runProcess } from './process.js';

const out = (r: ProcessResult) => ({ ok: r.ok, out: `${r.stdout}${r.stderr}`.trim() });
// getent and id run for status, logs and run too: the light engine
const read = async (cmd: string, args: string[]) => out(await readProcess(cmd, args, { timeoutMs: 30_000 }));

export interface Ids {
  uid: number;
  gid: number;
  created: boolean;
}

/** The passwd entry of `name` (getent: /etc/passwd or NSS); undefined when there is no such account. */
export async function passwdEntry(name: string): Promise<PasswdEntry | undefined> {
  const r = await read('getent', getentPasswdArgs(name));
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
  if (!(await read('id', idArgs('-u', name))).ok) {
    const r = out(await runProcess('useradd', useraddArgs(name, home, app && appUserComment(app)), { timeoutMs: 30_000 }));
    if (!r.ok)
      throw new FsError(`Could not create the system user ${name}: ${r.out}`, {
        code: 'useradd-failed',
        next: `Create it yourself (useradd --system --user-group ${name}) or set user in bg.yml to an existing user.`,
      });
    created = true;
  }
  const [uid, gid] = await Promise.all([read('id', idArgs('-u', name)), read('id', idArgs('-g', name))]);
  return { uid: Number(uid.out), gid: Number(gid.out), created };
}

/** The user's uid, primary gid and every group it is in; undefined when there is no such user. */
export async function lookupUser(name: string): Promise<{ uid: number; gid: number; groups: number[] } | undefined> {
  const [uid, gid, groups] = await Promise.all([
    read('id', idArgs('-u', name)),
    read('id', idArgs('-g', name)),
    read('id', idArgs('-G', name)),
  ]);
  if (!uid.ok || !gid.ok || !groups.ok) return undefined;
  return { uid: Number(uid.out), gid: Number(gid.out), groups: groups.out.split(/\s+/).filter(Boolean).map(Number) };
}
