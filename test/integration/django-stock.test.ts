import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Postgres } from '../harness/postgres.js';
import { type DjangoScene, makeDjangoScene } from '../support/django-scene.js';
import { startLoop } from '../support/load-loop.js';
import { startPostLoop } from '../support/post-loop.js';
import type { Scene } from '../support/scene.js';

// A stock `startproject` project (test/fixtures/django-stock: admin, auth, contenttypes, sessions,
// messages, staticfiles, plus polls) taken from an empty database through setup, a deploy that adds
// a nullable field, and a rollback, with reads and form posts (CSRF, inserts) running throughout;
// once on SQLite in the app's data dir, once on a PostgreSQL cluster of this run.
for (const db of ['sqlite', 'postgresql'] as const) {
  describe(`stock Django project on ${db}: setup on an empty database, deploy, rollback`, () => {
    const sb = inject('sandbox');
    let s: Scene;
    let pg: Postgres | undefined;
    let d: DjangoScene;

    beforeAll(async () => {
      d = await makeDjangoScene(sb, db, { versions: ['v2'] });
      ({ scene: s, pg } = d);
    });
    afterAll(async () => {
      await d?.close();
    });

    const columns = () => d.columns();

    it('the first setup applies every contrib migration (contenttypes 0002, auth 0011 included) and serves v1, no request failing', async () => {
      const loop = startLoop(s.url('/'), { concurrency: 2, maxMs: 120_000 });
      const r = await s.bg(['setup']);
      const res = await loop.stop();
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toMatch(/old version|still serving|--allow-destructive/);
      expect(res.failed, res.failures.join('\n')).toBe(0);
      console.log(`[django-stock ${db}] setup: ${res.sent} requests, ${res.failed} failed`);
      const setup = s.journal().at(-1) as { command: string; result: string; migrations: string[] };
      expect(setup).toMatchObject({ command: 'setup', result: 'ok' });
      expect(setup.migrations).toEqual(
        expect.arrayContaining([
          'contenttypes.0002_remove_content_type_name',
          'auth.0011_update_proxy_permissions',
          'polls.0001_initial',
          'sessions.0001_initial',
        ]),
      );
      expect(await s.get('/')).toEqual({ status: 200, body: 'v1 questions=0' });
      // the contrib apps work: the admin's login page, its static files collected by the build and served by Caddy
      expect((await s.get('/admin/login/')).status).toBe(200);
      expect((await s.get('/static/admin/css/base.css')).status).toBe(200);
      if (!pg) expect(existsSync(`${s.dir}/srv/shared/db.sqlite3`)).toBe(true);
      expect(await columns()).toEqual(['id', 'pub_date', 'question_text']);
    });

    it('deploy v2 (a nullable field) under reads and form posts: no failed request, the journal names the migration', async () => {
      const reads = startLoop(s.url('/'), { concurrency: 2, maxMs: 120_000 });
      const posts = startPostLoop(s.url('/ask/'), { csrf: true });
      const r = await s.bg(['deploy', 'v2']);
      const [read, posted] = [await reads.stop(), await posts.stop()];
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(read.failed, read.failures.join('\n')).toBe(0);
      expect(posted.failed, posted.failures.join('\n')).toBe(0);
      expect(posted.ok).toBeGreaterThan(5);
      console.log(`[django-stock ${db}] deploy v2: ${read.sent} reads, ${posted.sent} posts, ${read.failed + posted.failed} failed`);
      expect((await s.get('/')).body).toMatch(/^v2 questions=\d+$/);
      expect(s.journal().at(-1)).toMatchObject({ command: 'deploy', ref: 'v2', result: 'ok', migrations: ['polls.0002_question_note'] });
      expect(await columns()).toEqual(['id', 'note', 'pub_date', 'question_text']);
    });

    it('rollback to v1 under reads and form posts: the nullable field stays applied, no failed request', async () => {
      const reads = startLoop(s.url('/'), { concurrency: 2, maxMs: 120_000 });
      const posts = startPostLoop(s.url('/ask/'), { csrf: true });
      const r = await s.bg(['rollback']);
      const [read, posted] = [await reads.stop(), await posts.stop()];
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(read.failed, read.failures.join('\n')).toBe(0);
      expect(posted.failed, posted.failures.join('\n')).toBe(0);
      expect(posted.ok).toBeGreaterThan(0);
      console.log(`[django-stock ${db}] rollback: ${read.sent} reads, ${posted.sent} posts, ${read.failed + posted.failed} failed`);
      expect(r.stdout + r.stderr).toContain('polls.0002_question_note stay applied');
      expect((await s.get('/')).body).toMatch(/^v1 questions=\d+$/);
      expect(await columns()).toEqual(['id', 'note', 'pub_date', 'question_text']);
    });
  });
}
