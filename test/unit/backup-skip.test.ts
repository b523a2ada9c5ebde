import { describe, expect, it } from 'vitest';
import type { ActionContext } from '../../src/execute/context.js';
import { perform } from '../../src/steps/actions.js';
import { FakeHost } from '../support/fake-host.js';
import { sampleConfig } from '../support/sample-config.js';

// The copy before `release` is for the schema the release commands change: with a plan step that
// found nothing to migrate, it would only push an older, useful copy out of keep_backups.
describe('backup-db before release', () => {
  const action = { kind: 'backup-db', release: 'r2', name: 'r2', before: 'release', onlyMigrates: true } as const;
  const ctxOf = (over: Partial<ActionContext>) => {
    const host = new FakeHost({ upstreamFile: '/etc/caddy/upstream.txt' });
    return { host, ctx: { cfg: sampleConfig(), host, note: () => {}, keep: () => {}, ...over } as ActionContext };
  };

  it('takes no copy when the plan step found nothing to migrate, and says so', async () => {
    const { host, ctx } = ctxOf({ planned: [] });
    const r = await perform(action, ctx);
    expect(r.detail).toBe('no copy: the plan step found nothing to migrate');
    expect(host.calls.filter((c) => c.includes('backup'))).toEqual([]);
  });

  it('copies when migrations are pending, when a way back will reverse some, when no plan step ran, and when release does more than migrate', async () => {
    const cases: [Partial<ActionContext>, object][] = [
      [{ planned: ['polls.0002'] }, action],
      [{ planned: [], reversal: true }, action],
      [{}, action],
      [{ planned: [] }, { ...action, onlyMigrates: undefined }],
    ];
    for (const [over, act] of cases) {
      const { host, ctx } = ctxOf(over);
      await perform(act as typeof action, ctx).catch(() => undefined); // the fake host has no Python: only that it tried matters
      expect(
        host.calls.some((c) => c.includes('backup')),
        JSON.stringify(over),
      ).toBe(true);
    }
  });
});
