// The order a rolling run visits the hosts in. Pure.
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
