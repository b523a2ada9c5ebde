// The command line that copies the app's database, run as the app's user in a transient unit: the
// copy goes to stdout (a root-owned file systemd opens), one `bg-backup: {json}` line to stderr says
// what was copied. One Python start: through `manage.py shell -c` for Django (its settings say where
// the database is), else `python -c` reading DATABASE_URL from the env file. Pure.

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The marker of the line the script writes on stderr, followed by JSON. */
export const BACKUP_INFO = 'bg-backup: ';

export type BackupSource = { django: true; plan: boolean } | { django: false };

// The copy is written to a duplicate of fd 1; fd 1 itself then points at stderr, so whatever the
// settings or the app print cannot end up inside the copy. SQLite: the backup API into a private
// temp dir, then streamed. PostgreSQL: pg_dump -Fc straight to the copy's fd. A database that does
// not exist yet (a first setup) is not created: "none".
const SCRIPT = `
import os, sys, json, glob, shutil, subprocess, tempfile, sqlite3
from urllib.parse import urlsplit, unquote
out = os.dup(1)
os.dup2(2, 1)
def info(**k):
    sys.stderr.write(${JSON.stringify(BACKUP_INFO)} + json.dumps(k) + "\\n"); sys.stderr.flush()
def fail(msg):
    info(kind="error", error=msg); sys.exit(3)
def pg_dump_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"), key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return found[-1] if found else shutil.which("pg_dump")
def sqlite_copy(path, migrations):
    if path in ("", ":memory:") or not os.path.lexists(path):
        info(kind="none", reason="no SQLite file at " + (path or "(empty NAME)")); return
    try:
        src = sqlite3.connect("file:" + os.path.abspath(path).replace("?", "%3f").replace("#", "%23") + "?mode=ro", uri=True)
        tmp = tempfile.mkdtemp()
        dst = sqlite3.connect(os.path.join(tmp, "copy.sqlite3"))
        src.backup(dst); dst.close(); src.close()
        with open(os.path.join(tmp, "copy.sqlite3"), "rb") as f, os.fdopen(out, "wb") as o:
            shutil.copyfileobj(f, o, 1 << 20)
        shutil.rmtree(tmp)
    except Exception as e:
        fail("SQLite %s: %s" % (path, e))
    info(kind="sqlite", database=os.path.abspath(path), migrations=migrations)
def pg_copy(args, env, name, migrations):
    exe = pg_dump_bin()
    if not exe: fail("pg_dump is not installed (Debian: apt install postgresql-client)")
    r = subprocess.run([exe, "-Fc", "--no-password"] + args, stdout=out, env=dict(os.environ, **env))
    if r.returncode != 0: fail("pg_dump exited %d" % r.returncode)
    info(kind="postgresql", database=name, migrations=migrations)
def from_url(url, migrations):
    u = urlsplit(url)
    scheme = u.scheme.split("+")[0]
    if scheme == "sqlite":
        path = unquote(u.path[1:])
        # Flask-SQLAlchemy 3 resolves a relative SQLite path in the app's instance folder
        inst = os.path.join("instance", path)
        if path and not os.path.isabs(path) and os.path.exists(inst):
            if not os.path.exists(path):
                path = inst
            elif os.path.realpath(path) != os.path.realpath(inst):
                fail("two SQLite files could be the database, %s and %s (Flask-SQLAlchemy 3 resolves a relative path in instance/): put its absolute sqlite://// URL in the env file" % (os.path.abspath(path), os.path.abspath(inst)))
        return sqlite_copy(path, migrations)
    if scheme in ("postgres", "postgresql"):
        return pg_copy(["-d", "postgresql:" + url.split(":", 1)[1]], {}, (u.path or "/")[1:], migrations)
    info(kind="none", reason="DATABASE_URL is neither sqlite nor postgres" if url else "no DATABASE_URL in the env file")
def from_django(plan):
    from django.conf import settings
    d = settings.DATABASES.get("default") or {}
    engine = d.get("ENGINE", "")
    migrations = []
    def pending():
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor
        ex = MigrationExecutor(connection)
        return ["%s.%s" % (m.app_label, m.name) for m, back in ex.migration_plan(ex.loader.graph.leaf_nodes())]
    if engine.endswith("sqlite3"):
        path = str(d.get("NAME") or "")
        if plan and path != ":memory:" and os.path.lexists(path): migrations = pending()
        return sqlite_copy(path, migrations)
    if "postgresql" in engine:
        if plan: migrations = pending()
        env = {}
        args = []
        for k, flag, var in (("HOST", "-h", "PGHOST"), ("PORT", "-p", "PGPORT"), ("USER", "-U", "PGUSER")):
            if d.get(k): args += [flag, str(d[k])]
        if d.get("PASSWORD"): env["PGPASSWORD"] = str(d["PASSWORD"])
        args += ["-d", str(d.get("NAME") or "")]
        return pg_copy(args, env, str(d.get("NAME") or ""), migrations)
    info(kind="none", reason="the default database's engine is %s" % (engine or "not set"))
`;

const DJANGO_TAIL = (plan: boolean) => `from_django(${plan ? 'True' : 'False'})\n`;
const URL_TAIL = 'from_url(os.environ.get("DATABASE_URL", ""), [])\n';

/** `manage.py shell -c <script>` (Django) or `python -c <script>` (DATABASE_URL); python and manage are schema-checked config values. */
export function backupLine(python: string, source: BackupSource, manage?: string): string {
  if (source.django) return `${q(python)} ${q(manage ?? 'manage.py')} shell -c ${q(SCRIPT + DJANGO_TAIL(source.plan))}`;
  return `${q(python)} -I -c ${q(SCRIPT + URL_TAIL)}`;
}

/** The first bytes of a good copy: SQLite's file header, pg_dump's custom format. */
export const BACKUP_MAGIC = { sqlite: 'SQLite format 3\u0000', postgresql: 'PGDMP' } as const;
export const BACKUP_EXT = { sqlite: 'sqlite3', postgresql: 'dump' } as const;
