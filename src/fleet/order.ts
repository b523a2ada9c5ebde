// The order a fleet run visits the hosts in. Pure.
import type { FleetHost } from '../config/types.js';

/**
 * Batches of hosts run together: the hosts as listed, `parallel` at a time, and the Celery host
 * alone at the end, so its old worker consumes until every web host runs the new code.
 */
export function rollingBatches(hosts: FleetHost[], celeryHost: string | undefined, parallel: number): FleetHost[][] {
  const web = hosts.filter((h) => h.name !== celeryHost);
  const batches: FleetHost[][] = [];
  for (let i = 0; i < web.length; i += parallel) batches.push(web.slice(i, i + parallel));
  const celery = hosts.find((h) => h.name === celeryHost);
  if (celery) batches.push([celery]);
  return batches;
}

/**
 * `maintenance on|off`: every web host at once, then the Celery host alone, both ways. The web hosts
 * flip together so the window in which the fleet answers part 503 and part the app lasts one
 * host's run, not the sum of them; the Celery host goes last like in every other fleet run, so a
 * failure on the web hosts leaves it untouched.
 */
export const maintenanceBatches = (hosts: FleetHost[], celeryHost: string | undefined): FleetHost[][] =>
  rollingBatches(hosts, celeryHost, Math.max(1, hosts.length));

/** The order as one line: a batch's hosts joined with +, batches with →. */
export const orderText = (batches: string[][]): string => batches.map((b) => b.join(' + ')).join(' → ');
