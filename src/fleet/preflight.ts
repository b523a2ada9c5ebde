// Before a fleet run changes anything: every host answers (bg there reads its config and reports
// its status), and Celery is configured on the Celery host only.
import type { Config, FleetHost } from '../config/types.js';
import { BgError, EXIT } from '../errors.js';
import { type RemoteBg, type RemoteResult, whyFailed } from './remote.js';

export interface HostStatus {
  host: FleetHost;
  result: RemoteResult;
  status?: { active: string | null; units: { name: string; active: string; load: string }[]; problems: { code: string; severity: string; message: string }[] } & Record<string, unknown>;
}

/** `bluegreen status --json` on every host at once. */
export async function statusOfAll(cfg: Config, remote: RemoteBg): Promise<HostStatus[]> {
  return Promise.all(
    (cfg.hosts ?? []).map(async (host) => {
      const result = await remote.run(host, ['--json', 'status']);
      let status: HostStatus['status'];
      try {
        status = result.exitCode === 0 ? JSON.parse(result.stdout) : undefined;
      } catch {
        status = undefined;
      }
      return { host, result, status };
    }),
  );
}

const runsCelery = (s: HostStatus) => (s.status?.units ?? []).some((u) => /-worker-(blue|green)\.service$/.test(u.name));

/** Throws (nothing changed yet) when a host does not answer, or Celery is set up where it must not run. */
export function checkFleet(cfg: Config, seen: HostStatus[], command: string): void {
  const silent = seen.filter((s) => !s.status);
  if (silent.length) {
    const lines = silent.map((s) => `${s.host.name} (${s.host.ssh}): ${whyFailed(s.result).message}`);
    throw new BgError(`${command} stopped before it began: ${silent.length === 1 ? 'a host does' : `${silent.length} hosts do`} not answer: ${lines.join('; ')}`, {
      code: 'fleet-host-unreachable',
      state: 'Nothing was changed on any host.',
      next: 'Check that each host named answers `ssh <host> bluegreen --config <its config> status` (keys, host key, bg installed), then run it again.',
      exitCode: EXIT.deployFailed,
    });
  }
  const celery = seen.filter(runsCelery).map((s) => s.host.name);
  const wrong = celery.filter((n) => n !== cfg.celeryHost);
  if (wrong.length) {
    throw new BgError(`Celery is set up on ${wrong.join(', ')}, but ${cfg.celeryHost ? `celery_host is ${cfg.celeryHost}` : 'no celery_host is named'}: two hosts would run workers.`, {
      code: 'fleet-celery-host',
      state: 'Nothing was changed on any host.',
      next: cfg.celeryHost ? `Remove the celery block from the bg.yml of ${wrong.join(', ')}.` : 'Name the one host that runs Celery in celery_host.',
      exitCode: EXIT.usage,
    });
  }
}
