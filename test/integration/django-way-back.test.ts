import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type DjangoScene, makeDjangoScene } from '../support/django-scene.js';
import type { Scene } from '../support/scene.js';
import { failedOf, type StatusLoopResult, startStatusLoop } from '../support/status-loop.js';

// Every way back on a stock `startproject` project (test/fixtures/django-stock and its versions),
// with reads and form posts (inserts) running through Caddy the whole time:
//   v2 adds a nullable `note`; wb3 removes it (the contract step); wb4 adds a NOT NULL `code` with no
//   database default; wb5 removes it, so re-adding it to a table with rows cannot work.
// (wb3 comes back once more by a rollback --migrate-back with nothing to reverse, before wb4.)
// A destructive deploy opens a maintenance window (503 with Retry-After) right before `release`; a
// way back the older code cannot run on is refused, and with --migrate-back it is rehearsed, then run
// in the same window. No request is answered with a 500; a 503 comes only from maintenance.
for (const db of ['sqlite', 'postgresql'] as const) {
  describe(`every way back, stock Django on ${db}`, () => {
    const sb = inject('sandbox');
    let s: Scene;
    let d: DjangoScene;

    beforeAll(async () => {
      d = await makeDjangoScene(sb, db, { versions: ['v2', 'wb3', 'wb4', 'wb5'] });
      s = d.scene;
      for (const args of [['setup'], ['deploy', 'v2']]) {
        const r = await s.bg(args);
        expect(r.code, r.stdout + r.stderr).toBe(0);
      }
    });
    afterAll(async () => {
      await d?.close();
    });

    const columns = () => d.columns();
    const applied = () => d.applied();

    /** `bg <args>` under reads and inserts: the run, and what the load saw. */
    async function underLoad(args: string[]): Promise<{ code: number; out: string; load: StatusLoopResult }> {
      const loop = startStatusLoop(s.url(''));
      const r = await s.bg(args);
      const load = await loop.stop();
      // how long Caddy answered 503: the steps from maintenance-on to maintenance-off, as journaled
      // (a window found not needed journals its steps with 0 ms: no window)
      const steps = (s.journal().at(-1) as { steps?: { name: string; ms: number }[] }).steps ?? [];
      const [on, off] = [steps.findIndex((x) => x.name === 'maintenance-on'), steps.findIndex((x) => x.name === 'maintenance-off')];
      const opened = on >= 0 && off > on && steps[on]!.ms > 0;
      const window = opened ? `, 503 window ${steps.slice(on, off + 1).reduce((t, x) => t + x.ms, 0)} ms` : '';
      console.log(`[way back ${db}] bg ${args.join(' ')}: exit ${r.code}, ${JSON.stringify(load.statuses)}${window}`);
      expect(failedOf(load), load.failures.join('\n')).toBe(0);
      expect(load.statuses['500'] ?? 0).toBe(0);
      return { code: r.code, out: r.stdout + r.stderr, load };
    }

    it('deploy wb3 --allow-destructive --maintenance (the contract step): no 500, 503 only from maintenance, which comes off', async () => {
      const r = await underLoad(['deploy', 'wb3', '--allow-destructive', '--maintenance']);
      expect(r.code, r.out).toBe(0);
      expect(r.load.ok).toBeGreaterThan(0);
      expect(await columns()).toEqual(['id', 'pub_date', 'question_text']);
      expect((await s.get('/')).body).toMatch(/^wb3 questions=\d+$/);
      const steps = (s.journal().at(-1) as { steps: { name: string }[] }).steps.map((x) => x.name);
      const at = (prefix: string) => steps.findIndex((n) => n.startsWith(prefix));
      expect(at('maintenance-on')).toBeGreaterThan(at('migration-plan-'));
      expect(at('release-')).toBeGreaterThan(at('maintenance-on'));
      expect(at('maintenance-off')).toBe(at('switch-to-') + 1);
    });

    it('rollback onto the contracted schema is refused (exit 2), then --migrate-back rehearses, reverses and serves v2 with no 500', async () => {
      const before = await applied();
      const refused = await underLoad(['rollback']);
      expect(refused.code, refused.out).toBe(2);
      expect(refused.out).toContain('polls.0003_remove_question_note');
      expect(refused.out).toContain('--migrate-back');
      expect(await applied()).toEqual(before);
      expect((await s.get('/')).body).toMatch(/^wb3 questions=\d+$/);

      const r = await underLoad(['rollback', '--migrate-back']);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/does not come back/);
      expect(r.out).toContain(db === 'sqlite' ? 'rehearsed on a copy of the database' : 'rehearsed in a transaction rolled back');
      expect(await columns()).toEqual(['id', 'note', 'pub_date', 'question_text']);
      expect(await applied()).toEqual(['0001_initial', '0002_question_note']);
      expect((await s.get('/')).body).toMatch(/^v2 questions=\d+$/);
    });

    it('rollback --migrate-back to a release that knows every applied migration (wb3): a plain rollback, with no 503 at all', async () => {
      const r = await underLoad(['rollback', '--migrate-back']);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain('nothing to migrate back: no maintenance window');
      expect(r.out).toMatch(/maintenance-on .*not needed: nothing to migrate back/);
      expect(r.load.maintenance).toBe(0);
      expect(await applied()).toEqual(['0001_initial', '0002_question_note']);
      expect((await s.get('/')).body).toMatch(/^wb3 questions=\d+$/);
    });

    it('deploy of an older ref (v2) after a contract: refused with --migrate-back as the way on, then passes with it, no 500', async () => {
      const up = await underLoad(['deploy', 'wb4', '--allow-destructive', '--maintenance']);
      expect(up.code, up.out).toBe(0);
      expect(await applied()).toEqual(['0001_initial', '0002_question_note', '0003_remove_question_note', '0004_question_code']);

      const refused = await underLoad(['deploy', 'v2']);
      expect(refused.code, refused.out).toBe(2);
      expect(refused.out).toContain('polls.0003_remove_question_note');
      expect(refused.out).toContain('--migrate-back');
      expect(refused.out).toContain('the database is untouched');
      expect((await s.get('/')).body).toMatch(/^wb4 questions=\d+$/);
      expect((await applied()).length).toBe(4);

      const r = await underLoad(['deploy', 'v2', '--migrate-back']);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/does not come back/);
      expect(await applied()).toEqual(['0001_initial', '0002_question_note']);
      expect(await columns()).toEqual(['id', 'note', 'pub_date', 'question_text']);
      expect((await s.get('/')).body).toMatch(/^v2 questions=\d+$/);
    });

    it("rollback --migrate-back whose reversal cannot work (a NOT NULL column without default back into a table with rows): refused up front with the database's error, nothing changed", async () => {
      const up = await underLoad(['deploy', 'wb5', '--allow-destructive', '--maintenance']);
      expect(up.code, up.out).toBe(0);
      const [before, cols] = [await applied(), await columns()];
      expect(cols).toEqual(['id', 'pub_date', 'question_text']);

      const r = await underLoad(['rollback', '--migrate-back']);
      expect(r.code, r.out).toBe(2);
      expect(r.out).toContain('fails when rehearsed');
      expect(r.out).toMatch(/IntegrityError|NotNullViolation|null value/);
      expect(r.out).toContain('the database is untouched');
      expect(r.load.maintenance).toBe(0); // refused before the window opened
      expect(await applied()).toEqual(before);
      expect(await columns()).toEqual(cols);
      expect((await s.get('/')).body).toMatch(/^wb5 questions=\d+$/);
    });
  });
}
