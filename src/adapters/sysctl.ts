// Reads and sets kernel settings under /proc/sys.
import { readFile, writeFile } from 'node:fs/promises';
import { writeAtomic } from './files.js';

const procPath = (name: string) => `/proc/sys/${name.replaceAll('.', '/')}`;

/** The current value, or undefined when this kernel has no such setting. */
export async function readSysctl(name: string): Promise<string | undefined> {
  try {
    return (await readFile(procPath(name), 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** Sets it now and for every boot (a drop-in in /etc/sysctl.d). Needs root. */
export async function enableSysctl(name: string, value: string, dropIn: string): Promise<void> {
  await writeFile(procPath(name), `${value}\n`);
  await writeAtomic(dropIn, `# Written by bg: Caddy config reloads must not reset queued connections.\n${name} = ${value}\n`, {
    mode: 0o644,
  });
}
