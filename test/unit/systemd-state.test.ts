// How unit names become systemd's D-Bus object paths (bus_label_escape); the integration test
// systemd.test.ts checks the same names against the paths a real manager hands out.
import { describe, expect, it } from 'vitest';
import { unitObjectPath } from '../../src/adapters/systemd-state.js';

describe('unitObjectPath', () => {
  it('escapes every byte outside [A-Za-z0-9] as _xx', () => {
    expect(unitObjectPath('bg-web@blue.service')).toBe('/org/freedesktop/systemd1/unit/bg_2dweb_40blue_2eservice');
    expect(unitObjectPath('a.b-c_d@x\\y.service')).toBe('/org/freedesktop/systemd1/unit/a_2eb_2dc_5fd_40x_5cy_2eservice');
  });

  it('escapes a leading digit, and only a leading one', () => {
    expect(unitObjectPath('9x.service')).toBe('/org/freedesktop/systemd1/unit/_39x_2eservice');
    expect(unitObjectPath('0.service')).toBe('/org/freedesktop/systemd1/unit/_30_2eservice');
    expect(unitObjectPath('x9.service')).toBe('/org/freedesktop/systemd1/unit/x9_2eservice');
  });

  it('escapes multi-byte UTF-8 byte by byte, and names the empty label _', () => {
    expect(unitObjectPath('é.service')).toBe('/org/freedesktop/systemd1/unit/_c3_a9_2eservice');
    expect(unitObjectPath('')).toBe('/org/freedesktop/systemd1/unit/_');
  });
});
