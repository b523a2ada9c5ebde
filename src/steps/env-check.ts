// Before the build: the variables the new release's settings read (the same list `bg init` finds)
// that the env file does not set: every one when the file is empty or missing, else those read
// without a default (os.environ['X']). A warning, never a refusal: some come from elsewhere (a drop-in).
import { envKeys } from '../config/init-template.js';
import { inAppDir, releasePath } from '../config/names.js';
import type { Config } from '../config/types.js';
import type { Host } from '../execute/host.js';
import { parseEnvFile } from './env-file.js';

const MAX_SOURCE = 1024 * 1024;

/** The warning for the variables the release's settings read and the env file lacks; undefined when none is missing. */
export async function missingEnvWarning(host: Host, cfg: Config, release: string): Promise<string | undefined> {
  const dir = inAppDir(cfg, releasePath(cfg, release));
  const source = await settingsSource(host, cfg, dir);
  if (!source) return undefined;
  const read = envKeys(source.text);
  if (read.length === 0) return undefined;
  const env = await host.files.read(cfg.envFile).catch(() => undefined);
  const set = parseEnvFile(env ?? '');
  const missing = read.filter((k) => set[k] === undefined);
  if (missing.length === 0) return undefined;
  const required = missing.filter((k) => new RegExp(`os\\.environ\\s*\\[\\s*["']${k}["']`).test(source.text));
  // a file with settings in it that lacks only what the code has a default for: that default is the operator's choice
  if (env?.trim() && required.length === 0) return undefined;
  const what =
    env === undefined
      ? `${cfg.envFile} does not exist`
      : env.trim() === ''
        ? `${cfg.envFile} is empty`
        : `${cfg.envFile} does not set ${missing.join(', ')}`;
  return (
    `warning: ${what}, but ${source.file} reads ${missing.join(', ')} from the environment` +
    `${required.length ? ` (without a default: ${required.join(', ')}; the app fails or falls back without them)` : ''}. ` +
    `Set them in ${cfg.envFile} (KEY=value lines; the build, the release commands and the units read it).`
  );
}

// Django: the settings module manage.py names; else the module web.wsgi names.
async function settingsSource(host: Host, cfg: Config, dir: string): Promise<{ file: string; text: string } | undefined> {
  const read = async (rel: string) => {
    const text = await host.files.read(`${dir}/${rel}`).catch(() => undefined);
    return text !== undefined && text.length <= MAX_SOURCE ? { file: rel, text } : undefined;
  };
  const manage = await read(cfg.django?.manage ?? 'manage.py');
  const settings = manage && /DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']/.exec(manage.text)?.[1];
  if (settings) {
    const base = settings.replace(/\./g, '/');
    return (await read(`${base}.py`)) ?? (await read(`${base}/__init__.py`));
  }
  const module = cfg.web.wsgi.split(':')[0].replace(/\./g, '/');
  return (await read(`${module}.py`)) ?? (await read(`${module}/__init__.py`));
}
