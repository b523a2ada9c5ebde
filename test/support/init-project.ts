import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A project layout in memory for `renderInitConfig`: relative path → contents. */
export function layout(cwd: string, files: Record<string, string>) {
  const abs = new Map(Object.entries(files).map(([p, c]) => [path.join(cwd, p), c]));
  const dirs = new Set([...abs.keys()].flatMap((p) => [path.dirname(p), path.dirname(path.dirname(p))]));
  const top = [
    ...new Set(
      Object.keys(files)
        .filter((p) => p.includes('/'))
        .map((p) => p.split('/')[0]),
    ),
  ];
  return {
    cwd,
    exists: (p: string) => abs.has(p) || dirs.has(p),
    readFile: (p: string) => abs.get(p),
    dirs: top,
  };
}

/** `bg init`'s output with every commented-out example made live. */
export const uncommentAll = (text: string) =>
  text
    .split('\n')
    .map((line) => {
      const example = /^(\s*)# (\s*(?:# )*(?:[a-z_]+:(?: |$)|- ).*)$/;
      let l = line;
      for (let m = example.exec(l); m; m = example.exec(l)) l = m[1] + m[2];
      return l;
    })
    .join('\n');

/** A fixture directory's files (relative path → contents), as `layout` takes them. */
export function fixtureFiles(dir: string): Record<string, string> {
  const root = fileURLToPath(new URL(`../fixtures/${dir}/`, import.meta.url));
  return Object.fromEntries(
    readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => {
        const abs = path.join(e.parentPath ?? e.path, e.name);
        return [path.relative(root, abs), readFileSync(abs, 'utf8')];
      }),
  );
}
