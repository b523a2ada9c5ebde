// vitest globalSetup of the `integration` project: gives every integration test a real
// systemd user manager with its own D-Bus, and fails the run loudly when there is none.
//
// How the sandbox works
// - Reuse: if DBUS_SESSION_BUS_ADDRESS points at a bus where `systemctl --user
//   is-system-running` answers (a desktop session, a lingering CI user), tests use that
//   manager; unit files go in its writable XDG config dir (from its UnitPath). Set
//   BG_TEST_PRIVATE_MANAGER=1 to always start a private one instead.
// - Otherwise (containers, VMs where PID 1 is not systemd), scripts/user-manager.sh starts
//   `systemd --user` in a fresh temp dir: private mount namespace with a tmpfs on
//   /run/systemd, XDG_RUNTIME_DIR=<tmp>/runtime (its dbus.socket makes <tmp>/runtime/bus),
//   XDG_CONFIG_HOME=<tmp>/config (units in <tmp>/config/systemd/user), its own cgroup.
//   Nothing of the real home or of the host's systemd is touched.
// - Teardown stops that manager by PID (`systemctl --user exit`, which stops every unit it
//   runs; then SIGKILL to whatever is left in its cgroup) and removes the temp dir (kept when
//   BG_TEST_KEEP=1, e.g. to read unit logs after a failure).
// - Tests get the paths via inject('sandbox') and use the helpers in ./sandbox.ts; units
//   they start should log with StandardOutput=append:<file> (there is no journald here).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import type { Sandbox } from './sandbox.js';

const run = promisify(execFile);
const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/user-manager.sh');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const tmpRoot = await mkdtemp(join(tmpdir(), 'bg-it-'));
  const reused = process.env.BG_TEST_PRIVATE_MANAGER === '1' ? undefined : await existingManager(tmpRoot);
  const sandbox = reused ?? (await startPrivateManager(tmpRoot));
  project.provide('sandbox', sandbox);
  const restoreMigrate = await enableTcpMigrateReq();

  return async () => {
    await restoreMigrate();
    if (sandbox.managerPid) await run('bash', [SCRIPT, 'stop', tmpRoot], { timeout: 60_000 });
    if (process.env.BG_TEST_KEEP !== '1') await rm(tmpRoot, { recursive: true, force: true });
    else console.log(`[bg harness] kept ${tmpRoot}`);
  };
}

// What `bg setup` does in system scope (src/plan/kernel.ts): without it every Caddy reload can reset
// connections queued in Caddy's old listener, and the zero-failure tests would see it. Restored after.
const MIGRATE = '/proc/sys/net/ipv4/tcp_migrate_req';
async function enableTcpMigrateReq(): Promise<() => Promise<void>> {
  const before = (await readFile(MIGRATE, 'utf8').catch(() => '')).trim();
  if (before !== '0') return async () => {};
  const { writeFile } = await import('node:fs/promises');
  await writeFile(MIGRATE, '1\n').catch((e) => console.warn(`[bg harness] cannot enable tcp_migrate_req: ${e.message}`));
  return async () => {
    await writeFile(MIGRATE, `${before}\n`).catch(() => {});
  };
}

async function existingManager(tmpRoot: string): Promise<Sandbox | undefined> {
  const busAddress = process.env.DBUS_SESSION_BUS_ADDRESS;
  if (!busAddress) return undefined;
  const env = { ...process.env };
  try {
    const { stdout: state } = await run('systemctl', ['--user', 'is-system-running'], { env, timeout: 5_000 }).catch(
      (e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }),
    );
    if (!state.trim() || state.trim() === 'unknown') return undefined;
    const { stdout: unitPath } = await run('systemctl', ['--user', 'show', '--property=UnitPath', '--value'], { env, timeout: 5_000 });
    const configDir = unitPath
      .trim()
      .split(/\s+/)
      .find((p) => p.endsWith('/systemd/user') && !/^\/(etc|usr|lib|run)\//.test(p) && !p.includes('/systemd/user.control'));
    if (!configDir) return undefined;
    const configHome = dirname(dirname(configDir));
    const runtimeDir = process.env.XDG_RUNTIME_DIR ?? busAddress.match(/^unix:path=(.*)\/bus$/)?.[1];
    if (!runtimeDir) return undefined;
    console.log(`[bg harness] reusing the running user manager on ${busAddress} (units in ${configDir})`);
    return { runtimeDir, configHome, busAddress, unitDir: configDir, tmpRoot };
  } catch {
    return undefined;
  }
}

async function startPrivateManager(tmpRoot: string): Promise<Sandbox> {
  try {
    await run('bash', [SCRIPT, 'start', tmpRoot], { timeout: 30_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(
      `Integration tests need a systemd user manager and none could be started.\n` +
        `scripts/user-manager.sh start ${tmpRoot} failed:\n${e.stderr || e.message}\n` +
        `Needs: root (or unprivileged user namespaces), systemd and dbus-user-session installed.`,
    );
  }
  const managerPid = Number((await readFile(join(tmpRoot, 'manager.pid'), 'utf8')).trim());
  const runtimeDir = join(tmpRoot, 'runtime');
  const configHome = join(tmpRoot, 'config');
  return {
    runtimeDir,
    configHome,
    busAddress: `unix:path=${runtimeDir}/bus`,
    unitDir: join(configHome, 'systemd', 'user'),
    tmpRoot,
    managerPid,
  };
}
