import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type DjangoScene, makeDjangoScene } from '../support/django-scene.js';
import { startLoop } from '../support/load-loop.js';
import { startPostLoop } from '../support/post-loop.js';
import type { Scene } from '../support/scene.js';

// The migration guard on a stock `startproject` project (test/fixtures/django-stock-*), judged by
// what the serving release's models map: v2 adds a nullable note; v3 is the code step (its models no
// longer map note, no migration); v4 the contract step (RemoveField note); v5 adds votes as
// IntegerField(default=1): NOT NULL with no database default; v6 adds it nullable instead; v7 a
// RunPython; v8 a nullable field and a web that cannot start; v9 the code step for a unique
// question_text (its models declare unique=True, its view stores a text once) plus a nullable decimal
// score; v10 the contract step (an UPDATE renaming duplicates, then unique=True); v11 narrows score.
// Reads and form posts (inserts) run through every deploy; once on SQLite, once on a PostgreSQL
// cluster of this run.
for (const db of ['sqlite', 'postgresql'] as const) {
  describe(`migration guard, stock Django on ${db}: code step, contract step, NOT NULL add, nullable add, RunPython, unique, decimal`, () => {
    const sb = inject('sandbox');
    let s: Scene;
    let d: DjangoScene;

    beforeAll(async () => {
      d = await makeDjangoScene(sb, db, { versions: ['v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9', 'v10', 'v11'] });
      s = d.scene;
      const setup = await s.bg(['setup']);
      expect(setup.code, setup.stderr).toBe(0);
      const v2 = await s.bg(['deploy', 'v2']);
      expect(v2.code, v2.stderr).toBe(0);
    });
    afterAll(async () => {
      await d?.close();
    });

    const columns = () => d.columns();

    /** `bg args` with reads and form posts (inserts) running: none of them may fail. */
    async function underLoad(args: string[]) {
      const reads = startLoop(s.url('/'), { concurrency: 2, maxMs: 120_000 });
      const posts = startPostLoop(s.url('/ask/'), { csrf: true });
      const r = await s.bg(args);
      const [read, posted] = [await reads.stop(), await posts.stop()];
      expect(read.failed, read.failures.join('\n')).toBe(0);
      expect(posted.failed, posted.failures.join('\n')).toBe(0);
      console.log(`[django-guard ${db}] ${args.join(' ')}: exit ${r.code}, ${read.sent} reads, ${posted.sent} posts, 0 failed`);
      return { ...r, out: r.stdout + r.stderr };
    }

    it('the contract step while v2 (which maps note) serves is refused, naming the migration, the field and the code step', async () => {
      const r = await s.bg(['deploy', 'v4']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('polls.0003_remove_question_note: Remove field note from question (polls_question.note)');
      expect(r.stderr).toContain('the serving code reads and writes');
      expect(r.stderr).toMatch(/code step first/);
      expect(r.stderr).toContain('--allow-destructive');
      expect(await columns()).toEqual(['id', 'note', 'pub_date', 'question_text']);
    });

    it('the code step (v3: note no longer mapped), then the contract step (v4) passes without --allow-destructive, no request failing', async () => {
      const code = await underLoad(['deploy', 'v3']);
      expect(code.code, code.out).toBe(0);
      const contract = await underLoad(['deploy', 'v4']);
      expect(contract.code, contract.out).toBe(0);
      expect(s.journal().at(-1)).toMatchObject({ ref: 'v4', result: 'ok', migrations: ['polls.0003_remove_question_note'] });
      expect(await columns()).toEqual(['id', 'pub_date', 'question_text']);
      expect((await s.get('/')).body).toMatch(/^v4 questions=\d+$/);
    });

    it('a NOT NULL column with no database default (IntegerField(default=1)) is refused before anything changes, no request failing', async () => {
      const r = await underLoad(['deploy', 'v5']);
      expect(r.code, r.out).toBe(2);
      expect(r.stderr).toContain('polls.0004_question_votes: Add field votes to question (polls_question.votes)');
      expect(r.stderr).toMatch(/NOT NULL with no database default/);
      expect(r.stderr).toMatch(/nullable first/);
      expect(r.stderr).toContain('the database is untouched');
      expect(await columns()).toEqual(['id', 'pub_date', 'question_text']);
      expect((await s.get('/')).body).toMatch(/^v4 questions=\d+$/);
    });

    it('the same field nullable (v6) goes out, no request failing', async () => {
      const r = await underLoad(['deploy', 'v6']);
      expect(r.code, r.out).toBe(0);
      expect(await columns()).toEqual(['id', 'pub_date', 'question_text', 'votes']);
    });

    it('a RunPython is not refused: listed as "bg cannot check this" in the output and the journal', async () => {
      const r = await underLoad(['deploy', 'v7']);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain('bg cannot check this: polls.0005_count_votes');
      expect(s.journal().at(-1)).toMatchObject({ ref: 'v7', result: 'ok', unchecked: ['polls.0005_count_votes'] });
    });

    it('a deploy that fails after its release commands ran says they were not undone, and history keeps it', async () => {
      const r = await underLoad(['deploy', 'v8']);
      expect(r.code, r.out).toBe(1);
      expect(r.stderr).toContain('old version still serving');
      expect(r.stderr).toContain('release commands ran and were not undone: /usr/bin/python3 manage.py migrate --noinput');
      expect(r.stderr).toContain('Migrations applied: polls.0006_question_topic');
      expect(s.journal().at(-1)).toMatchObject({
        ref: 'v8',
        result: 'rolled-back',
        migrations: ['polls.0006_question_topic'],
        notUndone: ['/usr/bin/python3 manage.py migrate --noinput'],
      });
      expect((await s.bg(['history'])).stdout).toContain('release commands ran and were not undone');
      expect((await s.get('/')).body).toMatch(/^v7 questions=\d+$/);
    });

    // a second row with an existing question_text: refused by the database once the column is unique
    const insertDuplicate = () =>
      d.sql('insert into polls_question (question_text, pub_date) select question_text, pub_date from polls_question limit 1');

    it('making question_text unique while v7 (which can insert duplicates) serves is refused: exit 2, nothing changed, v7 serves', async () => {
      const before = await d.applied();
      const r = await underLoad(['deploy', 'v10']);
      expect(r.code, r.out).toBe(2);
      expect(r.stderr).toContain(
        'polls.0009_alter_question_question_text: Alter field question_text on question (polls_question.question_text): it makes question_text unique',
      );
      expect(r.stderr).toContain('can insert duplicates');
      expect(r.stderr).toMatch(/unique after code that keeps it unique serves/);
      expect(r.stderr).toContain('--allow-destructive');
      expect(r.stderr).toContain('the database is untouched');
      expect(await d.applied()).toEqual(before);
      expect((await s.get('/')).body).toMatch(/^v7 questions=\d+$/);
    });

    it('the code step (v9: unique declared, a text stored once, a nullable decimal), then v10 renames duplicates and makes it unique, no request failing', async () => {
      const code = await underLoad(['deploy', 'v9']);
      expect(code.code, code.out).toBe(0);
      expect(await columns()).toEqual(['id', 'pub_date', 'question_text', 'score', 'topic', 'votes']);
      const contract = await underLoad(['deploy', 'v10']);
      expect(contract.code, contract.out).toBe(0);
      expect(contract.out).toContain('bg cannot check this: polls.0008_dedupe_question_text');
      expect(s.journal().at(-1)).toMatchObject({
        ref: 'v10',
        result: 'ok',
        migrations: ['polls.0008_dedupe_question_text', 'polls.0009_alter_question_question_text'],
        unchecked: ['polls.0008_dedupe_question_text'],
      });
      await expect(insertDuplicate()).rejects.toThrow(/unique|duplicate/i);
      expect((await s.get('/')).body).toMatch(/^v10 questions=\d+$/);
    });

    it('narrowing the decimal score v10 writes (6 digits, 2 places, to 4 and 1) is refused: exit 2, nothing changed, v10 serves', async () => {
      const before = await d.applied();
      const r = await underLoad(['deploy', 'v11']);
      expect(r.code, r.out).toBe(2);
      expect(r.stderr).toContain(
        'polls.0010_alter_question_score: Alter field score on question (polls_question.score): it narrows score from 6 digits (2 decimal places) to 4 (1)',
      );
      expect(r.stderr).toMatch(/code step first/);
      expect(r.stderr).toContain('the database is untouched');
      expect(await d.applied()).toEqual(before);
      expect((await s.get('/')).body).toMatch(/^v10 questions=\d+$/);
    });
  });
}
