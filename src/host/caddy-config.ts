// Whether a main Caddyfile, with everything it imports, is a config Caddy would load: Caddy's own
// adapter answers (POST /adapt reads the imported files as Caddy does), and on failure the files
// it is about are named, with the app each belongs to. Used by observe (the config on disk, for
// status) and by every install and load (src/steps/caddy-guard.ts).
import type { CaddyPort, FilesPort } from '../execute/host.js';
import { absoluteImports, type Blamed, blame, importedFiles } from './caddy-sites.js';

export type Adapted = { ok: true; json: string } | { ok: false; error: string; blamed: Blamed[] };

/**
 * Adapts `text`, the main Caddyfile at `mainPath` (relative imports are made absolute). `swap`
 * maps a candidate file's path to the installed path it stands for, so errors name the installed one.
 * Throws only when Caddy does not answer.
 */
export async function adaptCaddyfile(
  io: { caddy: Pick<CaddyPort, 'adapt'>; files: Pick<FilesPort, 'read'> },
  mainPath: string,
  text: string,
  swap: Map<string, string> = new Map(),
): Promise<Adapted> {
  const abs = absoluteImports(text, mainPath);
  try {
    return { ok: true, json: await io.caddy.adapt(abs) };
  } catch (err) {
    const e = err as { code?: string; detail?: string };
    if (e.code !== 'caddy-adapt-failed') throw err;
    let error = e.detail ?? String(err);
    for (const [candidate, installed] of swap) error = error.split(candidate).join(installed);
    const files = [{ path: mainPath, text }];
    for (const path of importedFiles(abs)) {
      const t = await io.files.read(path).catch(() => undefined);
      if (t !== undefined) files.push({ path: swap.get(path) ?? path, text: t });
    }
    return { ok: false, error, blamed: blame(error, mainPath, files) };
  }
}
