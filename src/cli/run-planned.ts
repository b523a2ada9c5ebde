import type { GlobalOptions } from './options.js';
import type { PlannedCommand } from './pipeline/command.js';
import { runPipeline } from './pipeline/pipeline.js';
import { realRuntime } from './pipeline/real-runtime.js';

export type { PlannedCommand };

/** setup, deploy, rollback, restart, cleanup and maintenance: the pipeline over the real runtime. */
export const runPlanned = (cmd: PlannedCommand, o: GlobalOptions): Promise<number> => runPipeline(cmd, o, realRuntime(o));
