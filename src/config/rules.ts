// The rule for every value bg.yml may hold: each check states what is allowed, so a failure reads
// `<key.path>: must be <allowed> (got <value>)`. src/config/keys.ts gives each key its check.
// Anything that can land in a unit file or the Caddyfile is refused when it could inject
// directives: control characters, and for paths also whitespace, quotes, %, $ and \\.
import path from 'node:path';
import { parseDurationMs } from './duration.js';
import { validateRef } from './ref.js';

export type Result<T> = { ok: T } | { bad: string };
export const ok = <T>(v: T): Result<T> => ({ ok: v });
export const bad = (message: string): Result<never> => ({ bad: message });
export type Check<T> = (v: unknown) => Result<T>;

export const SINGLE_LINE = 'must be a single line (newlines would inject unit directives)';
// C0, DEL, C1, and the Unicode line/paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const PATH_UNSAFE = /[\s"'`%$\\]/;
const WORD_UNSAFE = /["'`%$\\;]/;

/** A short, quoted rendering of a bad value for messages. */
export function got(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'a mapping';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}..."` : s;
}

export const mustBe = (allowed: string, v: unknown) => bad(`must be ${allowed} (got ${got(v)})`);

// A single-line string passing `test` (which returns a problem or undefined).
export const text =
  (allowed: string, test?: (s: string) => string | undefined): Check<string> =>
  (v) => {
    if (typeof v !== 'string' || v === '') return mustBe(allowed, v);
    if (CONTROL.test(v)) return bad(SINGLE_LINE);
    const problem = test?.(v);
    return problem ? bad(problem) : ok(v);
  };

export const matching = (allowed: string, re: RegExp, maxLen = 255): Check<string> =>
  text(allowed, (s) => (re.test(s) && s.length <= maxLen ? undefined : `must be ${allowed} (got ${got(s)})`));

export const int =
  (lo: number, hi: number, what = 'an integer'): Check<number> =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi ? ok(v) : mustBe(`${what} ${lo}-${hi}`, v);

export const bool: Check<boolean> = (v) => (typeof v === 'boolean' ? ok(v) : mustBe('true or false', v));

export const oneOf =
  <T extends string>(values: readonly T[]): Check<T> =>
  (v) =>
    values.includes(v as T) ? ok(v as T) : mustBe(`one of ${values.join(', ')}`, v);

export const duration =
  (loMs: number, hiMs: number, bounds: string): Check<number> =>
  (v) => {
    const allowed = `a duration ${bounds}: seconds as a number (0.5) or a string like "100ms", "2s", "1.5s"`;
    if (typeof v === 'string' && CONTROL.test(v)) return bad(SINGLE_LINE);
    const ms = parseDurationMs(v);
    return ms !== undefined && ms >= loMs && ms <= hiMs ? ok(ms) : mustBe(allowed, v);
  };

// systemd's size syntax for MemoryMax=: bytes, or a number with K, M, G (1024-based)
export const MEMORY = 'a memory size like 512M or 1.5G (K, M, G: 1024-based; at least 16M)';
export const memorySize: Check<number> = (v) => {
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)([KMG])?$/.exec(v) : typeof v === 'number' ? [String(v), String(v)] : null;
  const bytes = m ? Math.round(Number(m[1]) * 1024 ** ' KMG'.indexOf(m[2] ?? ' ')) : Number.NaN;
  return bytes >= 16 * 2 ** 20 && bytes <= 2 ** 50 ? ok(bytes) : mustBe(MEMORY, v);
};

export const ABS_PATH = 'an absolute path without whitespace, quotes, %, $ or \\';
export const absPath: Check<string> = (v) => {
  const r = text(ABS_PATH, (s) => (s.startsWith('/') && !PATH_UNSAFE.test(s) ? undefined : `must be ${ABS_PATH} (got ${got(s)})`))(v);
  return 'ok' in r ? ok(path.posix.normalize(r.ok).replace(/(.)\/+$/, '$1')) : r;
};

// Paths bg creates and writes (root, state_dir, log_dir, env_file, unit_dir): never in the kernel's
// own file systems, where mkdir fails in ways that can hang Node and nothing written is kept.
const KERNEL_FS = /^\/(proc|sys)(\/|$)/;
export const writablePath: Check<string> = (v) => {
  const r = absPath(v);
  return 'ok' in r && KERNEL_FS.test(r.ok) ? bad(`must be ${ABS_PATH}, not under /proc or /sys (got ${got(r.ok)})`) : r;
};

// Caddy serves every file under it to anyone: never the release itself (its .git, its settings), and
// never a .git directory
export const STATIC_DIR = 'a relative directory inside the release, e.g. staticfiles (not . or .., no .git)';
export const staticDir: Check<string> = (v) => {
  const r = matching(STATIC_DIR, STATIC_DIR_RE)(v);
  if (!('ok' in r)) return r;
  const parts = path.posix
    .normalize(r.ok)
    .split('/')
    .filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) return bad(`must be ${STATIC_DIR}: ${got(r.ok)} is the whole release, .git included`);
  if (parts.includes('.git')) return bad(`must be ${STATIC_DIR} (got ${got(r.ok)})`);
  return ok(parts.join('/'));
};

// A command line, split on whitespace into words for ExecStart=. No quoting: systemd would
// interpret quotes, %specifiers, $VARS, \escapes and ';' separators.
// Its first word is an absolute path or a bare name systemd finds in its own PATH: systemd refuses a
// relative path like .venv/bin/gunicorn.
export const COMMAND = "a command line of plain words (no quotes, %, $, \\ or ';') whose first word is an absolute path or a bare name";
export const command: Check<string[]> = (v) => {
  const r = text(COMMAND, (s) => {
    if (WORD_UNSAFE.test(s) || s.trim() === '') return `must be ${COMMAND} (got ${got(s)})`;
    const first = s.trim().split(/\s+/)[0];
    if (first.includes('/') && !first.startsWith('/'))
      return `starts with the relative path ${got(first)}, which systemd refuses in ExecStart; allowed: an absolute path (e.g. /srv/app/current/${first.replace(/^\.\//, '')}) or a bare name such as gunicorn`;
    return undefined;
  })(v);
  return 'ok' in r ? ok(r.ok.trim().split(/\s+/)) : r;
};

// Names and addresses.
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST = `(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9A-Fa-f:.]+\\])`;
const PORT = '(?:6553[0-5]|655[0-2]\\d|65[0-4]\\d{2}|6[0-4]\\d{3}|[1-5]\\d{4}|[1-9]\\d{0,3})';
export const HOST_PORT_RE = new RegExp(`^${HOST}(?::${PORT})?$`);
export const ADMIN_RE = new RegExp(`^${HOST}:${PORT}$`);
export const APP_RE = /^[a-z][a-z0-9-]*$/;
export const UNIT_RE = /^[A-Za-z0-9:_.@-]+\.service$/;
export const WSGI_RE = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(?:\(\))?$/;
export const PY_MODULE_RE = /^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?::[A-Za-z_]\w*)?$/;
const SITE_UNSAFE = /[{}"'`#\\]/;
export const URL_PATH_RE = /^\/[A-Za-z0-9._~!&()*+,;=:@%/?-]*$/;
export const STATIC_PATH_RE = /^\/(?:[A-Za-z0-9._~-]+\/)*$/;
export const STATIC_DIR_RE = /^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9._/-]+$/;

// One rule for refs, shared with `bg deploy <ref>`.
export const REF =
  'a branch, tag or commit sha: letters, digits and . _ - / + , = @ (not starting with - or /, no "..", at most 255 bytes)';
export const refProblem = (ref: string): string | undefined => {
  try {
    validateRef(ref);
    return undefined;
  } catch {
    return `must be ${REF} (got ${got(ref)})`;
  }
};

export const APP = 'lowercase letters, digits and -, starting with a letter, at most 40 characters';
export const WSGI = 'module:callable, e.g. shop.wsgi:application or app:create_app()';
export const UNIT = 'a unit name ending in .service (letters, digits, : _ . @ -)';
export const SITE = 'Caddy site addresses like ":8080", "example.com" or "http://localhost:8080"';

// One address: [scheme://][host][:port][/path], with a host or a port. A host is a name with a dot,
// localhost, a wildcard name or an IP: a bare word (`import`) would be read as a Caddyfile directive
// name by people, and a path alone (`/etc/passwd`) is not an address.
const SITE_HOST = `(?:localhost|\\*(?:\\.${LABEL})+|${LABEL}(?:\\.${LABEL})+|\\[[0-9A-Fa-f:.]+\\])`;
const ONE_SITE_RE = new RegExp(`^(?:https?://)?(?:${SITE_HOST}(?::${PORT})?|:${PORT})(?:/[A-Za-z0-9._~/*-]*)?$`);
export const site = text(SITE, (s) => {
  if (SITE_UNSAFE.test(s))
    return `must not contain { } quotes, # or \\ (they would break out of the Caddyfile site block); allowed: ${SITE}`;
  const addresses = s.split(/[\s,]+/).filter(Boolean);
  const wrong = addresses.find((a) => !ONE_SITE_RE.test(a));
  if (addresses.length === 0) return `must be ${SITE} (got ${got(s)})`;
  return wrong === undefined ? undefined : `must be ${SITE}, separated by commas; ${got(wrong)} is not an address (got ${got(s)})`;
});

export const LOGLEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const;

export const BROKER = 'a broker URL: redis://, rediss://, amqp:// or amqps:// with a host, e.g. redis://127.0.0.1:6379/0';
const BROKER_RE = /^(?:rediss?|amqps?):\/\/[^\s/?#']+(?:[/?#][^\s']*)?$/;
// never echoes the value: it may hold a password
export const broker = text(BROKER, (s) => {
  if (!BROKER_RE.test(s) || s.length > 2000) return `must be ${BROKER}`;
  if (/^[a-z]+:\/\/[^/@]*:[^/@]*@/.test(s) || /[?&]password=/i.test(s)) {
    return 'holds a password, and bg writes celery.broker into the worker units, which every user can read: put the URL in the env file as CELERY_BROKER_URL instead';
  }
});
const QUEUES = 'a list of Celery queue names (letters, digits, _ . : -), e.g. [celery, mail]';
const QUEUE_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
export const queues: Check<string[]> = (v) => {
  if (!Array.isArray(v) || v.length === 0 || v.length > 20) return mustBe(QUEUES, v);
  const wrong = v.find((q) => typeof q !== 'string' || !QUEUE_RE.test(q));
  if (wrong !== undefined) return bad(`must be ${QUEUES} (got ${got(wrong)})`);
  if (new Set(v).size !== v.length) return bad(`names a queue twice; allowed: ${QUEUES}`);
  return ok(v as string[]);
};

export const REQ_FILE = 'a relative path inside the project, e.g. requirements.txt (no ..)';
export const PY_MODULE = 'a Python module (or module:attr), e.g. shop';

// hosts: where `bg` runs over ssh. The target is handed to ssh as one argument after `--`-free
// options, so it must not start with - (an ssh option) and holds no whitespace.
export const SSH_TARGET = 'an ssh destination, user@host or host (letters, digits, . _ - @ and an IPv6 address in [])';
export const SSH_TARGET_RE = /^(?:[a-z_][a-z0-9_.-]*@)?(?:[A-Za-z0-9][A-Za-z0-9.-]*|\[[0-9A-Fa-f:.]+\])$/;
export const HOST_NAME = 'a short name: lowercase letters, digits, - (e.g. web1)';
export const HOST_NAME_RE = /^[a-z0-9][a-z0-9-]*$/;

export const REPO = 'a git URL or path (not starting with -)';
export const repo = text(REPO, (s) => (s.startsWith('-') ? `must be ${REPO} (got ${got(s)})` : undefined));

export const root: Check<string> = (v) => {
  const r = writablePath(v);
  return 'ok' in r && r.ok === '/' ? bad('must be a directory below / (releases/ and shared/ go under it)') : r;
};

// shared_dirs / shared_files: a path relative to app_dir that every release links into <root>/shared.
// Never the project itself, never out of it, never where bg keeps its own files in shared/.
export const SHARED_PATH = 'a relative path inside the project, e.g. logs or media/uploads (no .., not absolute, no .git or .venv)';
export const SHARED_RESERVED = ['backups', 'celerybeat-schedule', 'maintenance.html', '.env'];
export const sharedPath: Check<string> = (v) => {
  const r = text(SHARED_PATH, (s) => (s.startsWith('/') || PATH_UNSAFE.test(s) ? `must be ${SHARED_PATH} (got ${got(s)})` : undefined))(v);
  if (!('ok' in r)) return r;
  const parts = r.ok.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.some((p) => p === '..' || p === '.git' || p === '.venv')) return mustBe(SHARED_PATH, r.ok);
  if (SHARED_RESERVED.includes(parts[0]))
    return bad(`must not be ${parts[0]}: bg keeps its own ${parts[0]} in shared/ (got ${got(r.ok)}); allowed: another name`);
  return ok(parts.join('/'));
};

/** Problems across shared_dirs and shared_files: a path listed twice, or one inside another. */
export function sharedPathProblems(dirs: readonly string[], files: readonly string[]): string[] {
  const all = [...dirs.map((p) => ({ key: 'shared_dirs', p })), ...files.map((p) => ({ key: 'shared_files', p }))];
  const problems: string[] = [];
  for (const [i, a] of all.entries()) {
    for (const b of all.slice(i + 1)) {
      if (a.p === b.p) problems.push(`${b.key}: ${b.p} is listed twice (also in ${a.key}); allowed: each path once`);
      else if (b.p.startsWith(`${a.p}/`) || a.p.startsWith(`${b.p}/`)) {
        const [outer, inner] = b.p.startsWith(`${a.p}/`) ? [a, b] : [b, a];
        problems.push(
          `${inner.key}: ${inner.p} is inside ${outer.key}'s ${outer.p}, which is already shared; allowed: paths that do not contain each other`,
        );
      }
    }
  }
  return problems;
}
