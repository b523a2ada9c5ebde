// `npm run lint`: no comment in src/ carries a measurement. A figure such as "takes 120 ms" or
// "~35 MB" drifts as the code and the machine change; it belongs in docs/measurements.md with its
// date, commit and the command that reproduces it, and the comment keeps only the why (it may point
// there). Comments come from TypeScript's own parser, so strings and regexes are never read as one.
// Not flagged: quoted or backticked text (syntax examples, settings like `StartLimitBurst=5`) and a
// documented default ("default 5 s").
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const ROOT = process.argv[2] ?? 'src';
const FIGURE = /(?<![\w.])\d+(?:\.\d+)?\s?(?:ms|s|secs?|seconds|min|minutes|KB|kB|KiB|MB|MiB|GB|GiB|%)(?![\w%])/g;
const QUOTED = /'[^']*'|"[^"]*"|`[^`]*`/g;

function* tsFiles(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(p);
    else if (/\.(ts|mts|cts)$/.test(e.name)) yield p;
  }
}

/** Every comment of a file once, with its start offset. */
function commentsOf(file, text) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const seen = new Map();
  const collect = (ranges) => {
    for (const r of ranges ?? []) seen.set(r.pos, text.slice(r.pos, r.end));
  };
  const visit = (node) => {
    collect(ts.getLeadingCommentRanges(text, node.getFullStart()));
    collect(ts.getTrailingCommentRanges(text, node.getEnd()));
    for (const child of node.getChildren(source)) visit(child);
  };
  visit(source);
  return [...seen].map(([pos, comment]) => ({ pos, comment, source }));
}

const found = [];
for (const file of tsFiles(ROOT)) {
  const text = readFileSync(file, 'utf8');
  for (const { pos, comment, source } of commentsOf(file, text)) {
    const firstLine = source.getLineAndCharacterOfPosition(pos).line;
    comment.split('\n').forEach((line, i) => {
      const bare = line.replace(QUOTED, (q) => ' '.repeat(q.length));
      for (const m of bare.matchAll(FIGURE)) {
        if (/\bdefault\s+$/.test(bare.slice(0, m.index))) continue;
        found.push(`${file}:${firstLine + i + 1}: "${m[0]}" in: ${line.trim()}`);
      }
    });
  }
}

if (found.length) {
  process.stderr.write(
    `${found.join('\n')}\n\nA comment carries a measurement (${found.length}). Move the figure to docs/measurements.md with its date, commit and how to reproduce it; keep the why in the comment (it may point to docs/measurements.md).\n`,
  );
  process.exit(1);
}
