import { performance } from 'node:perf_hooks';
import type { Config } from '../config/types.js';
import { loadConfig } from '../config/load.js';
import { BgError, EXIT, isBgError } from '../errors.js';
import type { HostState } from '../plan/host-state.js';
import type { Plan } from '../plan/step.js';
import { connectAdapters, type Adapters } from '../run/adapters.js';
import { describePlan, executePlan, messageOf, type RunResult } from '../run/executor.js';
import { diffOf, pendingChanges } from '../run/install.js';
import { appendJournal } from '../run/journal.js';
import { acquireLock, safeUser } from '../run/lock.js';
import { makeLogger } from '../run/logger.js';
import { observe } from '../run/observe.js';
import { makeReporter } from '../run/progress.js';
import { type GlobalOptions, progressMode, scopeOf } from './options.js';

export interface PlannedCommand {
  name: Plan['command'];
  ref?: string;
  observeFiles?: boolean; // setup compares every rendered file with disk; the others skip it
  plan(cfg: Config, host: HostState): Plan;
  summary(cfg: Config, plan: Plan, result: RunResult, o: GlobalOptions): string;
}

// The shared flow of setup, deploy, rollback and cleanup: config → lock → observe → plan →
// (dry-run: print) → execute with undo → journal → summary. Errors leave as BgError.
export async function runPlanned(cmd: PlannedCommand, o: GlobalOptions): Promise<number> {
  const cfg = await loadConfig({ path: o.config, scope: scopeOf(o) });
  if (o.dryRun) return dryRun(cmd, cfg, o);

  const lock = await acquireLock(cfg.stateDir, `bg ${cmd.name}${cmd.ref ? ` ${cmd.ref}` : ''}`);
  const log = makeLogger(cfg.stateDir, o.logLevel);
  const report = makeReporter(progressMode(o));
  if (lock.tookOverFrom) report({ event: 'note', message: `Took over a stale lock from pid ${lock.tookOverFrom.pid} (${lock.tookOverFrom.command}, since ${lock.tookOverFrom.since}).` });
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => abort.abort(new BgError(`Interrupted by ${sig}.`, EXIT.deployFailed));
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  let ad: Adapters | undefined;
  const t0 = performance.now();
  try {
    ad = await connectAdapters(cfg);
    const host = await observe(cfg, ad, { files: !!cmd.observeFiles });
    const plan = cmd.plan(cfg, host);
    if (plan.steps.length === 0) {
      for (const n of plan.notes) out(o, n, { event: 'result', result: 'nothing-to-do', message: n });
      return EXIT.ok;
    }
    log.info({ command: cmd.name, plan: plan.steps.map((s) => s.name), from: plan.from, to: plan.to }, 'plan');
    const result = await executePlan(plan, cfg, ad, (e) => {
      log.info(e, 'progress');
      report(e);
    }, abort.signal);
    const ms = performance.now() - t0;
    const journalResult = result.ok ? 'ok' : result.undoFailed?.length ? 'rollback-failed' : 'rolled-back';
    await appendJournal(cfg.stateDir, {
      time: new Date().toISOString(),
      user: safeUser(),
      command: cmd.name,
      ref: cmd.ref,
      commit: plan.to ? result.memory.commits[plan.to] ?? host.releases[plan.to]?.commit : undefined,
      from: plan.from,
      to: plan.to,
      result: journalResult,
      error: result.failed ? messageOf(result.failed.error) : undefined,
      failedStep: result.failed?.step,
      ms: Math.round(ms),
      steps: result.steps.map((s) => ({ name: s.name, ms: Math.round(s.ms), ok: s.ok })),
    });
    if (!result.ok) throw failureError(cmd, cfg, plan, result);
    const text = cmd.summary(cfg, plan, result, o);
    out(o, text, { event: 'result', result: 'ok', command: cmd.name, from: plan.from, to: plan.to, ms: Math.round(ms), commit: plan.to ? result.memory.commits[plan.to] : undefined });
    return EXIT.ok;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    ad?.close();
    await lock.release();
  }
}

function failureError(cmd: PlannedCommand, cfg: Config, plan: Plan, result: RunResult): BgError {
  const failed = result.failed!;
  const cause = failed.error;
  const why = messageOf(cause);
  const detail = isBgError(cause) ? cause.detail : undefined;
  const serving = plan.from ? `${plan.from} (port ${cfg.web.ports[plan.from]})` : 'what served before';
  if (result.undoFailed?.length) {
    const undo = result.undoFailed.map((u) => `undo of ${u.step}: ${messageOf(u.error)}`).join('; ');
    return new BgError(`${cmd.name} failed at ${failed.step}: ${why}. Putting things back also failed: ${undo}.`, EXIT.attention, {
      detail,
      state: 'Unknown: the host may be half switched. Run `bluegreen status` to see which color Caddy routes to and which units run.',
      next: `Start the color Caddy routes to (systemctl start ${cfg.app}-web-<color>), then run \`bluegreen status\`.`,
    });
  }
  return new BgError(`${cmd.name} failed at step ${failed.step}: ${why}`, EXIT.deployFailed, {
    detail,
    state: `Rolled back: old version still serving from ${serving}; Celery as before.`,
    next: isBgError(cause) && cause.next ? cause.next : 'Fix the cause above and run it again.',
  });
}

async function dryRun(cmd: PlannedCommand, cfg: Config, o: GlobalOptions): Promise<number> {
  const ad = await connectAdapters(cfg);
  try {
    const host = await observe(cfg, ad, { files: !!cmd.observeFiles });
    const plan = cmd.plan(cfg, host);
    const lines = [`dry run of bg ${cmd.name}: nothing will be changed`, ...plan.notes.map((n) => `  ${n}`), ...describePlan(plan)];
    const diffs: string[] = [];
    for (const s of plan.steps) {
      if (s.action.kind !== 'install') continue;
      for (const c of await pendingChanges(cfg, ad.exists, s.action.colors, s.action.caddyfile)) diffs.push(diffOf(c));
    }
    if (o.json) process.stdout.write(`${JSON.stringify({ event: 'plan', dryRun: true, command: cmd.name, from: plan.from, to: plan.to, steps: plan.steps, notes: plan.notes, diffs })}\n`);
    else process.stdout.write(`${[...lines, ...diffs].join('\n')}\n`);
    return EXIT.ok;
  } finally {
    ad.close();
  }
}

function out(o: GlobalOptions, text: string, json: object) {
  if (o.json) process.stdout.write(`${JSON.stringify(json)}\n`);
  else process.stdout.write(`${text}\n`);
}
