// The shell lines a worker unit runs to talk to its own worker through Celery's remote control:
// the quiesce before its warm shutdown, the readiness ping after its start. Pure.
//
// Each `celery control` / `inspect` process loads the app when given `-A`, which for a Django
// project means importing Django: most of a handover's time. Given only the broker URL the same
// commands reach the worker without importing anything. The URL reaches celery through its
// environment (CELERY_BROKER_URL, and BROKER_URL, which celery's `-b` reads and which would win),
// never as an argument: argv is readable by every local user (`ps`), and a broker URL may hold a
// password. It comes from the unit's environment: celery.broker (BROKER_CONFIG_VAR, set by the unit
// file), else the first env file key that holds one (the EnvironmentFile sets them for ExecStop and
// ExecStartPost too); else the lines fall back to `-A <app>`.
import { BROKER_ENV_KEYS } from '../config/names.js';
import { ConfigError } from '../errors.js';
import { assertOneLine, execLine } from './escape.js';

export interface CeleryControl {
  celery: string[]; // the celery command prefix
  app: string; // celery.app, for the fallback
  node: string; // the worker's node name; its host part is systemd's %H
}

/** The worker unit's variable for celery.broker: bg's own name, so the app's settings never read it. */
export const BROKER_CONFIG_VAR = 'BG_CELERY_BROKER';

const NODE_HOST = '@HOSTNAME';

/** Exports the broker URL from the unit's environment for celery and clears "$@"; with none, sets "$@" to `-A <app>`. */
function brokerArgs(c: CeleryControl): string {
  const fromEnv = [BROKER_CONFIG_VAR, ...BROKER_ENV_KEYS].reduceRight((rest, key) => (rest ? `\${${key}:-${rest}}` : `$${key}`), '');
  return `b=${fromEnv}; if [ -n "$b" ]; then CELERY_BROKER_URL=$b; BROKER_URL=$b; export CELERY_BROKER_URL BROKER_URL; set --; else set -- -A ${quote(c.app, 'celery.app')}; fi`;
}

// kombu's Redis transport polls with a BRPOP that blocks for its timeout (docs/measurements.md): a
// message it pops after the quiesce is requeued while the worker still reads, and lost if the
// connection closes first. Waiting this long after the quiesce outlasts the BRPOP that was in flight.
export const BRPOP_WAIT_S = 1.2;

/**
 * One ExecStop= line, run before the warm shutdown: every queue's cancel_consumer at once, so the
 * worker stops consuming from all of them together; then, while outwaiting kombu's poll, the idle
 * prefork processes are let go (`pool_shrink`), which cuts most of the warm shutdown's time
 * (docs/measurements.md). Only when the worker holds no reserved task: a task on its way to a pool
 * process is never handed to one that is going away. Busy processes are not shrunk; they finish their
 * task in the warm shutdown as before.
 */
export function quiesceLine(c: CeleryControl, queues: string[], concurrency: number): string {
  const node = quote(c.node + NODE_HOST, 'app');
  const cancel = (q: string) =>
    `${words(c)} "$@" control cancel_consumer ${quote(q, 'celery.queues')} --timeout 2 --destination ${node} >/dev/null &`;
  const idle = `${words(c)} "$@" inspect reserved --timeout 0.5 --destination ${node} --json 2>/dev/null | grep -q ': \\[\\]}$'`;
  const shrink = `${words(c)} "$@" control pool_shrink ${concurrency} --timeout 0.5 --destination ${node} >/dev/null 2>&1`;
  return shellLine(`${brokerArgs(c)}; ${queues.map(cancel).join(' ')} wait; { ${idle} && ${shrink}; } & sleep ${BRPOP_WAIT_S}; wait`);
}

// Celery has no sd_notify, and a broadcast sent before the worker listens is lost, so the start job
// pings until answered: each try is a process waiting for the answer up to its `--timeout` (a worker that is up answers within milliseconds).
export const READY_TRIES = 60;

/** One ExecStartPost= line: ping the worker until it answers (it consumes and listens for control commands). */
export function readyLine(c: CeleryControl): string {
  const ping = `${words(c)} "$@" inspect ping --timeout 0.5 --destination ${quote(c.node + NODE_HOST, 'app')} >/dev/null 2>&1`;
  // $MAINPID (systemd sets it for ExecStartPost): a worker that died at import ends the wait at once
  const giveUp = `echo "bg: the worker did not answer a ping through its broker ${READY_TRIES} times; if the app uses another broker than the env file names, set celery.broker" >&2; exit 1`;
  return shellLine(
    `${brokerArgs(c)}; n=0; until ${ping}; do kill -0 "$MAINPID" 2>/dev/null || exit 1; n=$((n+1)); [ "$n" -lt ${READY_TRIES} ] || { ${giveUp}; }; done`,
  );
}

const words = (c: CeleryControl) => c.celery.map((w) => quote(w, 'celery.command')).join(' ');

// Validated config words carry no quote, `$`, `%`, backslash or `;` (schema), so single quotes hold them.
function quote(word: string, what: string): string {
  assertOneLine(word, what);
  if (word.includes("'")) throw new ConfigError(`${what} cannot be quoted for the shell: ${JSON.stringify(word)}`);
  return `'${word}'`;
}

// systemd expands %-specifiers and $VARS in Exec lines: execLine escapes both, then the node's host
// part becomes %H (systemd's host name, which Celery's %h in --hostname expands to).
const shellLine = (script: string) => execLine(['/bin/sh', '-c', script], 'celery.command').replaceAll(`${NODE_HOST}'`, "@%H'");
