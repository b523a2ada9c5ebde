import { afterAll, describe, expect, it } from 'vitest';
import { runShell } from '../../src/adapters/shell.js';

const me = { uid: process.getuid!(), gid: process.getgid!() };
process.env.BG_TEST_ROOT_ONLY_TOKEN = 'root-only';
afterAll(() => delete process.env.BG_TEST_ROOT_ONLY_TOKEN);

// $6 of /proc/<pid>/stat is the session: a process that leads its own has no terminal of bg's
const probe =
  't=unset; [ -z "$BG_TEST_ROOT_ONLY_TOKEN" ] || t=$BG_TEST_ROOT_ONLY_TOKEN; echo "token=$t given=$GIVEN path=$PATH"; set -- $(cat /proc/$$/stat); [ "$6" = "$$" ] && echo own-session || echo bg-session';

describe('runShell', () => {
  it("as another user (manage.py as the app's): none of bg's environment, and a session of its own", async () => {
    const r = await runShell(probe, { cwd: '/', env: { GIVEN: 'yes' }, ...me });
    expect(r.exitCode).toBe(0);
    expect(r.output).toContain('token=unset given=yes path=/usr/local/sbin:');
    expect(r.output).toContain('own-session');
  });

  it("as bg's own user (the operator's hooks): bg's environment, in bg's session", async () => {
    const r = await runShell(probe, { cwd: '/', env: { GIVEN: 'yes' } });
    expect(r.output).toContain('token=root-only given=yes');
    expect(r.output).toContain('bg-session');
  });
});
