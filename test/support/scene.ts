import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { request } from 'undici';
import { afterAll, beforeAll, inject } from 'vitest';
import { journalPath, unitNames } from '../../src/config/names.js';
import { COLORS } from '../../src/config/types.js';
import { freePorts, type Sandbox, sandboxEnv, startCaddyUnit, startRedisUnit, stopService } from '../harness/sandbox.js';
import { makeDjangoRepo, makeFixtureRepo, makeProjectRepo } from './fixture-repo.js';

const BG = fileURLToPath(new URL('../../bin/bg.cjs', import.meta.url));
let counter = 0;

export interface SceneOptions {
  celery?: boolean;
  legacy?: boolean; // a legacy single-instance unit serves the app before setup
  build?: string[];
  release?: string[];
  extraYaml?: string;
  failAfter?: number; // web.health.fail_after (a test that interrupts a failing gate needs it to last)
  caddySwitch?: 'port' | 'socket'; // caddy.switch
  django?: boolean; // the Django fixture (test/fixtures/django) instead of the Flask one
  // a project fixture (test/fixtures/<name>, makeProjectRepo) with its later versions, and its WSGI app
  project?: { name: string; versions: string[]; wsgi: string };
  env?: string[] | ((paths: { shared: string }) => string[]); // extra KEY=value lines for the app's env file
}

export interface Scene {
  app: string;
  dir: string;
  configPath: string;
  repo: string;
  ports: { blue: number; green: number; site: number; admin: number; legacy: number; redis: number };
  env: NodeJS.ProcessEnv;
  taskLog: string;
  beatLog: string;
  caddyUnit: string;
  legacyUnit?: string;
  redisUnit?: string;
  bg(args: string[], opts?: { env?: NodeJS.ProcessEnv; config?: boolean }): Promise<{ code: number; stdout: string; stderr: string }>;
  get(path: string): Promise<{ status: number; body: string }>;
  url(path: string): string;
  systemctl(...args: string[]): string;
  activeState(unit: string): string; // ActiveState, whatever it is (systemctl is-active exits 3 when inactive)
  /** ActiveState once the unit is no longer activating/deactivating (polled, at most `maxMs`). */
  settledState(unit: string, maxMs?: number): Promise<string>;
  enabledState(unit: string): string; // UnitFileState
  stateDir: string;
  /** The deploy journal's entries, oldest first. */
  journal(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

// One app under test: its own fixture repo, ports, Caddy unit (and Redis / legacy unit when asked),
// and bg.yml in user scope against the harness's systemd user manager.
export async function makeScene(sb: Sandbox, opts: SceneOptions = {}): Promise<Scene> {
  const app = `t${process.pid % 1000}x${++counter}${Math.random().toString(36).slice(2, 6)}`;
  const dir = mkdtempSync(`${sb.tmpRoot}/${app}-`);
  const repo = opts.project
    ? makeProjectRepo(`${dir}/repo`, opts.project.name, opts.project.versions)
    : opts.django
      ? makeDjangoRepo(`${dir}/repo`)
      : makeFixtureRepo(`${dir}/repo`);
  const [blue, green, site, admin, legacy, redis] = await freePorts(6);
  const ports = { blue, green, site, admin, legacy, redis };
  const env = { ...process.env, ...sandboxEnv(sb), XDG_STATE_HOME: `${dir}/state-home` };
  const taskLog = `${dir}/tasks.log`;
  const beatLog = `${dir}/beat.log`;
  mkdirSync(`${dir}/caddy`, { recursive: true });
  mkdirSync(`${dir}/srv/shared`, { recursive: true });
  const systemctl = (...args: string[]) => execFileSync('systemctl', ['--user', ...args], { env, encoding: 'utf8' });

  let legacyUnit: string | undefined;
  if (opts.legacy) {
    legacyUnit = `${app}-legacy.service`;
    execFileSync('git', ['clone', '-q', repo, `${dir}/legacy`]);
    const { installUnit } = await import('../harness/sandbox.js');
    await installUnit(
      sb,
      legacyUnit,
      `[Service]\nType=notify\nWorkingDirectory=${dir}/legacy\nExecStart=/usr/bin/gunicorn --workers 2 --bind 127.0.0.1:${legacy} app:app\nKillSignal=SIGTERM\n[Install]\nWantedBy=default.target\n`,
    );
    systemctl('enable', '--now', legacyUnit);
  }
  const caddyfile = `${dir}/caddy/Caddyfile`;
  writeFileSync(
    caddyfile,
    `{\n\tadmin 127.0.0.1:${admin}\n\tauto_https off\n}\n:${site} {\n\t${opts.legacy ? `reverse_proxy 127.0.0.1:${legacy}` : 'respond "placeholder before bg setup"'}\n}\n`,
  );
  const caddyUnit = `${app}-caddy.service`;
  await startCaddyUnit(sb, { name: caddyUnit, caddyfile, admin: `127.0.0.1:${admin}` });

  let redisUnit: string | undefined;
  if (opts.celery) {
    redisUnit = `${app}-redis.service`;
    await startRedisUnit(sb, { name: redisUnit, port: redis });
  }
  writeFileSync(
    `${dir}/srv/shared/.env`,
    `${[`REDIS_URL=redis://127.0.0.1:${redis}/0`, `BG_FIXTURE_TASK_LOG=${taskLog}`, `BG_FIXTURE_BEAT_LOG=${beatLog}`, 'BG_FIXTURE_GREETING=hello', `DJANGO_SECRET_KEY=test-${app}`, `DATABASE_PATH=${dir}/srv/shared/db.sqlite3`, ...(typeof opts.env === 'function' ? opts.env({ shared: `${dir}/srv/shared` }) : (opts.env ?? []))].join('\n')}\n`,
    { mode: 0o600 },
  );

  const configPath = `${dir}/bg.yml`;
  writeFileSync(
    configPath,
    `${[
      `app: ${app}`,
      `repo: ${repo}`,
      `root: ${dir}/srv`,
      `log_dir: ${dir}/logs`,
      ...(legacyUnit ? [`legacy_unit: ${legacyUnit}`] : []),
      ...(opts.build ? ['build:', ...opts.build.map((b) => `  - ${JSON.stringify(b)}`)] : []),
      ...(opts.release ? ['release:', ...opts.release.map((b) => `  - ${JSON.stringify(b)}`)] : []),
      'web:',
      `  wsgi: ${opts.project?.wsgi ?? (opts.django ? 'site_.wsgi:application' : 'app:app')}`,
      `  ports: { blue: ${blue}, green: ${green} }`,
      '  workers: 2',
      '  timeout: 20',
      `  health: { path: /health/, interval: 0.05, timeout: 1, retries: 100${opts.failAfter ? `, fail_after: ${opts.failAfter}` : ''} }`,
      'caddy:',
      `  site: ":${site}"`,
      `  caddyfile: ${caddyfile}`,
      `  upstream_file: ${dir}/caddy/upstream.txt`,
      `  unit: ${caddyUnit}`,
      `  admin: 127.0.0.1:${admin}`,
      '  static: { path: /static/, dir: staticfiles }',
      ...(opts.caddySwitch ? [`  switch: ${opts.caddySwitch}`] : []),
      // two queues: every Celery test also runs the worker with -Q and a stop that quiesces both
      ...(opts.celery
        ? [
            'celery:',
            '  app: tasks',
            '  beat: true',
            '  concurrency: 2',
            '  command: /usr/bin/python3 -m celery',
            '  stop_timeout: 60',
            '  queues: [celery, bg-extra]',
          ]
        : []),
      opts.extraYaml ?? '',
    ].join('\n')}\n`,
  );

  const scene: Scene = {
    app,
    dir,
    configPath,
    repo,
    ports,
    env,
    taskLog,
    beatLog,
    caddyUnit,
    legacyUnit,
    redisUnit,
    stateDir: `${dir}/state-home/bg/${app}`,
    journal: () =>
      (existsSync(journalPath(scene.stateDir)) ? readFileSync(journalPath(scene.stateDir), 'utf8') : '')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    async bg(args, o = {}) {
      const cfgArgs = o.config === false ? [] : ['--config', configPath];
      const r = await execa(process.execPath, [BG, '--user', ...cfgArgs, ...args], {
        env: { ...env, ...o.env },
        reject: false,
        stdin: 'ignore',
        timeout: 180_000,
      });
      return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    url: (path) => `http://127.0.0.1:${site}${path}`,
    async get(path) {
      const res = await request(scene.url(path), { reset: true, headersTimeout: 10_000 });
      return { status: res.statusCode, body: await res.body.text() };
    },
    systemctl,
    activeState: (unit) => systemctl('show', '-p', 'ActiveState', '--value', unit).trim(),
    enabledState: (unit) => systemctl('show', '-p', 'UnitFileState', '--value', unit).trim(),
    async settledState(unit, maxMs = 10_000) {
      const deadline = Date.now() + maxMs;
      let state = scene.activeState(unit);
      while ((state === 'deactivating' || state === 'activating') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        state = scene.activeState(unit);
      }
      return state;
    },
    async close() {
      const units = COLORS.flatMap((c) => Object.values(unitNames({ app, celery: { beat: true } }, c)) as string[]);
      for (const u of [...units, ...(legacyUnit ? [legacyUnit] : []), caddyUnit, ...(redisUnit ? [redisUnit] : [])]) {
        await stopService(sb, u).catch(() => {});
      }
    },
  };
  return scene;
}

/** A scene on which `bg setup` already succeeded: blue serves v1 through Caddy. */
export async function makeSetUpScene(sb: Sandbox, opts: SceneOptions = {}): Promise<Scene> {
  const s = await makeScene(sb, opts);
  const r = await s.bg(['setup']);
  if (r.code !== 0) throw new Error(`bg setup failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return s;
}

/**
 * The opening integration files share: one scene for the enclosing `describe`, made in its
 * `beforeAll` (with `setUp`, one on which `bg setup` succeeded) and closed in its `afterAll`. The
 * scene it returns is usable from the hooks registered after this call and from the tests.
 */
export function useScene(opts: SceneOptions & { setUp?: boolean } = {}): Scene {
  const { setUp, ...sceneOpts } = opts;
  const sb = inject('sandbox');
  let made: Scene | undefined;
  beforeAll(async () => {
    made = await (setUp ? makeSetUpScene : makeScene)(sb, sceneOpts);
  });
  afterAll(async () => made?.close());
  const scene = (): Scene => {
    if (!made) throw new Error('useScene: the scene is made in beforeAll; use it inside a hook or a test');
    return made;
  };
  return new Proxy({} as Scene, {
    get: (_, key) => Reflect.get(scene(), key),
    set: (_, key, value) => Reflect.set(scene(), key, value),
    has: (_, key) => Reflect.has(scene(), key),
    ownKeys: () => Reflect.ownKeys(scene()),
    getOwnPropertyDescriptor: (_, key) => Reflect.getOwnPropertyDescriptor(scene(), key),
  });
}
