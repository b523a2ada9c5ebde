// `bg init` for a Flask app: the project's own modules its entry module reaches through imports. An
// app factory (`from app import create_app`) keeps its routes in blueprints and reads its settings
// in config.py, none of which the entry module itself spells. Pure over the caller's readFile, like
// init-template.ts; bounded, and never outside the project.
import path from 'node:path';

type Reader = { readFile: (p: string) => string | undefined };

const MAX_FILES = 80;
// `from x import (a,\n b)`: the names on one line
const joinParenthesized = (src: string) =>
  src.replace(/(\bimport\s*)\(([^)]*)\)/g, (_m, head, names) => `${head}${names.replace(/\s+/g, ' ')}`);
const FROM_IMPORT = /^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+([^\n#]+)/gm;
const PLAIN_IMPORT = /^[ \t]*import[ \t]+([^\n#]+)/gm;

const namesOf = (list: string) =>
  list
    .split(',')
    .map((n) =>
      n
        .trim()
        .split(/\s+as\s+/)[0]!
        .trim(),
    )
    .filter((n) => /^[A-Za-z_]\w*$/.test(n));

/** The files `module` (dotted, relative to `base`) may be: a module, or a package's __init__. */
const candidates = (base: string, dotted: string) => {
  const rel = dotted.split('.').join('/');
  return [path.join(base, `${rel}.py`), path.join(base, rel, '__init__.py')];
};

/** The entry file and the project's modules it imports, directly or through each other: their paths (relative to the project) and text. */
export function flaskSources(o: Reader, projectDir: string, entry: string): { file: string; text: string }[] {
  const seen = new Map<string, string>();
  const queue = [path.join(projectDir, entry)];
  while (queue.length > 0 && seen.size < MAX_FILES) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    const text = o.readFile(file);
    if (text === undefined) continue;
    seen.set(file, text);
    const code = joinParenthesized(text);
    const pkgDir = path.dirname(file);
    for (const m of code.matchAll(FROM_IMPORT)) {
      const [dots, module, names] = [m[1]!, m[2]!, m[3]!];
      let base = projectDir;
      if (dots) {
        base = pkgDir;
        for (let i = 1; i < dots.length; i++) base = path.dirname(base);
      }
      const inside = (p: string) => p === projectDir || p.startsWith(`${projectDir}/`);
      if (!inside(base)) continue;
      const mod = module ? candidates(base, module) : [];
      // `from pkg import views` may name a submodule
      const subs = namesOf(names).flatMap((n) => candidates(base, module ? `${module}.${n}` : n));
      queue.push(...[...mod, ...subs].filter(inside));
    }
    for (const m of code.matchAll(PLAIN_IMPORT))
      for (const name of m[1]!.split(',').map((n) => n.trim().split(/\s+as\s+/)[0]!))
        if (/^[A-Za-z_][\w.]*$/.test(name)) queue.push(...candidates(projectDir, name));
  }
  // config.py and settings.py are named in a string (app.config.from_object('config.Config')), not imported
  for (const extra of ['config.py', 'settings.py']) {
    const file = path.join(projectDir, extra);
    if (seen.has(file)) continue;
    const text = o.readFile(file);
    if (text !== undefined) seen.set(file, text);
  }
  return [...seen].map(([file, text]) => ({ file: path.relative(projectDir, file), text }));
}
