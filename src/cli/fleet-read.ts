// status, releases and history with `hosts:` in bg.yml: each host's own answer, one block per host;
// releases says whether the hosts agree, history starts with the fleet runs journaled here.
import { SshBg } from '../adapters/ssh.js';
import { lockPath } from '../config/names.js';
import type { Config } from '../config/types.js';
import { releasesAgreement } from '../fleet/agreement.js';
import { statusOfAll } from '../fleet/preflight.js';
import { whyFailed } from '../fleet/remote.js';
import type { FleetHistoryEvent, FleetReleasesEvent, FleetStatusRow, ReleaseRow } from '../protocol/events.js';
import { eventOf, header } from '../protocol/wire.js';
import { jsonOut } from '../protocol/writer.js';
import { readJournal } from '../state/journal.js';
import { isAlive, readLockInfo } from '../state/lock.js';
import { formatFleetRuns } from './fleet-format.js';
import { historyEntries } from './history-format.js';
import type { GlobalOptions } from './options.js';
import { fleetReadExit } from './outcome.js';
import { formatReleases } from './releases-format.js';

/** One line per host: its live color and release, and its problems; exit 1 when a host does not answer. */
export async function fleetStatus(cfg: Config, o: GlobalOptions): Promise<number> {
  const seen = await statusOfAll(cfg, new SshBg());
  const rows = seen.map(({ host, result, status }): FleetStatusRow => {
    const active = status?.active ?? null;
    const live = active && status ? status.releases[active] : undefined;
    return {
      name: host.name,
      ssh: host.ssh,
      celery: host.name === cfg.celeryHost,
      reachable: !!status,
      bg: result.header?.bg ?? null,
      active,
      release: live?.id ?? null,
      commit: live?.commit ?? null,
      problems: (status?.problems ?? []).map((p) => ({ code: p.code, severity: p.severity, message: p.message })),
      error: status ? undefined : whyFailed(result).message,
      status: status ?? null,
    };
  });
  if (o.json) jsonOut({ event: 'fleet-status', hosts: rows });
  else {
    const w = Math.max(...rows.map((r) => r.name.length));
    const mine = header().bg;
    for (const r of rows) {
      const what = r.reachable
        ? `${(r.active ?? 'not set up').padEnd(6)} ${(r.release ?? '-').padEnd(18)} ${(r.commit ?? '').slice(0, 12).padEnd(12)} ${
            r.problems.length ? r.problems.map((p) => `${p.severity === 'error' ? 'PROBLEM' : 'note'} ${p.code}`).join(', ') : 'ok'
          }`
        : `UNREACHABLE: ${r.error}`;
      const other = r.reachable && r.bg !== mine ? `  (runs bg ${r.bg ?? 'from before the versioned --json'}; this machine ${mine})` : '';
      process.stdout.write(`${r.name.padEnd(w)}${r.celery ? ' (celery)' : ''}  ${what}${other}\n`);
    }
  }
  return fleetReadExit(rows.every((r) => r.reachable));
}

/** Every host's releases, one block per host, and whether the live ones agree; exit 1 when they do not (or a host does not answer). */
export async function fleetReleases(cfg: Config, o: GlobalOptions): Promise<number> {
  const remote = new SshBg();
  const seen = await Promise.all(
    (cfg.hosts ?? []).map(async (h) => {
      const r = await remote.run(h, ['--json', 'releases']);
      const releases: ReleaseRow[] | null = r.exitCode === 0 ? (eventOf(r.events, 'releases')?.releases ?? null) : null;
      const error = releases
        ? undefined
        : r.exitCode !== 0
          ? whyFailed(r).message
          : `no releases event in its output (it runs ${r.header ? `bg ${r.header.bg}` : 'a bg from before the versioned --json'})`;
      return { name: h.name, releases, error };
    }),
  );
  const agreement = releasesAgreement(seen);
  if (o.json) {
    const hosts: FleetReleasesEvent['hosts'] = seen.map((h) => {
      const live = agreement.live.find((l) => l.name === h.name);
      return {
        name: h.name,
        live: live ? { id: live.id, commit: live.commit, ref: live.ref } : null,
        releases: h.releases,
        error: h.error,
      };
    });
    jsonOut({ event: 'fleet-releases', agree: agreement.agree, summary: agreement.summary, hosts });
  } else {
    for (const h of seen) {
      const text = h.releases ? formatReleases(h.releases) : `UNREACHABLE: ${h.error}\n`;
      for (const l of text.trimEnd().split('\n')) process.stdout.write(`[${h.name}] ${l}\n`);
    }
    process.stdout.write(`${agreement.summary}\n`);
  }
  return fleetReadExit(agreement.agree);
}

/** The fleet runs journaled here, then each host's own history, its lines prefixed with its name. */
export async function fleetHistory(cfg: Config, o: GlobalOptions, limit: number): Promise<number> {
  const remote = new SshBg();
  const [lines, lock] = await Promise.all([readJournal(cfg.stateDir, 2 * limit), readLockInfo(lockPath(cfg.stateDir))]);
  const fleetRuns = historyEntries(lines, lock, isAlive, limit);
  const runs = await Promise.all(
    (cfg.hosts ?? []).map(async (h) => ({
      h,
      r: await remote.run(h, [...(o.json ? ['--json'] : []), 'history', '--limit', String(limit)]),
    })),
  );
  if (o.json) {
    const hosts: FleetHistoryEvent['hosts'] = runs.map(({ h, r }) => {
      const entries = r.exitCode === 0 ? eventOf(r.events, 'history')?.entries : undefined;
      const error =
        r.exitCode !== 0
          ? whyFailed(r).message
          : entries
            ? undefined
            : `no history event in its output (it runs ${r.header ? `bg ${r.header.bg}` : 'a bg from before the versioned --json'})`;
      return { name: h.name, entries: entries ?? null, error };
    });
    jsonOut({ event: 'fleet-history', runs: fleetRuns, hosts });
  } else {
    for (const l of formatFleetRuns(fleetRuns).trimEnd().split('\n')) process.stdout.write(`[fleet] ${l}\n`);
    for (const { h, r } of runs) {
      const text = r.exitCode === 0 ? r.stdout : `UNREACHABLE: ${whyFailed(r).message}\n`;
      for (const l of text.trimEnd().split('\n')) process.stdout.write(`[${h.name}] ${l}\n`);
    }
  }
  return fleetReadExit(runs.every(({ r }) => r.exitCode === 0));
}
