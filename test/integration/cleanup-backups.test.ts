import { appendFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeScene, type Scene } from '../support/scene.js';

// `bluegreen cleanup` applies keep_backups to <root>/backups as a deploy does: an operator who lowers
// keep_backups (or whose deploys failed after their copy, so no deploy pruned) gets the older copies
// removed, with their notes, by cleanup; --dry-run names them and removes nothing.
describe('cleanup prunes database copies beyond keep_backups', () => {
  const sb = inject('sandbox');
  let s: Scene;
  const backups = () => `${s.dir}/srv/backups`;
  const copies = () =>
    readdirSync(backups())
      .filter((f) => f.endsWith('.sqlite3'))
      .sort();

  beforeAll(async () => {
    s = await makeScene(sb, {
      project: { name: 'django-stock', versions: ['v2', 'v3', 'v4'], wsgi: 'mysite.wsgi:application' },
      release: ['/usr/bin/python3 manage.py migrate --noinput'],
      extraYaml: 'django:\n  manage: manage.py\n',
      env: ({ shared }) => [`SQLITE_PATH=${shared}/db.sqlite3`],
    });
  });
  afterAll(async () => s?.close());

  it('three copies from setup and the two deploys that migrate (none from the code step between them); keep_backups lowered to 1: --dry-run lists the two older ones, cleanup removes them and their notes', async () => {
    for (const args of [['setup'], ['deploy', 'v2'], ['deploy', 'v3'], ['deploy', 'v4']]) {
      const r = await s.bg(args);
      expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
      // v3, the code step, migrates nothing: a copy would push a useful one out of keep_backups
      if (args[1] === 'v3') expect(r.stderr).toContain('no copy: the plan step found nothing to migrate');
    }
    const all = copies();
    expect(all.length).toBe(3);
    const [oldest, middle, newest] = all;

    appendFileSync(s.configPath, 'keep_backups: 1\n');
    const dry = await s.bg(['cleanup', '--dry-run']);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`remove the database copies beyond keep_backups, with their notes: backups/${oldest}, backups/${middle}`);
    expect(dry.stdout).not.toContain(`backups/${newest}`);
    expect(copies()).toEqual(all);

    const r = await s.bg(['cleanup']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`prune-backups (removed ${oldest}, ${middle})`);
    expect(copies()).toEqual([newest]);
    expect(readdirSync(backups()).sort()).toEqual([newest, newest.replace(/\.sqlite3$/, '.json')].sort());

    // nothing beyond keep_backups: no prune step
    const again = await s.bg(['cleanup']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).not.toContain('prune-backups');
    expect(copies()).toEqual([newest]);
  });
});
