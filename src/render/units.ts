// config -> systemd unit files, one per color and process kind. Pure.
import { colorAppDir, sharedDir, unitLogFile, unitNames } from '../config/names.js';
import { type Color, type Config, otherColor } from '../config/types.js';
import { ConfigError } from '../errors.js';
import { BROKER_CONFIG_VAR, quiesceLine, READY_TRIES, readyLine } from './celery-control.js';
import { assertOneLine, environmentValue, execLine, unitValue } from './escape.js';
import { sandboxLines } from './sandbox.js';
import { gunicornBind, socketUnitLines } from './socket-unit.js';
import { renderTemplate } from './template.js';

/** The values every bg unit shares. */
function common(cfg: Config, color: Color, unit: string) {
  return {
    workingDirectory: unitValue(colorAppDir(cfg, color), 'app_dir'),
    environmentFile: unitValue(cfg.envFile, 'env_file'),
    color,
    sandbox: sandboxLines(cfg),
    logFile: cfg.logDir ? unitValue(unitLogFile(cfg, unit)!, 'log_dir') : undefined,
    wantedBy: cfg.scope === 'user' ? 'default.target' : 'multi-user.target',
  };
}

function requireCelery(cfg: Config) {
  if (!cfg.celery) throw new ConfigError('There is no celery block in the config, so there are no Celery units to render.');
  return cfg.celery;
}

export function renderWebUnit(cfg: Config, color: Color, gunicorn: string[]): string {
  const unit = unitNames(cfg, color).web;
  const { web } = cfg;
  const port = web.ports[color];
  const words = [
    ...gunicorn,
    '--bind',
    gunicornBind(cfg, color),
    '--workers',
    String(web.workers),
    '--timeout',
    String(web.timeout),
    '--graceful-timeout',
    String(web.timeout),
    '--preload',
    '--worker-tmp-dir',
    '/dev/shm',
    '--access-logfile',
    '-',
    '--error-logfile',
    '-',
    '--name',
    `${cfg.app}-${color}`,
    assertOneLine(web.wsgi, 'web.wsgi'),
  ];
  return renderTemplate('web.service.ejs', {
    ...common(cfg, color, unit),
    description: unitValue(`${cfg.app} web (${color}, ${cfg.caddy.switch === 'socket' ? 'unix socket' : `port ${port}`})`, 'app'),
    socket: socketUnitLines(cfg, color),
    memoryMax: web.memoryMax,
    execStart: execLine(words, 'web.gunicorn'),
    timeoutStopSec: String(web.timeout + 5),
    // A boot that never sends READY=1 (an app hanging at import) fails within the health budget.
    timeoutStartSec: String(Math.max(10, Math.ceil((web.health.retries * web.health.intervalMs) / 1000) + 5)),
  });
}

export function renderWorkerUnit(cfg: Config, color: Color, celery: string[]): string {
  const c = requireCelery(cfg);
  const unit = unitNames(cfg, color).worker!;
  const words = [
    ...celery,
    '-A',
    assertOneLine(c.app, 'celery.app'),
    'worker',
    '--concurrency',
    String(c.concurrency),
    '--loglevel',
    assertOneLine(c.loglevel, 'celery.loglevel'),
    // %h is Celery's node-name placeholder for the host name; execLine escapes it to %%h for systemd.
    '--hostname',
    `${cfg.app}-${color}@%h`,
    ...(c.queues ? ['-Q', c.queues.join(',')] : []),
    // Mingle syncs revoked ids with the app's other workers at boot, which delays its start (docs/measurements.md): under bg there are none
    // (the other color's worker is stopped before this one starts).
    '--without-mingle',
  ];
  const control = { celery, app: c.app, node: `${cfg.app}-${color}` };
  return renderTemplate('worker.service.ejs', {
    ...common(cfg, color, unit),
    description: unitValue(`${cfg.app} celery worker (${color})`, 'app'),
    memoryMax: c.memoryMax,
    otherUnit: unitValue(unitNames(cfg, otherColor(color)).worker!, 'app'),
    orderAfterOther: color === 'green',
    execStart: execLine(words, 'celery.command'),
    // celery.broker (never a password: the schema refuses one) for the control lines, as a variable, not an argument
    brokerEnv: c.broker === undefined ? undefined : environmentValue(BROKER_CONFIG_VAR, c.broker, 'celery.broker'),
    execStopQuiesce: quiesceLine(control, c.queues ?? ['celery'], c.concurrency),
    execStartPostReady: readyLine(control),
    // the readiness pings (READY_TRIES of them, each a Python start and the ping's `--timeout`) plus the worker's own boot
    timeoutStartSec: String(READY_TRIES * 2 + 30),
    timeoutStopSec: String(c.stopTimeout),
  });
}

/** Path of the one beat schedule both colors use. */
export const beatSchedule = (cfg: Pick<Config, 'root'>) => `${sharedDir(cfg)}/celerybeat-schedule`;

export function renderBeatUnit(cfg: Config, color: Color, celery: string[]): string {
  const c = requireCelery(cfg);
  const unit = unitNames(cfg, color).beat;
  if (!unit) throw new ConfigError('celery.beat is off, so there is no beat unit to render.');
  const words = [
    ...celery,
    '-A',
    assertOneLine(c.app, 'celery.app'),
    'beat',
    '--loglevel',
    assertOneLine(c.loglevel, 'celery.loglevel'),
    '--schedule',
    beatSchedule(cfg),
  ];
  return renderTemplate('beat.service.ejs', {
    ...common(cfg, color, unit),
    description: unitValue(`${cfg.app} celery beat (${color})`, 'app'),
    memoryMax: c.memoryMax,
    otherUnit: unitValue(unitNames(cfg, otherColor(color)).beat!, 'app'),
    orderAfterOther: color === 'green',
    execStart: execLine(words, 'celery.command'),
  });
}
