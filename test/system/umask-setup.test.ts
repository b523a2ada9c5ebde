import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Container, startContainer } from '../harness/container.js';
import { makeApp } from './app-host.js';

// Root with umask 077, a root and a state_dir that do not exist yet: the directories bg makes get
// their own modes (parents 0755, the state dir 0700), so the app's user can reach its release.
describe('setup under a strict umask', () => {
  let c: Container;
  beforeAll(async () => {
    c = await startContainer();
  });
  afterAll(async () => c?.stop());

  it('makes new parents 0755 and the state dir 0700, and the app starts', async () => {
    const app = await makeApp(c, 'strict', { blue: 8001, green: 8002, site: 8080 }, 'state_dir: /srv/fresh/strict/state\n');
    await c.ok(`sed -i 's|^root: .*|root: /srv/fresh/strict/app|' ${app.config}`);
    const r = await app.bg('setup', 'umask 077;');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await c.ok('stat -c "%n %a" /srv/fresh /srv/fresh/strict /srv/fresh/strict/app /srv/fresh/strict/state')).toBe(
      '/srv/fresh 755\n/srv/fresh/strict 755\n/srv/fresh/strict/app 755\n/srv/fresh/strict/state 700\n',
    );
    expect(await app.get()).toBe('v1');
  });
});
