import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { completionScript } from '../../src/cli/completion.js';

const specs = [
  { name: 'deploy', options: ['--allow-destructive'] },
  { name: 'maintenance', options: [], args: ['on', 'off'] },
];
const globals = ['--config', '--user'];

/** What bash completes for `line` (the last word is the one being completed). */
function complete(line: string[]): string[] {
  const script = completionScript('bash', specs, globals)!;
  const words = line.map((w) => `'${w}'`).join(' ');
  const out = execFileSync('bash', ['-c', `${script}\nCOMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}; _bluegreen; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
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
    expect(completionScript('zsh', specs, globals)).toMatch(/^#compdef bluegreen bg\n[\s\S]*bashcompinit[\s\S]*complete -F _bluegreen bluegreen bg\n$/);
    expect(completionScript('fish', specs, globals)).toContain("complete -c bluegreen -n '__fish_seen_subcommand_from deploy' -l allow-destructive");
    expect(completionScript('tcsh', specs, globals)).toBeUndefined();
  });
});
