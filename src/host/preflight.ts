import type { Color, Config } from '../config/types.js';
import { BgError, EXIT } from '../errors.js';
import { type Blockable, diagnose } from './diagnose.js';
import type { HostState } from './host-state.js';

// Before a plan changes anything: the first problem that blocks this command (starting `target`)
// refuses it, with the problem's own words. `overridden`: codes the operator chose to go past (--no-memory-check).
export function preflight(cfg: Config, host: HostState, command: Blockable, target?: Color, overridden: string[] = []): void {
  const p = diagnose(cfg, host).find(
    (x) => x.blocks.includes(command) && (x.color === undefined || x.color === target) && !overridden.includes(x.code),
  );
  if (!p) return;
  throw new BgError(p.message, {
    code: p.code,
    state: p.state ?? 'Nothing was changed.',
    next: p.next,
    exitCode: p.exitCode ?? EXIT.deployFailed,
  });
}
