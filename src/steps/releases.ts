import { colorDir, modelsRecordPath, releasePath, releaseRecordPath, releasesDir, repoCacheDir } from '../config/names.js';
import type { Color, Config } from '../config/types.js';
import type { Host } from '../execute/host.js';
import type { ReleaseRecord } from '../host/host-state.js';
import { checkStaticDir } from './static-dir.js';

// Releases on disk: a new directory per checkout with its record beside it, the color links, and
// pruning. A release directory is never written again once its build passed.

export async function checkoutRelease(
  host: Host,
  cfg: Config,
  id: string,
  ref: string | undefined,
  built: boolean,
): Promise<{ commit: string }> {
  const createdAt = new Date().toISOString();
  await host.files.makeDirs([releasesDir(cfg)]);
  await writeRecord(host, cfg, { id, ref, createdAt, status: 'building' });
  const r = await host.checkoutRelease(cfg.repo, repoCacheDir(cfg), releasePath(cfg, id), ref);
  await writeRecord(host, cfg, { id, ref: r.ref, commit: r.commit, subject: r.subject, createdAt, status: built ? 'built' : 'building' });
  await checkStaticDir(host, cfg, id);
  return { commit: r.commit };
}

export async function markRelease(host: Host, cfg: Config, id: string, status: ReleaseRecord['status']): Promise<void> {
  const record = await readRecord(host, cfg, id);
  // a checkout that failed before its directory existed leaves only its record: nothing to keep
  if (!host.files.exists(releasePath(cfg, id))) {
    await host.files.remove(releaseRecordPath(cfg, id));
    return;
  }
  await writeRecord(host, cfg, { ...(record ?? { id }), id, status });
}

/** Records that the release went live (once): `rollback` only goes back to a release that served. */
export async function markServed(host: Host, cfg: Config, id: string): Promise<void> {
  const record = await readRecord(host, cfg, id);
  if (record && !record.servedAt) await writeRecord(host, cfg, { ...record, servedAt: new Date().toISOString() });
}

export async function pointColor(host: Host, cfg: Config, color: Color, id: string | undefined): Promise<void> {
  if (id === undefined) await host.files.remove(colorDir(cfg, color));
  else await host.files.pointLink(colorDir(cfg, color), releasePath(cfg, id));
}

export async function removeReleases(host: Host, cfg: Config, ids: string[]): Promise<void> {
  for (const id of ids) {
    // out of sight first (hidden names are not releases): a prune cut off midway leaves no half-deleted release
    const trash = `${releasesDir(cfg)}/.trash-${id}`;
    await host.files.rename(releasePath(cfg, id), trash);
    await host.files.remove(releaseRecordPath(cfg, id));
    await host.files.remove(modelsRecordPath(cfg, id));
    await host.files.removeTree(trash);
  }
}

async function readRecord(host: Host, cfg: Config, id: string): Promise<ReleaseRecord | undefined> {
  const text = await host.files.read(releaseRecordPath(cfg, id));
  try {
    return text === undefined ? undefined : (JSON.parse(text) as ReleaseRecord);
  } catch {
    return undefined;
  }
}

const writeRecord = (host: Host, cfg: Config, r: ReleaseRecord) =>
  host.files.write(releaseRecordPath(cfg, r.id), `${JSON.stringify(r)}\n`, 0o644);
