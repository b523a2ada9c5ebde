// The benchmark behind docs/benchmarks.md; run through scripts/bench.sh, which owns the sandbox
// (private systemd user manager, tcp_migrate_req restore, cleanup). This script, against that
// manager: a Caddy unit, the fixture app repo (branches v2, v3), bg.yml in user scope, `setup`, then
//   1. N deploys (--json): wall time spawn→exit, step times from the events, peak RSS (/usr/bin/time)
//   2. `status` and `status --json` wall times
//   3. wrk -t2 -c16 through Caddy during deploys, keep-alive and Connection: close, with
//      net.ipv4.tcp_migrate_req 0 and 1
// and prints a table (and BENCH_OUT JSON). Plain JS: it runs the built CLI (bin/bg.cjs) only.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePorts, startCaddyUnit } from './bench-manager.mjs';
import { parseWrk } from './bench-wrk.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BG = `${ROOT}bin/bg.cjs`;
const FIXTURE_APP = `${ROOT}test/fixtures/app/`;
const MIGRATE = '/proc/sys/net/ipv4/tcp_migrate_req';
const TIME = '/usr/bin/time';

const dir = need('BENCH_DIR');
const DEPLOYS = int('BENCH_DEPLOYS', 10);
const STATUS_RUNS = int('BENCH_STATUS_RUNS', 20);
const LOAD_DEPLOYS = int('BENCH_LOAD_DEPLOYS', 4); // per tcp_migrate_req value
const OUT = process.env.BENCH_OUT || undefined;
const DEADLINE = Date.now() + int('BENCH_MAX_S', 240) * 1000;
const TARGETS = { overheadMs: 300, switchMs: 100, statusMs: 150, rssMb: 80 };

const children = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    process.exit(130);
  });
}

function need(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run scripts/bench.sh)`);
  return v;
}
function int(name, dflt) {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  if (!/^\d+$/.test(v)) throw new Error(`${name} must be a whole number, got ${JSON.stringify(v)}`);
  return Number(v);
}
const log = (...a) => process.stderr.write(`bench: ${a.join(' ')}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function checkDeadline(what) {
  if (Date.now() > DEADLINE) throw new Error(`time budget (BENCH_MAX_S) exhausted before ${what}`);
}

// Runs a command; resolves with wall ms (spawn → exit), code, stdout/stderr, and each stdout line
// with the ms since spawn at which it arrived.
function run(cmd, args, { env = process.env, timeoutMs = 60_000, onSpawn } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child.pid);
    onSpawn?.(child);
    const lines = [];
    let buf = '';
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      const at = performance.now() - t0;
      stdout += d;
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        lines.push({ at, line: buf.slice(0, i) });
        buf = buf.slice(i + 1);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wall = performance.now() - t0;
      clearTimeout(timer);
      children.delete(child.pid);
      resolve({ wall, code: code ?? -1, signal, stdout, stderr, lines });
    });
  });
}

const median = (xs) => quantile(xs, 0.5);
function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}
const max = (xs) => (xs.length ? Math.max(...xs) : NaN);
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const r1 = (x) => Math.round(x * 10) / 10;

// ---------- sandbox pieces (the user manager itself comes from bench.sh) ----------

// BG_CACHE_DIR: the CLI's code and config caches start empty in the bench's dir (first runs are cold)
const env = { ...process.env, XDG_STATE_HOME: `${dir}/state-home`, BG_CACHE_DIR: `${dir}/cache` };
const systemctl = (...args) => execFileSync('systemctl', ['--user', ...args], { env, encoding: 'utf8', timeout: 30_000 });

function makeRepo(repo) {
  mkdirSync(repo, { recursive: true });
  const git = (...a) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=bg bench', '-c', 'user.email=bench@bg.invalid', ...a], { stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  cpSync(FIXTURE_APP, repo, { recursive: true, filter: (src) => !src.includes('__pycache__') });
  const commit = (version) => {
    writeFileSync(`${repo}/VERSION`, `${version}\n`);
    writeFileSync(`${repo}/MODE`, 'ok\n');
    git('add', '-A');
    git('commit', '-q', '-m', version);
  };
  commit('v1');
  for (const v of ['v2', 'v3']) {
    git('checkout', '-q', '-b', v, 'main');
    commit(v);
  }
  git('checkout', '-q', 'main');
}

// ---------- the measurements ----------

const app = 'bench';
const configPath = `${dir}/bg.yml`;
const bgArgs = (...a) => [BG, '--user', '--config', configPath, ...a];

async function bg(args, timeoutMs = 90_000) {
  const rss = `${dir}/rss-${process.hrtime.bigint()}.txt`;
  const r = await run(TIME, ['-f', '%M %U %S', '-o', rss, process.execPath, ...bgArgs(...args)], { env, timeoutMs });
  const [kb, user, sys] = readFileSync(rss, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { ...r, rssMb: kb / 1024, cpuMs: (user + sys) * 1000 };
}

function fail(what, r) {
  throw new Error(
    `${what} exited ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout ---\n${r.stdout.slice(-3000)}\n--- stderr ---\n${r.stderr.slice(-3000)}`,
  );
}

// One deploy with --json; everything the table needs from it.
async function deploy(ref) {
  const r = await bg(['--json', 'deploy', ref]);
  if (r.code !== 0) fail(`bluegreen deploy ${ref}`, r);
  const events = r.lines.map(({ at, line }) => ({ at, e: JSON.parse(line) }));
  const steps = {};
  for (const { e } of events) if (e.event === 'step' && e.status === 'done') steps[e.step.replace(/-(blue|green)(?=-|$)/, '')] = e.ms;
  const result = events.find(({ e }) => e.event === 'result')?.e;
  const oldDownMs = result?.from ? await untilInactive(`${app}-web-${result.from}.service`) : undefined;
  const bootToHealthy = (steps['start-web'] ?? 0) + (steps['health-gate'] ?? 0);
  const drain = steps.drain ?? 0;
  return {
    ref,
    to: result?.to,
    wallMs: r.wall,
    bootToHealthyMs: bootToHealthy,
    switchMs: steps['switch-to'],
    drainMs: drain,
    overheadMs: r.wall - bootToHealthy - drain,
    rssMb: r.rssMb,
    cpuMs: r.cpuMs, // user + sys of the CLI (and the git/ss it ran), 10 ms resolution
    internalMs: result?.ms, // the CLI's own clock: after config+lock, until before the journal
    firstEventAtMs: events[0]?.at, // spawn → first JSON line: node start, modules, config, lock, D-Bus, observe
    afterResultMs: r.wall - (events.at(-1)?.at ?? r.wall), // last line → exit
    oldDownAfterMs: oldDownMs, // deploy exit → old web inactive: Gunicorn's own exit after SIGQUIT, which bg does not wait for
    steps,
  };
}

// How long after the CLI returned the drained old web reached inactive (polled every 10 ms, ≤ 15 s).
// Waiting for it also keeps the next deploy from finding its target still going down.
async function untilInactive(unit) {
  const t0 = performance.now();
  while (performance.now() - t0 < 15_000) {
    if (systemctl('show', '-p', 'ActiveState', '--value', unit).trim() === 'inactive') return performance.now() - t0;
    await sleep(10);
  }
  throw new Error(`${unit} still not inactive 15 s after the deploy returned`);
}

async function timeStatus(extra) {
  const walls = [];
  const rss = [];
  const cpu = [];
  for (let i = 0; i < STATUS_RUNS; i++) {
    const r = await bg([...extra, 'status'], 20_000);
    if (r.code !== 0) fail(`bluegreen ${extra.join(' ')} status`, r);
    walls.push(r.wall);
    rss.push(r.rssMb);
    cpu.push(r.cpuMs);
  }
  return {
    runs: STATUS_RUNS,
    medianMs: median(walls),
    p95Ms: quantile(walls, 0.95),
    maxMs: max(walls),
    cpuMedianMs: median(cpu),
    peakRssMb: max(rss),
  };
}

async function timePlain(cmd, args, n = 5) {
  const walls = [];
  for (let i = 0; i < n; i++) walls.push((await run(cmd, args, { env, timeoutMs: 20_000 })).wall);
  return median(walls);
}

// wrk runs until SIGINT (it then prints its totals): from 0.5 s before the deploy starts to 0.5 s
// after the CLI exits, or `seconds` when there is no deploy.
// mode 'close' sends Connection: close, so every request is a new connection through Caddy's
// listener (what tcp_migrate_req is about); 'keep-alive' is wrk's default.
async function wrkWhile(url, mode, seconds, during) {
  let wrk;
  const w = run('wrk', ['-t2', '-c16', '-d60s', ...(mode === 'close' ? ['-H', 'Connection: close'] : []), url], {
    env,
    timeoutMs: 90_000,
    onSpawn: (c) => (wrk = c),
  });
  await sleep(500);
  let d;
  if (during) d = await during();
  else await sleep(seconds * 1000 - 500);
  await sleep(500);
  wrk.kill('SIGINT');
  const r = await w;
  if (r.code !== 0) fail('wrk', r);
  const p = parseWrk(r.stdout);
  return {
    ...p,
    seconds: Number(r.stdout.match(/requests in ([\d.]+)s/)?.[1] ?? NaN),
    deploy: d,
  };
}

const readMigrate = () => (existsSync(MIGRATE) ? readFileSync(MIGRATE, 'utf8').trim() : undefined);

async function main() {
  const started = performance.now();
  const facts = { nproc: cpus().length, kernel: release(), cpu: cpus()[0]?.model, node: process.version, loadavgStart: loadavg().map(r1) };
  const [blue, green, site, admin] = await freePorts(4);
  log(`sandbox ${dir}; ports blue ${blue} green ${green} caddy :${site} admin ${admin}`);

  const repo = `${dir}/repo`;
  makeRepo(repo);
  mkdirSync(`${dir}/caddy`, { recursive: true });
  const caddyfile = `${dir}/caddy/Caddyfile`;
  writeFileSync(caddyfile, `{\n\tadmin 127.0.0.1:${admin}\n\tauto_https off\n}\n:${site} {\n\trespond "placeholder before bg setup"\n}\n`);
  const caddyUnit = `${app}-caddy.service`;
  await startCaddyUnit({
    name: caddyUnit,
    caddyfile,
    admin: `127.0.0.1:${admin}`,
    home: `${dir}/caddy-home`,
    logDir: `${dir}/logs`,
    systemctl,
  });
  writeFileSync(
    configPath,
    [
      `app: ${app}`,
      `repo: ${repo}`,
      `root: ${dir}/srv`,
      `log_dir: ${dir}/logs`,
      'web:',
      '  wsgi: app:app',
      `  ports: { blue: ${blue}, green: ${green} }`,
      '  workers: 2',
      '  health: { path: /health/ }',
      'caddy:',
      `  site: ":${site}"`,
      `  caddyfile: ${caddyfile}`,
      `  upstream_file: ${dir}/caddy/upstream.txt`,
      `  unit: ${caddyUnit}`,
      `  admin: 127.0.0.1:${admin}`,
    ]
      .map((l) => `${l}\n`)
      .join(''),
  );

  log('bluegreen setup');
  const setup = await bg(['--json', 'setup']);
  if (setup.code !== 0) fail('bluegreen setup', setup);
  const url = `http://127.0.0.1:${site}/`;
  const probe = await fetch(url);
  if (probe.status !== 200) throw new Error(`GET ${url} after setup: ${probe.status} ${await probe.text()}`);
  await probe.text();

  // reference points for "where does a short CLI run spend its time"
  const ref = {
    nodeEmptyMs: await timePlain(process.execPath, ['-e', '0']),
    bgHelpMs: await timePlain(process.execPath, [BG, '--help']), // node + commander, no command module
  };

  let n = 0;
  const nextRef = () => (n++ % 2 === 0 ? 'v2' : 'v3');

  log(`${DEPLOYS} deploys, no load`);
  const deploys = [];
  for (let i = 0; i < DEPLOYS; i++) {
    checkDeadline(`deploy ${i + 1}`);
    const d = await deploy(nextRef());
    deploys.push(d);
    log(
      `  deploy ${i + 1} → ${d.to}: wall ${Math.round(d.wallMs)} ms, boot→healthy ${Math.round(d.bootToHealthyMs)} ms, switch ${Math.round(d.switchMs)} ms, drain ${Math.round(d.drainMs)} ms, overhead ${Math.round(d.overheadMs)} ms, rss ${r1(d.rssMb)} MB`,
    );
  }

  checkDeadline('status');
  log(`status ×${STATUS_RUNS}, status --json ×${STATUS_RUNS}`);
  const status = await timeStatus([]);
  const statusJson = await timeStatus(['--json']);

  const load = { available: existsSync(MIGRATE), original: readMigrate(), runs: [] };
  const wrkSeconds = 3; // the control run; runs with a deploy last as long as the deploy + 1 s
  checkDeadline('the load runs');
  const modes = ['keep-alive', 'close'];
  const control = {};
  for (const mode of modes) {
    log(`control: wrk ${mode} ${wrkSeconds}s, no deploy`);
    control[mode] = await wrkWhile(url, mode, wrkSeconds);
  }
  const settings = load.available ? ['0', '1'] : [undefined];
  if (!load.available) log(`${MIGRATE} missing (kernel < 5.14): load runs with the kernel as it is`);
  for (const value of settings) {
    if (value !== undefined) writeFileSync(MIGRATE, `${value}\n`);
    for (const mode of modes)
      for (let i = 0; i < LOAD_DEPLOYS; i++) {
        checkDeadline(`load deploy ${i + 1} (tcp_migrate_req=${value}, ${mode})`);
        if (value !== undefined) writeFileSync(MIGRATE, `${value}\n`);
        const res = await wrkWhile(url, mode, wrkSeconds, () => deploy(nextRef()));
        const after = readMigrate();
        if (value !== undefined && after !== value)
          log(`  warning: tcp_migrate_req was ${after} after the run, not ${value}: another process writes it`);
        load.runs.push({
          tcpMigrateReq: value,
          tcpMigrateReqAfter: after,
          mode,
          i: i + 1,
          ...res,
          deploy: { wallMs: res.deploy.wallMs, to: res.deploy.to, overheadMs: res.deploy.overheadMs },
        });
        log(
          `  tcp_migrate_req=${value ?? '-'} ${mode} deploy → ${res.deploy.to}: ${res.requests} requests, ${res.non2xx} non-2xx, socket errors ${JSON.stringify(res.socket)}`,
        );
      }
  }
  if (load.original !== undefined) writeFileSync(MIGRATE, `${load.original}\n`);

  facts.loadavgEnd = loadavg().map(r1);
  const summary = summarize({
    facts,
    ref,
    deploys,
    status,
    statusJson,
    control,
    load,
    wrkSeconds,
    totalS: (performance.now() - started) / 1000,
  });
  process.stdout.write(summary.table);
  if (OUT) {
    writeFileSync(OUT, `${JSON.stringify(summary.json, null, 2)}\n`);
    log(`wrote ${OUT}`);
  }
}

function summarize({ facts, ref, deploys, status, statusJson, control, load, wrkSeconds, totalS }) {
  const col = (k) => deploys.map((d) => d[k]).filter((x) => typeof x === 'number');
  const stat = (k) => ({ median: median(col(k)), max: max(col(k)) });
  const d = {
    wallMs: stat('wallMs'),
    bootToHealthyMs: stat('bootToHealthyMs'),
    switchMs: stat('switchMs'),
    drainMs: stat('drainMs'),
    overheadMs: stat('overheadMs'),
    peakRssMb: stat('rssMb'),
    cpuMs: stat('cpuMs'),
    firstEventAtMs: stat('firstEventAtMs'),
    afterResultMs: stat('afterResultMs'),
    oldDownAfterMs: stat('oldDownAfterMs'),
  };
  const stepNames = [...new Set(deploys.flatMap((x) => Object.keys(x.steps)))];
  const steps = Object.fromEntries(stepNames.map((s) => [s, median(deploys.map((x) => x.steps[s]).filter((v) => v !== undefined))]));
  const verdict = (ok) => (ok ? 'ok' : 'MISS');
  const rows = [
    ['deploy wall time', d.wallMs, 'ms', ''],
    ['  boot→healthy (start-web + health-gate)', d.bootToHealthyMs, 'ms', ''],
    ['  drain', d.drainMs, 'ms', ''],
    [
      '  overhead = wall − boot→healthy − drain',
      d.overheadMs,
      'ms',
      `≤ ${TARGETS.overheadMs} ms ${verdict(d.overheadMs.median <= TARGETS.overheadMs)}`,
    ],
    ['  healthy→switched (switch step)', d.switchMs, 'ms', `≤ ${TARGETS.switchMs} ms ${verdict(d.switchMs.median <= TARGETS.switchMs)}`],
    ['  spawn → first JSON event', d.firstEventAtMs, 'ms', ''],
    ['old web inactive, after the deploy returned', d.oldDownAfterMs, 'ms', '(systemd finishing SIGQUIT)'],
    ['deployer peak RSS', d.peakRssMb, 'MB', `≤ ${TARGETS.rssMb} MB ${verdict(d.peakRssMb.max <= TARGETS.rssMb)}`],
  ];
  const f = (x, unit) => (unit === 'MB' ? r1(x).toFixed(1) : String(Math.round(x)));
  const L = [];
  L.push('');
  L.push(
    `bg benchmark — ${facts.nproc} vCPU (${facts.cpu}), kernel ${facts.kernel}, node ${facts.node}, load avg at start ${facts.loadavgStart.join(' ')}`,
  );
  // the bench's own wrk + Caddy + Gunicorn fill the CPUs later: only the load before it started tells
  if (facts.loadavgStart[0] > facts.nproc / 2)
    L.push(
      `NOTE: the machine was busy when the bench started (1-min load avg ${facts.loadavgStart[0]} > nproc/2): wall times are inflated; CPU times less so`,
    );
  L.push(`${deploys.length} deploys (v2/v3 alternating, no load; deploy 1 clones the green release)     median      max   target`);
  for (const [name, s, unit, target] of rows)
    L.push(`${name.padEnd(52)}${`${f(s.median, unit)} ${unit}`.padStart(10)}${`${f(s.max, unit)} ${unit}`.padStart(10)}   ${target}`);
  L.push(
    `(verdicts: median against the target; peak RSS: max of all runs; deploy 1 ran with empty caches: wall ${Math.round(deploys[0].wallMs)} ms, overhead ${Math.round(deploys[0].overheadMs)} ms)`,
  );
  L.push(
    `step medians (ms): ${Object.entries(steps)
      .map(([k, v]) => `${k} ${Math.round(v)}`)
      .join(', ')}`,
  );
  L.push(
    `reference (median of 5): node -e 0 ${Math.round(ref.nodeEmptyMs)} ms, bluegreen --help ${Math.round(ref.bgHelpMs)} ms; CPU time (user+sys) of a deploy ${Math.round(d.cpuMs.median)} ms`,
  );
  L.push(`status (${status.runs} runs)                                       median       p95   target`);
  for (const [name, s] of [
    ['bluegreen status', status],
    ['bluegreen status --json', statusJson],
  ]) {
    L.push(
      `${name.padEnd(52)}${`${Math.round(s.medianMs)} ms`.padStart(10)}${`${Math.round(s.p95Ms)} ms`.padStart(10)}   ≤ ${TARGETS.statusMs} ms ${verdict(s.medianMs <= TARGETS.statusMs)} (CPU ${Math.round(s.cpuMedianMs)} ms, peak RSS ${r1(s.peakRssMb)} MB)`,
    );
  }
  L.push(`load: wrk -t2 -c16 through Caddy, one deploy per run, from 0.5 s before it to 0.5 s after; control: ${wrkSeconds} s, no deploy`);
  L.push(`${'run'.padEnd(38)}${'requests'.padStart(10)}${'non-2xx'.padStart(9)}  socket errors (connect/read/write/timeout)  deploy wall`);
  const wrkRow = (name, r) =>
    `${name.padEnd(38)}${String(r.requests).padStart(10)}${String(r.non2xx).padStart(9)}  ${`${r.socketErrors} (${r.socket.connect}/${r.socket.read}/${r.socket.write}/${r.socket.timeout})`.padEnd(42)}  ${r.deploy ? `${Math.round(r.deploy.wallMs)} ms` : '-'}`;
  for (const [mode, c] of Object.entries(control)) L.push(wrkRow(`control, ${mode}`, c));
  for (const r of load.runs) L.push(wrkRow(`migrate_req=${r.tcpMigrateReq ?? '?'}, ${r.mode}, deploy ${r.i}`, r));
  for (const mode of Object.keys(control))
    for (const v of [...new Set(load.runs.map((r) => r.tcpMigrateReq))]) {
      const rs = load.runs.filter((r) => r.tcpMigrateReq === v && r.mode === mode);
      L.push(
        `  tcp_migrate_req=${v ?? '?'}, ${mode.padEnd(10)}: ${rs.length} deploys, ${sum(rs.map((r) => r.requests))} requests, ${sum(rs.map((r) => r.non2xx))} non-2xx, ` +
          `${sum(rs.map((r) => r.socketErrors))} socket errors (${rs.map((r) => r.socketErrors).join(', ')} per deploy)`,
      );
    }
  L.push(
    `for comparison, a hand-written recipe measured 2026-11-23 (docs/benchmarks.md): 0 non-2xx, 0-6 socket read errors per deploy, 2.9-3.2 s per deploy`,
  );
  L.push(`total ${r1(totalS)} s`);
  L.push('');
  return {
    table: L.join('\n'),
    json: {
      facts,
      targets: TARGETS,
      deploy: d,
      stepMedians: steps,
      reference: ref,
      deploys,
      status,
      statusJson,
      load: { wrkSeconds, control, ...load },
      totalS,
    },
  };
}

main().then(
  () => process.exit(0),
  (e) => {
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    log(`failed: ${e.stack ?? e}`);
    process.exit(1);
  },
);
