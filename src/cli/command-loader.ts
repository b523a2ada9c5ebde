// How main reaches a command's code. Each command is its own bundle (dist/bundle/<name>.cjs) so
// `bg status` never reads undici, execa or pino; bin/bg.cjs passes a loader that compiles a bundle
// through the code cache in src/startup/. scripts/bundle.mjs makes a bundle of every file in commands/;
// test/unit/command-list.test.ts checks that this list names the same files.
export interface Commands {
  init: typeof import('./commands/init.js');
  setup: typeof import('./commands/setup.js');
  deploy: typeof import('./commands/deploy.js');
  status: typeof import('./commands/status.js');
  cleanup: typeof import('./commands/cleanup.js');
  remove: typeof import('./commands/remove.js');
  history: typeof import('./commands/history.js');
  releases: typeof import('./commands/releases.js');
  backups: typeof import('./commands/backups.js');
  maintenance: typeof import('./commands/maintenance.js');
  logs: typeof import('./commands/logs.js');
  run: typeof import('./commands/run.js');
}
export type CommandName = keyof Commands;
export type LoadCommand = <N extends CommandName>(name: N) => Promise<Commands[N]>;
