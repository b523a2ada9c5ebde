// `bluegreen completion bash|zsh|fish`: completion scripts made from the CLI's own commands,
// options and argument choices as commander holds them, so they never drift from what the CLI
// accepts. Pure.
import type { Command, Option } from 'commander';

export interface CommandSpec {
  name: string;
  options: string[]; // long forms, e.g. --allow-destructive
  args?: string[]; // the choices of the first argument (maintenance on|off)
}

const words = (xs: string[]) => xs.join(' ');

export const longOptions = (options: readonly Option[]): string[] => options.map((o) => o.long).filter((l): l is string => !!l);

/** What completion offers after each command: its options, and the choices of its first argument (maintenance on|off). */
export function commandSpecs(commands: readonly Command[]): CommandSpec[] {
  return commands.map((c) => {
    const choices = c.registeredArguments[0]?.argChoices;
    return { name: c.name(), options: longOptions(c.options), ...(choices && { args: [...choices] }) };
  });
}

export function completionScript(shell: string, commands: CommandSpec[], globals: string[]): string | undefined {
  const names = commands.map((c) => c.name);
  if (shell === 'bash' || shell === 'zsh') {
    const cases = commands.map((c) => `    ${c.name}) words="${words([...(c.args ?? []), ...c.options])}";;`).join('\n');
    const bash = `# bluegreen completion (bash). Install: bluegreen completion bash | sudo tee /etc/bash_completion.d/bluegreen
_bluegreen() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd="" words="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in -*) ;; *) cmd=\${COMP_WORDS[i]}; break ;; esac
  done
  case $cmd in
${cases}
    "") words="${words(names)}";;
  esac
  COMPREPLY=($(compgen -W "$words ${words(globals)}" -- "$cur"))
}
complete -F _bluegreen bluegreen bg
`;
    if (shell === 'bash') return bash;
    return `#compdef bluegreen bg
# bluegreen completion (zsh). Install: bluegreen completion zsh > "\${fpath[1]}/_bluegreen", then compinit.
autoload -U +X bashcompinit && bashcompinit
${bash}`;
  }
  if (shell === 'fish') {
    const lines = [
      '# bluegreen completion (fish). Install: bluegreen completion fish > ~/.config/fish/completions/bluegreen.fish',
      `complete -c bluegreen -f -n __fish_use_subcommand -a '${words(names)}'`,
      ...globals.map((g) => `complete -c bluegreen -l ${g.replace(/^--/, '')}`),
      ...commands.flatMap((c) => [
        ...(c.args ?? []).map((a) => `complete -c bluegreen -f -n '__fish_seen_subcommand_from ${c.name}' -a ${a}`),
        ...c.options.map((o) => `complete -c bluegreen -n '__fish_seen_subcommand_from ${c.name}' -l ${o.replace(/^--/, '')}`),
      ]),
    ];
    return `${lines.join('\n')}\n`;
  }
  return undefined;
}
