// bg.yml → Config: read the file, then parse.ts validates it, unless the cache (src/startup/config-cache.ts) holds the
// result for this exact text and environment.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { readCachedConfig, writeCachedConfig } from '../startup/config-cache.js';
import type { Config, Scope } from './types.js';

export interface LoadOptions {
  path?: string;
  scope: Scope;
  env?: NodeJS.ProcessEnv;
  homedir?: string;
}

/** Where the config is read from: --config, else $BG_CONFIG, else ./bg.yml; absolute. */
export const configPathFor = (opts: { path?: string; env?: NodeJS.ProcessEnv }): string => path.resolve(opts.path || (opts.env ?? process.env).BG_CONFIG || 'bg.yml');

export async function loadConfig(opts: LoadOptions): Promise<Config> {
  const env = opts.env ?? process.env;
  const configPath = configPathFor({ path: opts.path, env });
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError(`No config at ${configPath}`, {
        next: 'Write one with `bluegreen init`, or pass --config FILE / set BG_CONFIG.',
      });
    }
    throw new ConfigError(`Cannot read config ${configPath} (${code ?? String(err)})`, {
      next: 'Check the path and its permissions, or pass --config FILE / set BG_CONFIG.',
    });
  }
  const inputs = { text, configPath, scope: opts.scope, env, homedir: opts.homedir ?? env.HOME ?? os.homedir() };
  const cached = await readCachedConfig(inputs);
  if (cached) return cached;
  const { parseConfig } = await import('./parse.js');
  const cfg = parseConfig(text, inputs);
  await writeCachedConfig(inputs, cfg);
  return cfg;
}
