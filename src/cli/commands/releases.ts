import { loadConfig } from '../../config/load.js';
import { COLORS } from '../../config/types.js';
import { connectReader } from '../../execute/connect-host.js';
import type { HostState } from '../../host/host-state.js';
import { observe } from '../../host/observe.js';
import type { ReleaseRow } from '../../protocol/events.js';
import { jsonOut } from '../../protocol/writer.js';
import { fleetReleases } from '../fleet-read.js';
import { type GlobalOptions, scopeOf } from '../options.js';
import { formatReleases } from '../releases-format.js';

export type { ReleaseRow };

export async function releases(o: GlobalOptions): Promise<number> {
  const cfg = await loadConfig({ path: o.config, scope: scopeOf(o) });
  if (cfg.hosts) return fleetReleases(cfg, o);
  const host = await connectReader(cfg);
  try {
    const rows = releaseRows(await observe(cfg, host, { releases: true }));
    if (o.json) jsonOut({ event: 'releases', releases: rows });
    else process.stdout.write(formatReleases(rows));
    return 0;
  } finally {
    host.close();
  }
}

export function releaseRows(state: HostState): ReleaseRow[] {
  return (state.releases ?? []).map((r) => {
    const colors = COLORS.filter((c) => state.colors[c].release === r.id);
    return {
      id: r.id,
      commit: r.commit ?? null,
      ref: r.ref ?? null,
      builtAt: r.createdAt ?? null,
      status: r.status,
      colors,
      live: !!state.active && colors.includes(state.active),
    };
  });
}
