// The one place the pipeline's Runtime is built from the real adapters; tests build fakes.
import { loadConfig } from '../../config/load.js';
import { connectHost, readAppPaths } from '../../execute/connect-host.js';
import { jsonOut } from '../../protocol/writer.js';
import { appendJournal } from '../../state/journal.js';
import { acquireLock, bootId, safeUser } from '../../state/lock.js';
import { makeLogger } from '../../state/logger.js';
import { type GlobalOptions, progressMode, scopeOf } from '../options.js';
import { makeReporter } from '../progress.js';
import { runFleet } from '../run-fleet.js';
import type { Runtime } from './runtime.js';

export function realRuntime(o: GlobalOptions): Runtime {
  return {
    loadConfig: () => loadConfig({ path: o.config, scope: scopeOf(o) }),
    runFleet: (cfg, cmd) => runFleet(cfg, cmd, o),
    readAppPaths,
    lock: (cfg, label, opts) => acquireLock(cfg.stateDir, label, opts),
    connectHost: (cfg) => connectHost(cfg),
    journal: { append: appendJournal },
    clock: { now: () => new Date() },
    signals: {
      onInterrupt(handler) {
        process.on('SIGINT', handler).on('SIGTERM', handler);
        return () => process.off('SIGINT', handler).off('SIGTERM', handler);
      },
    },
    output: {
      progress: makeReporter(progressMode(o)),
      result: (text, event) => (o.json ? jsonOut(event) : process.stdout.write(`${text}\n`)),
      warn: (text) => process.stderr.write(`${text}\n`),
    },
    log: (cfg) => makeLogger(cfg.stateDir, o.logLevel),
    me: { pid: process.pid, boot: bootId(), user: safeUser() },
    exit: (code) => process.exit(code),
  };
}
