import type { Color } from '../config/types.js';

// A plan is data: an ordered list of named steps, each with the action that carries it out and the
// action that takes it back. Pure planners build plans; src/execute/ runs them through the Host.
// An undo that needs to know what its step changed (the files it replaced, where Caddy routed
// before) gets that step's receipt from the executor.

// What serves while a new release's migrations run, and so what the migration check protects: the
// live color (a deploy; --allow-destructive lets it through), a legacy unit (setup beside one), or
// nothing (a first setup: there is nothing to break, so nothing is refused).
// release: the serving color's release, whose models the guard reads
export type MigrationGuard =
  | { serving: 'live'; allowDestructive: boolean; release?: string }
  | { serving: 'legacy'; unit: string }
  | { serving: 'nothing' };

export type Action =
  | { kind: 'install'; colors: Color[]; caddyfile: boolean } // render + write what changed; daemon-reload if a unit did
  | { kind: 'restore-files' } // undo of install: puts back the files that step's receipt lists
  | { kind: 'sysctl'; name: string; value: string; dropIn: string }
  | { kind: 'ensure-user'; user: string; home: string } // system scope: the app's user, created when missing
  // owner (system scope): shared/ becomes the app user's, a new env file root:<user> 0640
  | { kind: 'ensure-dirs'; dirs: string[]; envFile: string; shared?: string; owner?: string }
  | { kind: 'checkout'; color: Color; release: string; ref?: string; built: boolean } // built: no build commands follow
  // build: in the new release; release: once per deploy after the build (migrations). user: run as it (system scope)
  // memoryHigh: bytes the build may use before the kernel slows it (the host's headroom less what the new color needs)
  // unread: release commands of no framework bg knows (no django: block): what to say of them
  | {
      kind: 'build' | 'release-commands';
      color: Color;
      release: string;
      commands: string[];
      user?: string;
      memoryHigh?: number;
      unread?: string;
    }
  | { kind: 'migration-plan'; release: string; guard: MigrationGuard; user?: string; ref?: string } // django: refuse what the code serving meanwhile cannot live with
  // a copy of the database, made by the app's user with `release`'s code, into <root>/backups/<name>.<ext>
  // onlyMigrates: every release command is the framework's migrate/upgrade, so nothing pending means nothing changes
  | { kind: 'backup-db'; release: string; name: string; before: 'release' | 'migrate-back'; onlyMigrates?: true; user?: string }
  | { kind: 'prune-backups'; files?: string[] } // copies beyond keep_backups (cleanup: these, named when planned); never fails
  // django, every way back (rollback, deploy of an older ref): what the database applied that the
  // older release does not know; refused when the older code cannot run on it, rehearsed with
  // --migrate-back. migrate-back reverses it with the serving release's files; its undo,
  // migrate-forward, applies the serving release's migrations again
  // allowDestructive: what the older release cannot run on stays applied, as told (it is a note, not a refusal)
  | {
      kind: 'back-check';
      serving: string;
      older: string;
      command: 'rollback' | 'deploy';
      migrateBack: boolean;
      allowDestructive?: true;
      user?: string;
    }
  | { kind: 'migrate-back'; serving: string; older: string; command: 'rollback' | 'deploy'; user?: string }
  | { kind: 'migrate-forward'; release: string; user?: string }
  // alembic: the pending revisions, refused like Django's plan; rollbacks: the revisions the older release lacks, and their downgrade
  // migrateBack: a deploy --migrate-back, whose alembic-migrate-back step downgrades first: a database
  // revision the release does not have is that step's to take back, not refused
  | { kind: 'alembic-plan'; release: string; guard: MigrationGuard; user?: string; ref?: string; migrateBack?: boolean }
  | { kind: 'alembic-rollback'; newer: string; older: string; migrateBack: boolean; allowDestructive?: true; user?: string }
  | { kind: 'alembic-migrate-back'; newer: string; older: string; user?: string }
  | { kind: 'alembic-upgrade'; release: string; user?: string } // the undo of a downgrade: upgrade to the release's head again
  | { kind: 'venv'; release: string; memoryHigh?: number } // the release's .venv: reused when its requirements are unchanged
  | { kind: 'link-shared'; release: string; dirs: string[]; files: string[] } // links into <root>/shared, made there when missing
  | { kind: 'point'; color: Color; release?: string } // the color's link at a release (none: removed)
  | { kind: 'mark-release'; release: string; status: 'failed' } // undo of checkout: the release never served
  | { kind: 'remove-releases'; releases: string[] }
  | { kind: 'start'; unit: string }
  // wait: false: systemd accepted the stop job; it finishes without bg. drainPort: first wait until
  // that port has no connection (the undo of a start, which may come after the switch)
  | { kind: 'stop'; unit: string; wait?: false; drainPort?: number }
  | { kind: 'health-gate'; color: Color; unit: string }
  | { kind: 'maintenance'; on: boolean } // Caddy answers 503 for the app (on), or proxies again (off)
  | { kind: 'check-broker' } // the Celery broker answers, before any Celery unit is touched
  | { kind: 'repair-upstream'; color: Color; release?: string } // the upstream file (and `current`) for the color Caddy already routes to
  // release: where `current` points after; windowCloses: this run's maintenance-off follows (the 503 is not the operator's)
  | { kind: 'switch'; to: Color; release?: string; windowCloses?: true }
  | { kind: 'switch-back' } // undo of switch: the upstream file, `current` and Caddy's config from before it
  // forgetSockets: the color now live on its port; once drained, the socket switch's leftovers go
  | { kind: 'drain'; ports: number[]; forgetSockets?: Color }
  | { kind: 'enable'; units: string[] }
  | { kind: 'disable'; units: string[] }
  // remove: the main Caddyfile without this app's import (adapted and checked to keep every other site), Caddy
  // reloaded with it, then the app's site and upstream files removed
  | { kind: 'unroute-site'; offline?: string } // offline: why Caddy cannot be reloaded (bg's files go without it)
  | { kind: 'remove-unit-files'; units: string[] } // then daemon-reload
  | { kind: 'purge-root'; root: string }; // rm -rf that never follows a link (the app's user wrote under it)

export interface Step {
  name: string; // stable, kebab-case: shown in progress, journal and errors
  action: Action;
  undo?: Action;
  // 'reversal': a step of a --migrate-back window (maintenance, the copy, the reversal), run only
  // when the way-back check before it found migrations to reverse; otherwise reported as not needed
  onlyIf?: 'reversal';
}

export interface Plan {
  command: 'setup' | 'deploy' | 'rollback' | 'restart' | 'cleanup' | 'maintenance' | 'remove';
  from?: Color; // color serving before
  to?: Color; // color serving after
  release?: string; // the release `to` runs after (deploy, rollback, first setup)
  previous?: string; // restart: the release the idle color held before (what `rollback --to` brings back; the same release again is not a way back)
  steps: Step[];
  notes: string[]; // why steps were left out (e.g. "already set up")
}

/**
 * What a planner reads beyond what `observe` always reads, declared next to the planner: each flag
 * costs a read (files renders every template, releases lists the disk, memory reads each unit's use).
 */
export interface Observes {
  files?: boolean; // every rendered file compared with disk
  releases?: boolean; // every release on disk
  memory?: boolean; // what each running unit uses and the host's headroom: a second web color must fit
  appFiles?: boolean; // which of the app's unit, Caddy and root files are on disk (remove)
  backups?: boolean; // the database copies in <root>/backups (cleanup)
}

/** How the plan names a web port: `port 8000`, or with the socket switch that color's socket. */
export type PortPlace = (port: number) => string;
const byPort: PortPlace = (p) => `port ${p}`;

export const describeAction = (a: Action, place: PortPlace = byPort): string => {
  switch (a.kind) {
    case 'install':
      return `install ${[...a.colors.map((c) => `${c} units`), ...(a.caddyfile ? ['the Caddyfile'] : [])].join(' and ')}`;
    case 'restore-files':
      return 'put back the files install replaced';
    case 'sysctl':
      return `set ${a.name} = ${a.value} now and in ${a.dropIn}`;
    case 'ensure-user':
      return `create the system user ${a.user} if missing`;
    case 'ensure-dirs':
      return `create ${a.dirs.join(', ')} and ${a.envFile} (${a.owner ? `0640 root:${a.owner}` : '0600'}) if missing${a.owner && a.shared ? `; ${a.shared} owned by ${a.owner}` : ''}`;
    case 'checkout':
      return `check out ${a.ref ?? "the repo's default branch"} into the new release releases/${a.release} (for ${a.color})`;
    case 'build':
      return `run in releases/${a.release}${a.user ? ` as ${a.user}` : ''}, each with sh -c: ${a.commands.map((c) => JSON.stringify(c)).join(', ')}`;
    case 'release-commands':
      return `once for this deploy, in releases/${a.release}${a.user ? ` as ${a.user}` : ''}, each with sh -c: ${a.commands.map((c) => JSON.stringify(c)).join(', ')}${a.unread ? `; ${a.unread}` : ''}`;
    case 'migration-plan':
      return `read releases/${a.release}'s migration plan; ${guardText(a.guard)}`;
    case 'back-check':
      return `compare the migrations the database has applied with what releases/${a.older} knows; ${a.migrateBack ? `rehearse reversing them with releases/${a.serving}'s files (nothing real changes)` : a.allowDestructive ? 'keep them applied, as told (--allow-destructive)' : 'refuse if the older code cannot run on them'}`;
    case 'alembic-plan':
      return `read the revisions releases/${a.release} would apply and the database's revision; ${guardText(a.guard)}${a.migrateBack ? "; a revision it does not have is downgraded first (with the serving release's files)" : ''}`;
    case 'alembic-rollback':
      return `compare the database's Alembic revision with what releases/${a.older} knows; ${a.migrateBack ? 'rehearse the downgrade' : a.allowDestructive ? 'keep it applied, as told (--allow-destructive)' : 'refuse if the older code cannot run on it'}`;
    case 'alembic-migrate-back':
      return `before releases/${a.older} starts, downgrade to its head with releases/${a.newer}'s revision files`;
    case 'alembic-upgrade':
      return `upgrade the database to releases/${a.release}'s head again`;
    case 'migrate-back':
      return `reverse with releases/${a.serving}'s files the migrations releases/${a.older} does not know (data in dropped columns does not come back); from here on the way out is forward`;
    case 'migrate-forward':
      return `apply releases/${a.release}'s migrations again`;
    case 'backup-db':
      return `copy the database (as the app's user, with releases/${a.release}'s settings) to backups/${a.name}, before ${a.before === 'release' ? 'the release commands' : 'migrating back'}${a.onlyMigrates ? ', unless the plan step found nothing to migrate' : ''}`;
    case 'prune-backups':
      return a.files
        ? `remove the database copies beyond keep_backups, with their notes: ${a.files.map((f) => `backups/${f}`).join(', ')}`
        : 'remove database copies beyond keep_backups';
    case 'venv':
      return `link releases/${a.release}/.venv to the venv of its requirements (built once per set of requirements)`;
    case 'link-shared':
      return `link ${[...a.dirs, ...a.files].join(', ')} in releases/${a.release} to shared/ (made there when missing, as the app's user)`;
    case 'point':
      return a.release ? `point ${a.color} at releases/${a.release}` : `remove the ${a.color} link`;
    case 'mark-release':
      return `mark releases/${a.release} ${a.status}`;
    case 'remove-releases':
      return `remove releases ${a.releases.join(', ')}`;
    case 'start':
      return `start ${a.unit}`;
    case 'stop':
      return `${a.drainPort ? `wait for ${place(a.drainPort)} to drain, then ` : ''}stop ${a.unit}${a.wait === false ? ' (systemd finishes it; bg does not wait)' : ''}`;
    case 'health-gate':
      return `wait until ${a.color} answers its health check`;
    case 'maintenance':
      return a.on ? 'make Caddy answer 503 with a Retry-After (the app keeps running)' : 'make Caddy proxy to the live color again';
    case 'check-broker':
      return "check that Celery's broker answers";
    case 'repair-upstream':
      return `write the upstream file for ${a.color}, which Caddy already routes to`;
    case 'switch':
      return `point upstream and Caddy at ${a.to}, confirm Caddy routes there`;
    case 'switch-back':
      return 'put back the previous upstream and Caddy config';
    case 'drain':
      return `wait for in-flight requests on ${a.ports.map(place).join(', ')} to finish${a.forgetSockets ? ', then remove what a socket switch left (active.sock, empty socket dirs)' : ''}`;
    case 'enable':
      return `enable ${a.units.join(', ')}`;
    case 'disable':
      return `disable ${a.units.join(', ')}`;
    case 'unroute-site':
      if (a.offline)
        return `remove the app's import from the main Caddyfile if it has one, and the site and upstream files, without reloading Caddy (${a.offline})`;
      return "remove the app's import from the main Caddyfile (checked first: Caddy adapts it and keeps every other site), reload Caddy, remove the site and upstream files";
    case 'remove-unit-files':
      return `remove the unit files ${a.units.join(', ')}, then daemon-reload`;
    case 'purge-root':
      return `remove ${a.root} and everything in it (releases, shared/, backups), following no link`;
  }
};

function guardText(g: MigrationGuard): string {
  if (g.serving === 'nothing') return 'nothing serves yet, so none is refused';
  if (g.serving === 'legacy') return `refuse operations ${g.unit}, which serves meanwhile, cannot live with`;
  return g.allowDestructive ? 'destructive operations allowed' : 'refuse operations the serving version cannot live with';
}
