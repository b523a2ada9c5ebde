import path from 'node:path';
import { inAppDir, releasePath } from '../config/names.js';
import type { Config } from '../config/types.js';
import { BgError } from '../errors.js';
import type { Host } from '../execute/host.js';

// Caddy serves caddy.static.dir to anyone and follows symbolic links there. The build runs as the
// app's user in the release, so it could leave `static/x -> /var/lib/caddy/.../site.key` (another
// site's private key) or a repository behind. A release is refused (after the checkout, and after
// the build) when its static dir holds a .git, or a link whose target is not a regular file inside
// the release (followed link by link, lexically: the release is root's again by then).

const MAX_HOPS = 8;

export async function checkStaticDir(host: Host, cfg: Config, id: string): Promise<void> {
  if (!cfg.caddy.staticDir) return;
  const release = releasePath(cfg, id);
  const dir = `${inAppDir(cfg, release)}/${cfg.caddy.staticDir}`;
  if (host.files.exists(`${dir}/.git`)) {
    throw new BgError(
      `${dir} holds a .git: Caddy would serve the repository (its history, its config) under ${cfg.caddy.staticPath ?? '/static/'}.`,
      {
        code: 'static-dir-has-git',
        next: 'Set caddy.static.dir to the directory your build collects static files into (e.g. staticfiles), or stop the build putting a repository there.',
      },
    );
  }
  const bad = await linkLeavingRelease(host, dir, release);
  if (bad) {
    throw new BgError(
      `${bad.link} is a symbolic link to ${bad.target}, ${bad.why}: Caddy would serve whatever it leads to under ${cfg.caddy.staticPath ?? '/static/'}.`,
      {
        code: 'static-dir-link',
        next: 'Make the build copy static files into caddy.static.dir (collectstatic without --link), then deploy again.',
      },
    );
  }
}

async function linkLeavingRelease(
  host: Host,
  dir: string,
  release: string,
): Promise<{ link: string; target: string; why: string } | undefined> {
  const st = await host.files.lstat(dir);
  if (!st) return undefined;
  if (st.kind === 'link') return judgeLink(host, dir, release);
  if (st.kind !== 'dir') return undefined;
  for (const name of await host.files.list(dir)) {
    const found = await linkLeavingRelease(host, `${dir}/${name}`, release);
    if (found) return found;
  }
  return undefined;
}

async function judgeLink(host: Host, link: string, release: string): Promise<{ link: string; target: string; why: string } | undefined> {
  let at = link;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const target = await host.files.readLink(at);
    if (target === undefined) return { link, target: '?', why: 'which cannot be read' };
    const resolved = path.resolve(path.dirname(at), target);
    if (resolved !== release && !resolved.startsWith(`${release}/`)) return { link, target: resolved, why: 'outside the release' };
    const via = await linkOnTheWay(host, release, resolved);
    if (via) return { link, target: resolved, why: `reached through the link ${via}` };
    const st = await host.files.lstat(resolved);
    if (st?.kind === 'file') return undefined;
    if (st?.kind !== 'link') return { link, target: resolved, why: st ? 'not a regular file' : 'which does not exist' };
    at = resolved;
  }
  return { link, target: at, why: `more than ${MAX_HOPS} links deep` };
}

/** The first directory between the release and `target` that is not a plain directory (a link would be followed). */
async function linkOnTheWay(host: Host, release: string, target: string): Promise<string | undefined> {
  const parts = path.relative(release, path.dirname(target)).split('/').filter(Boolean);
  let at = release;
  for (const part of parts) {
    at = `${at}/${part}`;
    if ((await host.files.lstat(at))?.kind !== 'dir') return at;
  }
  return undefined;
}
