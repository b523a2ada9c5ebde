// An app on a container's system manager: its fixture repository and bg.yml inside the container,
// bg run there as root in system scope, request loops through the container's Caddy.
import { BG, CHECKOUT, type Container, type Result } from '../harness/container.js';

export interface App {
  name: string;
  config: string; // bg.yml path inside the container
  ports: { blue: number; green: number; site: number };
  bg(args: string, env?: string): Promise<Result>;
  get(path?: string): Promise<string>;
  /**
   * A request loop through Caddy inside the container; `stop()` gives its counts. With
   * `maintenanceOk`, the maintenance page's 503 (with Retry-After) is counted apart, not as failed.
   */
  loop(path?: string, concurrency?: number, opts?: { maintenanceOk?: boolean }): { stop(): Promise<LoopCounts> };
}

export interface LoopCounts {
  sent: number;
  ok: number;
  failed: number;
  maintenance: number;
  failures: string[];
  bodies: Record<string, number>;
}

let loops = 0;

/**
 * Makes `name`'s git repository (branches v2, v3, unhealthy, crash, exit) from `fixture` (a dir of
 * test/fixtures) and bg.yml; `extra` is appended to bg.yml.
 */
export async function makeApp(c: Container, name: string, ports: App['ports'], extra = '', fixture = 'app'): Promise<App> {
  await c.ok(`set -e
    rm -rf /srv/git/${name}; mkdir -p /srv/git; cp -r ${CHECKOUT}/test/fixtures/${fixture} /srv/git/${name}; cd /srv/git/${name}; rm -rf __pycache__
    git init -q -b main
    # fixed dates: the same fixture is the same commits on every host, as hosts cloning one repo see
    g() { GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z git -c user.name=t -c user.email=t@t.invalid "$@"; }
    ver() { echo "$1" > VERSION; echo "$2" > MODE; mkdir -p staticfiles; echo "$1" > staticfiles/version.txt; g add -A; g commit -qm "$1"; }
    ver v1 ok
    for b in v2 v3 unhealthy crash exit; do g checkout -q -b $b main; case $b in unhealthy|crash|exit) ver v-$b $b;; *) ver $b ok;; esac; done
    g checkout -q main
    mkdir -p /etc/bg
    cat > /etc/bg/${name}.yml <<'YML'
app: ${name}
repo: /srv/git/${name}
root: /srv/${name}
web:
  wsgi: app:app
  ports: { blue: ${ports.blue}, green: ${ports.green} }
  health: { path: /health/, retries: 50 }
caddy:
  site: ":${ports.site}"
${extra}
YML
  `);
  return appOn(c, name, ports);
}

/**
 * A real project's repository from test/fixtures/<fixture> (main: VERSION v1; each of `versions` a
 * branch off the one before, test/fixtures/<fixture>-<v>/ copied over it) and `/etc/bg/<name>.yml`
 * with `yaml` as its body. `shell` runs first in the same script (e.g. `umask 027`).
 */
export async function makeProjectApp(
  c: Container,
  name: string,
  fixture: string,
  opts: { versions?: string[]; ports: App['ports']; yaml: string; shell?: string },
): Promise<App> {
  const versions = opts.versions ?? [];
  await c.ok(`set -e
    ${opts.shell ?? ''}
    rm -rf /srv/git/${name}; mkdir -p /srv/git /etc/bg; cp -r ${CHECKOUT}/test/fixtures/${fixture} /srv/git/${name}; cd /srv/git/${name}
    find . -name __pycache__ -prune -exec rm -rf {} +
    g() { GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z git -c user.name=t -c user.email=t@t.invalid "$@"; }
    git init -q -b main; echo v1 > VERSION; g add -A; g commit -qm v1
    for v in ${versions.join(' ')}; do
      g checkout -q -b $v; cp -r ${CHECKOUT}/test/fixtures/${fixture}-$v/. .; find . -name __pycache__ -prune -exec rm -rf {} +
      echo $v > VERSION; g add -A; g commit -qm $v
    done
    g checkout -q main
    cat > /etc/bg/${name}.yml <<'YML'
${opts.yaml}
YML
  `);
  return appOn(c, name, opts.ports);
}

/** bg, requests and request loops for the app `name` whose bg.yml is /etc/bg/<name>.yml. */
export function appOn(c: Container, name: string, ports: App['ports']): App {
  const config = `/etc/bg/${name}.yml`;
  return {
    name,
    config,
    ports,
    bg: (args, env = '') => c.sh(`cd /etc/bg && ${env} ${BG} --config ${config} ${args}`),
    get: async (path = '/') => (await c.sh(`curl -sS --max-time 5 http://127.0.0.1:${ports.site}${path}`)).stdout,
    loop(path = '/', concurrency = 3, opts = {}) {
      const stop = `/run/bg-loop-${name}-${++loops}.stop`;
      const running = c.spawn(
        `rm -f ${stop} ${stop}.started; /usr/bin/node ${CHECKOUT}/test/support/loop-cli.mjs http://127.0.0.1:${ports.site}${path} ${concurrency} ${stop} 120000${opts.maintenanceOk ? ' maintenance-ok' : ''}`,
      );
      return {
        async stop() {
          // a fast command (a refusal) can end before the loop sent anything; and a stop file made
          // before the loop's own `rm -f` would be removed, leaving it to run to its time limit
          const started = await c.ok(
            `end=$((SECONDS + 60)); while [ ! -e ${stop}.started ] && [ $SECONDS -lt $end ]; do sleep 0.05; done; [ -e ${stop}.started ] && echo yes; rm -f ${stop}.started`,
          );
          if (started.trim() !== 'yes') throw new Error(`the request loop through ${name}'s site never got an answer in 60 s`);
          await c.sh(`touch ${stop}`);
          const r = await running.wait();
          return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as LoopCounts;
        },
      };
    },
  };
}

/**
 * Waits (bounded) until no unit matching `glob` is activating or deactivating: a deploy returns
 * while the old color's Gunicorn still drains. Returns what still moves, '' when all settled.
 */
export async function settled(c: Container, glob: string): Promise<string> {
  return c.ok(`end=$((SECONDS + 120)); while [ $SECONDS -lt $end ]; do
      moving=$(systemctl list-units --all --plain --no-legend '${glob}' | awk '$3 ~ /^(activating|deactivating)$/ {print $1}')
      [ -z "$moving" ] && break; sleep 0.1
    done; echo -n "$moving"`);
}
