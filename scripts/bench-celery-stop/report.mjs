// Reads bench-celery-stop's JSON lines (label, file, label, file, ...) and prints a Markdown table:
// per phase, the median and the range (min–max) for each label, in seconds.
import { readFileSync } from 'node:fs';

const sets = [];
for (let i = 2; i < process.argv.length; i += 2) {
  const rows = readFileSync(process.argv[i + 1], 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  sets.push({ label: process.argv[i], rows });
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const cell = (xs) => (xs.length ? `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})` : '–');
const phases = [
  ['quiesce', 'stop requested → "Warm shutdown" (ExecStop)'],
  ['warm', '"Warm shutdown" → main process exit'],
  ['seen', '… "Warm shutdown" → the loop sees it ("Closing Hub", debug)'],
  ['teardown', "… the bootsteps' stop (debug)"],
  ['join', "… the pool's join → exit (debug)"],
  ['cgroup', 'main process exit → unit inactive'],
  ['total', 'stop requested → unit inactive'],
];
console.log(`| phase, s: median (min–max) | ${sets.map((s) => `${s.label}, N=${s.rows.length}`).join(' | ')} |`);
console.log(`|---|${sets.map(() => '---').join('|')}|`);
for (const [key, name] of phases) {
  const cols = sets.map((s) => s.rows.map((r) => r[key]).filter((x) => typeof x === 'number'));
  if (cols.every((c) => c.length === 0)) continue;
  console.log(`| ${name} | ${cols.map(cell).join(' | ')} |`);
}
const statuses = sets.map((s) => [...new Set(s.rows.map((r) => r.status))].join(','));
console.log(`exit statuses: ${sets.map((s, i) => `${s.label}: ${statuses[i]}`).join('; ')}`);
