// A Django deploy's steps, timed, on two bg builds side by side; run through scripts/bench-django.sh,
// which owns the sandbox (a private systemd user manager, cleanup). Against that manager: for each
// build ("before": BENCH_BG, "after": this checkout) its own app from the stock startproject fixture
// (test/fixtures/django-stock) on SQLite, its own Caddy unit and ports, `setup`, one warm-up deploy,
// then BENCH_PAIRS rounds. A round deploys each build twice, the builds in alternating order (ABBA,
// BAAB, ...): a commit that adds one nullable field (AddField + its model field), then a commit that
// only changes VERSION (no pending migration). Every deploy runs with --json: its wall time and each
// step's ms. Every Python process started in a release directory is counted through a
// sitecustomize.py on PYTHONPATH (set in the env file, so bg's transient units and the release
// command load it): what it ran (manage.py's subcommand; for `shell -c`, whose script it is).
// Prints, per scenario and step, the median and range of each build and of the paired differences
// (a step one build does not have counts as 0 ms in its difference).
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePorts, startCaddyUnit } from './bench-manager.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURE = `${ROOT}test/fixtures/django-stock/`;
const dir = need('BENCH_DIR');
const BUILDS = { before: need('BENCH_BG_BEFORE'), after: need('BENCH_BG_AFTER') };
const PAIRS = Number(process.env.BENCH_PAIRS || 5);
const OUT = process.env.BENCH_OUT || undefined;

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run scripts/bench-django.sh)`);
  return v;
}
const log = (...a) => process.stderr.write(`bench: ${a.join(' ')}\n`);
const env = { ...process.env, XDG_STATE_HOME: `${dir}/state-home`, BG_CACHE_DIR: `${dir}/cache` };
const systemctl = (...args) => execFileSync('systemctl', ['--user', ...args], { env, encoding: 'utf8', timeout: 30_000 });

function run(cmd, args, timeoutMs = 180_000) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ wall: performance.now() - t0, code, stdout, stderr });
    });
  });
}

const median = (xs) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const r0 = (x) => (Number.isNaN(x) ? '-' : String(Math.round(x)));

// Loaded by every Python started with the env file: one line per process started in a release dir.
const SITECUSTOMIZE = `
import os, sys, json, time
_log = os.environ.get("BG_BENCH_PYLOG")
if _log and "/releases/" in os.getcwd() and sys.argv and sys.argv[0].endswith("manage.py"):
    a = sys.argv[1:]
    what = a[0] if a else "?"
    if what == "shell" and "-c" in a:
        s = a[a.index("-c") + 1] if a.index("-c") + 1 < len(a) else ""
        what = "shell:" + ("schema-probe" if "@@bg-schema@@" in s else "backup" if "bg-backup: " in s else "back-check" if "call_command" in s else "other")
    elif what == "migrate":
        what = "migrate --plan" if "--plan" in a else "migrate"
    with open(_log, "a") as f:
        f.write(json.dumps({"at": time.time(), "what": what, "release": os.getcwd().split("/releases/")[1].split("/")[0]}) + "\\n")
`;

async function makeApp(name, bgDir) {
  const base = `${dir}/${name}`;
  const repo = `${base}/repo`;
  mkdirSync(repo, { recursive: true });
  cpSync(FIXTURE, repo, { recursive: true, filter: (src) => !src.includes('__pycache__') });
  const git = (...a) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=bg bench', '-c', 'user.email=bench@bg.invalid', ...a], { stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'v1');
  const [blue, green, site, admin] = await freePorts(4);
  mkdirSync(`${base}/caddy`, { recursive: true });
  mkdirSync(`${base}/srv/shared`, { recursive: true });
  mkdirSync(`${base}/py`, { recursive: true });
  mkdirSync(`${dir}/logs`, { recursive: true });
  writeFileSync(`${base}/py/sitecustomize.py`, SITECUSTOMIZE);
  const pylog = `${base}/python.jsonl`;
  writeFileSync(
    `${base}/srv/shared/.env`,
    `DJANGO_SECRET_KEY=bench\nSQLITE_PATH=${base}/srv/shared/db.sqlite3\nPYTHONPATH=${base}/py\nBG_BENCH_PYLOG=${pylog}\n`,
    { mode: 0o600 },
  );
  const caddyfile = `${base}/caddy/Caddyfile`;
  writeFileSync(caddyfile, `{\n\tadmin 127.0.0.1:${admin}\n\tauto_https off\n}\n:${site} {\n\trespond "before setup"\n}\n`);
  const unit = `${name}-caddy.service`;
  await startCaddyUnit({
    name: unit,
    caddyfile,
    admin: `127.0.0.1:${admin}`,
    home: `${base}/caddy-home`,
    logDir: `${dir}/logs`,
    systemctl,
  });
  const configPath = `${base}/bg.yml`;
  writeFileSync(
    configPath,
    [
      `app: ${name}`,
      `repo: ${repo}`,
      `root: ${base}/srv`,
      `log_dir: ${dir}/logs`,
      'build:',
      '  - "/usr/bin/python3 manage.py collectstatic --noinput"',
      'release:',
      '  - "/usr/bin/python3 manage.py migrate --noinput"',
      'django:',
      '  manage: manage.py',
      'web:',
      '  wsgi: mysite.wsgi:application',
      `  ports: { blue: ${blue}, green: ${green} }`,
      '  workers: 2',
      '  health: { path: /health/ }',
      'caddy:',
      `  site: ":${site}"`,
      `  caddyfile: ${caddyfile}`,
      `  upstream_file: ${base}/caddy/upstream.txt`,
      `  unit: ${unit}`,
      `  admin: 127.0.0.1:${admin}`,
      '  static: { path: /static/, dir: staticfiles }',
    ]
      .map((l) => `${l}\n`)
      .join(''),
  );
  let fields = 0;
  let version = 1;
  const app = {
    name,
    bgDir,
    pylog,
    url: `http://127.0.0.1:${site}/`,
    bg: (...a) => run(process.execPath, [`${bgDir}/bin/bg.cjs`, '--user', '--config', configPath, ...a]),
    // a commit with one more nullable field on Question, and its migration
    addField() {
      fields++;
      const n = fields + 1;
      const prev = n === 2 ? '0001_initial' : `${String(n - 1).padStart(4, '0')}_question_f${n - 1}`;
      const models = `${repo}/polls/models.py`;
      const m = readFileSync(models, 'utf8').replace(
        '\n    def __str__',
        `    f${n} = models.CharField(max_length=20, blank=True, null=True)\n\n    def __str__`,
      );
      writeFileSync(models, m);
      writeFileSync(
        `${repo}/polls/migrations/${String(n).padStart(4, '0')}_question_f${n}.py`,
        `from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('polls', '${prev}')]\n\n    operations = [\n        migrations.AddField(model_name='question', name='f${n}', field=models.CharField(blank=True, max_length=20, null=True)),\n    ]\n`,
      );
      git('add', '-A');
      git('commit', '-q', '-m', `f${n}`);
    },
    bump() {
      writeFileSync(`${repo}/VERSION`, `v${++version}\n`);
      git('commit', '-qam', `v${version}`);
    },
  };
  return app;
}

function pythonLines(app) {
  try {
    return readFileSync(app.pylog, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

// One deploy of main with --json: wall time, each step's ms, the Python processes it started.
async function deploy(app) {
  const seen = pythonLines(app).length;
  const r = await app.bg('--json', 'deploy', 'main');
  if (r.code !== 0) throw new Error(`${app.name}: deploy exited ${r.code}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  const steps = {};
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const e = JSON.parse(line);
    if (e.event === 'step' && e.status === 'done') steps[e.step.replace(`-${app.name}-`, '-').replace(/-(blue|green)(?=-|$)/, '')] = e.ms;
  }
  const python = pythonLines(app)
    .slice(seen)
    .map((p) => p.what);
  const res = await fetch(app.url).catch((e) => ({ status: String(e) }));
  if (res.status !== 200) throw new Error(`${app.name}: GET / after the deploy answered ${res.status}`);
  return { wallMs: r.wall, steps, python };
}

async function main() {
  const facts = { nproc: cpus().length, loadavgStart: loadavg().map((x) => x.toFixed(1)), pairs: PAIRS };
  const apps = {};
  for (const [build, bgDir] of Object.entries(BUILDS)) {
    apps[build] = await makeApp(`dj${build}`, bgDir);
    log(`${build}: setup (${bgDir})`);
    const s = await apps[build].bg('setup');
    if (s.code !== 0) throw new Error(`${build}: setup exited ${s.code}\n${s.stdout.slice(-3000)}\n${s.stderr.slice(-3000)}`);
    apps[build].bump();
    await deploy(apps[build]); // warm-up: caches, the second color's first start
  }
  const runs = { before: { addfield: [], none: [] }, after: { addfield: [], none: [] } };
  for (let i = 0; i < PAIRS; i++) {
    const order = i % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
    for (const [scenario, change] of [
      ['addfield', 'addField'],
      ['none', 'bump'],
    ]) {
      for (const build of scenario === 'none' ? [...order].reverse() : order) {
        apps[build][change]();
        const d = await deploy(apps[build]);
        runs[build][scenario].push(d);
        log(`round ${i + 1} ${scenario} ${build}: wall ${r0(d.wallMs)} ms, python: ${d.python.join(', ')}`);
      }
    }
  }
  facts.loadavgEnd = loadavg().map((x) => x.toFixed(1));
  const out = [];
  out.push(
    `Django stock project, SQLite, user scope; ${PAIRS} rounds, builds alternating; load average ${facts.loadavgStart.join(' ')} → ${facts.loadavgEnd.join(' ')} on ${facts.nproc} CPUs`,
  );
  for (const [build, d] of Object.entries(BUILDS))
    out.push(`${build}: ${d} (${execFileSync('git', ['-C', d, 'log', '-1', '--format=%h %s'], { encoding: 'utf8' }).trim().slice(0, 70)})`);
  for (const scenario of ['none', 'addfield']) {
    const b = runs.before[scenario];
    const a = runs.after[scenario];
    const names = [...new Set([...b, ...a].flatMap((d) => Object.keys(d.steps)))];
    const row = (name, get) => {
      const xb = b.map(get).filter((x) => x !== undefined);
      const xa = a.map(get).filter((x) => x !== undefined);
      const diffs = a.map((d, i) => (get(d) ?? 0) - (get(b[i]) ?? 0));
      const range = (xs) => (xs.length ? `${r0(Math.min(...xs))}–${r0(Math.max(...xs))}` : '-');
      return `| ${name} | ${r0(median(xb))} (${range(xb)}) | ${r0(median(xa))} (${range(xa)}) | ${r0(median(diffs))} (${range(diffs)}) |`;
    };
    out.push('', `### ${scenario === 'none' ? 'no pending migration' : 'one AddField (nullable)'}: ms, median (range)`, '');
    out.push('| step | before | after | after − before, paired |', '| --- | --- | --- | --- |');
    out.push(row('**deploy wall time**', (d) => d.wallMs));
    for (const n of names) out.push(row(n, (d) => d.steps[n]));
    const starts = (ds) => [...new Set(ds.map((d) => `${d.python.length}: ${d.python.join(', ')}`))].join(' / ');
    out.push(row('Python starts in a release dir (count)', (d) => d.python.length));
    out.push('', `Python starts, before: ${starts(b)}`, `Python starts, after: ${starts(a)}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  if (OUT) writeFileSync(OUT, `${JSON.stringify({ facts, builds: BUILDS, runs }, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`bench: ${e.stack ?? e}\n`);
    process.exit(1);
  },
);
