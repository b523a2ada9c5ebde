// The machine under the app: memory for a second web color, the kernel's listener migration. Pure.
import type { Config } from '../../config/types.js';
import { EXIT } from '../../errors.js';
import type { HostState } from '../host-state.js';
import { memoryFit, memoryShortMessage } from '../memory-fit.js';
import type { Found } from '../problem.js';

export const migrateWarning =
  'net.ipv4.tcp_migrate_req is 0: each Caddy reload can reset connections queued in its old listener. Fix: sudo sysctl -w net.ipv4.tcp_migrate_req=1 (and add it to /etc/sysctl.d/).';

export function memoryShort(cfg: Config, host: HostState): Found | undefined {
  const fit = memoryFit(cfg, host);
  if (!fit || fit.fits) return undefined;
  return {
    code: 'memory-short',
    severity: 'warning',
    message: memoryShortMessage(host, fit),
    state: `Nothing was changed; ${host.active} keeps serving.`,
    next: `Lower web.workers, add swap, or stop something else that uses memory; or pass --no-memory-check to go ahead anyway.`,
    blocks: ['deploy', 'rollback'],
    exitCode: EXIT.usage,
  };
}

export function tcpMigrateReqOff(_cfg: Config, host: HostState): Found | undefined {
  if (host.tcpMigrateReq !== false) return undefined;
  return { code: 'tcp-migrate-req-off', severity: 'warning', message: migrateWarning, next: `sudo sysctl -w net.ipv4.tcp_migrate_req=1` };
}
