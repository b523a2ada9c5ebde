import { describe, expect, it } from 'vitest';
import { HealthError } from '../../src/errors.js';
import { gateFailure, logsCommand, statusAdvice } from '../../src/steps/gate-failure.js';
import { FakeHost } from '../support/fake-host.js';
import { sampleConfig } from '../support/sample-config.js';

const TRACEBACK = [
  'Internal Server Error: /health/',
  'Traceback (most recent call last):',
  '  File "/srv/shop/releases/r1/shop/views.py", line 4, in health',
  '    1 / 0',
  'ZeroDivisionError: division by zero',
];

describe('gateFailure', () => {
  it("adds the app's exception from this start, the unit and the logs command to the gate's error", async () => {
    const cfg = sampleConfig();
    const host = new FakeHost({ upstreamFile: '/etc/caddy/upstream.txt' });
    const asked: unknown[] = [];
    host.unitLog = async (unit: string, n: number, invocationId?: string) => {
      asked.push([unit, n, invocationId]);
      return [...Array.from({ length: 60 }, (_, i) => `[INFO] line ${i}`), ...TRACEBACK].join('\n');
    };
    host.systemd.unitState = async (unit: string) => ({
      name: unit,
      loadState: 'loaded',
      activeState: 'active',
      subState: 'running',
      result: 'success',
      mainPid: 7,
      invocationId: 'ab12',
    });
    const gate = new HealthError('The app answered HTTP 500 10 times in a row: GET http://127.0.0.1:8100/health/', {
      code: 'health-failing',
      detail: '10 tries in 1200 ms, expected HTTP 200; last response: HTTP 500: (an HTML page, not shown)',
    });
    const err = await gateFailure(host, cfg, 'green', 'shop-web-green.service', gate);
    expect(asked).toEqual([['shop-web-green.service', 400, 'ab12']]); // this start only
    expect(err.code).toBe('health-failing');
    expect(err.message).toBe('The app answered HTTP 500 10 times in a row: GET http://127.0.0.1:8100/health/ (shop-web-green.service)');
    expect(err.detail).toContain('shop-web-green.service in the journal, this start only, last 30 lines');
    expect(err.detail).toContain('ZeroDivisionError: division by zero');
    expect(err.next).toContain('The app failed with ZeroDivisionError: division by zero');
    expect(err.next).toContain('`bluegreen --config /srv/shop/bg.yml logs web --color green -n 200`');
  });

  it('a 404 names the missing route and the key that moves it; the advice comes before "see the log"', async () => {
    const host = new FakeHost({ upstreamFile: '/etc/caddy/upstream.txt' });
    host.unitLog = async () => 'Booting worker with pid: 12';
    const gate = new HealthError('The app answered HTTP 404 10 times in a row: GET http://127.0.0.1:8100/health/', {
      code: 'health-failing',
    });
    const err = await gateFailure(host, sampleConfig(), 'green', 'shop-web-green.service', gate);
    expect(err.next).toMatch(
      /^The app has no route at \/health\/: add one that answers 200 .*, or set web\.health\.path in \/srv\/shop\/bg\.yml to one it has\. See /,
    );
  });

  it('names the log file when the app logs to log_dir, and says so when no exception was found', async () => {
    const host = new FakeHost({ upstreamFile: '/etc/caddy/upstream.txt' });
    host.unitLog = async () => 'Booting worker with pid: 12';
    const err = await gateFailure(
      host,
      sampleConfig({ logDir: '/var/log/shop' }),
      'blue',
      'shop-web-blue.service',
      new HealthError('Health check never passed'),
    );
    expect(err.detail).toContain("shop-web-blue.service's log in /var/log/shop, last 1 lines:\nBooting worker with pid: 12");
    expect(err.next).toContain("See shop-web-blue.service's log above");
  });

  it('spells the logs command for user scope', () => {
    expect(logsCommand({ configPath: '/home/me/shop/bg.yml', scope: 'user' }, 'blue', 50)).toBe(
      'bluegreen --config /home/me/shop/bg.yml --user logs web --color blue -n 50',
    );
  });
});

describe('statusAdvice: what a wrong answer usually means', () => {
  const django = sampleConfig({ django: { manage: 'manage.py' } });
  it('400 on Django: the Host header and web.health.host; elsewhere nothing (a 400 has no one cause)', () => {
    expect(statusAdvice(django, 400)).toContain('set web.health.host in /srv/shop/bg.yml to a name it lists (the check sends');
    expect(statusAdvice(sampleConfig(), 400)).toBeUndefined();
  });
  it('a redirect: let the path answer as it is, or follow it; a 500 has its traceback instead', () => {
    expect(statusAdvice(sampleConfig(), 301)).toContain('The app redirects the check');
    expect(statusAdvice(sampleConfig(), 500)).toBeUndefined();
    expect(statusAdvice(sampleConfig(), undefined)).toBeUndefined();
  });
});
