import { execFileSync } from 'node:child_process';
import { request } from 'undici';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonEvent } from '../support/json-events.js';
import { startLoop } from '../support/load-loop.js';
import { useScene } from '../support/scene.js';
import { failedOf, startStatusLoop } from '../support/status-loop.js';

// A Django project (Debian's python3-django, SQLite in shared/): migrations run once per deploy
// (release), and a migration the serving version cannot live with is refused before anything
// changes what serves, unless allowed.
describe('Django: migrations across blue/green', () => {
  const s = useScene({
    django: true,
    release: ['/usr/bin/python3 manage.py migrate --noinput'],
    extraYaml: 'django:\n  manage: manage.py\n',
  });
  beforeAll(async () => {
    const r = await s.bg(['setup']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('setup migrated the database and serves v1', async () => {
    expect(await s.get('/')).toEqual({ status: 200, body: 'v1 questions=0' });
    expect(s.journal().at(-1)).toMatchObject({ command: 'setup', result: 'ok', migrations: ['polls.0001_initial'] });
  });

  /** Form posts with Django's CSRF check: a GET for the token and cookie, then the POST with both. */
  function postLoop() {
    let stop = false;
    const result = { sent: 0, failed: 0, failures: [] as string[] };
    const worker = async () => {
      while (!stop) {
        result.sent++;
        try {
          const form = await request(s.url('/vote/'), { reset: true });
          const token = await form.body.text();
          const cookie = String(form.headers['set-cookie'] ?? '').split(';')[0];
          const r = await request(s.url('/vote/'), {
            method: 'POST',
            reset: true,
            headers: { cookie, 'x-csrftoken': token, 'content-type': 'application/x-www-form-urlencoded' },
            body: 'text=hi',
          });
          const body = await r.body.text();
          if (r.statusCode !== 200) {
            result.failed++;
            if (result.failures.length < 10) result.failures.push(`${r.statusCode} ${body.slice(0, 80)}`);
          }
        } catch (e) {
          result.failed++;
          if (result.failures.length < 10) result.failures.push((e as Error).message);
        }
      }
    };
    const workers = [worker(), worker()];
    return {
      stop: async () => {
        stop = true;
        await Promise.all(workers);
        return result;
      },
    };
  }

  it('v2 adds a nullable field: deployed under load (form posts with CSRF included), the journal names the migration', async () => {
    const loop = startLoop(s.url('/'), { concurrency: 3, maxMs: 60_000 });
    const posts = postLoop();
    const r = await s.bg(['deploy', 'v2']);
    const res = await loop.stop();
    const posted = await posts.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(res.failed, res.failures.join('\n')).toBe(0);
    expect(posted.failed, posted.failures.join('\n')).toBe(0);
    expect(posted.sent).toBeGreaterThan(5);
    expect((await s.get('/')).body).toMatch(/^v2 questions=\d+$/);
    expect(s.journal().at(-1)).toMatchObject({ command: 'deploy', ref: 'v2', result: 'ok', migrations: ['polls.0002_question_note'] });
  });

  it('v3 removes it while v2 serves: refused with exit 2 before anything changes, naming the operation and the two-step way', async () => {
    const r = await s.bg(['deploy', 'v3']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('polls.0003_remove_question_note: Remove field note from question');
    expect(r.stderr).toContain('--allow-destructive');
    expect(r.stderr).toMatch(/expand/);
    expect(r.stderr).toContain('the database is untouched');
    expect((await s.get('/')).body).toMatch(/^v2 questions=\d+$/);
  });

  it('with --allow-destructive (under maintenance) it goes out', async () => {
    expect((await s.bg(['maintenance', 'on'])).code).toBe(0);
    const r = await s.bg(['deploy', 'v3', '--allow-destructive']);
    expect(r.code, r.stderr).toBe(0);
    expect((await s.bg(['maintenance', 'off'])).code).toBe(0);
    expect((await s.get('/')).body).toMatch(/^v3 questions=\d+$/);
    expect(
      s
        .journal()
        .filter((e) => e.command === 'deploy')
        .at(-1),
    ).toMatchObject({ ref: 'v3', result: 'ok', migrations: ['polls.0003_remove_question_note'] });
  });

  const columns = () =>
    execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        'import sqlite3,sys; print(" ".join(r[1] for r in sqlite3.connect(sys.argv[1]).execute("pragma table_info(polls_question)")))',
        `${s.dir}/srv/shared/db.sqlite3`,
      ],
      {
        encoding: 'utf8',
      },
    ).trim();

  it('rollback to v2 is refused while v2 could not use the schema v3 left (exit 2), and says how', async () => {
    expect(columns().split(' ').sort()).toEqual(['id', 'text']);
    const r = await s.bg(['rollback']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('polls.0003_remove_question_note');
    expect(r.stderr).toContain('--migrate-back');
    expect((await s.get('/')).body).toMatch(/^v3 questions=\d+$/);
  });

  it('rollback --migrate-back: v3’s migration is reversed with v3’s files behind maintenance, then v2 serves; no failed request (503 only from maintenance)', async () => {
    const loop = startStatusLoop(s.url(''), { form: '/vote/', maxMs: 60_000 });
    const r = await s.bg(['rollback', '--migrate-back']);
    const res = await loop.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(failedOf(res), res.failures.join('\n')).toBe(0);
    expect(res.statuses['500'] ?? 0).toBe(0);
    expect((await s.get('/')).body).toMatch(/^v2 questions=\d+$/);
    expect(columns().split(' ').sort()).toEqual(['id', 'note', 'text']);
  });

  it('a rollback over migrations that only added things goes ahead and says they stay applied', async () => {
    // v2 serves, v3 is the idle color's: deploy v2 again is not needed; go back to v1 with --to
    const v1 = (
      jsonEvent((await s.bg(['releases', '--json'])).stdout, 'releases').releases as { id: string; ref: string | null; status: string }[]
    ).find((x) => x.ref === 'main' && x.status === 'built')!;
    const r = await s.bg(['--json', 'rollback', '--to', v1.id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('polls.0002_question_note stay applied');
    expect((await s.get('/')).body).toMatch(/^v1 questions=\d+$/);
  });
});
