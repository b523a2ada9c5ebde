// Runs a bg command and SIGKILLs it as soon as its lock file names a given step (the lock names the
// step being run, written before the step begins). Watches the lock's directory (inotify) and polls
// too, so a step of a few milliseconds is still caught.
//   node kill-at-step.mjs <lock file> <step> <command> [args...]
// With AT_STEP_RUN set, runs that shell command at the step instead of killing (e.g. stop the broker).
// Prints one JSON line: { killed, step, landed, seen, code, signal, output }; landed is the step the
// lock named when the kill landed (the step, or a later one when the step was over by then).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, watch } from 'node:fs';
import { dirname } from 'node:path';

const [lock, step, command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
child.stdout.on('data', (d) => (output += d));
child.stderr.on('data', (d) => (output += d));
let killed = false;
let landed; // the step the lock named when the process was stopped for the kill
const seen = [];

function look() {
  if (killed) return;
  let info;
  try {
    info = JSON.parse(readFileSync(lock, 'utf8'));
  } catch {
    return; // not there yet, or being replaced
  }
  if (info.step && seen.at(-1) !== info.step) seen.push(info.step);
  if (info.step === step && info.pid) {
    killed = true;
    if (process.env.AT_STEP_RUN) return void spawnSync('/bin/sh', ['-c', process.env.AT_STEP_RUN], { stdio: 'ignore' });
    // A step of a few microseconds may be over before the kill lands: stop the process first, then
    // read which step the lock names now (it is written before a step begins), then kill it.
    try {
      process.kill(info.pid, 'SIGSTOP');
      try {
        landed = JSON.parse(readFileSync(lock, 'utf8')).step ?? step;
      } catch {
        landed = step;
      }
      process.kill(info.pid, 'SIGKILL');
    } catch {}
  }
}

const watcher = watch(dirname(lock), look);
const poll = setInterval(look, 2);
child.on('close', (code, signal) => {
  watcher.close();
  clearInterval(poll);
  process.stdout.write(`${JSON.stringify({ killed, step, landed, seen, code, signal, output: output.slice(-4000) })}\n`);
});
