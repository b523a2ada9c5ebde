// deploy, rollback, restart and maintenance with `hosts:` in bg.yml: bg on each host over ssh,
// rolling, the Celery host last, the hosts already done put back at the first failure. A lock here
// covers the whole run; each host keeps its own. The run is journaled here: the order, each host's
// result and duration.
import { SshBg } from '../adapters/ssh.js';
import type { Config } from '../config/types.js';
import { maintenanceBatches, orderText, rollingBatches } from '../fleet/order.js';
import { checkFleet, statusOfAll } from '../fleet/preflight.js';
import type { RemoteEvent } from '../fleet/remote.js';
import { type HostReport, runRolling } from '../fleet/rolling.js';
import { fmtMs } from '../format/duration.js';
import type { BgEvent } from '../protocol/events.js';
import { isRunEvent } from '../protocol/wire.js';
import { jsonOut } from '../protocol/writer.js';
import { appendJournal, type JournalEntry } from '../state/journal.js';
import { acquireLock, bootId, safeUser } from '../state/lock.js';
import { type FleetJournalBase, fleetJournalEnd, fleetJournalStart } from './fleet-journal.js';
import { type GlobalOptions, lockWaitMs } from './options.js';
import { afterChange, exitOk, fleetDryRunExit } from './outcome.js';
import { formatEvent } from './progress.js';

export interface FleetCommand {
  name: 'deploy' | 'rollback' | 'restart' | 'maintenance';
  args: string[]; // what each host runs, e.g. ['deploy', 'v2', '--allow-destructive']
  undo?: string[]; // what puts a host done back (default ['rollback'])
  ref?: string; // the journal's ref: the deploy's ref, maintenance's on|off
  parallel?: number;
}

export async function runFleet(cfg: Config, cmd: FleetCommand, o: GlobalOptions): Promise<number> {
  const remote = new SshBg();
  const started = Date.now();
  // at: ms since this run started, so the hosts' events make one timeline
  const say = (host: string, e: RemoteEvent) => {
    if (o.json) {
      if (isRunEvent(e)) jsonOut({ ...e, host, at: Date.now() - started });
    } else {
      const text = describe(e);
      if (text) for (const line of text.split('\n')) process.stderr.write(`[${host}] ${line}\n`);
    }
  };
  if (o.dryRun) return dryRunFleet(cfg, cmd, remote);
  const lock = await acquireLock(cfg.stateDir, `bg ${cmd.name} on ${cfg.hosts!.length} hosts`, {
    waitMs: lockWaitMs(o),
    onWait: (holder) => say('local', { event: 'note', message: `Waiting for the other bg: ${holder}` }),
  });
  let rolling = false;
  try {
    checkFleet(cfg, await statusOfAll(cfg, remote), cmd.name);
    const passOn = o.lockWait ? ['--lock-wait', o.lockWait] : [];
    const hosts = cfg.hosts!;
    const batches =
      cmd.name === 'maintenance' ? maintenanceBatches(hosts, cfg.celeryHost) : rollingBatches(hosts, cfg.celeryHost, cmd.parallel ?? 1);
    const base: FleetJournalBase = {
      run: `${started.toString(36)}-${process.pid}`,
      pid: process.pid,
      ...(bootId() && { boot: bootId() }),
      user: safeUser(),
      command: cmd.name,
      ref: cmd.ref,
      order: batches.map((b) => b.map((h) => h.name)),
    };
    await journal(cfg, fleetJournalStart(base, new Date()), say);
    rolling = true;
    const outcome = await runRolling(
      cfg,
      {
        command: cmd.name,
        args: [...passOn, ...cmd.args],
        undoArgs: [...passOn, ...(cmd.undo ?? ['rollback'])],
        parallel: cmd.parallel ?? 1,
        batches,
      },
      remote,
      say,
    );
    await journal(cfg, fleetJournalEnd(base, outcome.hosts, outcome.error, Date.now() - started, new Date()), say);
    if (!o.json) process.stderr.write(table(outcome.hosts));
    if (outcome.error) throw outcome.error;
    const text = `${cmd.name} ${cmd.args.slice(1).join(' ')}`.trim();
    const message = `${text}: done on ${outcome.hosts.length} hosts (${orderText(base.order)}${cfg.celeryHost ? `; Celery on ${cfg.celeryHost}, last` : ''}) in ${fmtMs(Date.now() - started)}.`;
    if (o.json)
      jsonOut({ event: 'result', result: 'ok', command: cmd.name, order: base.order, hosts: outcome.hosts, ms: Date.now() - started });
    else process.stdout.write(`${message}\n`);
    return exitOk();
  } catch (err) {
    // the error and its exit code are printed by main, after the lock is released
    throw rolling ? afterChange(err) : err;
  } finally {
    await lock.release();
  }
}

// A journal that cannot be written is a note, never the run's outcome.
const journal = (cfg: Config, entry: JournalEntry, say: (host: string, e: RemoteEvent) => void) =>
  appendJournal(cfg.stateDir, entry).catch((e: unknown) => say('local', { event: 'note', message: (e as Error).message }));

// A host's event as bg prints its own progress; its error, which the host printed as JSON, as one line.
function describe(e: BgEvent): string | undefined {
  if (e.event === 'error') return `bg: ${e.message}`;
  if (e.event !== 'plan' && e.event !== 'note' && e.event !== 'step' && e.event !== 'undo') return undefined;
  if (e.event === 'plan' && e.dryRun) return undefined;
  return formatEvent(e, false)
    ?.trimEnd()
    .split('\n')
    .map((l) => l.trim())
    .join('\n');
}

function table(hosts: HostReport[]): string {
  const w = Math.max(...hosts.map((h) => h.name.length));
  return `${hosts.map((h) => `  ${h.name.padEnd(w)}  ${h.result.padEnd(15)} ${h.ms ? fmtMs(h.ms).padEnd(8) : ''.padEnd(8)} ${h.step ? `at ${h.step}: ` : ''}${h.message ?? ''}`.trimEnd()).join('\n')}\n`;
}

// What each host would do, host by host; nothing changes anywhere.
async function dryRunFleet(cfg: Config, cmd: FleetCommand, remote: SshBg): Promise<number> {
  const codes: number[] = [];
  for (const host of cfg.hosts!) {
    const r = await remote.run(host, ['--dry-run', ...cmd.args]);
    for (const l of `${r.stdout}${r.stderr}`.trimEnd().split('\n')) process.stdout.write(`[${host.name}] ${l}\n`);
    codes.push(r.exitCode);
  }
  return fleetDryRunExit(codes);
}
