// The command lines bg runs for an Alembic app (`alembic.command`, e.g. `flask db`), each as a
// transient unit (`sh -c`) in a release's project dir, as the app's user. Pure.

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

// Reads the revision files of each project dir given with Python's ast (nothing is imported or run):
// every revision, the revisions it follows, and the operations its upgrade() calls (op.* and the
// batch_op.* of `with op.batch_alter_table(...) as batch_op`). Prints one line, MARK + JSON.
export const REVISIONS_MARK = 'BG-ALEMBIC-REVISIONS ';
const READER = `
import ast, configparser, json, os, sys
def lit(n):
    return n.value if isinstance(n, ast.Constant) else None
def kw(call, name):
    for k in call.keywords:
        if k.arg == name:
            return k.value
def arg(call, i, name):
    if len(call.args) > i:
        return call.args[i]
    return kw(call, name)
def text(n):
    v = lit(n) if n is not None else None
    return v if isinstance(v, str) else '?'
def column(n):
    if not (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == 'Column'):
        return {'name': '?', 'notNull': False, 'serverDefault': False}
    nullable = kw(n, 'nullable')
    pk = kw(n, 'primary_key')
    sd = kw(n, 'server_default')
    not_null = (nullable is not None and lit(nullable) is False) or (nullable is None and pk is not None and lit(pk) is True)
    return {'name': text(n.args[0]) if n.args and isinstance(lit(n.args[0]), str) else '?', 'notNull': not_null, 'serverDefault': sd is not None and not (isinstance(sd, ast.Constant) and sd.value is None)}
def ops(fn):
    batches = {}
    for w in ast.walk(fn):
        if isinstance(w, (ast.With, ast.AsyncWith)):
            for item in w.items:
                c = item.context_expr
                if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr == 'batch_alter_table' and isinstance(item.optional_vars, ast.Name):
                    batches[item.optional_vars.id] = text(arg(c, 0, 'table_name'))
    out = []
    calls = [c for c in ast.walk(fn) if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and isinstance(c.func.value, ast.Name)]
    calls.sort(key=lambda c: (c.lineno, c.col_offset))
    for c in calls:
        owner, name = c.func.value.id, c.func.attr
        if owner in batches:
            table, shift = batches[owner], 0
        elif owner == 'op':
            table, shift = text(arg(c, 0, 'table_name')), 1
        else:
            continue
        o = {'op': name, 'table': table, 'line': c.lineno}
        if name == 'drop_column':
            o['column'] = text(arg(c, shift, 'column_name'))
        elif name == 'add_column':
            o['column'] = column(arg(c, shift, 'column'))
        elif name == 'alter_column':
            o['column'] = text(arg(c, shift, 'column_name'))
            nn = kw(c, 'nullable')
            o['notNull'] = nn is not None and lit(nn) is False
            o['newName'] = text(kw(c, 'new_column_name')) if kw(c, 'new_column_name') is not None else None
            o['typeChange'] = kw(c, 'type_') is not None
        elif name == 'rename_table':
            o['table'] = text(arg(c, 0, 'old_table_name'))
            o['newName'] = text(arg(c, 1, 'new_table_name'))
        out.append(o)
    return [o for o in out if o['op'] != 'batch_alter_table']
def revision_of(path):
    tree = ast.parse(open(path, 'rb').read(), path)
    r = {'file': os.path.basename(path), 'revision': None, 'down': [], 'ops': None}
    for n in tree.body:
        target = n.targets[0] if isinstance(n, ast.Assign) and len(n.targets) == 1 else n.target if isinstance(n, ast.AnnAssign) else None
        if not isinstance(target, ast.Name) or n.value is None:
            continue
        if target.id == 'revision':
            r['revision'] = lit(n.value)
        elif target.id == 'down_revision':
            v = lit(n.value)
            if isinstance(n.value, (ast.Tuple, ast.List)):
                r['down'] = [lit(e) for e in n.value.elts]
            elif isinstance(v, str):
                r['down'] = [v]
    for n in tree.body:
        if isinstance(n, ast.FunctionDef) and n.name == 'upgrade':
            r['ops'] = ops(n)
    return r
def versions_dirs(ini):
    cp = configparser.RawConfigParser()
    cp.read(ini)
    here = os.path.dirname(os.path.abspath(ini))
    get = lambda k: cp.get('alembic', k).replace('%(here)s', here) if cp.has_option('alembic', k) else None
    location = get('script_location') or here
    if ':' in location and not os.path.isabs(location):
        raise SystemExit('script_location %s is a package resource: bg reads only a directory' % location)
    extra = get('version_locations')
    return [os.path.join(os.getcwd(), d) for d in extra.replace(',', ' ').split()] if extra else [os.path.join(location, 'versions')]
result = {}
for project in sys.argv[2:]:
    os.chdir(project)
    if not os.path.isfile(sys.argv[1]):
        raise SystemExit('no %s in %s' % (sys.argv[1], project))
    revs = []
    for d in versions_dirs(sys.argv[1]):
        for f in sorted(os.listdir(d)):
            if f.endswith('.py') and not f.startswith('_'):
                revs.append(revision_of(os.path.join(d, f)))
    result[project] = revs
print('BG-ALEMBIC-REVISIONS ' + json.dumps(result))
`;

/** The alembic.ini the command reads: `-c <ini>`, Flask-Migrate's migrations/alembic.ini, else alembic.ini. */
export function alembicIni(command: string[]): string {
  const c = command.findIndex((w) => w === '-c' || w === '--config');
  if (c >= 0 && command[c + 1]) return command[c + 1]!;
  return /(^|\/)flask$/.test(command[0] ?? '') ? 'migrations/alembic.ini' : 'alembic.ini';
}

/** The revision files of each project dir, read (not run) by `python -I`. */
export const revisionsLine = (python: string, ini: string, projects: string[]) =>
  `${q(python)} -I -c ${q(READER)} ${[ini, ...projects].map(q).join(' ')}`;

/** `<command> <args>`: the command's words are config values free of quotes; `args` are bg's own words or revision ids. */
export const alembicLine = (command: string[], args: string) => `${command.join(' ')} ${args}`;

// Runs the command's own script (`flask`, `alembic`) in this Python with a guard before every
// statement: a rehearsal must touch only what it was meant to. Two ways:
// - in a transaction rolled back (no BG_REHEARSE_COPY): SQLAlchemy's commit of a connection's
//   transaction is turned into its rollback, so a downgrade on a database with transactional DDL
//   (PostgreSQL) runs for real, then leaves nothing behind; prints REHEARSED_MARK + how many it
//   rolled back. Any other dialect is refused: SQLite's driver commits schema changes outside the
//   transaction (Alembic: "non-transactional DDL"), so this would change the real database.
// - on a copy (BG_REHEARSE_COPY=<the copy>): any statement on another database than that SQLite
//   file is refused (the app reads its URL from somewhere the override does not reach).
// A refusal prints REHEARSE_REFUSED_MARK + `dialect` or `not-copy`, then its fields (the dialect; the
// database), each after a tab, before the first statement, and exits 3.
export const REHEARSED_MARK = 'BG-REHEARSED ';
export const REHEARSE_REFUSED_MARK = 'BG-REHEARSE-REFUSED ';
const REHEARSE = `
import atexit, os, runpy, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine, base
copy = os.environ.get('BG_REHEARSE_COPY')
rolled = []
def instead_of_commit(self):
    self._do_rollback()
    rolled.append(1)
if not copy:
    base.RootTransaction._do_commit = instead_of_commit
def refuse(why):
    print('${REHEARSE_REFUSED_MARK}' + why, flush=True)
    os._exit(3)
def guard(conn, *rest):
    name = conn.dialect.name
    if copy:
        database = conn.engine.url.database or ''
        if name != 'sqlite' or os.path.realpath(database) != os.path.realpath(copy):
            refuse('not-copy\\t' + name + '\\t' + database)
    elif name != 'postgresql':
        refuse('dialect\\t' + name)
event.listen(Engine, 'before_cursor_execute', guard)
atexit.register(lambda: print('${REHEARSED_MARK}%d' % len(rolled)))
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
`;

/** `<command> <args>` rehearsed in a transaction rolled back (the command's first word found on PATH). */
export const rehearseLine = (python: string, command: string[], args: string) =>
  `${q(python)} -c ${q(REHEARSE)} "$(command -v ${command[0]})" ${command.slice(1).join(' ')} ${args}`;

// `<command> <args>` rehearsed (as above) on a copy of a SQLite database, with `variable` pointing at
// the copy (the URL's driver and query kept). The database is `path`, or `instancePath` (Flask-
// SQLAlchemy 3's place for a relative path) when only that one exists; both existing as different
// files is refused (`two-files`), as is neither (`no-file`): bg cannot tell which one the app uses.
// The copy is made by SQLite's backup API, reading the database read-only (consistent while the app
// writes), into a private dir beside the file that path resolves to: a release's link into shared/
// is followed, by the app's user, so the copy lands in the app's data dir, which that user can
// write, never in the release (root's). The dir goes whatever the outcome.
const SQLITE_COPY =
  'import sqlite3,sys; s=sqlite3.connect("file:" + sys.argv[1].replace("%","%25").replace("?","%3f").replace("#","%23") + "?mode=ro", uri=True); d=sqlite3.connect(sys.argv[2]); s.backup(d); d.close(); s.close()';
export const onSqliteCopyRehearsalLine = (
  python: string,
  db: { variable: string; scheme: string; query: string; path: string; instancePath?: string },
  command: string[],
  args: string,
) => {
  const refuse = (kind: string, ...fields: string[]) =>
    `{ printf '%s' '${REHEARSE_REFUSED_MARK}${kind}'; printf '\\t%s' ${fields.join(' ')}; echo; exit 3; }`;
  const pick = db.instancePath
    ? `inst=${q(db.instancePath)}; if [ -e "$db" ] && [ -e "$inst" ]; then [ "$(readlink -f -- "$db")" = "$(readlink -f -- "$inst")" ] || ${refuse('two-files', '"$db"', '"$inst"')}; elif [ -e "$inst" ]; then db=$inst; fi; `
    : '';
  return [
    `db=${q(db.path)}; ${pick}[ -f "$db" ] || ${refuse('no-file', '"$db"')}`,
    `tmp="$(mktemp -d -- "$(dirname -- "$(readlink -f -- "$db")")/.bg-rehearsal.XXXXXX")" || exit 1`,
    `trap 'rm -rf -- "$tmp"' EXIT; trap 'exit 143' TERM INT`,
    `copy="$tmp/db.sqlite3"`,
    `${q(python)} -I -c ${q(SQLITE_COPY)} "$db" "$copy" || exit 1`,
    `BG_REHEARSE_COPY="$copy" ${db.variable}="${db.scheme}:///$copy"${q(db.query)} ${rehearseLine(python, command, args)}`,
  ].join('\n');
};
