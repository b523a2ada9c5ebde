import { COLORS, type Color, type Config } from './types.js';

// Every name and path bg derives from the config, in one place: render, plan, run, status and the
// tests all read them from here.

/** What unit names depend on: the app, and whether it has Celery and beat. */
export type UnitNaming = { app: string; celery?: { beat: boolean } };

export const unitNames = (cfg: UnitNaming, color: Color) => ({
  web: `${cfg.app}-web-${color}.service`,
  worker: cfg.celery ? `${cfg.app}-worker-${color}.service` : undefined,
  beat: cfg.celery?.beat ? `${cfg.app}-beat-${color}.service` : undefined,
});

/** The units a color has, without the ones this config does not use. */
export const presentUnits = (cfg: UnitNaming, color: Color): string[] =>
  Object.values(unitNames(cfg, color)).filter((x): x is string => typeof x === 'string');

/** Every unit bg may have made for the app, whatever bg.yml says now (celery or beat since turned off). */
export const everyUnit = (app: string): string[] => COLORS.flatMap((c) => presentUnits({ app, celery: { beat: true } }, c));

/** `shop-web-blue.service` → `shop-web-blue`: step names and per-unit log files use it. */
export const unitStem = (unit: string) => unit.replace(/\.service$/, '');

/** Where a unit appends its output when `log_dir` is set. */
export const unitLogFile = (cfg: Pick<Config, 'logDir'>, unit: string): string | undefined =>
  cfg.logDir ? `${cfg.logDir}/${unitStem(unit)}.log` : undefined;

// Releases: one immutable directory per build under <root>/releases/<id>, with <id>.json beside it
// (commit, ref, when, built or failed). Each color is a symlink <root>/<color> → releases/<id>, and
// the units run from there; `current` points at the live one. Installs from before releases had a
// clone per color in releases/blue and releases/green: those are adopted as releases `blue`, `green`.
export const releasesDir = (cfg: Pick<Config, 'root'>) => `${cfg.root}/releases`;
export const releasePath = (cfg: Pick<Config, 'root'>, id: string) => `${releasesDir(cfg)}/${id}`;
export const releaseRecordPath = (cfg: Pick<Config, 'root'>, id: string) => `${releasesDir(cfg)}/${id}.json`;
/** What a Django release's models map, kept when its migration plan was read (src/steps/django.ts). */
export const modelsRecordPath = (cfg: Pick<Config, 'root'>, id: string) => `${releasesDir(cfg)}/${id}.models.json`;
/** The color's link to its release. */
export const colorDir = (cfg: Pick<Config, 'root'>, color: Color) => `${cfg.root}/${color}`;
/** `dir` joined with the project's directory inside the repo (app_dir; '' is the repo itself). */
export const inAppDir = (cfg: Pick<Config, 'appDir'>, dir: string) => (cfg.appDir ? `${dir}/${cfg.appDir}` : dir);
/** Where a color's app runs: units' WorkingDirectory. */
export const colorAppDir = (cfg: Pick<Config, 'root' | 'appDir'>, color: Color) => inAppDir(cfg, colorDir(cfg, color));
/** A clone of the repo every release is cloned from locally (objects hardlinked). */
export const repoCacheDir = (cfg: Pick<Config, 'root'>) => `${releasesDir(cfg)}/.repo`;
export const sharedDir = (cfg: Pick<Config, 'root'>) => `${cfg.root}/shared`;
// The venvs bg builds (venv:), one per set of requirements, linked from each release as .venv. Beside
// releases/, never under shared/: in system scope root builds them and nothing on the way is the
// app user's. <id>.tmp-<pid> while one is built; `.bg-complete` in a finished one.
// Database copies taken before migrations, root's and 0700. Beside releases/, never under shared/:
// the app's user owns shared/ and could rename a directory there and put a link in its place.
// <release>.<sqlite3|dump> with <release>.json beside it (what it precedes).
export const backupsDir = (cfg: Pick<Config, 'root'>) => `${cfg.root}/backups`;
export const venvsDir = (cfg: Pick<Config, 'root'>) => `${cfg.root}/venvs`;
export const venvPath = (cfg: Pick<Config, 'root'>, id: string) => `${venvsDir(cfg)}/${id}`;
export const VENV_COMPLETE = '.bg-complete';
/** This app's Caddy site (bg owns it); the main Caddyfile imports it. Next to the upstream file. */
export const siteFile = (cfg: Pick<Config, 'app' | 'caddy'>) =>
  `${cfg.caddy.upstreamFile.slice(0, cfg.caddy.upstreamFile.lastIndexOf('/'))}/${cfg.app}.caddy`;

/** The symlink to the live release (Caddy serves static files through it). */
export const currentLink = (cfg: Pick<Config, 'root'>) => `${cfg.root}/current`;
/** The release that served before the last switch: Caddy falls back to its static files. */
export const previousLink = (cfg: Pick<Config, 'root'>) => `${cfg.root}/previous`;

// Caddy (2.6+, Linux) opens a new SO_REUSEPORT listener at every config load and closes the old
// one; connections still queued in the old listener's accept queue are reset. With
// net.ipv4.tcp_migrate_req=1 (Linux >= 5.14) the kernel moves them to the new listener instead.
export const TCP_MIGRATE_REQ = 'net.ipv4.tcp_migrate_req';
export const SYSCTL_DROPIN = '/etc/sysctl.d/60-bg-tcp-migrate-req.conf';

export const lockPath = (stateDir: string) => `${stateDir}/lock`;
/** Present while `bluegreen maintenance on` holds: every render of the site file keeps it on. */
export const maintenanceFlag = (cfg: Pick<Config, 'stateDir'>) => `${cfg.stateDir}/maintenance`;
/** The page Caddy answers with during maintenance, when it exists: <root>/shared/maintenance.html. */
export const MAINTENANCE_PAGE = 'maintenance.html';
/** The page Caddy serves during maintenance: bg's root-owned copy of shared/maintenance.html, beside the site file (Caddy cannot enter shared/). */
export const maintenancePageCopy = (cfg: Pick<Config, 'app' | 'caddy'>) =>
  `${siteFile(cfg).slice(0, siteFile(cfg).lastIndexOf('/'))}/${cfg.app}.maintenance.html`;
export const journalPath = (stateDir: string) => `${stateDir}/journal.jsonl`;
export const bgLogPath = (stateDir: string) => `${stateDir}/bg.log`;
/** The output of a release's build (or its release commands). */
/** What a transient build unit runs for: the build, the release commands, the venv, or manage.py (migration plans, migrating back). */
export type BuildPhase = 'build' | 'release' | 'venv' | 'manage' | 'backup' | 'alembic';
export const buildLogPath = (cfg: Pick<Config, 'stateDir'>, releaseId: string, phase: BuildPhase = 'build') =>
  `${cfg.stateDir}/${phase}-${releaseId}.log`;

/** Env file keys that may hold the Celery broker URL, in the order bg looks (after celery.broker). */
export const BROKER_ENV_KEYS = ['CELERY_BROKER_URL', 'BROKER_URL', 'REDIS_URL'] as const;

/** The GECOS comment bg gives the user it creates for `app`. */
export const appUserComment = (app: string) => `bg app ${app}`;
