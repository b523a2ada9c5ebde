import { presentUnits, unitNames, unitStem } from '../config/names.js';
import { COLORS, type Config, otherColor } from '../config/types.js';
import { backupsBeyond } from '../host/backups-kept.js';
import { type HostState, isRunning, type ReleaseRecord } from '../host/host-state.js';
import { preflight } from '../host/preflight.js';
import type { Observes, Plan, Step } from './step.js';

// The operator's last step after a deploy: whatever the idle color still holds is stopped and
// disabled, releases beyond keep_releases are removed, and database copies beyond keep_backups. The
// release each color points at stays, so `bg rollback` keeps working.
/** The releases and the database copies on disk: what to prune. */
export const CLEANUP_OBSERVES: Observes = { releases: true, backups: true };

export function planCleanup(cfg: Config, host: HostState): Plan {
  preflight(cfg, host, 'cleanup');
  const active = host.active!;
  const idle = otherColor(active);
  const units = presentUnits(cfg, idle);
  const steps: Step[] = units
    .filter((u) => isRunning(host.units[u]) || host.units[u]?.activeState === 'failed')
    .map((unit) => ({
      name: `stop-${unitStem(unit)}`,
      action: { kind: 'stop', unit, ...(unit === webOf(cfg, idle) && { drainPort: cfg.web.ports[idle] }) },
    }));
  steps.push({ name: `disable-${idle}`, action: { kind: 'disable', units } });
  const prune = releasesToPrune(cfg, host);
  if (prune.length > 0) steps.push({ name: 'prune-releases', action: { kind: 'remove-releases', releases: prune } });
  const notes: string[] = [];
  const backups = host.backups;
  if (backups && 'unreadable' in backups) notes.push(`warning: database copies not pruned: ${backups.unreadable}`);
  else if (backups) {
    const old = backupsBeyond(backups, cfg.keepBackups).map((b) => b.name);
    if (old.length > 0) steps.push({ name: 'prune-backups', action: { kind: 'prune-backups', files: old } });
  }
  const held = host.colors[idle].release;
  if (held) notes.push(`releases/${held} (${idle}) stays on disk for \`bluegreen rollback\`.`);
  return { command: 'cleanup', from: active, to: active, steps, notes };
}

const webOf = (cfg: Config, color: 'blue' | 'green') => unitNames(cfg, color).web;

/** Every release but those a color points at and the newest keep_releases that passed their build. */
export function releasesToPrune(cfg: Config, host: HostState): string[] {
  const held = new Set(COLORS.map((c) => host.colors[c].release).filter((x): x is string => !!x));
  const usable = (r: ReleaseRecord) => r.status === 'built' || r.status === 'adopted';
  const keep = new Set(
    (host.releases ?? [])
      .filter(usable)
      .slice(0, cfg.keepReleases)
      .map((r) => r.id),
  );
  return (host.releases ?? []).filter((r) => !held.has(r.id) && !keep.has(r.id)).map((r) => r.id);
}
