// Before a fleet run changes anything: every host answers (bg there reads its config and reports
// its status), runs the same bg and --json protocol as the deploying machine, and Celery is
// configured on the Celery host only.
import type { Config, FleetHost } from '../config/types.js';
import { FailedError, UsageError } from '../errors.js';
import type { ProtocolHeader, StatusReport } from '../protocol/events.js';
import { header as localHeader } from '../protocol/wire.js';
import { type RemoteBg, type RemoteResult, whyFailed } from './remote.js';

export interface HostStatus {
  host: FleetHost;
  result: RemoteResult;
  status?: StatusReport; // undefined: no status event came back
}

/** `bluegreen --json status` on every host at once. */
export async function statusOfAll(cfg: Config, remote: RemoteBg): Promise<HostStatus[]> {
  return Promise.all(
    (cfg.hosts ?? []).map(async (host) => {
      const result = await remote.run(host, ['--json', 'status']);
      const found = result.exitCode === 0 ? result.events.find((e) => e.event === 'status') : undefined;
      const status = found ? (({ event: _, ...report }) => report)(found) : undefined;
      return { host, result, status };
    }),
  );
}

const runsCelery = (s: HostStatus) => (s.status?.units ?? []).some((u) => /-worker-(blue|green)\.service$/.test(u.name));

/** What a host's bg said it is: its header, or, from a bg that answered without one, a bg older than the protocol. */
const versionOf = (h: ProtocolHeader | undefined) =>
  h ? `bg ${h.bg} (protocol ${h.v})` : 'a bg from before the versioned --json protocol';

/**
 * The hosts whose bg differs from this one's (version or protocol). A host that did not answer at
 * all (ssh failed, no header, nothing on stdout) is left to the unreachable check.
 */
export function mismatchedHosts(seen: HostStatus[], local: ProtocolHeader = localHeader()): HostStatus[] {
  return seen.filter((s) => {
    const h = s.result.header;
    if (h) return h.v !== local.v || h.bg !== local.bg;
    return s.result.exitCode === 0; // answered, but without a header: older than the protocol
  });
}

/** How the operator puts bg `version` on a host: the package `npm pack` built, copied there and installed (README, Install). */
export function upgradeCommand(host: FleetHost, version: string): string {
  const pkg = `bluegreen-deploy-${version}.tgz`;
  return `scp ${host.port ? `-P ${host.port} ` : ''}${pkg} ${host.ssh}: && ssh ${host.port ? `-p ${host.port} ` : ''}${host.ssh} sudo npm install -g ./${pkg}`;
}

/** Throws (nothing changed yet) when a host runs another bg, does not answer, or Celery is set up where it must not run. */
export function checkFleet(cfg: Config, seen: HostStatus[], command: string, local: ProtocolHeader = localHeader()): void {
  const mismatched = mismatchedHosts(seen, local);
  if (mismatched.length) {
    throw new UsageError(
      `${command} stopped before it began: ${mismatched.length === 1 ? 'a host runs' : `${mismatched.length} hosts run`} another bg than this machine (bg ${local.bg}, protocol ${local.v}): ${mismatched.map((s) => `${s.host.name} (${s.host.ssh}) runs ${versionOf(s.result.header)}`).join('; ')}`,
      {
        code: 'fleet-version-mismatch',
        state: 'Nothing was changed on any host.',
        next: `Install bg ${local.bg} on each host named (the package \`npm pack\` built here), then run it again: ${mismatched.map((s) => upgradeCommand(s.host, local.bg)).join(' ; ')}`,
      },
    );
  }
  const silent = seen.filter((s) => !s.status);
  if (silent.length) {
    const lines = silent.map((s) => `${s.host.name} (${s.host.ssh}): ${whyFailed(s.result).message}`);
    throw new FailedError(
      `${command} stopped before it began: ${silent.length === 1 ? 'a host does' : `${silent.length} hosts do`} not answer: ${lines.join('; ')}`,
      {
        code: 'fleet-host-unreachable',
        state: 'Nothing was changed on any host.',
        next: 'Check that each host named answers `ssh <host> bluegreen --config <its config> status` (keys, host key, bg installed), then run it again.',
      },
    );
  }
  const celery = seen.filter(runsCelery).map((s) => s.host.name);
  const wrong = celery.filter((n) => n !== cfg.celeryHost);
  if (wrong.length) {
    throw new UsageError(
      `Celery is set up on ${wrong.join(', ')}, but ${cfg.celeryHost ? `celery_host is ${cfg.celeryHost}` : 'no celery_host is named'}: two hosts would run workers.`,
      {
        code: 'fleet-celery-host',
        state: 'Nothing was changed on any host.',
        next: cfg.celeryHost
          ? `Remove the celery block from the bg.yml of ${wrong.join(', ')}.`
          : 'Name the one host that runs Celery in celery_host.',
      },
    );
  }
}
