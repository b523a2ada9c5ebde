// Medians of deploy-once.sh's JSON lines, one block per app. Usage: node report.mjs FILE...
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const median = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};
const ms = (v) => (v === null ? '-' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
const mib = (v) => (v === null ? '-' : `${Math.round(v / 2 ** 20)} MiB`);
for (const file of process.argv.slice(2)) {
  const rows = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const med = (f) => median(rows.map(f));
  console.log(`${basename(file, '.jsonl')}: ${rows.length} deploys, medians`);
  console.log(
    `  wall ${ms(med((r) => r.wall))}; Celery gap ${ms(med((r) => r.gapMs))} (new worker's own boot ${ms(med((r) => r.bootMs))}, gap - boot ${ms(med((r) => r.gapMs - r.bootMs))})`,
  );
  console.log(
    `  peak memory: both web colors ${mib(med((r) => r.peakWeb))}, all the app's units ${mib(med((r) => r.peakAll))}; bg measured: new color needs ${mib(med((r) => r.need))}, headroom ${mib(med((r) => r.headroom))}`,
  );
  for (const step of Object.keys(rows.at(-1).steps)) console.log(`  ${step.padEnd(22)} ${ms(med((r) => r.steps[step] ?? null))}`);
}
