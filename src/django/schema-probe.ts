// The Python bg runs with `manage.py shell -c` to read, as data, what a release's Django project
// maps and what its pending migrations do to the database. It runs as the app's user in a transient
// unit; root only parses the one JSON line after MARK (size-limited, src/django/schema-read.ts).
// Django 3.2 and 4.2: the migration state API (ModelState.fields a dict, state_forwards) and
// MigrationExecutor._create_project_state, which `migrate` itself uses, are the same in both.

export const PROBE_MARK = '@@bg-schema@@';

// mode "plan": applied, known, and per pending migration its operations, each read from the project
// state before it (state_forwards as it goes); and, as in mode "models", the tables and columns the
// release's own models map and per table what they declare unique, which bg keeps for when this
// release serves (src/steps/django.ts).
const PROGRAM = `
import json
from django.db import DEFAULT_DB_ALIAS, connections, migrations as M
from django.db.models import NOT_PROVIDED, UniqueConstraint
from django.db.models.options import normalize_together

def bg_main(mode):
    conn = connections[DEFAULT_DB_ALIAS]

    def col(f, conn):
        try:
            t = None if f.is_relation else f.db_type(conn)
            check = None if f.is_relation else f.db_check(conn)
        except Exception:
            t = check = None
        return {"column": f.column, "null": bool(f.null), "type": t,
                "max_length": getattr(f, "max_length", None),
                "db_default": getattr(f, "db_default", NOT_PROVIDED) is not NOT_PROVIDED,
                "unique": bool(f.unique), "check": check,
                "max_digits": getattr(f, "max_digits", None), "decimal_places": getattr(f, "decimal_places", None)}

    def unique_sets(opts, together, constraints):
        # what a model declares unique: unique_together and UniqueConstraint, as column lists
        # (empty for one with a condition or expressions: only its name can match)
        cols = lambda names: [opts.get_field(n).column for n in names]
        out = [{"name": None, "columns": cols(t)} for t in together]
        for c in constraints:
            if isinstance(c, UniqueConstraint):
                plain = not getattr(c, "condition", None) and not getattr(c, "expressions", ())
                out.append({"name": c.name, "columns": cols(c.fields) if plain else []})
        return out

    def models():
        from django.apps import apps
        tables = {}
        unique = {}
        for m in apps.get_models(include_auto_created=True):
            o = m._meta
            if not o.managed or o.proxy:
                continue
            tables[o.db_table] = [col(f, conn) for f in o.local_concrete_fields]
            unique[o.db_table] = unique_sets(o, normalize_together(o.unique_together), o.constraints)
        return tables, unique

    if mode == "models":
        tables, unique = models()
        return {"tables": tables, "unique": unique, "vendor": conn.vendor}

    from django.db.migrations.executor import MigrationExecutor
    ex = MigrationExecutor(conn)
    loader = ex.loader
    plan = ex.migration_plan(loader.graph.leaf_nodes())
    state = ex._create_project_state(with_applied_migrations=True)

    def table_of(app, ms):
        return ms.options.get("db_table") or "%s_%s" % (app, ms.name_lower)

    def model(app, name):
        return state.models.get((app, name.lower()))

    def bound(f, name):
        f = f.clone()
        f.set_attributes_from_name(name)
        return f

    def field_info(app, ms, name, f):
        t = table_of(app, ms)
        f = bound(f, name)
        if f.many_to_many:
            return {"table": t, "column": None,
                    "m2m_table": None if f.remote_field.through else (f.db_table or "%s_%s" % (t, name))}
        d = col(f, conn)
        d["table"] = t
        return d

    def columns_of(app, ms, names):
        return [bound(ms.fields[n], n).column for n in names]

    def describe(app, op):
        d = {"op": type(op).__name__, "text": op.describe()}
        ms = model(app, op.model_name) if hasattr(op, "model_name") else (model(app, op.name) if hasattr(op, "name") and not isinstance(op, M.CreateModel) else None)
        if ms is not None and (not ms.options.get("managed", True) or ms.options.get("proxy")):
            d["kind"] = "other"
            return d
        if isinstance(op, (M.RunPython, M.RunSQL, M.SeparateDatabaseAndState)):
            d["kind"] = "unchecked"
        elif isinstance(op, M.CreateModel):
            d["kind"] = "create-model"
        elif isinstance(op, M.DeleteModel):
            d.update(kind="delete-model", table=table_of(app, ms))
        elif isinstance(op, M.RenameModel):
            d.update(kind="rename-model", table=table_of(app, ms),
                     new_table=ms.options.get("db_table") or "%s_%s" % (app, op.new_name_lower))
        elif isinstance(op, M.AlterModelTable):
            d.update(kind="alter-model-table", table=table_of(app, ms), new_table=op.table)
        elif isinstance(op, M.AddField):
            d.update(kind="add-field", field=op.name, **field_info(app, ms, op.name, op.field))
        elif isinstance(op, M.RemoveField):
            d.update(kind="remove-field", field=op.name, **field_info(app, ms, op.name, ms.fields[op.name]))
        elif isinstance(op, M.AlterField):
            d.update(kind="alter-field", field=op.name, **field_info(app, ms, op.name, op.field))
            old = field_info(app, ms, op.name, ms.fields[op.name])
            d["old"] = old
        elif isinstance(op, M.AddConstraint) and isinstance(op.constraint, UniqueConstraint):
            c = op.constraint
            plain = not getattr(c, "condition", None) and not getattr(c, "expressions", ())
            d.update(kind="add-unique", table=table_of(app, ms), constraint=c.name,
                     unique_sets=[columns_of(app, ms, c.fields)] if plain else [])
        elif isinstance(op, M.AddConstraint):
            # a CheckConstraint (or another kind): what it refuses is an expression bg cannot judge
            d.update(kind="add-check", table=table_of(app, ms), constraint=op.constraint.name)
        elif isinstance(op, M.AlterUniqueTogether):
            before = set(normalize_together(ms.options.get("unique_together") or []))
            added = sorted(set(op.option_value or []) - before)
            d.update(kind="add-unique" if added else "other", table=table_of(app, ms),
                     unique_sets=[columns_of(app, ms, t) for t in added])
        elif isinstance(op, M.RenameField):
            f = ms.fields[op.old_name]
            d.update(kind="rename-field", field=op.old_name, new_field=op.new_name, **field_info(app, ms, op.old_name, f))
            d["new_column"] = None if f.many_to_many else bound(f, op.new_name).column
        else:
            d["kind"] = "other"
        return d

    tables, unique = models()
    out = []
    for mig, backwards in plan:
        app = mig.app_label
        ops = []
        for op in mig.operations:
            try:
                ops.append(describe(app, op))
            except Exception as e:
                ops.append({"op": type(op).__name__, "kind": "unchecked", "text": "could not be read: %s" % e})
            op.state_forwards(app, state)
        out.append({"name": "%s.%s" % (app, mig.name), "backwards": bool(backwards), "operations": ops})
    return {"plan": out,
            "applied": sorted("%s.%s" % k for k in loader.applied_migrations),
            "known": sorted("%s.%s" % k for k in loader.disk_migrations),
            "tables": tables, "unique": unique, "vendor": conn.vendor}
`;

/** `shell -c '<program>'`: prints MARK and one JSON line. */
export function probeArgs(mode: 'plan' | 'models'): string {
  const program = `${PROGRAM}\nprint(${JSON.stringify(PROBE_MARK)} + json.dumps(bg_main(${JSON.stringify(mode)})))\n`;
  return `shell -c '${program.replace(/'/g, `'\\''`)}'`;
}
