import type { Config } from '../config/types.js';
import { SYSCTL_DROPIN, TCP_MIGRATE_REQ } from '../adapters/sysctl.js';
import type { HostState } from './host-state.js';
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

export const migrateWarning = `${TCP_MIGRATE_REQ} is 0: each Caddy reload can reset connections queued in its old listener. Fix: sudo sysctl -w ${TCP_MIGRATE_REQ}=1 (and add it to /etc/sysctl.d/).`;
