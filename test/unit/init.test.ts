import { describe, expect, it } from 'vitest';
import { appNameFrom, renderInitConfig } from '../../src/config/init-template.js';
import { parseConfig } from '../../src/config/parse.js';
import { fixtureFiles, layout, uncommentAll } from '../support/init-project.js';

const parse = (text: string) => parseConfig(text, { configPath: '/x/bg.yml', scope: 'system', env: {}, homedir: '/home/op' });

const DJANGO = {
  'manage.py': "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n",
  'mysite/__init__.py': '',
  'mysite/settings.py': "ALLOWED_HOSTS = ['.shop.example.com', 'localhost']\n",
  'mysite/urls.py': "urlpatterns = [path('healthz/', health)]\n",
  'mysite/wsgi.py': 'application = get_wsgi_application()\n',
  'mysite/celery.py': "app = Celery('mysite')\n",
  '.git/config':
    '[core]\n\tbare = false\n[remote "origin"]\n\turl = https://deploy:s3cret@git.example.com/shop.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n',
};

describe('bg init for a Django project one level down (the tutorial layout: the repo holds mysite/manage.py)', () => {
  const nested = Object.fromEntries(Object.entries(DJANGO).map(([p, c]) => [p.startsWith('.git/') ? p : `mysite/${p}`, c]));
  const text = renderInitConfig(layout('/home/op/shop', { ...nested, 'README.md': '# shop\n' }));

  it('finds manage.py in the subdirectory and writes app_dir', () => {
    const cfg = parse(text);
    expect(cfg.appDir).toBe('mysite');
    expect(cfg.web.wsgi).toBe('mysite.wsgi:application');
    expect(cfg.web.health.path).toBe('/healthz/');
    expect(text).toMatch(/^app_dir: mysite +# the project inside the repo \(manage.py is there\)$/m);
  });

  it('names the environment variables the settings read, for the env file', () => {
    const withEnv = {
      ...nested,
      'mysite/mysite/settings.py':
        "SECRET_KEY = os.environ['DJANGO_SECRET_KEY']\nDEBUG = os.getenv('DEBUG') == '1'\nDB = os.environ.get(\"DATABASE_URL\")\nALLOWED_HOSTS = ['*']\n",
    };
    expect(renderInitConfig(layout('/home/op/shop', withEnv))).toContain(
      '# The settings read DJANGO_SECRET_KEY, DEBUG, DATABASE_URL from the environment: set them in the env file',
    );
  });

  it('leaves app_dir commented out when the project is at the top', () => {
    expect(renderInitConfig(layout('/home/op/shop', DJANGO))).toMatch(/^# app_dir: \./m);
  });
});

describe('bg init for a Django project', () => {
  const text = renderInitConfig(layout('/home/op/My Shop', DJANGO));

  it('parses, with the wsgi module found next to manage.py', () => {
    const cfg = parse(text);
    expect(cfg.app).toBe('my-shop');
    expect(cfg.web.wsgi).toBe('mysite.wsgi:application');
    expect(cfg.web.health.path).toBe('/healthz/');
  });

  it('sets the health Host header from ALLOWED_HOSTS and says why', () => {
    expect(parse(text).web.health.host).toBe('shop.example.com');
    expect(text).toContain('ALLOWED_HOSTS');
  });

  it('enables celery when the package has celery.py', () => {
    expect(parse(text).celery).toEqual({ app: 'mysite', beat: false, concurrency: 2, stopTimeout: 600, loglevel: 'info' });
  });

  it('takes the repo from the origin remote without its credentials', () => {
    expect(parse(text).repo).toBe('https://git.example.com/shop.git');
    expect(text).not.toContain('s3cret');
  });

  it('comments the Host header about ALLOWED_HOSTS when it cannot pick a name', () => {
    const t = renderInitConfig(layout('/srv/src/shop', { ...DJANGO, 'mysite/settings.py': "ALLOWED_HOSTS = ['*']\n" }));
    expect(parse(t).web.health.host).toBeUndefined();
    expect(t).toMatch(/# host: .*ALLOWED_HOSTS/);
  });

  it('finds the package by directory name when manage.py names none, and leaves celery commented out without celery.py', () => {
    const t = renderInitConfig(layout('/srv/src/shop', { 'manage.py': '', 'shop/wsgi.py': '' }));
    const cfg = parse(t);
    expect(cfg.web.wsgi).toBe('shop.wsgi:application');
    expect(cfg.celery).toBeUndefined();
    expect(t).toMatch(/^# celery:/m);
  });

  it('documents keys that stay valid when every example is uncommented', () => {
    const cfg = parse(uncommentAll(text));
    expect(cfg).toMatchObject({ ref: 'main', legacyUnit: 'my-shop.service', logDir: '/var/log/my-shop' });
    expect(cfg.build).toEqual(['.venv/bin/python manage.py collectstatic --noinput']);
    expect(cfg.release).toEqual(['.venv/bin/python manage.py migrate --noinput']);
    expect(cfg.caddy.staticDir).toBe('staticfiles');
  });
});

describe('bg init for a Flask project', () => {
  it('uses app:app for app.py', () => {
    const t = renderInitConfig(layout('/srv/src/blog', { 'app.py': 'app = Flask(__name__)\n@app.get("/health")\n' }));
    const cfg = parse(t);
    expect(cfg.web.wsgi).toBe('app:app');
    expect(cfg.web.health.path).toBe('/health');
    expect(cfg.celery).toBeUndefined();
  });

  it('prefers wsgi.py, and its callable', () => {
    expect(parse(renderInitConfig(layout('/srv/blog', { 'app.py': '', 'wsgi.py': 'from app import app\n' }))).web.wsgi).toBe('wsgi:app');
    expect(parse(renderInitConfig(layout('/srv/blog', { 'wsgi.py': 'application = make()\n' }))).web.wsgi).toBe('wsgi:application');
    expect(parse(renderInitConfig(layout('/srv/blog', { 'app.py': 'def create_app():\n' }))).web.wsgi).toBe('app:create_app()');
  });

  it('writes alembic: { command: flask db } for a Flask-Migrate project, alembic -c alembic.ini for one with an alembic.ini, none otherwise', () => {
    const flaskMigrate = {
      'app.py': 'from flask_migrate import Migrate\napp = Flask(__name__)\nmigrate = Migrate(app, db)\n',
      'migrations/alembic.ini': '[alembic]\n',
      'migrations/env.py': '',
    };
    const t = renderInitConfig(layout('/srv/src/notes', flaskMigrate));
    expect(parse(t).alembic).toEqual({ command: ['flask', 'db'] });
    expect(parse(t).release).toEqual(['.venv/bin/python -m flask db upgrade']);
    const plain = parse(renderInitConfig(layout('/srv/src/api', { 'app.py': 'app = Flask(__name__)\n', 'alembic.ini': '[alembic]\n' })));
    expect(plain.alembic).toEqual({ command: ['alembic', '-c', 'alembic.ini'] });
    expect(plain.release).toEqual(['.venv/bin/python -m alembic -c alembic.ini upgrade head']);
    expect(parse(renderInitConfig(layout('/srv/src/blog', { 'app.py': 'app = Flask(__name__)\n' }))).alembic).toBeUndefined();
  });

  it('uses the checkout itself as repo when it has no origin remote', () => {
    const t = renderInitConfig(layout('/srv/src/blog', { 'app.py': '', '.git/HEAD': 'ref: refs/heads/main\n' }));
    expect(parse(t).repo).toBe('/srv/src/blog');
  });

  it('parses with every example uncommented, celery included', () => {
    const cfg = parse(uncommentAll(renderInitConfig(layout('/srv/src/blog', { 'app.py': '' }))));
    expect(cfg.celery).toMatchObject({ app: 'blog', beat: false, command: ['/usr/bin/python3', '-m', 'celery'] });
    expect(cfg.web.gunicorn).toEqual(['/usr/bin/gunicorn']);
  });
});

describe('bg init without a recognisable project', () => {
  it('still parses and says what to check', () => {
    const t = renderInitConfig(layout('/tmp/empty', {}));
    expect(parse(t).web.wsgi).toBe('app:app');
    expect(t).toContain('# CHECK: No manage.py, wsgi.py or app.py found');
  });
});

describe('appNameFrom', () => {
  it.each([
    ['/srv/shop', 'shop'],
    ['/home/op/My Shop', 'my-shop'],
    ['/x/2fast_API.v2', 'fast-api-v2'],
    ['/x/---', 'app'],
    ['/', 'app'],
    [`/x/${'a'.repeat(50)}`, 'a'.repeat(40)],
  ])('%s → %s', (dir, name) => {
    expect(appNameFrom(dir)).toBe(name);
  });
});

const ORIGIN = '[remote "origin"]\n\turl = git@git.example.com:acme/shop.git\n';

describe('bg init in the subdirectory that holds manage.py, of a Django + Celery project with a beat schedule', () => {
  // the checkout is /home/op/shop (its .git there), the project in shop/; init runs in /home/op/shop/shop
  const files = Object.fromEntries(Object.entries(fixtureFiles('django-celery')).map(([p, c]) => [`../${p}`, c]));
  const text = renderInitConfig(layout('/home/op/shop/shop', { ...files, '../.git/config': ORIGIN }));
  const cfg = parse(text);

  it('names the app after the checkout, takes its origin, and writes app_dir', () => {
    expect(cfg.app).toBe('shop');
    expect(cfg.repo).toBe('git@git.example.com:acme/shop.git');
    expect(cfg.appDir).toBe('shop');
    expect(cfg.web.wsgi).toBe('config.wsgi:application');
    expect(cfg.web.health).toMatchObject({ path: '/health/', host: 'shop.example.com' });
  });

  it('turns beat on for CELERY_BEAT_SCHEDULE', () => {
    expect(cfg.celery).toMatchObject({ app: 'config', beat: true });
    expect(text).toMatch(/^ {2}beat: true +# the settings define CELERY_BEAT_SCHEDULE/m);
  });

  it('writes collectstatic and migrate live, with the venv block bg builds .venv from', () => {
    expect(cfg.build).toEqual(['.venv/bin/python manage.py collectstatic --noinput']);
    expect(cfg.release).toEqual(['.venv/bin/python manage.py migrate --noinput']);
    expect(cfg.venv).toEqual({ requirements: ['requirements.txt'], python: '/usr/bin/python3', systemSitePackages: true });
    expect(cfg.django).toEqual({ manage: 'manage.py' });
  });

  it('serves static files at STATIC_URL from STATIC_ROOT', () => {
    expect(cfg.caddy).toMatchObject({ staticPath: '/staticfiles/', staticDir: 'collected-static' });
  });

  it('names what the settings read from the environment', () => {
    expect(text).toContain('# The settings read DJANGO_SECRET_KEY, DJANGO_DEBUG, SQLITE_PATH, CELERY_BROKER_URL from the environment');
  });
});

it('in a subdirectory of a checkout without an origin remote, the repo is the checkout, not the subdirectory', () => {
  const t = renderInitConfig(layout('/srv/src/blog/web', { 'app.py': '', '../.git/HEAD': 'ref: refs/heads/main\n' }));
  expect(parse(t)).toMatchObject({ app: 'blog', repo: '/srv/src/blog', appDir: 'web' });
});

describe('bg init: beat and static files from the settings', () => {
  const project = (settings: string) =>
    renderInitConfig(
      layout('/srv/src/shop', {
        'manage.py': "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings.production')\n",
        'shop/wsgi.py': '',
        'shop/celery.py': '',
        'shop/settings/base.py': settings,
        'shop/settings/production.py': 'from .base import *\n',
      }),
    );

  it.each([
    ["INSTALLED_APPS = ['django.contrib.admin', 'django_celery_beat']\n", true],
    ["CELERY_BEAT_SCHEDULER = 'django_celery_beat.schedulers:DatabaseScheduler'\n", true],
    ["# CELERY_BEAT_SCHEDULE = {}\nINSTALLED_APPS = ['django.contrib.admin']\n", false],
  ])('beat for %j (settings package, base.py): %s', (settings, beat) => {
    expect(parse(project(settings)).celery?.beat).toBe(beat);
  });

  it.each([
    ["STATIC_URL = 'static/'\nSTATIC_ROOT = os.path.join(BASE_DIR, 'static_root')\n", '/static/', 'static_root'],
    ["STATIC_URL = '/assets/'\nSTATIC_ROOT = BASE_DIR / 'var' / 'static'\n", '/assets/', 'var/static'],
    ["STATIC_URL = 'https://cdn.example.com/s/'\nSTATIC_ROOT = BASE_DIR / 'staticfiles'\n", '/static/', 'staticfiles'],
  ])('%j → caddy.static %s %s', (settings, urlPath, dir) => {
    expect(parse(project(settings)).caddy).toMatchObject({ staticPath: urlPath, staticDir: dir });
  });

  it('without STATIC_ROOT leaves collectstatic and caddy.static commented out and says why', () => {
    const t = project("STATIC_URL = 'static/'\n");
    const cfg = parse(t);
    expect(cfg.build).toEqual([]);
    expect(cfg.caddy.staticDir).toBeUndefined();
    expect(cfg.release).toEqual(['.venv/bin/python manage.py migrate --noinput']);
    expect(t).toContain('# CHECK: The settings set no STATIC_ROOT');
  });
});

describe('bg init for a Flask-Migrate app', () => {
  const text = renderInitConfig(layout('/srv/src/notes', { ...fixtureFiles('flask-migrate'), '.git/HEAD': 'ref: refs/heads/main\n' }));
  const cfg = parse(text);

  it('runs `flask db upgrade` as the release command, on the venv bg builds', () => {
    expect(cfg.web.wsgi).toBe('app:app');
    expect(cfg.release).toEqual(['.venv/bin/python -m flask db upgrade']);
    expect(cfg.build).toEqual([]);
    expect(cfg.venv).toEqual({ requirements: ['requirements.txt'], python: '/usr/bin/python3', systemSitePackages: true });
    expect(cfg.repo).toBe('/srv/src/notes');
  });

  it('names what the app reads from the environment', () => {
    expect(text).toContain('# The app reads DATABASE_URL from the environment: set them in the env file');
  });

  it('finds Flask-Migrate by the migrations/ that `flask db init` wrote', () => {
    const t = renderInitConfig(layout('/srv/src/notes', { 'app.py': '', 'migrations/alembic.ini': '' }));
    expect(parse(t).release).toEqual(['.venv/bin/python -m flask db upgrade']);
  });

  it("without Flask-Migrate leaves release commented out, and without requirements.txt uses Debian's packages only", () => {
    const t = renderInitConfig(layout('/srv/src/blog', { 'app.py': 'app = Flask(__name__)\n' }));
    expect(parse(t).release).toEqual([]);
    expect(parse(t).venv).toEqual({ requirements: [], python: '/usr/bin/python3', systemSitePackages: true });
    expect(t).toContain("Debian's python3-* packages only");
  });
});

// The layout of Flask's own tutorial and most factory apps: wsgi.py calls create_app() from a
// package, the routes are in a blueprint, the settings in config.py (named in a string).
const FACTORY = {
  'wsgi.py': 'from app import create_app\n\napp = create_app()\n',
  'app/__init__.py': [
    'from flask import Flask',
    'from flask_sqlalchemy import SQLAlchemy',
    'from flask_migrate import Migrate',
    'from config import Config',
    '',
    'db = SQLAlchemy()',
    'migrate = Migrate()',
    '',
    'def create_app(config_class=Config):',
    '    app = Flask(__name__)',
    '    app.config.from_object(config_class)',
    '    db.init_app(app)',
    '    migrate.init_app(app, db)',
    '    from app.main import bp as main_bp',
    '    app.register_blueprint(main_bp)',
    '    from .api import (',
    '        bp as api_bp,',
    '    )',
    '    app.register_blueprint(api_bp, url_prefix="/api")',
    '    return app',
    '',
  ].join('\n'),
  'app/main/__init__.py': "from flask import Blueprint\n\nbp = Blueprint('main', __name__)\n\nfrom app.main import routes\n",
  'app/main/routes.py': "from app.main import bp\n\n@bp.route('/')\ndef index():\n    return 'hi'\n",
  'app/api/__init__.py': "from flask import Blueprint\n\nbp = Blueprint('api', __name__)\n\nfrom . import health\n",
  'app/api/health.py': "from . import bp\n\n@bp.get('/healthz')\ndef healthz():\n    return 'ok'\n",
  'config.py': [
    'import os',
    'basedir = os.path.abspath(os.path.dirname(__file__))',
    '',
    'class Config:',
    "    SECRET_KEY = os.environ.get('SECRET_KEY') or 'dev'",
    "    SQLALCHEMY_DATABASE_URI = os.environ.get('DATABASE_URL') or 'sqlite:///' + os.path.join(basedir, 'app.db')",
    '',
  ].join('\n'),
  'migrations/alembic.ini': '[alembic]\n',
  'migrations/env.py': "config.set_main_option('sqlalchemy.url', current_app.extensions['migrate'].db.engine.url)\n",
};

describe('bg init for a Flask app factory (wsgi.py → create_app → blueprints, config.py)', () => {
  const text = renderInitConfig(layout('/srv/src/blog', FACTORY));
  const cfg = parse(text);

  it('follows the imports: the health route in a blueprint, Flask-Migrate in the package', () => {
    expect(cfg.web.wsgi).toBe('wsgi:app');
    expect(cfg.web.health.path).toBe('/healthz');
    expect(cfg.alembic).toEqual({ command: ['flask', 'db'] });
    expect(text).not.toContain('Add a route that answers 200');
  });

  it('names what config.py reads from the environment, and where the SQLite file goes for the copies', () => {
    expect(text).toContain('# The app reads SECRET_KEY, DATABASE_URL from the environment: set them in the env file');
    expect(text).toContain('# CHECK: set DATABASE_URL=sqlite:////srv/blog/shared/app.db in the env file');
  });

  it('an app that reads no URL from the environment is told to, and one without SQLite gets no such note', () => {
    const hardCoded = { ...FACTORY, 'config.py': "class Config:\n    SQLALCHEMY_DATABASE_URI = 'sqlite:///notes.db'\n" };
    const t = renderInitConfig(layout('/srv/src/blog', hardCoded));
    expect(t).toContain('# CHECK: the app uses SQLite and reads its URL from no environment variable');
    expect(t).toContain('DATABASE_URL=sqlite:////srv/blog/shared/instance/notes.db');
    const pg = { ...FACTORY, 'config.py': "import os\nclass Config:\n    SQLALCHEMY_DATABASE_URI = os.environ['DATABASE_URL']\n" };
    expect(renderInitConfig(layout('/srv/src/blog', pg))).not.toContain('sqlite:');
  });

  it('names the variable read on the SQLALCHEMY_DATABASE_URI line, not another DB_ or SQLALCHEMY_ one', () => {
    const config = [
      'import os',
      "DB_HOST = os.environ.get('DB_HOST')",
      "SQLALCHEMY_ECHO = os.environ.get('SQLALCHEMY_ECHO')",
      "TEST_DATABASE_URL = os.environ.get('TEST_DATABASE_URL')",
      "SQLALCHEMY_DATABASE_URI = os.environ.get('NOTES_DB_URL', 'sqlite:///notes.db')",
    ].join('\n');
    const t = renderInitConfig(layout('/srv/src/blog', { ...FACTORY, 'config.py': config }));
    expect(t).toContain('# CHECK: set NOTES_DB_URL=sqlite:////srv/blog/shared/instance/notes.db in the env file');
  });

  it('never reads outside the project, however many dots a relative import has', () => {
    const read: string[] = [];
    const base = layout('/srv/src/blog', { ...FACTORY, 'app/api/health.py': 'from .... import secrets\n' });
    renderInitConfig({
      ...base,
      readFile: (p) => {
        read.push(p);
        return base.readFile(p);
      },
    });
    expect(read.filter((p) => !p.startsWith('/srv/src/blog/'))).toEqual([]);
  });
});
