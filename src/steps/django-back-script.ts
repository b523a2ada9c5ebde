// The one Python process a way back costs: `manage.py shell -c <this>` in the release that serves
// (its files can reverse what it applied), as the app's user. It reads what the database has applied
// (django_migrations), keeps what the older release's files do not know, and per mode:
//   check:    says what reversing them would do (Django's own operation descriptions);
//   rehearse: check, then runs the reversal where nothing real changes: on SQLite a copy of the
//             database made with SQLite's online backup API beside it, on PostgreSQL inside a
//             transaction that is rolled back (its DDL is transactional);
//   apply:    runs the reversal on the database.
// It prints one line, `BG-BACK <json>`, that ../steps/django-rollback.ts reads.

export type BackMode = 'check' | 'rehearse' | 'apply';

export interface BackInput {
  mode: BackMode;
  known: string[]; // app.NNNN_name: the older release's migration files
  apps: string[]; // the project's apps with migration files in either release
}

export interface BackReport {
  vendor: string;
  unknown: string[]; // applied, and the older release has no file for them
  orphans: string[]; // of those, the ones the serving release has no file for either: not reversible here
  targets: Record<string, string>; // per app, where migrating back goes ('zero': none of it)
  undo: string[]; // `app.name: Undo <operation>` in the order Django would run them
  irreversible: string[]; // the undo operations Django cannot run
  error?: string; // the rehearsal's or the reversal's failure: the database's own words
}

const SCRIPT = String.raw`
import json, os, shutil, sqlite3, tempfile
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.core.management import call_command
inp = json.loads(__BG_INPUT__)
known = set(inp['known'])
apps = set(inp['apps'])
ex = MigrationExecutor(connection)
applied = sorted('.'.join(k) for k in ex.loader.applied_migrations)
unknown = [n for n in applied if n.split('.')[0] in apps and n not in known]
graph = set('.'.join(k) for k in ex.loader.graph.nodes)
orphans = [n for n in unknown if n not in graph]
targets = {}
for app in sorted(set(n.split('.')[0] for n in unknown if n in graph)):
    mine = sorted(n.split('.')[1] for n in known if n.split('.')[0] == app)
    targets[app] = mine[-1] if mine else 'zero'
pairs = [(a, None if t == 'zero' else t) for a, t in targets.items()]
undo, irreversible = [], []
if pairs:
    for mig, backwards in ex.migration_plan(pairs):
        for op in reversed(mig.operations):
            d = mig.app_label + '.' + mig.name + ': Undo ' + op.describe()
            undo.append(d)
            if not op.reversible:
                irreversible.append(d)
report = {'vendor': connection.vendor, 'unknown': unknown, 'orphans': orphans, 'targets': targets,
          'undo': undo, 'irreversible': irreversible}

class Rehearsed(Exception):
    pass

def reverse():
    for app, target in targets.items():
        call_command('migrate', app, target, interactive=False, verbosity=1)

if pairs and not irreversible and inp['mode'] == 'rehearse':
    try:
        if connection.vendor == 'sqlite':
            src = connection.settings_dict['NAME']
            # beside the file a release's link points to: the app's data dir, which this user can write
            tmp = tempfile.mkdtemp(prefix='.bg-rehearse-', dir=os.path.dirname(os.path.realpath(str(src))))
            copy = os.path.join(tmp, 'db.sqlite3')
            try:
                a, b = sqlite3.connect(str(src)), sqlite3.connect(copy)
                a.backup(b)
                b.close()
                a.close()
                connection.close()
                connection.settings_dict['NAME'] = copy
                reverse()
            finally:
                connection.close()
                connection.settings_dict['NAME'] = src
                shutil.rmtree(tmp, ignore_errors=True)
        elif connection.features.can_rollback_ddl:
            try:
                with transaction.atomic():
                    reverse()
                    connection.check_constraints()
                    raise Rehearsed()
            except Rehearsed:
                pass
        else:
            report['error'] = 'bg rehearses a reversal only on SQLite and PostgreSQL, not on ' + connection.vendor
    except Exception as e:
        report['error'] = type(e).__name__ + ': ' + str(e).strip()
elif pairs and not irreversible and inp['mode'] == 'apply':
    try:
        reverse()
    except Exception as e:
        report['error'] = type(e).__name__ + ': ' + str(e).strip()
print('\nBG-BACK ' + json.dumps(report))
`;

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** `shell -c '<script>'` with the input in it, for manage(): bg's own words, quoted for `sh -c`. */
export function backScriptArgs(input: BackInput): string {
  const code = SCRIPT.replace('__BG_INPUT__', JSON.stringify(JSON.stringify(input)));
  return `shell -c ${shellQuote(code)}`;
}

/** The script's report in the output of its run; undefined when it never got that far. */
export function parseBackReport(output: string): BackReport | undefined {
  const at = output.lastIndexOf('BG-BACK {');
  if (at < 0) return undefined;
  const line = output.slice(at + 'BG-BACK '.length).split('\n')[0];
  return JSON.parse(line) as BackReport;
}
