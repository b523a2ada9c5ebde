import { execFileSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { completionScript } from '../../src/cli/completion.js';
import { main } from '../../src/cli/main.js';
import { jsonEvent } from '../support/json-events.js';

const specs = [
  { name: 'deploy', options: ['--allow-destructive'] },
  { name: 'maintenance', options: [], args: ['on', 'off'] },
];
const globals = ['--config', '--user'];

/** What bash completes for `line` (the last word is the one being completed). */
function complete(line: string[]): string[] {
  const script = completionScript('bash', specs, globals)!;
  const words = line.map((w) => `'${w}'`).join(' ');
  const out = execFileSync(
    'bash',
    ['-c', `${script}\nCOMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}; _bluegreen; printf '%s\\n' "\${COMPREPLY[@]}"`],
    { encoding: 'utf8' },
  );
  return out.trim().split('\n').filter(Boolean);
}

describe('bluegreen completion', () => {
  it('bash completes commands (after global options too), their options and their fixed words', () => {
    expect(complete(['bluegreen', 'de'])).toEqual(['deploy']);
    expect(complete(['bluegreen', '--user', 'ma'])).toEqual(['maintenance']);
    expect(complete(['bluegreen', 'deploy', '--a'])).toEqual(['--allow-destructive']);
    expect(complete(['bluegreen', 'maintenance', 'o'])).toEqual(['on', 'off']);
    expect(complete(['bluegreen', '--c'])).toEqual(['--config']);
  });

  it('zsh loads it (bashcompinit) and registers it for bluegreen; its candidates hold the command and the flag', () => {
    const script = completionScript('zsh', specs, globals)!;
    const run = (words: string, cword: number) =>
      execFileSync(
        'zsh',
        [
          '-fc',
          `autoload -U +X compinit && compinit -u -D; ${script}\nsetopt ksharrays; print -r -- "\${_comps[bluegreen]}"; COMP_WORDS=(${words}); COMP_CWORD=${cword}; _bluegreen; print -r -- "\${COMPREPLY[@]}"`,
        ],
        { encoding: 'utf8' },
      )
        .trim()
        .split('\n');
    const [registered, commands] = run('bluegreen de', 1);
    expect(registered).toBe('_bash_complete -F _bluegreen');
    expect(commands.split(' ')).toContain('deploy');
    expect(run('bluegreen deploy --al', 2)[1].split(' ')).toContain('--allow-destructive');
  });

  it('zsh loads the bash one through bashcompinit; fish gets its own complete lines; other shells none', () => {
    expect(completionScript('zsh', specs, globals)).toMatch(
      /^#compdef bluegreen bg\n[\s\S]*bashcompinit[\s\S]*complete -F _bluegreen bluegreen bg\n$/,
    );
    expect(completionScript('fish', specs, globals)).toContain(
      "complete -c bluegreen -n '__fish_seen_subcommand_from deploy' -l allow-destructive",
    );
    expect(completionScript('tcsh', specs, globals)).toBeUndefined();
  });
});

// The real CLI: commander checks the fixed words and numbers before any command loads, and
// completion offers the same choices commander holds.
describe("bluegreen's own arguments", () => {
  const noLoad = async () => {
    throw new Error('no command may load: commander refuses the argument first');
  };
  async function cli(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const so = vi.spyOn(process.stdout, 'write').mockImplementation((s) => out.push(String(s)) > 0);
    const se = vi.spyOn(process.stderr, 'write').mockImplementation((s) => err.push(String(s)) > 0);
    try {
      const code = await main(['node', 'bluegreen', ...args], noLoad as never);
      return { code, out: out.join(''), err: err.join('') };
    } finally {
      so.mockRestore();
      se.mockRestore();
    }
  }

  it('a word or number outside what an argument takes is exit 2, with what it takes', async () => {
    const cases: [string[], string][] = [
      [['history', '--limit', 'abc'], '--limit must be a whole number of entries, 1 or more'],
      [['history', '--limit', '0'], '--limit must be a whole number'],
      [['deploy', 'main', '--parallel', '101'], '--parallel must be a whole number 1-100'],
      [['restart', '--parallel', '1.5'], '--parallel must be a whole number 1-100'],
      [['logs', '-n', '-3'], '-n must be a whole number of lines'],
      [['logs', 'celery'], 'Allowed choices are web, worker, beat'],
      [['logs', '--color', 'red'], 'Allowed choices are blue, green'],
      [['maintenance', 'maybe'], 'Allowed choices are on, off'],
      [['completion', 'tcsh'], 'Allowed choices are bash, zsh, fish'],
      [['--log-level', 'loud', 'status'], 'Allowed choices are trace, debug, info, warn, error, silent'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toContain(message);
    }
  });

  it("commander's refusals read like bg's: the message, the state, what to do; under --json an error event", async () => {
    const text = await cli(['logs', 'celery']);
    expect(text.err).toContain(
      "bg: command-argument value 'celery' is invalid for argument 'kind'. Allowed choices are web, worker, beat.\n  state: Nothing was changed.\n",
    );
    expect(text.err).toContain('next:  Usage: bluegreen logs [options] [kind] (`bluegreen logs --help` says more).');
    expect(text.err).not.toContain('Global Options:');
    const json = await cli(['--json', 'deploy']);
    expect(json.code).toBe(2);
    expect(jsonEvent(json.out, 'error')).toMatchObject({
      error: 'UsageError',
      code: 'usage',
      message: "missing required argument 'ref'",
      exitCode: 2,
    });
    expect(json.err).toBe('');
    const help = await cli([]);
    expect(help.err).toContain('\nCommands:\n');
    expect(help.err).not.toContain('bg: ');
  });

  it("completion offers each command's argument choices and options, as commander holds them", async () => {
    const r = await cli(['completion', 'bash']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('    maintenance) words="on off";;');
    expect(r.out).toContain('    logs) words="web worker beat --color --lines --follow --host";;');
    expect(r.out).toContain('    completion) words="bash zsh fish";;');
    expect(r.out).toContain('    deploy) words="--allow-destructive --maintenance --migrate-back --no-memory-check --parallel";;');
    expect(r.out).toMatch(/compgen -W "\$words --config --user --dry-run --json --log-level --yes --lock-wait --version"/);
  });
});
