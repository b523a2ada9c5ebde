import type { Color } from '../config/types.js';

// A plan is data: an ordered list of named steps, each with the action that carries it out and the
// action that takes it back. Pure planners build plans; src/run/ executes them through the Host.
// An undo that needs to know what its step changed (the files it replaced, where Caddy routed
// before) gets that step's receipt from the executor.

export type Action =
  | { kind: 'install'; colors: Color[]; caddyfile: boolean } // render + write what changed; daemon-reload if a unit did
  | { kind: 'restore-files' } // undo of install: puts back the files that step's receipt lists
  | { kind: 'sysctl'; name: string; value: string; dropIn: string }
  | { kind: 'ensure-dirs'; dirs: string[]; envFile: string }
  | { kind: 'checkout'; color: Color; ref?: string }
  | { kind: 'build'; color: Color; commands: string[] }
  | { kind: 'start'; unit: string }
  | { kind: 'stop'; unit: string; wait?: false } // wait: false: systemd accepted the stop job; it finishes without bg
  | { kind: 'health-gate'; color: Color; unit: string }
  | { kind: 'switch'; to: Color }
  | { kind: 'switch-back' } // undo of switch: the upstream file, `current` and Caddy's config from before it
  | { kind: 'drain'; ports: number[] }
  | { kind: 'enable'; units: string[] }
  | { kind: 'disable'; units: string[] };

export interface Step {
  name: string; // stable, kebab-case: shown in progress, journal and errors
  action: Action;
  undo?: Action;
}

export interface Plan {
  command: 'setup' | 'deploy' | 'rollback' | 'cleanup';
  from?: Color; // color serving before
  to?: Color; // color serving after
  steps: Step[];
  notes: string[]; // why steps were left out (e.g. "already set up")
}

export const describeAction = (a: Action): string => {
  switch (a.kind) {
    case 'install':
      return `install ${[...a.colors.map((c) => `${c} units`), ...(a.caddyfile ? ['the Caddyfile'] : [])].join(' and ')}`;
    case 'restore-files':
      return 'put back the files install replaced';
    case 'sysctl':
      return `set ${a.name} = ${a.value} now and in ${a.dropIn}`;
    case 'ensure-dirs':
      return `create ${a.dirs.join(', ')} and ${a.envFile} (0600) if missing`;
    case 'checkout':
      return `check out ${a.ref ?? "the repo's default branch"} into releases/${a.color}`;
    case 'build':
      return `run in releases/${a.color}, each with sh -c: ${a.commands.map((c) => JSON.stringify(c)).join(', ')}`;
    case 'start':
      return `start ${a.unit}`;
    case 'stop':
      return `stop ${a.unit}${a.wait === false ? ' (systemd finishes it; bg does not wait)' : ''}`;
    case 'health-gate':
      return `wait until ${a.color} answers its health check`;
    case 'switch':
      return `point upstream and Caddy at ${a.to}, confirm Caddy routes there`;
    case 'switch-back':
      return 'put back the previous upstream and Caddy config';
    case 'drain':
      return `wait for in-flight requests on port ${a.ports.join(', ')} to finish`;
    case 'enable':
      return `enable ${a.units.join(', ')}`;
    case 'disable':
      return `disable ${a.units.join(', ')}`;
  }
};
