// From a stamp log ("n time color" per probe task) and the new worker's start time: the longest
// pause between two probe tasks (no worker consumed), and the new worker's own boot (its start to
// its first task). Usage: node gap.mjs STAMPS NEW_COLOR WORKER_START_UNIX_S
import { readFileSync } from 'node:fs';

const [file, newColor, startS] = process.argv.slice(2);
const stamps = readFileSync(file, 'utf8')
  .trim()
  .split('\n')
  .map((l) => l.split(' '))
  .map(([n, t, color]) => ({ n: Number(n), t: Number(t), color }))
  .sort((a, b) => a.t - b.t);
let gap = 0;
for (let i = 1; i < stamps.length; i++) gap = Math.max(gap, stamps[i].t - stamps[i - 1].t);
const firstNew = stamps.find((s) => s.color === newColor && s.t >= Number(startS));
const boot = firstNew ? firstNew.t - Number(startS) : null;
console.log(
  JSON.stringify({ gapMs: Math.round(gap * 1000), bootMs: boot === null ? null : Math.round(boot * 1000), tasks: stamps.length }),
);
