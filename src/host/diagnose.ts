import type { Color, Config } from '../config/types.js';
import { caddyConfigInvalid, caddyfileMissing, caddyfileNotRun, caddyUnitUnknown } from './caddy-problems.js';
import { caddyRoutesTo, type HostState } from './host-state.js';
import { legacyUnitNotAnApp, userNotTheApps } from './names-check.js';
import { type Check, completeProblem, type Problem } from './problem.js';
import { idleEnabled, liveNotEnabled } from './problems/boot.js';
import { memoryShort, tcpMigrateReqOff } from './problems/machine.js';
import { interruptedRun, maintenanceOn } from './problems/runs.js';
import { envFileLink, venvUntrusted } from './problems/trust.js';
import { activeCeleryDown, activeWebDown, idleCeleryRunning, idleWebRunning, portTaken } from './problems/units.js';
import {
  caddyUnreachable,
  liveColorWithoutFile,
  notSetUp,
  unknownLiveColor,
  upstreamFileLost,
  upstreamMismatch,
} from './problems/upstream.js';

export type { Blockable, Problem } from './problem.js';
export { migrateWarning } from './problems/machine.js';
export { liveColorWithoutFile };

// Every problem bg can see on the host, from one observation, pure: one check per code, in the order
// `bg status` lists them. `preflight` refuses a command with the first problem that blocks it.
export const PROBLEMS: readonly { code: string; check: Check }[] = [
  { code: 'user-not-the-apps', check: userNotTheApps },
  { code: 'legacy-unit-not-an-app', check: legacyUnitNotAnApp },
  { code: 'upstream-file-lost', check: upstreamFileLost },
  { code: 'unknown-live-color', check: unknownLiveColor },
  { code: 'not-set-up', check: notSetUp },
  { code: 'caddy-unreachable', check: caddyUnreachable },
  { code: 'upstream-mismatch', check: upstreamMismatch },
  { code: 'active-web-down', check: activeWebDown },
  { code: 'idle-celery-running', check: idleCeleryRunning },
  { code: 'active-celery-down', check: activeCeleryDown },
  { code: 'idle-web-running', check: idleWebRunning },
  { code: 'live-not-enabled', check: liveNotEnabled },
  { code: 'idle-enabled', check: idleEnabled },
  { code: 'port-taken', check: portTaken },
  { code: 'interrupted-run', check: interruptedRun },
  { code: 'maintenance-on', check: maintenanceOn },
  { code: 'env-file-link', check: envFileLink },
  { code: 'caddy-unit-unknown', check: caddyUnitUnknown },
  { code: 'caddyfile-not-run', check: caddyfileNotRun },
  { code: 'caddyfile-missing', check: caddyfileMissing },
  { code: 'caddy-config-invalid', check: caddyConfigInvalid },
  { code: 'venv-untrusted', check: venvUntrusted },
  { code: 'memory-short', check: memoryShort },
  { code: 'tcp-migrate-req-off', check: tcpMigrateReqOff },
];

const completed = (found: ReturnType<Check>): Problem[] =>
  (found === undefined ? [] : Array.isArray(found) ? found : [found]).map(completeProblem);

export const diagnose = (cfg: Config, host: HostState): Problem[] => PROBLEMS.flatMap(({ check }) => completed(check(cfg, host)));

/** What the check of one code finds, its defaults filled in. */
export function findProblem(code: string, cfg: Config, host: HostState): Problem[] {
  const entry = PROBLEMS.find((p) => p.code === code);
  if (!entry) throw new Error(`no problem has the code ${code}`);
  return completed(entry.check(cfg, host));
}

/**
 * After a run whose undo hit an error: does the host serve as before it? The color that served is
 * live in the upstream file and in Caddy, its web runs, and Celery is not split across colors.
 * A first setup (nothing of ours served) is back when no color of ours is live.
 */
export function servesAsBefore(cfg: Config, host: HostState, before: Color | undefined): boolean {
  const broken = new Set(['upstream-mismatch', 'active-web-down', 'idle-celery-running', 'active-celery-down', 'caddy-unreachable']);
  if (diagnose(cfg, host).some((p) => broken.has(p.code))) return false;
  // a first setup: nothing of ours is live, and a legacy unit it took over from runs again
  if (!before) return host.active === undefined && (!cfg.legacyUnit || host.units[cfg.legacyUnit]?.activeState === 'active');
  return host.active === before && caddyRoutesTo(cfg, host, cfg.web.ports[before]);
}
