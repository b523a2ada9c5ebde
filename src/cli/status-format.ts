import { mib } from '../format/size.js';
import { transition } from '../format/transition.js';
import type { MemoryReport, StatusReport } from '../protocol/events.js';

export function formatStatus(r: StatusReport): string {
  const lines: string[] = [];
  lines.push(`${r.app} (${r.scope} scope)`);
  lines.push(`  active:   ${r.active ?? 'none (not set up)'}${r.maintenance ? ' (maintenance on: Caddy answers 503)' : ''}`);
  const caddy = r.upstream.caddy === null ? 'admin API not answering' : r.upstream.caddy.join(', ') || 'nothing';
  lines.push(
    r.upstream.socket
      ? `  upstream: ${r.upstream.socket.link} → ${r.upstream.socket.color ?? 'nothing of ours'} (no Caddy reload at a switch); Caddy routes to ${caddy}`
      : `  upstream: ${r.upstream.port === null ? 'none' : `127.0.0.1:${r.upstream.port}`} in ${r.upstream.file}; Caddy routes to ${caddy}`,
  );
  for (const p of r.problems) {
    lines.push(`  ${p.severity === 'error' ? 'PROBLEM:' : 'note:   '}  ${p.message}`);
    if (p.severity === 'error') lines.push(`            next: ${p.next}`);
  }
  lines.push('  units:');
  const w = Math.max(...r.units.map((u) => u.name.length));
  for (const u of r.units) {
    const state = u.load === 'not-found' ? 'not installed' : `${u.active}/${u.sub}`;
    const mem = u.memory === null ? '' : mib(u.memory);
    lines.push(
      `    ${u.name.padEnd(w)}  ${state.padEnd(20)} ${u.pid ? `pid ${u.pid}`.padEnd(10) : ''.padEnd(10)} ${mem.padEnd(9)} ${u.since ? `since ${u.since}` : ''}`.trimEnd(),
    );
  }
  lines.push(`  memory:   ${memoryLine(r.memory)}`);
  lines.push('  releases:');
  for (const [color, rel] of Object.entries(r.releases)) {
    lines.push(
      `    ${color.padEnd(6)} ${rel.id ? `${rel.id.padEnd(18)} ` : ''}${rel.commit ? `${rel.commit.slice(0, 12)}  ${rel.subject ?? ''}` : '(no release)'}`,
    );
  }
  const d = r.lastDeploy;
  lines.push(
    `  last:     ${d ? `${d.time} ${d.command}${d.ref ? ` ${d.ref}` : ''} ${transition(d.from, d.to, '→').trim()} ${d.result}${d.failedStep ? ` at ${d.failedStep}` : ''} (${d.ms} ms, by ${d.user})` : 'no deploy recorded'}`,
  );
  if (r.lastLog) lines.push(`  log:      ${r.lastLog.unit}: ${r.lastLog.lines.split('\n').at(-1)}`);
  return `${lines.join('\n')}\n`;
}

function memoryLine(m: MemoryReport): string {
  const colors = Object.entries(m.colors)
    .map(([c, b]) => `${c} ${b === null ? '-' : mib(b)}`)
    .join(', ');
  const free = m.headroom ? `; ${mib(m.headroom.bytes)} free (${m.headroom.by})` : '';
  const next =
    m.need && m.fits !== null ? `; a second web color needs about ${mib(m.need.bytes)}: ${m.fits ? 'fits' : 'does NOT fit'}` : '';
  return `${colors}${free}${next}`;
}
