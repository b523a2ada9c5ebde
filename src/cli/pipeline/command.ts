import type { Config } from '../../config/types.js';
import type { RunResult } from '../../execute/executor.js';
import type { HostState } from '../../host/host-state.js';
import type { Observes, Plan } from '../../plan/step.js';
import type { GlobalOptions } from '../options.js';
import type { FleetCommand } from '../run-fleet.js';

/** A command that changes the host: a planner, what it needs observed, and its summary. */
export interface PlannedCommand {
  name: Plan['command'];
  ref?: string; // journaled and named in the lock
  fleet?: FleetCommand; // what each host runs when bg.yml lists hosts
  observes: Observes; // the planner's declaration, exported next to it (e.g. DEPLOY_OBSERVES)
  plan(cfg: Config, host: HostState): Plan;
  summary(cfg: Config, plan: Plan, result: RunResult, o: GlobalOptions): string;
}

/** The commands whose runs call the operator's post_deploy / on_failure hooks. */
export const HOOKED: ReadonlySet<Plan['command']> = new Set(['setup', 'deploy', 'rollback', 'restart']);
