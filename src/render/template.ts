// Loads templates/*.ejs from the package (src/render and dist/render both sit two levels below
// the package root) and compiles each once.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';

export const TEMPLATE_DIR = new URL('../../templates/', import.meta.url);

type Compiled = (data: Record<string, unknown>) => string;
const cache = new Map<string, Compiled>();

/**
 * Renders a template with `<%- %>` output only: data must already be escaped for the target
 * format (HTML escaping would corrupt unit files and Caddyfiles).
 */
export function renderTemplate(name: string, data: Record<string, unknown>): string {
  let fn = cache.get(name);
  if (!fn) {
    const url = new URL(name, TEMPLATE_DIR);
    const source = readFileSync(url, 'utf8');
    fn = ejs.compile(source, { filename: fileURLToPath(url), strict: true, localsName: 'it' }) as Compiled;
    cache.set(name, fn);
  }
  return fn(data);
}
