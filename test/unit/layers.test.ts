import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// docs/ARCHITECTURE.md's layer table, kept as data: which folder of src/ may import which at run
// time, and the imports allowed one file at a time. Every import in src/ is checked against it.
const DOC = 'docs/ARCHITECTURE.md';
const SRC = 'src';

interface Import {
  from: string; // src/... .ts
  to: string; // src/... .ts
  runtime: boolean; // false: import type / typeof import(): gone after the build
  text: string;
}

/** The layer of a file: its folder under src/ (`cli/`), or the file itself at src/'s top (`errors.ts`). */
function layerOf(file: string): string {
  const [first, ...rest] = relative(SRC, file).split('/');
  return rest.length ? `${first}/` : first;
}

const cells = (row: string) =>
  row
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());
const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** The markdown table whose header row is `header`, as rows of cells. */
function tableAfter(md: string, header: string): string[][] {
  const lines = md.split('\n');
  const at = lines.findIndex((l) => l.replace(/\s+/g, ' ').trim() === header);
  if (at < 0) throw new Error(`${DOC} has no table with the header ${header}`);
  const rows: string[][] = [];
  for (const line of lines.slice(at + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(cells(line));
  }
  return rows;
}

function readLayerTable(md: string) {
  const allowed = new Map<string, Set<string>>();
  for (const [folder, , mayImport] of tableAfter(md, '| folder | holds | may import | rule |')) {
    const path = ticked(folder)[0];
    if (!path?.startsWith('src/')) throw new Error(`${DOC}: a layer row names no src/ path: ${folder}`);
    allowed.set(path.slice(SRC.length + 1), new Set(ticked(mayImport)));
  }
  const exceptions = tableAfter(md, '| from | to | why |').map(([from, to, why]) => ({ from: ticked(from)[0], to: ticked(to)[0], why }));
  return { allowed, exceptions };
}

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
    });

const allTypeOnly = (names: ts.NamedImportBindings | ts.NamedExportBindings | undefined) =>
  !!names &&
  (ts.isNamedImports(names) || ts.isNamedExports(names)) &&
  names.elements.length > 0 &&
  names.elements.every((e) => e.isTypeOnly);

/** Every relative import of a file (static, re-export, dynamic, type), resolved to its .ts file. */
function importsOf(file: string, text = readFileSync(file, 'utf8')): Import[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const add = (spec: string, runtime: boolean, node: ts.Node) => {
    if (!spec.startsWith('.')) return; // packages and node: builtins
    const to = normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts');
    found.push({ from: file, to, runtime, text: node.getText(sf).replace(/\s+/g, ' ') });
  };
  const visit = (n: ts.Node) => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const c = n.importClause;
      add(n.moduleSpecifier.text, !(c && (c.isTypeOnly || (!c.name && allTypeOnly(c.namedBindings)))), n);
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      add(n.moduleSpecifier.text, !(n.isTypeOnly || allTypeOnly(n.exportClause)), n);
    } else if (
      ts.isCallExpression(n) &&
      n.expression.kind === ts.SyntaxKind.ImportKeyword &&
      n.arguments[0] &&
      ts.isStringLiteralLike(n.arguments[0])
    ) {
      add(n.arguments[0].text, true, n);
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      add(n.argument.literal.text, false, n);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

/** Imports the table does not allow. */
function forbidden(imports: Import[], table: ReturnType<typeof readLayerTable>): string[] {
  return imports
    .filter((i) => i.runtime && layerOf(i.from) !== layerOf(i.to))
    .filter((i) => !table.allowed.get(layerOf(i.from))?.has(layerOf(i.to)))
    .filter((i) => !table.exceptions.some((e) => e.from === i.from && e.to === i.to))
    .map((i) => `${i.from} (${layerOf(i.from)}) may not import ${i.to} (${layerOf(i.to)}): ${i.text}`);
}

/** Cycles among files through run-time imports (Tarjan's strongly connected components). */
function runtimeCycles(imports: Import[]): string[][] {
  const edges = new Map<string, string[]>();
  for (const i of imports) if (i.runtime) edges.set(i.from, [...(edges.get(i.from) ?? []), i.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || edges.get(v)?.includes(v)) cycles.push(scc.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) connect(v);
  return cycles;
}

const table = readLayerTable(readFileSync(DOC, 'utf8'));
const files = sourceFiles(SRC);
const imports = files.flatMap((f) => importsOf(f));

describe(`the layer table in ${DOC}`, () => {
  it('has a row for every folder of src/ (and each file at its top), and no row for one that is gone', () => {
    const layers = [...new Set(files.map(layerOf))].sort();
    expect([...table.allowed.keys()].sort()).toEqual(layers);
  });

  it('names only layers that exist in its "may import" column', () => {
    for (const [layer, may] of table.allowed)
      for (const other of may) expect(table.allowed.has(other), `${layer} may import ${other}`).toBe(true);
  });

  it('lists each exception once, for an import that exists and that the table does not allow anyway', () => {
    for (const e of table.exceptions) {
      expect(existsSync(e.from) && existsSync(e.to), `${e.from} → ${e.to}`).toBe(true);
      expect(
        imports.some((i) => i.runtime && i.from === e.from && i.to === e.to),
        `${e.from} no longer imports ${e.to}: drop the row`,
      ).toBe(true);
      expect(table.allowed.get(layerOf(e.from))?.has(layerOf(e.to)), `${layerOf(e.from)} may import ${layerOf(e.to)} already`).toBe(false);
      expect(e.why.length, `${e.from} → ${e.to} says why`).toBeGreaterThan(10);
    }
  });
});

describe('the imports of src/', () => {
  it('all resolve to a file in src/', () => {
    expect(imports.filter((i) => !existsSync(i.to) || !i.to.startsWith(`${SRC}/`)).map((i) => `${i.from}: ${i.text}`)).toEqual([]);
  });

  it(`follow the layer table in ${DOC}`, () => {
    expect(forbidden(imports, table)).toEqual([]);
  });

  it('form no cycle at run time', () => {
    expect(runtimeCycles(imports)).toEqual([]);
  });
});

describe('the checker itself', () => {
  it('catches a forbidden import, a type-only import passes, and a cycle is found', () => {
    const planFile = 'src/plan/deploy-plan.ts';
    const added = importsOf(
      planFile,
      "import { passwdEntry } from '../adapters/users.js';\nimport type { Ids } from '../adapters/users.js';\n",
    );
    expect(forbidden(added, table)).toEqual([
      `${planFile} (plan/) may not import src/adapters/users.ts (adapters/): import { passwdEntry } from '../adapters/users.js';`,
    ]);
    const a = importsOf('src/x/a.ts', "import { b } from './b.js';");
    const b = importsOf('src/x/b.ts', "export { a } from './a.js';");
    expect(runtimeCycles([...a, ...b])).toEqual([['src/x/a.ts', 'src/x/b.ts']]);
    expect(runtimeCycles([...a, ...importsOf('src/x/b.ts', "import type { a } from './a.js';")])).toEqual([]);
  });
});
