// bg.yml → Config: read the file, then parse.ts validates it, unless the cache (src/startup/config-cache.ts) holds the
// result for this exact text and environment.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
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
export const configPathFor = (opts: { path?: string; env?: NodeJS.ProcessEnv }): string =>
  path.resolve(opts.path || (opts.env ?? process.env).BG_CONFIG || 'bg.yml');

export async function loadConfig(opts: LoadOptions): Promise<Config> {
  const env = opts.env ?? process.env;
  const configPath = configPathFor({ path: opts.path, env });
  const text = await readConfigText(configPath);
  const inputs = { text, configPath, scope: opts.scope, env, homedir: opts.homedir ?? env.HOME ?? os.homedir() };
  const cached = await readCachedConfig(inputs);
  if (cached) return cached;
  const { parseConfig } = await import('./parse.js');
  const cfg = parseConfig(text, inputs);
  await writeCachedConfig(inputs, cfg);
  return cfg;
}

// a bg.yml is a few kilobytes; anything this big is not one
const MAX_CONFIG_BYTES = 1024 * 1024;

// Opened without blocking (a FIFO would wait for a writer) and read only when it is a regular file
// of a sane size: `--config /dev/zero` or a directory is refused, not read.
async function readConfigText(configPath: string): Promise<string> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(configPath, constants.O_RDONLY | constants.O_NONBLOCK);
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
  try {
    const st = await fh.stat();
    if (!st.isFile()) {
      const what = st.isDirectory()
        ? 'a directory'
        : st.isFIFO()
          ? 'a named pipe'
          : st.isCharacterDevice() || st.isBlockDevice()
            ? 'a device'
            : 'not a regular file';
      throw new ConfigError(
        `Cannot read config ${configPath}${st.isDirectory() ? ' (EISDIR)' : ''}: it is ${what}, not a file, so bg did not read it.`,
        {
          next: 'Pass --config FILE (or set BG_CONFIG) naming a bg.yml file.',
        },
      );
    }
    if (st.size > MAX_CONFIG_BYTES) {
      throw new ConfigError(`Config ${configPath} is ${st.size} bytes: not read (a bg.yml is at most ${MAX_CONFIG_BYTES} bytes).`, {
        next: 'Pass --config FILE (or set BG_CONFIG) naming a bg.yml file.',
      });
    }
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}
