import { readdirSync, readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// scripts/bundle.mjs bundles every file in src/cli/commands/; main.ts loads them by the names in
// command-loader.ts's `Commands`. A command missing from either would fail only at run time.
const commandFiles = () =>
  readdirSync('src/cli/commands')
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();

function loaderEntries(): [string, string][] {
  const file = 'src/cli/command-loader.ts';
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const commands = sf.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'Commands');
  if (!commands) throw new Error(`${file} has no interface Commands`);
  return commands.members.map((m) => {
    if (
      !ts.isPropertySignature(m) ||
      !m.type ||
      !ts.isImportTypeNode(m.type) ||
      !ts.isLiteralTypeNode(m.type.argument) ||
      !ts.isStringLiteral(m.type.argument.literal)
    ) {
      throw new Error(`${file}: Commands member ${m.getText(sf)} is not \`name: typeof import('./commands/name.js')\``);
    }
    return [ts.isStringLiteral(m.name) ? m.name.text : m.name.getText(sf), m.type.argument.literal.text];
  });
}

describe('the command list', () => {
  it('command-loader.ts names every file in src/cli/commands/ and nothing else', () => {
    expect(
      loaderEntries()
        .map(([name]) => name)
        .sort(),
    ).toEqual(commandFiles());
  });

  it('each name in command-loader.ts loads the command file of that name', () => {
    for (const [name, path] of loaderEntries()) expect(path).toBe(`./commands/${name}.js`);
  });
});
