import { describe, expect, it } from 'vitest';
import { releaseRows } from '../../src/cli/commands/releases.js';
import type { ReleaseRecord } from '../../src/host/host-state.js';
import { hostState, NOT_SET_UP } from '../support/host-state.js';

// `bg releases` without a host: each release on disk, which colors point at it, which one is live.
const record = (id: string, over: Partial<ReleaseRecord> = {}): ReleaseRecord => ({
  id,
  commit: `${id}`.padEnd(40, '0'),
  ref: 'main',
  createdAt: '2026-12-01T10:00:00Z',
  status: 'built',
  ...over,
});
const releases = [
  record('r3', { status: 'failed', ref: 'broken' }),
  record('r2'),
  record('r1', { status: 'adopted', commit: undefined, ref: undefined, createdAt: undefined }),
];

describe('releaseRows', () => {
  it('newest first as observed; the colors that point at each, and the live one', () => {
    const h = hostState({
      active: 'green',
      releases,
      colors: { blue: { linked: true, release: 'r1' }, green: { linked: true, release: 'r2' } },
    });
    expect(releaseRows(h)).toEqual([
      { id: 'r3', commit: 'r3'.padEnd(40, '0'), ref: 'broken', builtAt: '2026-12-01T10:00:00Z', status: 'failed', colors: [], live: false },
      {
        id: 'r2',
        commit: 'r2'.padEnd(40, '0'),
        ref: 'main',
        builtAt: '2026-12-01T10:00:00Z',
        status: 'built',
        colors: ['green'],
        live: true,
      },
      { id: 'r1', commit: null, ref: null, builtAt: null, status: 'adopted', colors: ['blue'], live: false },
    ]);
  });

  it('both colors on one release (after a restart): listed once, with both', () => {
    const h = hostState({
      releases: [record('r1')],
      colors: { blue: { linked: true, release: 'r1' }, green: { linked: true, release: 'r1' } },
    });
    expect(releaseRows(h)).toMatchObject([{ id: 'r1', colors: ['blue', 'green'], live: true }]);
  });

  it('not set up: nothing is live; releases not looked at: no rows', () => {
    expect(
      releaseRows(hostState({ ...NOT_SET_UP, releases, colors: { blue: { linked: true, release: 'r2' }, green: { linked: true } } })).some(
        (r) => r.live,
      ),
    ).toBe(false);
    expect(releaseRows(hostState({ releases: undefined }))).toEqual([]);
  });
});
