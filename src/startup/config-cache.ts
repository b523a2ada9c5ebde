// The validated Config of a bg.yml, kept between runs: validation loads yaml and the key table, a
// part of `bg status` (docs/measurements.md). One file per config path and scope; it is used only when everything the
// result depends on is the same: the file's text, the paths and env the defaults read, and the bg
// build (a new schema must validate again). Any doubt means a miss; parse.ts then decides.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Config, Scope } from '../config/types.js';
import { buildId } from './build-id.js';
import { cacheDir, readOwnFile, writeOwnFile } from './cache-dir.js';

export interface ConfigInputs {
  text: string;
  configPath: string;
  scope: Scope;
  env: NodeJS.ProcessEnv;
  homedir: string;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function where(i: ConfigInputs, build = buildId): { file: string; key: string } | undefined {
  const dir = cacheDir(i.env, 'config');
  if (!dir || !build) return undefined;
  const key = sha(
    JSON.stringify([build, sha(i.text), i.configPath, i.scope, i.homedir, i.env.XDG_CONFIG_HOME ?? null, i.env.XDG_STATE_HOME ?? null]),
  );
  return { file: join(dir, `${sha(`${i.scope}\0${i.configPath}`).slice(0, 24)}.json`), key };
}

export async function readCachedConfig(i: ConfigInputs, build = buildId): Promise<Config | undefined> {
  const w = where(i, build);
  const bytes = w && readOwnFile(w.file);
  if (!w || !bytes) return undefined;
  try {
    const entry = JSON.parse(bytes.toString('utf8')) as { key?: string; config?: Config };
    return entry.key === w.key && entry.config ? entry.config : undefined;
  } catch {
    return undefined;
  }
}

/** A cache that cannot be written only costs the next run its validation. */
export async function writeCachedConfig(i: ConfigInputs, config: Config, build = buildId): Promise<void> {
  const w = where(i, build);
  if (w) writeOwnFile(w.file, JSON.stringify({ key: w.key, config }));
}
