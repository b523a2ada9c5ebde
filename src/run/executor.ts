import { performance } from 'node:perf_hooks';
import type { Config } from '../config/types.js';
import { BgError, EXIT } from '../errors.js';
import { describeAction, type Plan, type Step } from '../plan/step.js';
import type { Adapters } from './adapters.js';
import { perform, type Memory } from './actions.js';
import type { Reporter } from './progress.js';

export interface StepRecord {
  name: string;
  ms: number;
  ok: boolean;
  detail?: string;
}
export interface RunResult {
  ok: boolean;
  steps: StepRecord[];
  memory: Memory;
  failed?: { step: string; error: unknown };
  undoFailed?: { step: string; error: unknown }[];
}

// Runs a plan step by step. On a failure, the undos of every step begun so far (the failed one
// included: a half-started unit is stopped) run in reverse order, and the run reports what failed.
// An interrupt (SIGINT/SIGTERM) stops at the next step boundary and undoes the same way.
export async function executePlan(plan: Plan, cfg: Config, ad: Adapters, report: Reporter, signal?: AbortSignal): Promise<RunResult> {
  const memory: Memory = { replaced: [], commits: {} };
  const ctx = { cfg, ad, mem: memory, signal, note: (message: string) => report({ event: 'note', message }) };
  const begun: Step[] = [];
  const steps: StepRecord[] = [];
  report({ event: 'plan', command: plan.command, from: plan.from, to: plan.to, steps: plan.steps.map((s) => s.name) });
  for (const note of plan.notes) report({ event: 'note', message: note });

  for (const step of plan.steps) {
    const t0 = performance.now();
    try {
      if (signal?.aborted) throw new BgError('Interrupted.', EXIT.deployFailed);
      begun.push(step);
      report({ event: 'step', step: step.name, status: 'start' });
      const detail = (await perform(step.action, ctx)) ?? undefined;
      const ms = performance.now() - t0;
      steps.push({ name: step.name, ms, ok: true, detail });
      report({ event: 'step', step: step.name, status: 'done', ms, detail });
    } catch (error) {
      const ms = performance.now() - t0;
      steps.push({ name: step.name, ms, ok: false });
      report({ event: 'step', step: step.name, status: 'failed', ms, error: messageOf(error) });
      const undoFailed = await undoAll(begun, ctx, report);
      return { ok: false, steps, memory, failed: { step: step.name, error }, undoFailed };
    }
  }
  return { ok: true, steps, memory };
}

async function undoAll(begun: Step[], ctx: Parameters<typeof perform>[1], report: Reporter) {
  const failures: { step: string; error: unknown }[] = [];
  for (const step of [...begun].reverse()) {
    if (!step.undo) continue;
    const t0 = performance.now();
    report({ event: 'undo', step: step.name, status: 'start' });
    try {
      await perform(step.undo, ctx);
      report({ event: 'undo', step: step.name, status: 'done', ms: performance.now() - t0 });
    } catch (error) {
      failures.push({ step: step.name, error });
      report({ event: 'undo', step: step.name, status: 'failed', error: messageOf(error) });
    }
  }
  return failures;
}

export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function describePlan(plan: Plan): string[] {
  return plan.steps.map((s, i) => `${String(i + 1).padStart(2)}. ${s.name}: ${describeAction(s.action)}${s.undo ? `  (undo: ${describeAction(s.undo)})` : ''}`);
}
