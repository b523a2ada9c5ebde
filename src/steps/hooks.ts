import type { Reporter } from '../cli/progress.js';
import type { Config } from '../config/types.js';
import type { Host } from '../execute/host.js';

export type HookName = 'post_switch' | 'post_deploy' | 'on_failure';

/** What a hook gets in its environment. */
export interface HookEnv {
  BG_APP: string;
  BG_COMMAND: string;
  BG_REF?: string;
  BG_COMMIT?: string;
  BG_RELEASE?: string;
  BG_FROM?: string;
  BG_TO?: string;
  BG_RESULT: string; // switched, ok, refused, rolled-back, rollback-failed, interrupted
  BG_ERROR?: string;
}

// The operator's hooks (notifications, cache warm-ups): each command with `sh -c` in <root>, with the
// BG_* environment and a timeout. A hook never changes the run's outcome: a failed one is reported
// (progress, --json, the journal) and the run goes on; a deploy that switched stays switched.
export async function runHooks(
  host: Host,
  cfg: Config,
  name: HookName,
  env: HookEnv,
  report: Reporter,
): Promise<{ name: string; ok: boolean }[]> {
  const commands = { post_switch: cfg.hooks.postSwitch, post_deploy: cfg.hooks.postDeploy, on_failure: cfg.hooks.onFailure }[name];
  const results: { name: string; ok: boolean }[] = [];
  const vars = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
  for (const [i, cmd] of commands.entries()) {
    const label = `hook ${name}[${i}]`;
    const r = await host
      .shell(cmd, { cwd: cfg.root, env: vars, timeoutMs: cfg.hooks.timeout * 1000 })
      .catch((e: Error) => ({ exitCode: undefined, signal: undefined, output: e.message }));
    const ok = r.exitCode === 0;
    const output = r.output.trimEnd();
    report({
      event: 'note',
      message: `${label}: ${cmd} → ${ok ? 'ok' : `FAILED (exit ${r.exitCode ?? r.signal ?? `timeout after ${cfg.hooks.timeout}s`})`}${output ? `\n${output}` : ''}`,
    });
    results.push({ name: label, ok });
  }
  return results;
}
