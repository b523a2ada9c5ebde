import { BROKER_ENV_KEYS } from '../config/names.js';
import type { Config } from '../config/types.js';
import { BgError } from '../errors.js';
import type { Host } from '../execute/host.js';
import { parseEnvFile } from './env-file.js';

const ENV_KEYS = BROKER_ENV_KEYS;
const DEFAULT_PORTS: Record<string, number> = { 'redis:': 6379, 'rediss:': 6379, 'amqp:': 5672, 'amqps:': 5671 };

/** The broker URL: celery.broker, else the first of CELERY_BROKER_URL, BROKER_URL, REDIS_URL in the env file. */
export async function brokerUrl(host: Host, cfg: Config): Promise<{ url: string; from: string } | undefined> {
  if (cfg.celery?.broker) return { url: cfg.celery.broker, from: 'celery.broker' };
  const env = parseEnvFile((await host.files.read(cfg.envFile).catch(() => undefined)) ?? '');
  const key = ENV_KEYS.find((k) => env[k]);
  return key ? { url: env[key], from: `${key} in ${cfg.envFile}` } : undefined;
}

/** Before Celery is touched: the broker answers, or the run stops while the old worker still runs. */
export async function checkBroker(host: Host, cfg: Config): Promise<string> {
  const found = await brokerUrl(host, cfg);
  if (!found) return `no broker URL (celery.broker, or ${ENV_KEYS.join(', ')} in the env file): not checked`;
  let url: URL;
  try {
    url = new URL(found.url);
  } catch {
    return `${found.from} is not a URL: not checked`;
  }
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol];
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (!port || !hostname) return `${found.from} names no host: not checked`;
  const shown = `${url.protocol}//${url.hostname}:${port}`; // never the password
  const why = await host.tcpReachable(hostname, port, 2000);
  if (why) {
    throw new BgError(`The Celery broker ${shown} (${found.from}) does not answer: ${why}.`, {
      code: 'broker-unreachable',
      next: `Start the broker (e.g. systemctl start redis-server) or fix ${found.from}, then deploy again.`,
    });
  }
  return `${shown} answers`;
}

/**
 * While a worker's start job waits for its readiness ping (each ping through a broker that is down
 * takes kombu's whole retry), checks the broker every `everyMs`: resolves with the broker's error
 * once it has failed `times` checks in a row, and never resolves while it answers or once `stop`
 * aborts. A broker that died after the check before Celery was touched then ends the start in
 * seconds, with its own headline, instead of at the unit's TimeoutStartSec.
 */
export function brokerLost(host: Host, cfg: Config, stop: AbortSignal, everyMs = 1000, times = 2): Promise<BgError> {
  return new Promise((resolve) => {
    let failed = 0;
    const tick = async () => {
      if (stop.aborted) return;
      try {
        await checkBroker(host, cfg);
        failed = 0;
      } catch (e) {
        if (e instanceof BgError && e.code === 'broker-unreachable' && ++failed >= times) return resolve(e);
      }
      if (!stop.aborted) setTimeout(tick, everyMs).unref?.();
    };
    setTimeout(tick, everyMs).unref?.();
  });
}
