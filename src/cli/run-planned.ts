import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { BgError, messageOf, UsageError } from '../errors.js';
import { connectHost, readAppPaths } from '../execute/connect-host.js';
import { describePlan, executePlan, type RunResult } from '../execute/executor.js';
import type { Host } from '../execute/host.js';
import { checkAppPaths } from '../host/app-paths.js';
import { diagnose, servesAsBefore } from '../host/diagnose.js';
import type { HostState } from '../host/host-state.js';
import { observe } from '../host/observe.js';
import { diffOf, pendingChanges } from '../host/pending-files.js';
import type { Plan, Step } from '../plan/step.js';
import type { ResultEvent } from '../protocol/events.js';
import { jsonOut } from '../protocol/writer.js';
import { appendJournal, endResult } from '../state/journal.js';
import { acquireLock, bootId, safeUser } from '../state/lock.js';
import { makeLogger } from '../state/logger.js';
import { type HookEnv, runHooks } from '../steps/hooks.js';
import { type GlobalOptions, lockWaitMs, progressMode, scopeOf } from './options.js';
import { runFailure } from './outcome.js';
import { makeReporter } from './progress.js';
import { type FleetCommand, runFleet } from './run-fleet.js';

// the commands that start a second web color next to the live one
const MEMORY_CHECKED: Plan['command'][] = ['deploy', 'rollback', 'restart'];

export interface PlannedCommand {
  fleet?: FleetCommand; // what each host runs when bg.yml lists hosts
  name: Plan['command'];
  ref?: string;
  observeFiles?: boolean; // setup compares every rendered file with disk; the others skip it
  observeReleases?: boolean; // list the releases on disk (deploy names a new one, cleanup prunes)
  plan(cfg: Config, host: HostState): Plan;
  summary(cfg: Config, plan: Plan, result: RunResult, o: GlobalOptions): string;
}

// The shared flow of setup, deploy, rollback and cleanup: config → lock → observe → plan →
// (dry-run: print) → execute with undo → journal → summary. Errors leave as BgError.
export async function runPlanned(cmd: PlannedCommand, o: GlobalOptions): Promise<number> {
  const cfg = await loadConfig({ path: o.config, scope: scopeOf(o) });
  if (cfg.hosts && cmd.fleet) return runFleet(cfg, cmd.fleet, o);
  if (cfg.hosts) {
    throw new UsageError(`${cmd.name} runs on one host at a time: this bg.yml lists hosts (${cfg.hosts.map((h) => h.name).join(', ')}).`, {
      code: 'fleet-command',
      next: `Run it on each host with that host's own config, e.g. ssh ${cfg.hosts[0].ssh} bluegreen --config ${cfg.hosts[0].config} ${cmd.name}`,
    });
  }
  // before the lock: a refused config leaves no state dir behind
  if (cfg.scope === 'system') checkAppPaths(cfg, await readAppPaths(cfg));
  if (o.dryRun) return dryRun(cmd, cfg, o);

  const report = makeReporter(progressMode(o));
  const lock = await acquireLock(cfg.stateDir, `bg ${cmd.name}${cmd.ref ? ` ${cmd.ref}` : ''}`, {
    waitMs: lockWaitMs(o),
    onWait: (holder) => report({ event: 'note', message: `Waiting for the other bg: ${holder}` }),
  });
  if (lock.tookOverFrom) report({ event: 'note', message: `Took over a stale lock from pid ${lock.tookOverFrom.pid} (${lock.tookOverFrom.command}, since ${lock.tookOverFrom.since}).` });
  const abort = new AbortController();
  // the first signal stops the run between steps and undoes what it did; a second one (a step that
  // never ends) exits at once: the journal shows the run as interrupted at its step
  const onSignal = (sig: NodeJS.Signals) => {
    if (abort.signal.aborted) {
      process.stderr.write(`bg: ${sig} again: exiting now, without waiting for the step or its undo. Run \`bluegreen status\` to see what the host runs.\n`);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }
    abort.abort(new BgError(`Interrupted by ${sig}.`, { code: 'interrupted' }));
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  let host: Host | undefined;
  try {
    host = await connectHost(cfg);
    const state = await observe(cfg, host, { files: !!cmd.observeFiles, ports: true, releases: !!cmd.observeReleases, memory: MEMORY_CHECKED.includes(cmd.name) });
    const plan = cmd.plan(cfg, state);
    if (plan.steps.length === 0) {
      for (const n of plan.notes) out(o, n, { event: 'result', result: 'nothing-to-do', message: n });
      return 0;
    }
    // bg.log only for a run that does something: a refused or empty one writes nothing
    const log = makeLogger(cfg.stateDir, o.logLevel);
    log.info({ command: cmd.name, plan: plan.steps.map((s) => s.name), from: plan.from, to: plan.to }, 'plan');
    const run = `${Date.now().toString(36)}-${process.pid}`;
    const base = { run, pid: process.pid, ...(bootId() && { boot: bootId() }), user: safeUser(), command: cmd.name, ref: cmd.ref, release: plan.release, from: plan.from, to: plan.to };
    // A run killed from here on leaves this line without its end: history and status show it.
    await appendJournal(cfg.stateDir, { ...base, time: new Date().toISOString(), result: 'started', ms: 0, steps: [] });
    // what the target color runs after the run: a deploy's checkout (known once it ran), else the target release's
    const targetCommit = plan.command === 'deploy' ? undefined : (state.releases?.find((r) => r.id === plan.release)?.commit ?? (plan.to ? state.colors[plan.to]?.commit : undefined));
    const hooks: { name: string; ok: boolean }[] = [];
    const hookEnv = (result: string, commit?: string, error?: string): HookEnv => ({
      BG_APP: cfg.app,
      BG_COMMAND: cmd.name,
      BG_REF: cmd.ref,
      BG_COMMIT: commit ?? targetCommit,
      BG_RELEASE: plan.release,
      BG_FROM: plan.from,
      BG_TO: plan.to,
      BG_RESULT: result,
      BG_ERROR: error,
    });
    const afterStep = async (step: Step, commit?: string) => {
      if (step.action.kind === 'switch') hooks.push(...(await runHooks(host!, cfg, 'post_switch', hookEnv('switched', commit), report)));
    };
    const result = await executePlan(
      plan,
      cfg,
      host,
      (e) => {
        log.info(e, 'progress');
        if (e.event === 'step' && e.status === 'start') lock.progress(e.step);
        report(e);
      },
      abort.signal,
      afterStep,
    );
    const withHooks = cmd.name !== 'cleanup' && cmd.name !== 'maintenance';
    // a reboot or shutdown mid-run: systemd cancels the run's jobs and refuses the undo's starts,
    // whether or not its SIGTERM reached bg first
    const stopping = !result.ok && !!result.undoFailed?.length && !abort.signal.aborted && (await host.systemd.systemState().catch(() => '')) === 'stopping';
    const resultName = endResult(result, abort.signal.aborted || stopping);
    if (withHooks && result.ok) hooks.push(...(await runHooks(host, cfg, 'post_deploy', hookEnv('ok', result.commit), report)));
    if (withHooks && !result.ok) hooks.push(...(await runHooks(host, cfg, 'on_failure', hookEnv(resultName, result.commit, messageOf(result.failed?.error)), report)));
    const commit = result.commit ?? targetCommit;
    const recorded = appendJournal(cfg.stateDir, {
      ...base,
      time: new Date().toISOString(),
      commit,
      ...(result.migrations && { migrations: result.ok ? result.migrations : [] }),
      ...(hooks.length && { hooks }),
      result: resultName,
      error: result.failed ? messageOf(result.failed.error) : undefined,
      failedStep: result.failed?.step,
      ...(result.undoFailed?.length && { undoFailed: result.undoFailed.map((u) => u.step) }),
      ms: Math.round(result.ms),
      steps: result.steps.map((s) => ({ name: s.name, ms: Math.round(s.ms), ok: s.ok })),
    }).catch((e: unknown) => report({ event: 'note', message: `${messageOf(e)} The run itself is reported below.` }));
    await recorded;
    if (!result.ok) {
      // exit 4 pages someone: only when the host, looked at again, does not serve as before
      const seen = result.undoFailed?.length ? await observe(cfg, host, {}).catch(() => undefined) : undefined;
      const serves = !!seen && servesAsBefore(cfg, seen, plan.from);
      const problems = seen ? diagnose(cfg, seen).filter((p) => p.severity === 'error') : [];
      throw runFailure(cmd.name, cfg, plan, result, serves, problems);
    }
    const text = cmd.summary(cfg, plan, result, o);
    out(o, text, { event: 'result', result: 'ok', command: cmd.name, from: plan.from, to: plan.to, ms: Math.round(result.ms), commit: result.commit });
    return 0;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    host?.close();
    await lock.release();
  }
}

async function dryRun(cmd: PlannedCommand, cfg: Config, o: GlobalOptions): Promise<number> {
  const host = await connectHost(cfg);
  try {
    const state = await observe(cfg, host, { files: !!cmd.observeFiles, ports: true, releases: !!cmd.observeReleases, memory: MEMORY_CHECKED.includes(cmd.name) });
    const plan = cmd.plan(cfg, state);
    const lines = [`dry run of bg ${cmd.name}: nothing will be changed`, ...plan.notes.map((n) => `  ${n}`), ...describePlan(plan)];
    // units are rendered from what is on disk now; with a venv the new release's decides at install
    if (cfg.venv && cmd.name !== 'cleanup')
      lines.push(
        `  note: ExecStart runs <release>/.venv/bin/gunicorn, or <release>/.venv/bin/python -m gunicorn when the venv bg builds has no script of its own; the diffs below are rendered from the releases on disk now.`,
      );
    const diffs: string[] = [];
    for (const s of plan.steps) {
      if (s.action.kind !== 'install') continue;
      for (const c of await pendingChanges(cfg, host.files, s.action.colors, s.action.caddyfile)) diffs.push(diffOf(c));
    }
    if (o.json) jsonOut({ event: 'plan', dryRun: true, command: cmd.name, from: plan.from, to: plan.to, steps: plan.steps, notes: plan.notes, diffs });
    else process.stdout.write(`${[...lines, ...diffs].join('\n')}\n`);
    return 0;
  } finally {
    host.close();
  }
}

function out(o: GlobalOptions, text: string, json: ResultEvent) {
  if (o.json) jsonOut(json);
  else process.stdout.write(`${text}\n`);
}
