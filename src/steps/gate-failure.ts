// What a failed health gate tells the operator: why it ended (wrong answers, the unit died, no
// answer in time), the app's own log lines from this start of the unit (its traceback, not the
// HTML error page), the unit's name and the `bluegreen logs` command that shows more. Further
// advice (e.g. a path the app may not write) is one more entry in GATE_ADVICE.
import type { Color, Config } from '../config/types.js';
import { type BgError, HealthError } from '../errors.js';
import type { Host } from '../execute/host.js';
import { appLogExcerpt } from './app-log-excerpt.js';
import { readOnlyPath } from './read-only-advice.js';

// journalctl reads this many of the run's last lines; the excerpt keeps the part that matters
const LOG_READ = 400;
const LOGS_MORE = 200;

export interface GateFailure {
  cfg: Config;
  host: Host;
  color: Color;
  unit: string;
  error: BgError; // what the gate said
  log: string; // the unit's last lines from this start, as read
  exception?: string; // the app's exception line, when its log has one
}

/** One piece of advice from what the gate saw; undefined when it has none. */
export type GateAdvice = (f: GateFailure) => string | undefined | Promise<string | undefined>;

const GATE_ADVICE: GateAdvice[] = [
  // the app wrote next to its code (os.mkdir('logs'), a database): its release is read-only for it
  (f) => readOnlyPath(f.cfg, f.log)?.advice,
  (f) => statusAdvice(f.cfg, answered(f.error)),
];

// the status the gate's "answered HTTP <n> … times in a row" names
const answered = (error: BgError): number | undefined => {
  const m = /^The app answered HTTP (\d{3}) /.exec(error.message);
  return m ? Number(m[1]) : undefined;
};

/** What a wrong answer usually means, for the answers with one likely cause. */
export function statusAdvice(cfg: Config, status: number | undefined): string | undefined {
  const h = cfg.web.health;
  if (status === 404)
    return `The app has no route at ${h.path}: add one that answers ${h.expect} (a view that needs no login and no newer table), or set web.health.path in ${cfg.configPath} to one it has.`;
  if (status === 400 && cfg.django)
    return `Django answers 400 to a Host header its ALLOWED_HOSTS does not list: set web.health.host in ${cfg.configPath} to a name it lists (the check sends ${h.host ?? '127.0.0.1'}).`;
  if (status !== undefined && status >= 300 && status < 400)
    return `The app redirects the check (a login page, a missing trailing slash, an HTTPS redirect): let ${h.path} answer ${h.expect} as it is (Django's SECURE_SSL_REDIRECT: list it in SECURE_REDIRECT_EXEMPT), or set web.health.path to the URL it redirects to.`;
  return undefined;
}

/** `bluegreen logs` for this unit's color, as the operator would type it. */
export function logsCommand(cfg: Pick<Config, 'configPath' | 'scope'>, color: Color, lines = LOGS_MORE): string {
  return `bluegreen --config ${cfg.configPath}${cfg.scope === 'user' ? ' --user' : ''} logs web --color ${color} -n ${lines}`;
}

/** The gate's error with the app's log from this start of `unit` and what to do. */
export async function gateFailure(host: Host, cfg: Config, color: Color, unit: string, error: BgError): Promise<HealthError> {
  const invocationId = await host.systemd
    .unitState(unit)
    .then((s) => s.invocationId)
    .catch(() => undefined);
  const log = await host.unitLog(unit, LOG_READ, invocationId).catch((e: unknown) => `(its log could not be read: ${String(e)})`);
  const excerpt = appLogExcerpt(log);
  const failure: GateFailure = { cfg, host, color, unit, error, log, ...(excerpt.exception && { exception: excerpt.exception }) };
  const advice = (await Promise.all(GATE_ADVICE.map((a) => a(failure)))).filter((a): a is string => !!a);
  const where = cfg.logDir ? `${unit}'s log in ${cfg.logDir}` : `${unit} in the journal, this start only`;
  const more = `More: \`${logsCommand(cfg, color)}\`.`;
  const next = excerpt.exception
    ? `The app failed with ${excerpt.exception} (its log above): fix that in the code or its settings, then deploy again. ${more}`
    : `See ${unit}'s log above; fix the cause, then deploy again. ${more}`;
  return new HealthError(error.message.includes(unit) ? error.message : `${error.message} (${unit})`, {
    code: error.code,
    detail: [
      ...(error.detail ? [error.detail] : []),
      `--- ${where}, last ${excerpt.lines.length} lines${excerpt.skipped ? ` up to the exception (${excerpt.skipped} after it not shown)` : ''}:`,
      ...excerpt.lines,
    ].join('\n'),
    next: [...advice, next].join(' '),
  });
}
