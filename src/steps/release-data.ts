// A database file made inside a release is lost at the next deploy (each release starts a new,
// empty one) and, once the release is root's again, the app cannot write it. A build or release
// command that leaves one stops the deploy before the switch, with the shared_files line to add.
import { releasePath } from '../config/names.js';
import type { Config } from '../config/types.js';
import { BgError } from '../errors.js';
import type { Host } from '../execute/host.js';

const DATABASE = /\.(sqlite3|sqlite|db)$/;
const MAX_DEPTH = 12;

/** The database files under `dir` (relative to it), never through a link nor into .git. */
export async function databaseFiles(host: Host, dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (rel: string, depth: number): Promise<void> => {
    for (const name of await host.files.list(rel ? `${dir}/${rel}` : dir)) {
      if (name === '.git') continue;
      const path = rel ? `${rel}/${name}` : name;
      const st = await host.files.lstat(`${dir}/${path}`);
      if (st?.kind === 'dir' && depth < MAX_DEPTH) await walk(path, depth + 1);
      else if (st?.kind === 'file' && DATABASE.test(name)) found.push(path);
    }
  };
  await walk('', 0);
  return found.sort();
}

/** Refuses the database files the commands of `phase` added to the release (those the checkout held are the repository's). */
export async function refuseNewDatabases(
  host: Host,
  cfg: Config,
  b: { release: string; phase: 'build' | 'release'; commands: string[] },
  before: readonly string[],
): Promise<void> {
  const dir = releasePath(cfg, b.release);
  const added = (await databaseFiles(host, dir)).filter((f) => !before.includes(f));
  if (added.length === 0) return;
  const prefix = cfg.appDir ? `${cfg.appDir}/` : '';
  const inApp = added.filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length));
  const list = inApp.length === added.length ? inApp : added;
  const commands = b.commands.map((c) => `\`${c}\``).join(', ');
  throw new BgError(
    `The ${b.phase} commands (${commands}) created ${added.map((f) => `${dir}/${f}`).join(', ')} inside the release: every deploy would start a new, empty database there, and the app (which cannot write its release) could not write it. The new release does not go live.`,
    {
      code: 'database-in-release',
      next:
        inApp.length === added.length
          ? `Keep it in ${cfg.root}/shared: add \`shared_files: [${[...new Set([...cfg.sharedFiles, ...list])].join(', ')}]\` to ${cfg.configPath} (each release links it there; an existing database: copy it to ${cfg.root}/shared/${list[0]} as ${cfg.user} first), then run the command again (setup or deploy). Or point the app's database setting outside the release (an env var in ${cfg.envFile}).`
          : `Point the app's database setting outside the release (an env var in ${cfg.envFile}), or list it in shared_files (paths relative to app_dir ${cfg.appDir}), then run the command again (setup or deploy).`,
    },
  );
}
