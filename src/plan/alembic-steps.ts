import type { Color, Config } from '../config/types.js';
import type { Step } from './step.js';

// A rollback of an Alembic app: before anything changes, the database's revision compared with
// what the older release knows (refused, or a rehearsed downgrade with --migrate-back); with
// --migrate-back, the downgrade itself, while the newer code still serves and before the older code
// starts (a downgrade re-adds what the older code reads).
export function alembicRollbackSteps(cfg: Config, to: Color, newer: string, older: string, migrateBack: boolean): Step[] {
  const user = cfg.scope === 'system' ? { user: cfg.user } : {};
  return [
    { name: `alembic-rollback-${to}`, action: { kind: 'alembic-rollback', newer, older, migrateBack, ...user } },
    ...(migrateBack
      ? [{ name: `alembic-migrate-back-${to}`, action: { kind: 'alembic-migrate-back' as const, newer, older, ...user } }]
      : []),
  ];
}
