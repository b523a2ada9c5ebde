// `bg init`: how Alembic runs for the project, when it uses Alembic. Pure, like init-template.ts.
import path from 'node:path';
import type { InitOptions } from './init-template.js';

const FLASK_MIGRATE = /\bflask_migrate\b|\bMigrate\(/;

/** `flask db` for a Flask-Migrate project, `alembic -c alembic.ini` for one with an alembic.ini, else none. */
export function alembicCommand(o: InitOptions, project: string, wsgiModule: string): string | undefined {
  const at = (...p: string[]) => path.join(project, ...p);
  if (o.exists(at('migrations', 'alembic.ini')) && o.exists(at('migrations', 'env.py'))) {
    const module = `${wsgiModule.split(':')[0]!.replaceAll('.', '/')}.py`;
    const code = [at(module), at('app', '__init__.py'), at('migrations', 'env.py')].map((f) => o.readFile(f) ?? '').join('\n');
    if (FLASK_MIGRATE.test(code) || /current_app\.extensions\['migrate'\]/.test(code)) return 'flask db';
  }
  return o.exists(at('alembic.ini')) ? 'alembic -c alembic.ini' : undefined;
}
