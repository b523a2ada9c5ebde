import { Argument, Command, CommanderError, Option } from 'commander';
import { EXIT, UsageError } from '../errors.js';
import { bgVersion } from '../protocol/version.js';
import { COLOR_CHOICES, LOG_KINDS, LOG_LEVELS, ON_OFF, SHELLS, wholeNumber } from './arguments.js';
import type { LoadCommand } from './command-loader.js';
import { commandSpecs, completionScript, longOptions } from './completion.js';
import type { GlobalOptions } from './options.js';
import { commanderExit } from './outcome.js';
import { printError } from './print-error.js';

// Commands load lazily so `bg status` pays only for what it uses.
export async function main(argv: string[], load: LoadCommand): Promise<number> {
  // What bg creates (releases checked out by git, directories, files without a mode of their own) must
  // be readable by the app's user and Caddy whatever umask root's shell has (027, 077): the modes
  // that must be tighter (state dir, env file, logs) are set explicitly.
  process.umask(0o022);
  const program = new Command('bluegreen')
    .description(
      'Zero-downtime blue/green deploys of a Gunicorn app behind Caddy, over systemd. (`bg` is also a shell builtin: type `bluegreen`.)',
    )
    .option('-c, --config <file>', 'config file (default ./bg.yml, env BG_CONFIG)')
    .option('--user', "talk to your user's systemd manager (session bus) instead of the system manager")
    .option('--dry-run', 'print the plan and the files that would change; touch nothing')
    .option('--json', 'machine-readable output')
    .addOption(new Option('--log-level <level>', 'level of the JSON log in the state dir').choices(LOG_LEVELS).default('info'))
    .option('-y, --yes', 'answer yes to prompts (init: overwrite)')
    // checked where a command takes the lock (lockWaitMs), not by an argParser: `status` takes none and ignores it
    .option('--lock-wait <duration>', 'wait this long (30s, 2m) for another bg to finish instead of exit 3')
    .version(bgVersion, '-V, --version')
    .exitOverride()
    // commander's own refusals (an unknown option, a value outside the choices) are printed below
    // like bg's: one message, the state, what to do; under --json as an error event
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: () => {} })
    .configureHelp({ showGlobalOptions: true });

  let code: number = EXIT.ok;
  const NO_MEMORY_CHECK = 'start the second web color even when bg measures that it would not fit in memory';
  const parallel = () =>
    new Option(
      '--parallel <n>',
      'with hosts in bg.yml: how many web hosts to do at once (default 1; the Celery host always goes last, alone)',
    ).argParser(wholeNumber('--parallel must be a whole number 1-100', 1, 100));
  const opts = () => program.opts<GlobalOptions>();
  const run = (fn: () => Promise<number>) => async () => {
    code = await fn();
  };
  program
    .command('init')
    .description('write a commented bg.yml for the project in this directory')
    .action(run(async () => (await load('init')).init(opts())));
  program
    .command('setup')
    .description('first-time setup: install units and Caddyfile, start blue, health-gate it, point Caddy at it')
    .action(run(async () => (await load('setup')).setup(opts())));
  program
    .command('deploy')
    .argument('<ref>', 'branch, tag or commit to deploy')
    .option(
      '--allow-destructive',
      'django, alembic: apply migrations the serving version cannot live with; the old Celery stops before them',
    )
    .option('--maintenance', 'Caddy answers 503 from right before the release commands until right after the switch')
    .option(
      '--migrate-back',
      'an older ref (django, alembic): rehearse, then with maintenance on reverse the applied migrations it does not know',
    )
    .option('--no-memory-check', NO_MEMORY_CHECK)
    .addOption(parallel())
    .description('deploy <ref> to the idle color with no failed request; rolls back on any failure')
    .action(
      async (
        ref: string,
        cmdOpts: { allowDestructive?: boolean; maintenance?: boolean; migrateBack?: boolean; memoryCheck?: boolean; parallel?: number },
      ) => {
        code = await (await load('deploy')).deploy(ref, { ...opts(), ...cmdOpts });
      },
    );
  program
    .command('status')
    .description('active color, upstream, units, releases, last deploy')
    .action(run(async () => (await load('status')).status(opts())));
  program
    .command('rollback')
    .option('--to <release>', 'a kept release (see `bluegreen releases`) instead of the one that served before')
    .option(
      '--migrate-back',
      'django, alembic: rehearse, then with maintenance on reverse (downgrade) what the older release does not know',
    )
    .option(
      '--allow-destructive',
      'django, alembic: go back although the check says the older release cannot run on what stays applied (it no longer uses it: the code step)',
    )
    .option('--no-memory-check', NO_MEMORY_CHECK)
    .addOption(parallel())
    .description('put the release that served before the last deploy back in service, through the same gate, switch and drain')
    .action(
      async (cmdOpts: { to?: string; migrateBack?: boolean; allowDestructive?: boolean; memoryCheck?: boolean; parallel?: number }) => {
        code = await (await load('deploy')).rollback({ ...opts(), ...cmdOpts });
      },
    );
  program
    .command('logs')
    .addArgument(new Argument('[kind]', 'web (default), worker or beat').choices(LOG_KINDS))
    .addOption(new Option('--color <color>', 'blue or green (default: the live color)').choices(COLOR_CHOICES))
    .addOption(new Option('-n, --lines <n>', 'how many lines').argParser(wholeNumber('-n must be a whole number of lines', 0)).default(50))
    .option('-f, --follow', 'keep following (both colors when no --color: a deploy does not end it)')
    .option('--host <name>', 'with hosts in bg.yml: the host whose logs (over ssh)')
    .description("the app's logs from journald (or log_dir), the live color by default")
    .action(async (kind: string | undefined, cmdOpts: { color?: string; lines: number; follow?: boolean; host?: string }) => {
      code = await (await load('logs')).logs(kind, { ...opts(), ...cmdOpts });
    });
  program
    .command('run')
    .argument('<command...>', 'the command and its arguments (put -- before it)')
    .option('--host <name>', 'with hosts in bg.yml: the host to run it on (over ssh)')
    .description(
      "run a command in the live release (manage.py shell, flask shell) as a transient service: the app's user and sandbox, the env file, its own terminal; its exit code is bg's",
    )
    .action(async (command: string[], cmdOpts: { host?: string }) => {
      code = await (await load('run')).run(command, { ...opts(), ...cmdOpts });
    });
  program
    .command('restart')
    .option('--no-memory-check', NO_MEMORY_CHECK)
    .addOption(parallel())
    .description('the live release again, into the idle color, through the same gate, switch and drain (e.g. after editing the env file)')
    .action(async (cmdOpts: { memoryCheck?: boolean; parallel?: number }) => {
      code = await (await load('deploy')).restart({ ...opts(), ...cmdOpts });
    });
  program
    .command('maintenance')
    .addArgument(
      new Argument(
        '<on|off>',
        'on: Caddy answers 503 with Retry-After (and <root>/shared/maintenance.html when there is one); off: back to the app',
      ).choices(ON_OFF),
    )
    .description('take the site down for maintenance while the app keeps running, or bring it back')
    .action(async (state: string) => {
      code = await (await load('maintenance')).maintenance(state, opts());
    });
  program
    .command('releases')
    .description('the releases on disk: id, commit, ref, built at, which color holds it, live or failed')
    .action(run(async () => (await load('releases')).releases(opts())));
  program
    .command('backups')
    .description('the database copies taken before migrations: file, size, when, the migrations each precedes')
    .action(run(async () => (await load('backups')).backups(opts())));
  program
    .command('cleanup')
    .description('stop and disable what the idle color still holds, and remove releases beyond keep_releases (never one a color holds)')
    .action(run(async () => (await load('cleanup')).cleanup(opts())));
  program
    .command('remove')
    .option('--purge', 'also delete <root>: releases, shared/ (the data) and backups')
    .description(
      'take the app off this host: stop, disable and remove its units, remove its Caddy site and import (checked first, other sites kept); keeps <root> unless --purge; asks first (--yes without a terminal)',
    )
    .action(async (cmdOpts: { purge?: boolean }) => {
      code = await (await load('remove')).remove({ ...opts(), ...cmdOpts });
    });
  program
    .command('history')
    .addOption(
      new Option('--limit <n>', 'how many entries')
        .argParser(wholeNumber('--limit must be a whole number of entries, 1 or more', 1))
        .default(20),
    )
    .description('the deploy journal')
    .action(async (cmdOpts: { limit: number }) => {
      code = await (await load('history')).history({ ...opts(), limit: cmdOpts.limit });
    });

  program
    .command('completion')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .description('print a completion script for bluegreen (README: how to install it)')
    .action((shell: string) => {
      process.stdout.write(completionScript(shell, commandSpecs(program.commands), longOptions(program.options)) ?? ''); // commander checked the shell
    });

  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help shown (asked for, or bg run with no command) is not a refusal
      if (err.exitCode === 0 || err.code === 'commander.help') return commanderExit(err.exitCode);
      const words = argv.slice(2).filter((a) => !a.startsWith('-'));
      const command = program.commands.find((c) => words.includes(c.name()));
      const usage = new UsageError(err.message.replace(/^error: /, ''), {
        code: 'usage',
        next: command
          ? `Usage: bluegreen ${command.name()} ${command.usage()} (\`bluegreen ${command.name()} --help\` says more).`
          : 'See `bluegreen --help` for the commands and options.',
      });
      printError(usage, argv.includes('--json'));
      return commanderExit(err.exitCode);
    }
    return printError(err, !!program.opts<GlobalOptions>().json);
  }
}
