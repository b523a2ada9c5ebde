// The keep-alive comparison in docs/benchmarks.md: both switches side by side. Run through
// scripts/bench-keepalive.sh, which owns the sandbox (a private systemd user manager, cleanup).
// For each of caddy.switch: port and socket, its own Caddy unit in user scope and two apps behind
// it, both `setup` first:
//   - the Flask fixture: one wrk -t2 -c16 run (keep-alive, wrk's default) through Caddy spanning
//     BENCH_SWITCHES deploys (20), each a switch: requests, non-2xx, wrk's socket errors;
//   - the ASGI fixture (test/fixtures/asgi-chat, Uvicorn's worker): BENCH_WS_SWITCHES deploys (5),
//     each with a websocket exchanging messages and a 5 s streaming response opened before it.
//     The websocket survived a switch when it kept echoing the old version after the switch and
//     closed only when the client closed it; the stream, when it ended complete on the old version.
// Prints the table (and BENCH_OUT JSON). Plain JS: it runs the built CLI (bin/bg.cjs) only.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePorts, startCaddyUnit } from './bench-manager.mjs';
import { parseWrk } from './bench-wrk.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BG = `${ROOT}bin/bg.cjs`;
const FIXTURE_APP = `${ROOT}test/fixtures/app/`;
const FIXTURE_ASGI = `${ROOT}test/fixtures/asgi-chat/`;
const WS_CLI = `${ROOT}test/support/ws-cli.mjs`;
const dir = process.env.BENCH_DIR;
if (!dir) throw new Error('BENCH_DIR is not set (run scripts/bench-keepalive.sh)');
const SWITCHES = Number(process.env.BENCH_SWITCHES || 20);
const WS_SWITCHES = Number(process.env.BENCH_WS_SWITCHES || 5);
const STREAM_S = 5;
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

function makeRepo(repo, fixture = FIXTURE_APP) {
  mkdirSync(repo, { recursive: true });
  const git = (...a) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=bg bench', '-c', 'user.email=bench@bg.invalid', ...a], { stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  cpSync(fixture, repo, { recursive: true, filter: (src) => !src.includes('__pycache__') });
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

function writeConfig(path, { app, base, ports, caddyfile, caddyUnit, admin, mode }) {
  writeFileSync(
    path,
    [
      `app: ${app}`,
      `repo: ${base}/repo`,
      `root: ${base}/srv`,
      `log_dir: ${dir}/logs`,
      'web:',
      '  wsgi: app:app',
      `  ports: { blue: ${ports.blue}, green: ${ports.green} }`,
      '  workers: 2',
      'caddy:',
      `  site: ":${ports.site}"`,
      `  caddyfile: ${caddyfile}`,
      `  upstream_file: ${base}/caddy/upstream.txt`,
      `  unit: ${caddyUnit}`,
      `  admin: ${admin}`,
      `  switch: ${mode}`,
    ]
      .map((l) => `${l}\n`)
      .join(''),
  );
  return async (...args) => {
    const r = await run(process.execPath, [BG, '--user', '--config', path, ...args]);
    if (r.code !== 0) throw new Error(`bluegreen ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  };
}

// What Caddy routes this app to right now: active.sock's target (socket) or the upstream line (port).
function routed(base, mode) {
  if (mode === 'socket') return readlinkSync(`${base}/srv/run/active.sock`);
  return readFileSync(`${base}/caddy/upstream.txt`, 'utf8');
}

async function until(done, what, maxMs = 60_000) {
  for (const end = Date.now() + maxMs; Date.now() < end; await sleep(20)) if (done()) return;
  throw new Error(`bench: waited ${maxMs} ms for ${what}`);
}

// One switch of the ASGI app with a websocket and a stream open across it.
async function connectionsAcross({ mode, base, site, bg, ref, from }) {
  const stop = `${base}/ws.stop`;
  const progressFile = `${base}/ws.json`;
  for (const f of [stop, progressFile]) execFileSync('rm', ['-f', f]);
  const progress = () => (existsSync(progressFile) ? JSON.parse(readFileSync(progressFile, 'utf8')) : { echoed: 0 });
  const ws = run(process.execPath, [WS_CLI, `ws://127.0.0.1:${site}/ws`, stop, progressFile], { timeoutMs: 120_000 });
  const stream = fetch(`http://127.0.0.1:${site}/stream?s=${STREAM_S}`).then(
    async (r) => ({ status: r.status, lines: (await r.text()).split('\n').filter(Boolean) }),
    (e) => ({ error: e.message, lines: [] }),
  );
  await until(() => progress().echoed > 5, 'the first echoes');
  const before = routed(base, mode);
  const deploy = bg('deploy', ref);
  await until(() => routed(base, mode) !== before, 'the switch');
  const atSwitch = progress().echoed;
  await until(() => progress().echoed > atSwitch + 10 || progress().closedBy, 'echoes after the switch or a close', 10_000);
  writeFileSync(stop, '');
  const w = JSON.parse((await ws).stdout.trim().split('\n').at(-1));
  const st = await stream;
  await deploy;
  const want = Array.from({ length: STREAM_S * 5 }, (_, i) => `${from} ${i}`);
  return {
    websocket: w.closedBy === 'client' && w.code === 1000 && w.echoed > atSwitch + 10 && Object.keys(w.versions).join() === from,
    websocketClose: `${w.closedBy} ${w.code}`,
    stream: st.status === 200 && st.lines.join('\n') === want.join('\n'),
  };
}

async function measure(mode) {
  const base = `${dir}/${mode}`;
  const [blue, green, site, admin, wsBlue, wsGreen, wsSite] = await freePorts(7);
  makeRepo(`${base}/repo`);
  makeRepo(`${base}/ws/repo`, FIXTURE_ASGI);
  mkdirSync(`${base}/caddy`, { recursive: true });
  mkdirSync(`${base}/ws/caddy`, { recursive: true });
  const caddyfile = `${base}/caddy/Caddyfile`;
  writeFileSync(caddyfile, `{\n\tadmin 127.0.0.1:${admin}\n\tauto_https off\n}\n:${site} {\n\trespond "placeholder"\n}\n`);
  const caddyUnit = `ka-${mode}-caddy.service`;
  await startCaddyUnit({
    name: caddyUnit,
    caddyfile,
    admin: `127.0.0.1:${admin}`,
    home: `${dir}/${caddyUnit}-home`,
    logDir: `${dir}/logs`,
    systemctl,
  });
  const shared = { caddyfile, caddyUnit, admin: `127.0.0.1:${admin}`, mode };
  const bg = writeConfig(`${base}/bg.yml`, { ...shared, app: `ka-${mode}`, base, ports: { blue, green, site } });
  const wsBase = `${base}/ws`;
  const wsBg = writeConfig(`${wsBase}/bg.yml`, {
    ...shared,
    app: `ws-${mode}`,
    base: wsBase,
    ports: { blue: wsBlue, green: wsGreen, site: wsSite },
  });
  log(`${mode}: setup`);
  await bg('setup');
  await wsBg('setup');
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
  const seconds = Math.round((Date.now() - t0) / 100) / 10;
  const across = [];
  for (let i = 0; i < WS_SWITCHES; i++) {
    const [from, ref] = i === 0 ? ['v1', 'v2'] : i % 2 === 1 ? ['v2', 'v3'] : ['v3', 'v2'];
    across.push(await connectionsAcross({ mode, base: wsBase, site: wsSite, bg: wsBg, ref, from }));
    log(`${mode}: websocket switch ${i + 1}/${WS_SWITCHES}: ${JSON.stringify(across.at(-1))}`);
  }
  systemctl('stop', caddyUnit, ...['ka', 'ws'].flatMap((a) => [`${a}-${mode}-web-blue.service`, `${a}-${mode}-web-green.service`]));
  return {
    mode,
    switches: SWITCHES,
    seconds,
    ...p,
    wsSwitches: WS_SWITCHES,
    websocketSurvived: across.filter((a) => a.websocket).length,
    websocketCloses: [...new Set(across.filter((a) => !a.websocket).map((a) => a.websocketClose))],
    streamSurvived: across.filter((a) => a.stream).length,
  };
}

mkdirSync(`${dir}/logs`, { recursive: true });
const rows = [];
for (const mode of ['port', 'socket']) rows.push(await measure(mode));
const lines = [
  `wrk -t2 -c16 keep-alive through Caddy, ${SWITCHES} switches per row (one deploy each); then ${WS_SWITCHES} switches of the ASGI app, each with a websocket and a ${STREAM_S} s stream open across it`,
  '| switch | requests | non-2xx | socket errors (connect/read/write/timeout) | errors per switch | long stream survived | websocket survived |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.mode} | ${r.requests} | ${r.non2xx} | ${r.socketErrors} (${r.socket.connect}/${r.socket.read}/${r.socket.write}/${r.socket.timeout}) | ${(r.socketErrors / r.switches).toFixed(2)} | ${r.streamSurvived}/${r.wsSwitches} | ${r.websocketSurvived}/${r.wsSwitches}${r.websocketCloses.length ? ` (closed: ${r.websocketCloses.join(', ')})` : ''} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
if (OUT) writeFileSync(OUT, JSON.stringify(rows, null, 2));
