import { validateRef } from '../../config/ref.js';
import { colorAddress } from '../../config/socket-paths.js';
import type { Config } from '../../config/types.js';
import type { RunResult } from '../../execute/executor.js';
import { fmtMs } from '../../format/duration.js';
import { DEPLOY_OBSERVES, planDeploy } from '../../plan/deploy-plan.js';
import type { Plan } from '../../plan/step.js';
import type { GlobalOptions } from '../options.js';
import { runPlanned } from '../run-planned.js';

type MemoryOption = { memoryCheck?: boolean }; // commander's --no-memory-check sets memoryCheck: false
type FleetOption = { parallel?: number }; // with hosts: how many web hosts at once (commander checked it)

type DeployFlags = { allowDestructive?: boolean; maintenance?: boolean; migrateBack?: boolean };

export function deploy(ref: string, o: GlobalOptions & MemoryOption & FleetOption & DeployFlags) {
  validateRef(ref); // before anything runs: a ref is never passed to git unchecked
  const req = {
    ref,
    allowDestructive: !!o.allowDestructive,
    maintenance: !!o.maintenance,
    migrateBack: !!o.migrateBack,
    noMemoryCheck: o.memoryCheck === false,
  };
  const fleet = {
    name: 'deploy' as const,
    ref,
    args: [
      'deploy',
      ref,
      ...flag(req.allowDestructive, '--allow-destructive'),
      ...flag(req.maintenance, '--maintenance'),
      ...flag(req.migrateBack, '--migrate-back'),
      ...flag(req.noMemoryCheck, '--no-memory-check'),
    ],
    parallel: parallelOf(o),
  };
  return runPlanned(
    {
      name: 'deploy',
      ref,
      fleet,
      observes: DEPLOY_OBSERVES,
      plan: (cfg, host) => planDeploy(cfg, host, { ...req, now: new Date() }),
      summary: summarize(ref),
    },
    o,
  );
}

export const rollback = (
  o: GlobalOptions & MemoryOption & FleetOption & { to?: string; migrateBack?: boolean; allowDestructive?: boolean },
) =>
  runPlanned(
    {
      name: 'rollback',
      fleet: {
        name: 'rollback',
        args: [
          'rollback',
          ...(o.to ? ['--to', o.to] : []),
          ...flag(!!o.migrateBack, '--migrate-back'),
          ...flag(!!o.allowDestructive, '--allow-destructive'),
          ...flag(o.memoryCheck === false, '--no-memory-check'),
        ],
        parallel: parallelOf(o),
      },
      observes: DEPLOY_OBSERVES,
      plan: (cfg, host) =>
        planDeploy(cfg, host, {
          rollback: true,
          toRelease: o.to,
          migrateBack: !!o.migrateBack,
          allowDestructive: !!o.allowDestructive,
          noMemoryCheck: o.memoryCheck === false,
        }),
      summary: summarize(undefined),
    },
    o,
  );

export const restart = (o: GlobalOptions & MemoryOption & FleetOption) =>
  runPlanned(
    {
      name: 'restart',
      fleet: { name: 'restart', args: ['restart', ...flag(o.memoryCheck === false, '--no-memory-check')], parallel: parallelOf(o) },
      observes: DEPLOY_OBSERVES,
      plan: (cfg, host) => planDeploy(cfg, host, { restart: true, noMemoryCheck: o.memoryCheck === false }),
      summary: summarize(undefined),
    },
    o,
  );

const flag = (on: boolean, name: string) => (on ? [name] : []);

const parallelOf = (o: FleetOption) => o.parallel ?? 1;

// The human-in-the-loop step: print exactly what to run next.
export const summarize = (ref: string | undefined) => (cfg: Config, plan: Plan, result: RunResult, o: GlobalOptions) => {
  const commit = result.commit?.slice(0, 12);
  const what = ref ? `${ref}${commit ? ` (${commit})` : ''} in releases/${plan.release}` : `releases/${plan.release}`;
  const flags = [o.config ? `--config ${o.config}` : '', o.user ? '--user' : ''].filter(Boolean).join(' ');
  const cmd = (c: string) => `bluegreen ${c}${flags ? ` ${flags}` : ''}`;
  return [
    `${plan.command}: ${what} is live on ${plan.to} (${cfg.caddy.switch === 'socket' ? `unix socket, no Caddy reload) at ${colorAddress(cfg, plan.to!)}` : `${colorAddress(cfg, plan.to!)})`}; ${plan.from} drained and stopping. ${fmtMs(result.ms)}.`,
    `  when you are happy:   ${cmd('cleanup')}`,
    `  to go back:           ${goBack(plan, cmd)}`,
  ].join('\n');
};

// A restart leaves both colors on the same release: plain `rollback` would bring that one back.
const goBack = (plan: Plan, cmd: (c: string) => string): string => {
  if (plan.command !== 'restart') return cmd('rollback');
  return plan.previous
    ? `${cmd(`rollback --to ${plan.previous}`)} (the release ${plan.to} held before the restart)`
    : `nothing different: both colors hold releases/${plan.release} (\`bluegreen releases\` lists the kept ones for \`rollback --to\`)`;
};
