// The [Service] lines that confine a unit. System scope: the app's own unprivileged user and
// systemd's sandbox (read-only file system but for <root>/shared, no devices, no kernel knobs, no
// privilege gain); `systemd-analyze security` rates these units below 2. A user manager cannot set
// up mount namespaces for its units, so user scope keeps what works there.
import { sharedDir } from '../config/names.js';
import type { Config } from '../config/types.js';
import { unitValue } from './escape.js';

const UNDER_HOME = /^\/(home|root|run\/user)(\/|$)/;

export function sandboxLines(cfg: Config): string[] {
  if (cfg.scope === 'user') return ['NoNewPrivileges=yes', 'ProtectSystem=full'];
  const user = unitValue(cfg.user, 'user');
  // an app kept under /home would vanish behind ProtectHome=yes
  const home = [cfg.root, cfg.envFile, cfg.logDir ?? ''].some((p) => UNDER_HOME.test(p)) ? 'read-only' : 'yes';
  return [
    `User=${user}`,
    `Group=${user}`,
    'UMask=0027',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    `ReadWritePaths=${unitValue(sharedDir(cfg), 'root')}`,
    `ProtectHome=${home}`,
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'PrivateIPC=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'ProtectProc=invisible',
    'ProcSubset=pid',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'LockPersonality=yes',
    'MemoryDenyWriteExecute=yes',
    'RemoveIPC=yes',
    'CapabilityBoundingSet=',
    'SystemCallArchitectures=native',
    // @system-service keeps @setuid: Gunicorn's workers call setuid even when they keep their user
    'SystemCallFilter=@system-service',
    'SystemCallErrorNumber=EPERM',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
  ];
}
