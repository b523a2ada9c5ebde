// The worker unit's quiesce and readiness lines, run the way systemd runs them (specifiers, $$ and
// quotes undone) against a stand-in celery that records its arguments and the broker its environment
// names: which broker each reaches, and that the URL is never an argument.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BRPOP_WAIT_S } from '../../src/render/celery-control.js';
import { renderWorkerUnit } from '../../src/render/units.js';
import { sampleConfig } from '../support/sample-config.js';

const dir = mkdtempSync(join(tmpdir(), 'bg-celery-control-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const argsFile = join(dir, 'args');
const fake = join(dir, 'celery');
// answers every call at once; records one line per call: the broker celery reads from its
// environment (CELERY_BROKER_URL, and BROKER_URL, which celery's -b would take and which must agree),
// then its arguments; `inspect reserved` answers with what $RESERVED says (default: nothing reserved)
writeFileSync(
  fake,
  `#!/bin/sh\nif [ "$CELERY_BROKER_URL" = "$BROKER_URL" ]; then via=$CELERY_BROKER_URL; else via=MISMATCH; fi\necho "\${via:+via $via: }$*" >> ${argsFile}\ncase "$*" in *"inspect reserved"*) echo "{\\"w@h\\": [\${RESERVED:-}]}";; esac\n`,
);
chmodSync(fake, 0o755);

/** The words systemd would exec for one Exec line's value (quotes, specifiers and $$ undone). */
function systemdWords(value: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of value.matchAll(re)) words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return words.map((w) => w.replace(/%%/g, '\0').replace(/%H/g, 'testhost').replace(/\0/g, '%').replace(/\$\$/g, '$'));
}

function run(execValue: string, env: Record<string, string>): string[] {
  rmSync(argsFile, { force: true });
  // the wait for kombu's poll is not what these tests look at
  const [cmd, ...args] = systemdWords(execValue.replace(/^-/, '').replace(`sleep ${BRPOP_WAIT_S}`, 'sleep 0'));
  execFileSync(cmd, args, { env: { PATH: '/usr/bin:/bin', MAINPID: String(process.pid), ...env } });
  return readFileSync(argsFile, 'utf8').trim().split('\n').sort();
}

const unitLine = (unit: string, key: string) =>
  unit
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));

describe('Celery remote control from the worker unit', () => {
  const base = sampleConfig();
  const withQueues = (extra: object) => ({ ...base, celery: { ...base.celery!, queues: ['celery', 'mail.high'], ...extra } });

  it('talks to the broker the env file names, without importing the app: every queue at once, then idle processes go', () => {
    const unit = renderWorkerUnit(withQueues({}), 'blue', [fake]);
    const stops = unitLine(unit, 'ExecStop');
    expect(stops).toHaveLength(1);
    expect(stops[0]).toContain(`sleep ${BRPOP_WAIT_S}; wait`);
    expect(run(stops[0], { REDIS_URL: 'redis://127.0.0.1:6390/3' })).toEqual([
      'via redis://127.0.0.1:6390/3: control cancel_consumer celery --timeout 2 --destination shop-blue@testhost',
      'via redis://127.0.0.1:6390/3: control cancel_consumer mail.high --timeout 2 --destination shop-blue@testhost',
      'via redis://127.0.0.1:6390/3: control pool_shrink 2 --timeout 0.5 --destination shop-blue@testhost',
      'via redis://127.0.0.1:6390/3: inspect reserved --timeout 0.5 --destination shop-blue@testhost --json',
    ]);
    // a task on its way to the pool: no process is let go
    expect(
      run(stops[0], { REDIS_URL: 'redis://127.0.0.1:6390/3', RESERVED: '{"id": "x"}' }).filter((l) => l.includes('pool_shrink')),
    ).toEqual([]);
    const [ready] = unitLine(unit, 'ExecStartPost');
    expect(run(ready, { REDIS_URL: 'redis://127.0.0.1:6390/3' })).toEqual([
      'via redis://127.0.0.1:6390/3: inspect ping --timeout 0.5 --destination shop-blue@testhost',
    ]);
  });

  it('prefers CELERY_BROKER_URL, then BROKER_URL, then REDIS_URL, as the deploy check does', () => {
    const [ready] = unitLine(renderWorkerUnit(withQueues({}), 'green', [fake]), 'ExecStartPost');
    const all = { CELERY_BROKER_URL: 'redis://a:1/0', BROKER_URL: 'redis://b:2/0', REDIS_URL: 'redis://c:3/0' };
    expect(run(ready, all)[0]).toMatch(/^via redis:\/\/a:1\/0: inspect ping .* shop-green@testhost$/);
    expect(run(ready, { ...all, CELERY_BROKER_URL: '' })[0]).toMatch(/^via redis:\/\/b:2\/0: /);
    expect(run(ready, { REDIS_URL: 'redis://c:3/0' })[0]).toMatch(/^via redis:\/\/c:3\/0: /);
  });

  it('uses celery.broker over the env file, and falls back to importing the app when nothing names a broker', () => {
    const unit = renderWorkerUnit(withQueues({ broker: 'redis://10.0.0.5:6379/1' }), 'blue', [fake]);
    // systemd sets the unit's Environment= for ExecStartPost, and the env file's keys after it
    const unitEnv = Object.fromEntries(unitLine(unit, 'Environment').map((v) => v.replace(/^"|"$/g, '').split(/=(.*)/s).slice(0, 2)));
    expect(unitEnv.BG_CELERY_BROKER).toBe('redis://10.0.0.5:6379/1');
    const [configured] = unitLine(unit, 'ExecStartPost');
    expect(run(configured, { ...unitEnv, REDIS_URL: 'redis://c:3/0', CELERY_BROKER_URL: 'redis://a:1/0' })[0]).toMatch(
      /^via redis:\/\/10\.0\.0\.5:6379\/1: inspect ping /,
    );
    const [quiesce] = unitLine(renderWorkerUnit(withQueues({}), 'blue', [fake]), 'ExecStop');
    expect(run(quiesce, {}).filter((l) => l.includes('cancel_consumer'))).toEqual([
      '-A shop control cancel_consumer celery --timeout 2 --destination shop-blue@testhost',
      '-A shop control cancel_consumer mail.high --timeout 2 --destination shop-blue@testhost',
    ]);
  });

  it('gives up on a worker that never answers, saying which broker setting to check', () => {
    const silent = join(dir, 'silent');
    writeFileSync(silent, '#!/bin/sh\nexit 1\n');
    chmodSync(silent, 0o755);
    const [ready] = unitLine(renderWorkerUnit(withQueues({}), 'blue', [silent]), 'ExecStartPost');
    const [cmd, ...args] = systemdWords(ready);
    let stderr = '';
    try {
      execFileSync(cmd, args, { env: { PATH: '/usr/bin:/bin', MAINPID: String(process.pid), REDIS_URL: 'redis://c:3/0' }, stdio: 'pipe' });
    } catch (e) {
      stderr = String((e as { stderr: Buffer }).stderr);
    }
    expect(stderr).toMatch(/did not answer a ping through its broker 60 times.*set celery\.broker/);
  });

  it('never puts a broker URL in a command line: not the env file one, not celery.broker, not a password', () => {
    const secret = 'redis://:hunter2-broker-pw@127.0.0.1:6390/3';
    for (const cfg of [withQueues({}), withQueues({ broker: 'redis://10.0.0.5:6379/1' })]) {
      const unit = renderWorkerUnit(cfg, 'blue', [fake]);
      const execs = unit.split('\n').filter((l) => /^Exec\w*=/.test(l));
      expect(execs.length).toBeGreaterThanOrEqual(3);
      for (const l of execs) expect(l).not.toMatch(/redis:\/\/|amqps?:\/\/|10\.0\.0\.5/);
      // run as systemd would, with a password-bearing URL in the environment: celery gets it there only
      const lines = run(unitLine(unit, 'ExecStop')[0], {
        CELERY_BROKER_URL: secret,
        ...(cfg.celery?.broker && { BG_CELERY_BROKER: cfg.celery.broker }),
      });
      for (const l of lines) expect(l.slice(l.indexOf(': ') + 2)).not.toMatch(/redis:|hunter2/);
    }
  });
});
