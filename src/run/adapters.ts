import { existsSync } from 'node:fs';
import type { Config } from '../config/types.js';
import { Systemd } from '../adapters/systemd.js';
import { CaddyAdmin } from '../adapters/caddy-admin.js';

// The one place side-effecting clients are built. Commands get an Adapters and never construct one.
export interface Adapters {
  systemd: Systemd;
  caddy: CaddyAdmin;
  exists: (path: string) => boolean;
  close(): void;
}

export async function connectAdapters(cfg: Config, env: NodeJS.ProcessEnv = process.env): Promise<Adapters> {
  const systemd = await Systemd.connect(cfg.scope, env);
  const caddy = new CaddyAdmin(cfg.caddy.admin);
  return {
    systemd,
    caddy,
    exists: (p) => existsSync(p),
    close: () => {
      systemd.close();
      void caddy.close?.();
    },
  };
}
