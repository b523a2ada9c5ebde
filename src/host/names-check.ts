// Names in bg.yml that would hand the app someone else's privileges: a `user` that is root, a system
// account bg did not create for this app, or another app's user; a `legacy_unit` that is not an app
// (Caddy, Redis, sshd, systemd's own, another app's bg unit). Pure, from what observe read; each is a
// Problem that refuses every command that changes the host, with exit 2.
import { appUserComment, presentUnits } from '../config/names.js';
import { COLORS, type Config } from '../config/types.js';
import { BgError, EXIT } from '../errors.js';
import type { HostState, PasswdEntry } from './host-state.js';
import type { Blockable, Problem } from './problem.js';

const CHANGES: Blockable[] = ['setup', 'deploy', 'rollback', 'restart', 'cleanup', 'maintenance', 'remove'];

const OTHER_APP = /^bg app (\S+)$/;

/** Why `cfg.user` must not run the app, or undefined (missing: bg creates it). */
export function appUserProblem(cfg: Config, user: PasswdEntry | undefined): string | undefined {
  if (!user) return undefined;
  if (user.uid === 0) return `${cfg.user} is uid 0 (root): the app and its build would run with every privilege`;
  if (user.comment === appUserComment(cfg.app)) return undefined;
  const other = OTHER_APP.exec(user.comment)?.[1];
  if (other) return `${cfg.user} is the user bg created for the app ${other}: this app would read its files and secrets`;
  // bg before it marked its users (no comment) made them with the app's root as home and no login
  // shell; an account made that way for this root is taken as this app's
  if (user.comment === '' && user.home === cfg.root && user.shell === '/usr/sbin/nologin') return undefined;
  return `${cfg.user} is an existing account (uid ${user.uid}, home ${user.home}) that bg did not create for ${cfg.app}: the app would run with whatever it may do`;
}

// units that run the host, never an app: Caddy, databases, brokers, the bus, ssh, systemd's own
const SYSTEM_UNIT =
  /^(caddy|redis|redis-server|postgresql|mysql|mariadb|memcached|rabbitmq-server|dbus|ssh|sshd|nginx|apache2|cron|getty|user|systemd-[^.]*)(@[^.]*)?\.service$|^systemd-/;
// what a unit that serves a Python web app runs
const APP_PROGRAM = /^(gunicorn[0-9.]*|uwsgi|waitress-serve|uvicorn|daphne|hypercorn|flask|python[0-9.]*|manage\.py)$/;
const BG_UNIT = /-(web|worker|beat)-(blue|green)\.service$/;

/** Why `cfg.legacyUnit` must not be stopped and disabled as this app's old unit, or undefined. */
export function legacyUnitProblem(cfg: Config, host: Pick<HostState, 'units' | 'legacyExecStart'>): string | undefined {
  const unit = cfg.legacyUnit;
  if (!unit) return undefined;
  const name = unit.includes('.') ? unit : `${unit}.service`;
  if (name === cfg.caddy.unit || SYSTEM_UNIT.test(name)) return `${unit} runs part of the host, not an app: bg would stop and disable it`;
  const own = COLORS.flatMap((c) => presentUnits(cfg, c));
  if (own.includes(name)) return `${unit} is one of this app's own bg units`;
  if (BG_UNIT.test(name)) return `${unit} is a bg unit (another app's): bg would stop and disable it`;
  const state = host.units[unit];
  // a unit that is not there runs nothing: setup only notes it
  if (!state || state.loadState === 'not-found') return undefined;
  if (host.legacyExecStart === undefined) return undefined; // not looked
  const words = host.legacyExecStart.flat();
  if (!words.some((w) => APP_PROGRAM.test(w.slice(w.lastIndexOf('/') + 1)))) {
    const what = host.legacyExecStart?.length ? host.legacyExecStart.map((a) => a.join(' ')).join('; ') : 'nothing bg could read';
    return `${unit} does not look like an app's unit: its ExecStart runs ${what.slice(0, 120)}, not gunicorn, uwsgi, waitress, uvicorn, daphne, flask, python or manage.py`;
  }
  return undefined;
}

export function userNotTheApps(cfg: Config, host: HostState): Problem | undefined {
  const user = cfg.scope === 'system' ? appUserProblem(cfg, host.appUser) : undefined;
  if (!user) return undefined;
  return {
    code: 'user-not-the-apps',
    severity: 'error',
    message: `user: ${user}.`,
    next: `Set user in ${cfg.configPath} to a name no account has yet (bg creates it, marked "${appUserComment(cfg.app)}"), e.g. user: ${cfg.app}-app.`,
    blocks: CHANGES,
    exitCode: EXIT.usage,
  };
}

export function legacyUnitNotAnApp(cfg: Config, host: HostState): Problem | undefined {
  const legacy = legacyUnitProblem(cfg, host);
  if (!legacy) return undefined;
  return {
    code: 'legacy-unit-not-an-app',
    severity: 'error',
    message: `legacy_unit: ${legacy}.`,
    next: `Set legacy_unit in ${cfg.configPath} to the unit that ran this app before bg (its ExecStart runs gunicorn or the like), or remove the key.`,
    blocks: ['setup'],
    exitCode: EXIT.usage,
  };
}

export const nameProblems = (cfg: Config, host: HostState): Problem[] =>
  [userNotTheApps(cfg, host), legacyUnitNotAnApp(cfg, host)].filter((p) => p !== undefined);

/** Refuses `command` (exit 2, nothing changed) when a name in bg.yml hands out privileges. */
export function refuseNames(cfg: Config, host: HostState, command: Blockable): void {
  const p = nameProblems(cfg, host).find((x) => x.blocks.includes(command));
  if (p) throw new BgError(p.message, { code: p.code, state: 'Nothing was changed.', next: p.next, exitCode: EXIT.usage });
}
