// The keep-alive comparison in docs/benchmarks.md: both switches side by side. Run through
// scripts/bench-keepalive.sh, which owns the sandbox (a private systemd user manager, cleanup).
// For each of caddy.switch: port and socket, its own app and Caddy unit in user scope, `setup`,
// then one wrk -t2 -c16 run (keep-alive, wrk's default) through Caddy spanning BENCH_SWITCHES
// deploys (20), each a switch. Prints requests, non-2xx and wrk's socket errors per switch kind
// (and BENCH_OUT JSON). Plain JS: it runs the built CLI (bin/bg.cjs) only.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BG = `${ROOT}bin/bg.cjs`;
const FIXTURE_APP = `${ROOT}test/fixtures/app/`;
const dir = process.env.BENCH_DIR;
if (!dir) throw new Error('BENCH_DIR is not set (run scripts/bench-keepalive.sh)');
const SWITCHES = Number(process.env.BENCH_SWITCHES || 20);
const OUT = process.env.BENCH_OUT || undefined;

const env = { ...process.env, XDG_STATE_HOME: `${dir}/state-home`, BG_CACHE_DIR: `${dir}/cache` };
const log = (...a) => process.stderr.write(`bench: ${a.join(' ')}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const systemctl = (...args) => execFileSync('systemctl', ['--user', ...args], { env, encoding: 'utf8', timeout: 30_000 });

function run(cmd, args, { timeoutMs = 120_000, onSpawn } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

async function freePorts(n) {
  const servers = [];
  for (let i = 0; i < n; i++) {
    const s = createServer();
    servers.push(s);
    await new Promise((res, rej) => s.once('error', rej).listen(0, '127.0.0.1', res));
  }
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

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

async function startCaddy(name, caddyfile, admin) {
  const home = `${dir}/${name}-home`;
  mkdirSync(home, { recursive: true });
  const unitDir = `${process.env.XDG_CONFIG_HOME}/systemd/user`;
  mkdirSync(unitDir, { recursive: true });
  const adapter = `--config ${caddyfile} --adapter caddyfile`;
  writeFileSync(
    `${unitDir}/${name}`,
    `[Unit]\nDescription=Caddy for bg keep-alive bench\n[Service]\nType=notify\n` +
      `Environment=XDG_CONFIG_HOME=${home} XDG_DATA_HOME=${home} HOME=${home}\nWorkingDirectory=${home}\n` +
      `ExecStart=/usr/bin/caddy run --environ ${adapter}\n` +
      `ExecReload=/usr/bin/caddy reload ${adapter} --force --address ${admin}\n` +
      `TimeoutStopSec=10s\nKillMode=mixed\nStandardOutput=append:${dir}/logs/${name}.log\nStandardError=append:${dir}/logs/${name}.log\n`,
  );
  systemctl('daemon-reload');
  systemctl('start', name);
  for (const until = Date.now() + 10_000; Date.now() < until; await sleep(50)) {
    try {
      const res = await fetch(`http://${admin}/config/`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.ok) return;
    } catch {}
  }
  throw new Error(`Caddy admin API on ${admin} did not answer within 10 s; see ${dir}/logs/${name}.log`);
}

function parseWrk(text) {
  const num = (re) => Number(text.match(re)?.[1] ?? 0);
  const se = text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const socket = se ? { connect: +se[1], read: +se[2], write: +se[3], timeout: +se[4] } : { connect: 0, read: 0, write: 0, timeout: 0 };
  return { requests: num(/(\d+) requests in/), non2xx: num(/Non-2xx or 3xx responses: (\d+)/), socket };
}

async function measure(mode) {
  const app = `ka-${mode}`;
  const base = `${dir}/${mode}`;
  const [blue, green, site, admin] = await freePorts(4);
  makeRepo(`${base}/repo`);
  mkdirSync(`${base}/caddy`, { recursive: true });
  const caddyfile = `${base}/caddy/Caddyfile`;
  writeFileSync(caddyfile, `{\n\tadmin 127.0.0.1:${admin}\n\tauto_https off\n}\n:${site} {\n\trespond "placeholder"\n}\n`);
  const caddyUnit = `${app}-caddy.service`;
  await startCaddy(caddyUnit, caddyfile, `127.0.0.1:${admin}`);
  const config = `${base}/bg.yml`;
  writeFileSync(
    config,
    [
      `app: ${app}`,
      `repo: ${base}/repo`,
      `root: ${base}/srv`,
      `log_dir: ${dir}/logs`,
      'web:',
      '  wsgi: app:app',
      `  ports: { blue: ${blue}, green: ${green} }`,
      '  workers: 2',
      'caddy:',
      `  site: ":${site}"`,
      `  caddyfile: ${caddyfile}`,
      `  upstream_file: ${base}/caddy/upstream.txt`,
      `  unit: ${caddyUnit}`,
      `  admin: 127.0.0.1:${admin}`,
      `  switch: ${mode}`,
    ]
      .map((l) => `${l}\n`)
      .join(''),
  );
  const bg = async (...args) => {
    const r = await run(process.execPath, [BG, '--user', '--config', config, ...args]);
    if (r.code !== 0) throw new Error(`bluegreen ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  };
  log(`${mode}: setup`);
  await bg('setup');
  let wrk;
  const w = run('wrk', ['-t2', '-c16', '-d600s', `http://127.0.0.1:${site}/`], { timeoutMs: 700_000, onSpawn: (c) => (wrk = c) });
  await sleep(500);
  const t0 = Date.now();
  for (let i = 0; i < SWITCHES; i++) {
    await bg('deploy', i % 2 === 0 ? 'v2' : 'v3');
    log(`${mode}: switch ${i + 1}/${SWITCHES}`);
  }
  await sleep(500);
  wrk.kill('SIGINT');
  const r = await w;
  const p = parseWrk(r.stdout);
  systemctl('stop', caddyUnit, `${app}-web-blue.service`, `${app}-web-green.service`);
  return {
    mode,
    switches: SWITCHES,
    seconds: Math.round((Date.now() - t0) / 100) / 10,
    ...p,
    socketErrors: Object.values(p.socket).reduce((a, b) => a + b, 0),
  };
}

mkdirSync(`${dir}/logs`, { recursive: true });
const rows = [];
for (const mode of ['port', 'socket']) rows.push(await measure(mode));
const lines = [
  `wrk -t2 -c16 keep-alive through Caddy, ${SWITCHES} switches per row (one deploy each)`,
  '| switch | requests | non-2xx | socket errors (connect/read/write/timeout) | errors per switch |',
  '|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.mode} | ${r.requests} | ${r.non2xx} | ${r.socketErrors} (${r.socket.connect}/${r.socket.read}/${r.socket.write}/${r.socket.timeout}) | ${(r.socketErrors / r.switches).toFixed(2)} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
if (OUT) writeFileSync(OUT, JSON.stringify(rows, null, 2));
