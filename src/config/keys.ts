// Every key bg.yml accepts, once: its rule, its default, what the README says about it, the comment
// `bg init` writes after it and the example init shows. The validator (schema.ts), the defaults
// (defaults.ts), `bg init` (init-template.ts) and the README's key table (`npm run docs:keys`) are
// made from it. A block's keys are in the order "allowed: …" lists them.
import { block, key, list, requiredBlock, requiredKey } from './key-types.js';
import {
  ABS_PATH,
  ADMIN_RE,
  APP,
  APP_RE,
  absPath,
  bool,
  broker,
  COMMAND,
  command,
  duration,
  HOST_NAME,
  HOST_NAME_RE,
  HOST_PORT_RE,
  int,
  LOGLEVELS,
  matching,
  memorySize,
  oneOf,
  PY_MODULE,
  PY_MODULE_RE,
  queues,
  REF,
  REPO,
  REQ_FILE,
  refProblem,
  repo,
  root,
  SHARED_PATH,
  SITE,
  SSH_TARGET,
  SSH_TARGET_RE,
  STATIC_DIR_RE,
  STATIC_PATH_RE,
  sharedPath,
  site,
  staticDir,
  text,
  UNIT,
  UNIT_RE,
  URL_PATH_RE,
  WSGI,
  WSGI_RE,
  writablePath,
} from './rules.js';
import { SCOPE_DEFAULTS } from './scope-paths.js';

const commands = (doc: string, hint: string) =>
  list(key(text('a shell command on one line'), { doc: '', hint: '' }), 'a list of shell commands, one per item', {
    default: [],
    doc,
    hint,
  });
const PORT = 'an integer 1-65535';
const SECONDS = 'a number of seconds';

const web = requiredBlock({
  wsgi: requiredKey(WSGI, matching(WSGI, WSGI_RE), {
    example: 'app:app',
    doc: '`module:callable`',
    hint: 'module:callable that Gunicorn serves',
  }),
  ports: requiredBlock(
    {
      blue: requiredKey(PORT, int(1, 65535), { example: '8000', doc: "the blue color's loopback port", hint: '' }),
      green: requiredKey(PORT, int(1, 65535), {
        example: '8100',
        doc: "the green color's loopback port; must differ from blue's",
        hint: '',
      }),
    },
    'one loopback port per color; must differ',
  ),
  workers: key(int(1, 64), { default: 2, doc: 'gunicorn `--workers`', hint: 'Gunicorn workers per color (1-64)' }),
  timeout: key(int(1, 3600, SECONDS), {
    default: 30,
    doc: 'gunicorn `--timeout` (s); also bounds the drain',
    hint: 'Gunicorn --timeout in seconds; also bounds draining the old color',
  }),
  gunicorn: key(command, {
    defaultDoc: '`<release>/.venv/bin/gunicorn`, else `/usr/bin/gunicorn`',
    example: '/usr/bin/gunicorn',
    doc: 'gunicorn command',
    hint: "default: .venv/bin/gunicorn in the release, else Debian's /usr/bin/gunicorn",
  }),
  health: block(
    {
      path: key(matching('a URL path starting with /, e.g. /health/', URL_PATH_RE), {
        default: '/health/',
        doc: 'health endpoint',
        hint: 'must answer the expected status',
      }),
      host: key(matching('a Host header: hostname or hostname:port, e.g. shop.example.com', HOST_PORT_RE), {
        example: '<app>.example.com',
        doc: "Host header for the check (Django's `ALLOWED_HOSTS`)",
        hint: 'Host header for checks (default: 127.0.0.1:<port>)',
      }),
      interval: key(duration(1, 60_000, 'from 1ms to 60s'), {
        default: '100ms',
        doc: 'pause between tries (`100ms`, `2s` or seconds)',
        hint: 'pause between tries ("100ms", "2s" or seconds)',
      }),
      timeout: key(duration(1, 600_000, 'from 1ms to 600s'), { default: '2s', doc: 'per try', hint: 'per try' }),
      retries: key(int(1, 100_000), {
        default: 300,
        doc: 'tries before the gate fails',
        hint: 'tries before the deploy fails and rolls back',
      }),
      expect: key(int(100, 599, 'an HTTP status'), { default: 200, doc: 'expected status', hint: 'HTTP status that means healthy' }),
      fail_after: key(int(1, 100_000), {
        default: 10,
        doc: 'consecutive HTTP answers other than `expect` (a 404, a 400, a 500) that fail the gate at once: an app that answers is up, and its answer will not change; timeouts and refused connections (still starting) wait out `retries`',
        hint: 'consecutive wrong answers (404, 500…) that end the gate early',
      }),
    },
    'the gate: a new color takes traffic only after this passes',
  ),
  memory_max: key(memorySize, {
    example: '512M',
    doc: '`MemoryMax=` of each web unit (`512M`, `1.5G`); the memory check uses it when systemd cannot say what the live color uses',
    hint: 'MemoryMax= of each web unit; without it bg measures what the live color uses',
  }),
});

const caddy = requiredBlock({
  site: requiredKey(SITE, site, {
    example: '":8080"',
    doc: "the site's addresses in this app's site file (`:8080`, `shop.example.com, www.shop.example.com`); addresses only",
    hint: 'site address(es) of the Caddyfile, e.g. shop.example.com for HTTPS',
  }),
  caddyfile: key(absPath, {
    default: SCOPE_DEFAULTS.caddyfile,
    doc: 'the main Caddyfile Caddy runs; bg only adds `import <site file>` to it (once, shown as a diff) and keeps the rest',
    hint: "the main Caddyfile: bg adds one import of this app's site file, keeps the rest",
  }),
  upstream_file: key(absPath, {
    default: SCOPE_DEFAULTS.upstreamFile,
    doc: '`to 127.0.0.1:<port>` (with `switch: socket`, `to unix//<runtime dir>/active.sock`)',
    hint: 'holds "to 127.0.0.1:<active port>"',
  }),
  switch: key(oneOf(['port', 'socket'] as const), {
    default: 'port',
    doc: "how a deploy moves traffic. `port`: each color's Gunicorn on its loopback port, the upstream file names the live port and Caddy reloads its config (which closes idle client keep-alive connections). `socket`: each color's Gunicorn on a unix socket under `/run/bg/<app>/<color>/` (user scope: `<root>/run/<color>/`), Caddy's upstream the stable symlink `active.sock` beside them, which the switch renames atomically: no Caddy reload, client connections stay open",
    hint: 'port: Caddy reloads at each switch; socket: a symlink flip, no reload, keep-alive connections survive',
  }),
  unit: key(matching(UNIT, UNIT_RE), { default: 'caddy.service', doc: 'the unit running Caddy', hint: 'the unit that runs Caddy' }),
  admin: key(matching('host:port, e.g. localhost:2019', ADMIN_RE), {
    default: 'localhost:2019',
    doc: "Caddy's admin API (reloads and checks go through it)",
    hint: 'Caddy admin API, to confirm where it routes',
  }),
  static: block(
    {
      path: key(matching('a URL path starting and ending with /, e.g. /static/', STATIC_PATH_RE), {
        default: '/static/',
        doc: 'with a `caddy.static` block (e.g. `static: {}`), the URL prefix Caddy serves `<root>/current/<dir>` at; without the block Caddy serves no static files',
        hint: '',
      }),
      dir: key(staticDir, {
        default: 'staticfiles',
        doc: "the directory inside the release Caddy serves. It may not be `.`, leave the release or name a `.git`; a deploy whose static dir holds a `.git`, or a symbolic link to anything but a regular file inside the release (Caddy follows links: a build could point one at another site's TLS key), fails after the checkout or the build and rolls back",
        hint: '',
      }),
    },
    "serve static files from the active release's dir",
  ),
});

const celery = block(
  {
    app: requiredKey(PY_MODULE, matching(PY_MODULE, PY_MODULE_RE), {
      example: '<app>',
      doc: '`-A` module',
      hint: 'Python module passed to celery -A',
    }),
    beat: key(bool, {
      default: false,
      doc: 'run beat (one schedule file in `shared/`, never two beats)',
      hint: 'also run celery beat (one schedule file under <root>/shared/)',
    }),
    concurrency: key(int(1, 64), { default: 2, doc: 'worker processes', hint: 'worker processes (1-64)' }),
    command: key(command, {
      defaultDoc: '`<release>/.venv/bin/celery`, else `celery`, else `/usr/bin/python3 -m celery`',
      example: '/usr/bin/python3 -m celery',
      doc: 'celery command',
      hint: "default: .venv/bin/celery in the release, else celery, else Debian's python3 -m celery",
    }),
    stop_timeout: key(int(1, 86_400, SECONDS), {
      default: 600,
      doc: '`TimeoutStopSec` of the worker: longer than your longest task',
      hint: 'seconds to finish running tasks on stop: more than your longest task',
    }),
    loglevel: key(oneOf(LOGLEVELS), { default: 'info', doc: `${LOGLEVELS.join(', ')}`, hint: 'debug, info, warning, error or critical' }),
    queues: key(queues, {
      defaultDoc: "Celery's default (`celery`)",
      example: '[celery]',
      doc: 'queues the worker consumes (`-Q`); a worker stop first cancels consuming from each (see Celery below)',
      hint: "queues the worker consumes (-Q); a stop quiesces each; default: Celery's own",
    }),
    broker: key(broker, {
      defaultDoc: '`CELERY_BROKER_URL`, `BROKER_URL` or `REDIS_URL` in the env file',
      example: 'redis://127.0.0.1:6379/0',
      doc: "the broker (`redis://`, `amqp://`) a deploy checks answers before it touches Celery, and the one the worker units' stop and readiness commands talk to (without importing the app). No password here: it would land in the units; put such a URL in the env file",
      hint: 'no password here (units are world-readable): default CELERY_BROKER_URL, BROKER_URL or REDIS_URL in the env file',
    }),
    memory_max: key(memorySize, {
      example: '512M',
      doc: '`MemoryMax=` of the worker and beat units',
      hint: 'MemoryMax= of the worker and beat units',
    }),
  },
  "Celery worker (+ beat) per color; only one color's runs at a time",
);

const venv = block(
  {
    requirements: list(key(matching(REQ_FILE, STATIC_DIR_RE), { doc: '', hint: '' }), 'a list of requirement files', {
      default: ['requirements.txt'],
      doc: "with a `venv:` block bg builds the release's `.venv` itself, once per set of requirements: releases whose requirement files (and `python`, `system_site_packages`) are the same share one venv under `<root>/venvs/`, so a deploy that changes no requirement runs no pip",
      hint: 'files inside the project',
    }),
    python: key(absPath, {
      default: '/usr/bin/python3',
      doc: "the Python the venv is made from (Debian's, which has `python3-django` and friends; not a pyenv one on `PATH`)",
      hint: "the Python that has your packages (Debian's)",
    }),
    system_site_packages: key(bool, {
      default: false,
      doc: "let the venv see that Python's packages (Debian's `python3-*`); gunicorn and celery then run as `<venv>/bin/python -m gunicorn` when the venv has no script of its own",
      hint: "true: see Debian's python3-* packages",
    }),
  },
  'bg builds .venv, shared by releases with the same requirements (no pip when none changed)',
);

const hooks = block(
  {
    post_switch: commands(
      'commands (`sh -c`, in `root`) run right after Caddy routes to the new color, with `BG_APP BG_COMMAND BG_REF BG_COMMIT BG_RELEASE BG_FROM BG_TO BG_RESULT BG_ERROR` set',
      'right after Caddy routes to the new color',
    ),
    post_deploy: commands(
      'run after a setup, deploy, rollback or restart that succeeded. A failing hook is shown (and in `--json` and the journal) but never undoes the run: bg still exits 0. E.g. `curl -fsS -X POST -d "$BG_APP $BG_COMMIT live on $BG_TO" https://hooks.example.com/deploys`',
      'after a run that succeeded, e.g. a webhook with curl',
    ),
    on_failure: commands(
      'run after a failed run has been put back (`BG_RESULT` `rolled-back`, `refused` when a check in a step said no, `rollback-failed`, or `interrupted` for a run stopped by a signal, e.g. a reboot, whose undo could not finish; `BG_ERROR` the reason)',
      'after a failed run was put back',
    ),
    timeout: key(int(1, 3600, SECONDS), { default: 60, doc: 'seconds each hook command may take', hint: 'seconds per command' }),
  },
  'commands run with BG_APP, BG_COMMIT, BG_FROM, BG_TO, BG_RESULT... set; a failing one never undoes a deploy',
);

const django = block(
  {
    manage: key(matching(REQ_FILE, STATIC_DIR_RE), {
      default: 'manage.py',
      doc: "with a `django:` block, each deploy reads what the new release's pending migrations do to the database (`manage.py shell`, as data) and what the serving release's models map, before anything else changes, and refuses (exit 2) what the old color, still serving while the new release migrates, cannot live with: dropping or renaming a table or column it maps, a NOT NULL column with no database default on a table it maps, narrowing a column it writes (except in an app first migrated by that plan), naming each; RunPython/RunSQL are listed as unchecked; a first `setup`, with nothing serving, refuses none; `deploy --allow-destructive --maintenance` goes ahead behind a 503 from right before `release` until the switch. The journal records the migrations each deploy applied",
      hint: 'inside the project (app_dir)',
    }),
  },
  "bg reads each deploy's migration plan and refuses destructive ones (--allow-destructive)",
);

const alembic = block(
  {
    command: requiredKey(COMMAND, command, {
      example: 'flask db',
      doc: "how Alembic runs for this app, in the release (its `.venv/bin` first on `PATH`): `flask db` (Flask-Migrate) or `alembic -c alembic.ini`. With it, each deploy reads the pending revisions' `upgrade()` (Python's `ast`, nothing imported) and the database's revision (`<command> current`) before `release`, and refuses (exit 2) a dropped or renamed column or table, a NOT NULL column without a `server_default`, a type change; `op.execute` is listed as unchecked; `deploy --allow-destructive` goes ahead. `rollback` to a release whose files lack the database's revision is refused when those revisions break it (`rollback --allow-destructive` keeps them applied), `deploy` of such a ref always; `rollback --migrate-back` and `deploy <older ref> --migrate-back` run `<command> downgrade <its head>` with the serving release's files, rehearsed first. Not with `django:`",
      hint: 'flask db (Flask-Migrate) or alembic -c alembic.ini',
    }),
  },
  "bg reads each deploy's pending Alembic revisions and refuses destructive ones (--allow-destructive)",
);

const fleetHost = block(
  {
    name: requiredKey(HOST_NAME, matching(HOST_NAME, HOST_NAME_RE, 40), { doc: 'the host in messages and `celery_host`', hint: '' }),
    ssh: requiredKey(SSH_TARGET, matching(SSH_TARGET, SSH_TARGET_RE), { doc: 'where ssh connects', hint: '' }),
    port: key(int(1, 65535), { doc: "ssh's port", hint: '' }),
    config: requiredKey(ABS_PATH, absPath, { doc: 'the bg.yml path on that host', hint: '' }),
  },
  "config: this file's path on that host",
);

export const KEYS = {
  app: requiredKey(APP, matching(APP, APP_RE, 40), {
    example: '<app>',
    doc: 'unit name prefix, `[a-z][a-z0-9-]*`',
    hint: 'lowercase letters, digits, -; prefixes unit names (<app>-web-blue.service)',
  }),
  repo: requiredKey(REPO, repo, { example: '/srv/git/<app>.git', doc: 'what `git clone` accepts', hint: 'anything `git clone` accepts' }),
  root: requiredKey(ABS_PATH, root, {
    example: '/srv/<app>',
    doc: "absolute; `releases/<id>/` (one per deploy), the links `blue`, `green` and `current`, and `shared/`. In system scope it and every directory above it must be root's and writable by no one else (only `shared/` is the app's user's)",
    hint: 'releases/, shared/ and the blue, green and current links live under here',
  }),
  ref: key(text(REF, refProblem), {
    defaultDoc: "repo's default branch",
    example: 'main',
    doc: 'what `setup` checks out',
    hint: "what `bg setup` checks out (default: the repo's default branch)",
  }),
  app_dir: key(matching('a relative directory inside the repo, e.g. mysite (no ..)', STATIC_DIR_RE), {
    default: '.',
    doc: "the project's directory inside the repo (where `manage.py` or the wsgi module is), e.g. `mysite`: units run there, `build` runs there, `caddy.static.dir` is under it",
    hint: "the project's directory inside the repo, when manage.py is one level down",
  }),
  user: key(
    matching(
      'a user name: lowercase letters, digits, _ and -, starting with a letter or _, at most 32 characters',
      /^[a-z_][a-z0-9_-]*$/,
      32,
    ),
    {
      defaultDoc: '`<app>`',
      example: '<app>',
      doc: "system scope: the unprivileged user the units and `build` run as; `setup` creates it (a system user, comment `bg app <app>`) when missing. `shared/` is writable by it, releases only readable, the env file `0640 root:<user>`. Refused (exit 2, nothing changed): uid 0, an account bg did not create for this app (`caddy`, `redis`, `www-data`, `nobody`, ...) or another app's user; an account without the comment whose home is `root` and shell `/usr/sbin/nologin` (made by an earlier bg) is accepted",
      hint: 'the unprivileged user the app runs as (system scope; setup creates it)',
    },
  ),
  env_file: key(writablePath, {
    default: SCOPE_DEFAULTS.envFile,
    doc: "`EnvironmentFile=` of every unit, created empty (system scope `0640 root:<user>`, user scope `0600`); secrets go here, never in units. System scope: refused inside `shared/` or any directory the app's user can write",
    hint: "secrets for the units; new: 0640 root:<user>; never where the app's user can write (--user: <root>/shared/.env)",
  }),
  unit_dir: key(writablePath, { default: SCOPE_DEFAULTS.unitDir, doc: 'where units are written', hint: 'where unit files go' }),
  state_dir: key(writablePath, {
    default: SCOPE_DEFAULTS.stateDir,
    doc: 'lock, `journal.jsonl`, `bg.log`, build logs',
    hint: 'lock and deploy journal',
  }),
  log_dir: key(writablePath, {
    defaultDoc: 'none (journal)',
    example: '/var/log/<app>',
    doc: "when set, units append stdout/stderr to `<log_dir>/<unit>.log` (hosts without journald). System scope: refused where the app's user can write (see On a real host)",
    hint: "units append output to files here instead of the journal; root's, never in shared/",
  }),
  legacy_unit: key(matching(UNIT, UNIT_RE), {
    example: '<app>.service',
    doc: "a single-instance unit `setup` migrates from without downtime (it stops and disables it). Refused (exit 2): Caddy's unit, Redis, PostgreSQL, D-Bus, ssh, `systemd-*`, any bg unit, and a unit whose `ExecStart` runs none of gunicorn, uwsgi, waitress, uvicorn, daphne, hypercorn, flask, python or `manage.py`",
    hint: 'a single-instance unit to take over from without downtime',
  }),
  keep_releases: key(int(1, 100), {
    default: 5,
    doc: 'built releases kept on disk for `rollback --to`; `cleanup` removes older ones, never one a color points at',
    hint: 'built releases kept for `bluegreen rollback --to` (cleanup prunes the rest)',
  }),
  keep_backups: key(int(1, 100), {
    default: 5,
    doc: 'database copies kept in `<root>/backups` (one taken before each `release` run and each `--migrate-back`; none when the `django:` or `alembic:` plan step found nothing to migrate and `release` only migrates); a successful deploy and `cleanup` remove older ones. `bluegreen backups` lists them',
    hint: 'database copies kept (one before each migration; older ones pruned after a deploy and by cleanup)',
  }),
  build: commands(
    'commands run with `sh -c` in the new release, with the env file, before it starts',
    'commands run in the new release before it starts, in order',
  ),
  release: commands(
    'commands run once per deploy after `build`, before the new color starts (database migrations): in the new release, with the env file, as `user`; a failure stops the deploy like a failed build (bg cannot undo what a migration did: keep migrations backward compatible, expand before contract). Without a `django:` block bg cannot read what they do: the plan says so, and a failed deploy in which they ran says "release commands ran and were not undone"',
    'once per deploy after build, before the new color starts: migrations',
  ),
  shared_dirs: list(key(sharedPath, { doc: '', hint: '' }), `a list of directories, each ${SHARED_PATH}`, {
    default: [],
    example: '[logs, media]',
    doc: "directories the app writes that outlive a release (uploads, logs): each release gets a link at `<app_dir>/<path>` to `<root>/shared/<path>`, made before `build`; the directory is created (owned by `user`, mode 0755) when missing and kept across releases. A path the repository holds is refused, and so are `backups`, `celerybeat-schedule`, `maintenance.html` and `.env` (bg's own in shared/)",
    hint: 'directories the app writes, kept across releases in <root>/shared/ (e.g. [logs, media])',
  }),
  shared_files: list(key(sharedPath, { doc: '', hint: '' }), `a list of files, each ${SHARED_PATH}`, {
    default: [],
    example: '[db.sqlite3]',
    doc: 'files the app writes that outlive a release (an SQLite database): each release gets a link at `<app_dir>/<path>` to `<root>/shared/<path>`, made before `build`; a missing file is created empty (owned by `user`, mode 0640: SQLite takes an empty file as an empty database) and kept across releases. A path the repository holds is refused',
    hint: 'files the app writes, kept across releases in <root>/shared/ (e.g. [db.sqlite3])',
  }),
  web,
  caddy,
  celery,
  venv,
  hooks,
  django,
  alembic,
  hosts: list(fleetHost, 'a list of hosts, each { name, ssh, port, config }', {
    example: '{ name: web1, ssh: deploy@web1.example.com, port: 22, config: /etc/bg/<app>.yml }',
    doc: 'a list of `{ name, ssh, port, config }`: with it, `deploy`, `rollback`, `restart`, `maintenance`, `status`, `releases` and `history` run bg on each host over ssh, `logs` and `run` on the one `--host` names (see [More than one host](#more-than-one-host)); `config` is the bg.yml path on that host',
    hint: 'more than one host: deploy, rollback, restart, maintenance, status, releases and history run bg on each over ssh',
  }),
  celery_host: key(matching(HOST_NAME, HOST_NAME_RE, 40), {
    example: 'web1',
    doc: 'the name of the one host whose bg.yml has the `celery` block; it goes last',
    hint: 'the one host whose bg.yml has the celery block; it goes last',
  }),
};
