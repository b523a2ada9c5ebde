import { describe, expect, it } from 'vitest';
import { transientProps } from '../../src/adapters/transient.js';

const run = {
  unit: 'shop-build-1-1.service',
  command: 'make',
  cwd: '/srv/shop/releases/1',
  env: {},
  cpuWeight: 20,
  logFile: '/var/lib/bg/shop/build-1.log.1',
};
const props = (r: Parameters<typeof transientProps>[0]) => Object.fromEntries(transientProps(r).map(([k, v]) => [k, v.value]));

describe("a build command's transient unit", () => {
  it("as the app's user: no privilege gained through a setuid or setgid program, none made", () => {
    const p = props({ ...run, user: 'shop' });
    expect(p.User).toBe('shop');
    expect(p.NoNewPrivileges).toBe(true);
    expect(p.RestrictSUIDSGID).toBe(true);
  });

  it('as root (the venv): no User=, and nothing else changes', () => {
    const p = props(run);
    expect(p.User).toBeUndefined();
    expect(p.NoNewPrivileges).toBeUndefined();
  });
});
