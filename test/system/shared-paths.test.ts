import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BG, CHECKOUT, type Container, startContainer } from '../harness/container.js';
import { makeApp } from './app-host.js';

// shared_dirs / shared_files on a real systemd: an app that writes next to its code gets a home in
// <root>/shared that outlives its releases, and bg says so when one is missing.
describe('a home for data: shared_dirs and shared_files', () => {
  let c: Container;
  beforeAll(async () => {
    c = await startContainer();
  });
  afterAll(async () => c?.stop());

  it('a Flask app that makes logs/ in its cwd fails with the path to share, and serves once it is in shared_dirs', async () => {
    const app = await makeApp(c, 'notes', { blue: 8001, green: 8002, site: 8080 });
    await c.ok(`set -e; cd /srv/git/notes
      /usr/bin/python3 - <<'PY'
s = open('app.py').read()
s = s.replace('app = Flask(__name__)\\n', 'os.makedirs("logs", exist_ok=True)\\nwith open("logs/app.log", "a") as f:\\n    f.write("started\\\\n")\\n\\napp = Flask(__name__)\\n', 1)
assert 'os.makedirs("logs"' in s
open('app.py', 'w').write(s)
PY
      git -c user.name=t -c user.email=t@t.invalid commit -qam 'logs next to the code'`);
    const failed = await app.bg('setup');
    expect(failed.code, failed.stdout + failed.stderr).toBe(1);
    expect(failed.stderr).toContain("Read-only file system: 'logs'");
    expect(failed.stderr).toContain('The app could not write logs inside its release');
    expect(failed.stderr).toContain(`add \`shared_dirs: [logs]\` to ${app.config}`);

    await c.ok(`echo 'shared_dirs: [logs]' >> ${app.config}`);
    const r = await app.bg('setup');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await app.get()).toBe('v1');
    expect(
      await c.ok('readlink /srv/notes/blue/logs && stat -c "%U %a" /srv/notes/shared/logs && cat /srv/notes/shared/logs/app.log'),
    ).toBe('/srv/notes/shared/logs\nnotes 755\nstarted\n');
    // the release is root's again, the link included; what it points to stays the app's
    expect(await c.ok('stat -c "%U" /srv/notes/blue/ /srv/notes/blue/logs /srv/notes/shared/logs/app.log')).toBe('root\nroot\nnotes\n');
  });

  it("Django's default BASE_DIR / 'db.sqlite3': an empty env file is warned about, a migrate that makes the database in the release is stopped before the switch, and with shared_files the data outlives two deploys", async () => {
    const site = 8090;
    await c.ok(`set -e
      rm -rf /srv/git/polls; mkdir -p /srv/git /etc/bg; cp -r ${CHECKOUT}/test/fixtures/django-stock /srv/git/polls; cd /srv/git/polls
      find . -name __pycache__ -prune -exec rm -rf {} +
      /usr/bin/python3 - <<'PY'
import re
p = 'mysite/settings.py'
s = open(p).read()
s = re.sub(r"# From the environment.*?\\n(?=\\n\\n# Password validation)",
           "DATABASES = {\\n    'default': {\\n        'ENGINE': 'django.db.backends.sqlite3',\\n        'NAME': BASE_DIR / 'db.sqlite3',\\n    }\\n}", s, flags=re.S)
assert "BASE_DIR / 'db.sqlite3'" in s and 'SQLITE_PATH' not in s and 'DATABASE_ENGINE' not in s
open(p, 'w').write(s)
PY
      git init -q -b main && git add -A && git -c user.name=t -c user.email=t@t.invalid commit -qm v1
      cat > /etc/bg/polls.yml <<'YML'
app: polls
repo: /srv/git/polls
root: /srv/polls
release:
  - /usr/bin/python3 manage.py migrate --noinput
web:
  wsgi: mysite.wsgi:application
  ports: { blue: 8011, green: 8012 }
  health: { path: /health/, retries: 50 }
caddy:
  site: ":${site}"
YML`);
    const bg = (args: string) => c.sh(`cd /etc/bg && ${BG} --config /etc/bg/polls.yml ${args}`);
    const get = async (path: string) => (await c.ok(`curl -sS --max-time 5 http://127.0.0.1:${site}${path}`)).trim();

    // the first setup makes the env file empty: the settings' DJANGO_SECRET_KEY is missing
    const empty = await bg('setup --json');
    expect(empty.code, empty.stdout + empty.stderr).toBe(1);
    const notes = empty.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; message?: string })
      .filter((e) => e.event === 'note')
      .map((e) => e.message ?? '');
    expect(notes.find((m) => m.startsWith('warning:'))).toContain(
      'warning: /etc/bg/polls.env is empty, but mysite/settings.py reads DJANGO_SECRET_KEY, DJANGO_DEBUG, DJANGO_ALLOWED_HOSTS from the environment (without a default: DJANGO_SECRET_KEY;',
    );

    await c.ok("echo 'DJANGO_SECRET_KEY=not-secret-in-tests' >> /etc/bg/polls.env");
    const inRelease = await bg('setup');
    expect(inRelease.code, inRelease.stdout + inRelease.stderr).toBe(1);
    expect(inRelease.stderr).toMatch(
      /The release commands \(`\/usr\/bin\/python3 manage.py migrate --noinput`\) created \/srv\/polls\/releases\/[\d-]+\/db\.sqlite3 inside the release/,
    );
    expect(inRelease.stderr).toContain('add `shared_files: [db.sqlite3]` to /etc/bg/polls.yml');
    expect(await c.sh('systemctl is-active polls-web-blue.service')).toMatchObject({ stdout: 'inactive\n' });

    await c.ok("echo 'shared_files: [db.sqlite3]' >> /etc/bg/polls.yml");
    const ok = await bg('setup');
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(await get('/')).toBe('v1 questions=0');
    // a row written through the app (CSRF token and cookie first), into shared/db.sqlite3
    await c.ok(`set -e; cd /tmp; rm -f jar
      tok=$(curl -sS -c jar http://127.0.0.1:${site}/ask/)
      curl -sS -f -b jar -H "X-CSRFToken: $tok" -d text=kept http://127.0.0.1:${site}/ask/`);
    expect(await get('/')).toBe('v1 questions=1');
    for (const n of [1, 2]) {
      const d = await bg('deploy main');
      expect(d.code, `deploy ${n}: ${d.stdout}${d.stderr}`).toBe(0);
      expect(await get('/')).toBe('v1 questions=1');
    }
    expect(await c.ok('stat -c "%U %a %F" /srv/polls/shared/db.sqlite3 && readlink /srv/polls/current/db.sqlite3')).toBe(
      'polls 640 regular file\n/srv/polls/shared/db.sqlite3\n',
    );
  });
});
