// bluegreen(1) in roff, made from the CLI's own --help output (`help(...args)` runs the built CLI),
// so the man page says what the installed version does.

/** Escapes text for roff: backslashes, and a leading . or ' that would read as a request. */
const roff = (line) => line.replace(/\\/g, '\\e').replace(/^([.'])/, '\\&$1');

/** The help text without its usage line and without the global options every command repeats. */
function body(text) {
  const lines = text.replace(/\n+$/, '').split('\n');
  const globals = lines.indexOf('Global Options:');
  return (globals >= 0 ? lines.slice(0, globals) : lines).slice(1).join('\n').trim();
}

/** The names listed in the Commands: section of the top-level help. */
function commandNames(text) {
  const section = text.split('\nCommands:\n')[1] ?? '';
  return section
    .split('\n')
    .map((l) => /^ {2}([a-z][a-z-]*)/.exec(l)?.[1])
    .filter((n) => n && n !== 'help');
}

const block = (text) => ['.nf', ...text.split('\n').map(roff), '.fi'];

export function manPage(version, help) {
  const top = help('--help');
  const [description, ...rest] = body(top).split('\n\n');
  const options = rest.find((s) => s.startsWith('Options:')) ?? '';
  const lines = [
    `.TH BLUEGREEN 1 "" "bluegreen ${version}" "User Commands"`,
    '.SH NAME',
    'bluegreen, bg \\- zero-downtime blue/green deploys of a Gunicorn app behind Caddy, over systemd',
    '.SH SYNOPSIS',
    '.B bluegreen',
    '[\\fIoptions\\fR] \\fIcommand\\fR [\\fIargs\\fR]',
    '.SH DESCRIPTION',
    ...block(description ?? ''),
    '.SH OPTIONS',
    ...block(options.replace(/^Options:\n/, '')),
    '.SH COMMANDS',
  ];
  for (const name of commandNames(top))
    lines.push(
      `.SS ${name}`,
      ...block(
        help(name, '--help')
          .split('\n')[0]
          .replace(/^Usage: /, ''),
      ),
      '.PP',
      ...block(body(help(name, '--help'))),
    );
  lines.push('.SH FILES', '.TP', '.I /etc/bg/<app>.yml', "an app's config (bluegreen init writes a commented one)", '.SH SEE ALSO');
  lines.push('.BR systemctl (1),', '.BR journalctl (1),', '.BR caddy (1)', '.PP', 'The user manual: /usr/share/doc/bluegreen/README.md');
  return `${lines.join('\n')}\n`;
}
