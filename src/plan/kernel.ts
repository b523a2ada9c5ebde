import { SYSCTL_DROPIN, TCP_MIGRATE_REQ } from '../config/names.js';
import type { Config } from '../config/types.js';
import { migrateWarning } from '../host/diagnose.js';
import type { HostState } from '../host/host-state.js';
import type { Step } from './step.js';

// Without tcp_migrate_req, each Caddy reload can reset a few connections queued in its old
// listener. In system scope setup turns it on; in user scope bg can only say so.
export function kernelSteps(cfg: Config, host: HostState): { steps: Step[]; notes: string[] } {
  if (host.tcpMigrateReq !== false) return { steps: [], notes: [] };
  if (cfg.scope === 'system') {
    return {
      steps: [{ name: 'enable-tcp-migrate-req', action: { kind: 'sysctl', name: TCP_MIGRATE_REQ, value: '1', dropIn: SYSCTL_DROPIN } }],
      notes: [],
    };
  }
  return { steps: [], notes: [migrateWarning] };
}
