// The --json protocol: every event type written by bg's one writer and read back by the parser the
// fleet uses, the header first and only once.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type BgEvent, EVENT_NAMES, PROTOCOL_VERSION, type UnlistedEventName } from '../../src/protocol/events.js';
import { bgVersion } from '../../src/protocol/version.js';
import { eventOf, isRunEvent, parseLine, parseOutput } from '../../src/protocol/wire.js';
import { makeJsonWriter } from '../../src/protocol/writer.js';

const status = {
  app: 'shop',
  scope: 'system',
  active: 'blue',
  maintenance: false,
  upstream: { file: '/srv/shop/upstream.txt', port: 8000, caddy: ['127.0.0.1:8000'], mismatch: false },
  problems: [
    {
      code: 'unit-failed',
      severity: 'warning' as const,
      message: 'shop-worker-green.service failed',
      next: 'bluegreen logs worker --color green',
    },
  ],
  units: [
    {
      name: 'shop-web-blue.service',
      load: 'loaded',
      active: 'active',
      sub: 'running',
      pid: 4242,
      since: '2026-12-03T10:00:00.000Z',
      memory: 52_000_000,
    },
  ],
  memory: {
    colors: { blue: 52_000_000, green: null },
    headroom: { bytes: 900_000_000, by: 'MemAvailable' },
    need: { bytes: 52_000_000, from: 'blue' },
    fits: true,
  },
  releases: {
    blue: { id: '20261203-100000', commit: 'a1b2c3d', subject: 'Add checkout' },
    green: { id: null, commit: null, subject: null },
  },
  lastDeploy: {
    time: '2026-12-03T10:00:00.000Z',
    user: 'root',
    command: 'deploy',
    result: 'ok' as const,
    ms: 8123,
    steps: [{ name: 'switch-to-blue', ms: 40, ok: true }],
  },
  lastLog: { unit: 'shop-web-blue.service', lines: 'Booting worker with pid: 4243' },
  warnings: ['shop-worker-green.service failed'],
};

// one of each event, as bg prints it
const EVENTS: BgEvent[] = [
  { event: 'plan', command: 'deploy', from: 'blue', to: 'green', steps: ['checkout', 'start-green-web', 'switch-to-green'] },
  {
    event: 'plan',
    dryRun: true,
    command: 'deploy',
    from: 'blue',
    to: 'green',
    steps: [
      {
        name: 'start-green-web',
        action: { kind: 'start', unit: 'shop-web-green.service' },
        undo: { kind: 'stop', unit: 'shop-web-green.service' },
      },
    ] as never,
    notes: [],
    diffs: ['--- a\n+++ b'],
  },
  { event: 'step', step: 'checkout', status: 'start' },
  { event: 'step', step: 'checkout', status: 'done', ms: 812, detail: 'a1b2c3d' },
  { event: 'step', step: 'health-gate-green', status: 'failed', ms: 30_000, error: 'Health check never passed' },
  { event: 'undo', step: 'start-green-web', status: 'done', ms: 120 },
  { event: 'note', message: 'Took over a stale lock from pid 77 (bg deploy main, since 2026-12-03T09:00:00.000Z).' },
  { event: 'result', result: 'ok', command: 'deploy', from: 'blue', to: 'green', ms: 9001, commit: 'a1b2c3d' },
  {
    event: 'result',
    result: 'nothing-to-do',
    command: 'setup',
    from: 'blue',
    to: 'blue',
    notes: ['Nothing to do.'],
    message: 'Nothing to do.',
  },
  { event: 'result', result: 'ok', command: 'deploy', hosts: [{ name: 'web1', result: 'done', ms: 9001 }], ms: 9100 },
  {
    event: 'error',
    error: 'BgError',
    code: 'health-failed',
    step: 'health-gate-green',
    message: 'Health check never passed',
    state: 'Rolled back: old version still serving',
    next: 'bluegreen logs web --color green',
    exitCode: 1,
  },
  { event: 'status', ...status },
  { event: 'history', entries: [status.lastDeploy] },
  {
    event: 'backups',
    dir: '/srv/shop/backups',
    backups: [
      {
        file: '20261203-100000.sqlite3',
        size: 131072,
        taken: '2026-12-03T10:00:05.000Z',
        kind: 'sqlite',
        release: '20261203-100000',
        before: 'release',
        migrations: ['polls.0002_question_note'],
      },
    ],
  },
  {
    event: 'releases',
    releases: [
      {
        id: '20261203-100000',
        commit: 'a1b2c3d',
        ref: 'main',
        builtAt: '2026-12-03T10:00:00.000Z',
        status: 'built',
        colors: ['blue'],
        live: true,
      },
    ],
  },
  {
    event: 'fleet-status',
    hosts: [
      {
        name: 'web1',
        ssh: 'deploy@web1',
        celery: false,
        reachable: true,
        bg: '0.1.0',
        active: 'blue',
        release: '20261203-100000',
        commit: 'a1b2c3d',
        problems: [],
        status,
      },
    ],
  },
  {
    event: 'fleet-history',
    hosts: [
      { name: 'web1', entries: [status.lastDeploy] },
      { name: 'web2', entries: null, error: 'ssh: Connection refused' },
    ],
  },
  {
    event: 'fleet-releases',
    agree: false,
    summary: 'DISAGREE: web1 serves a1b2c3d (v3); web2 did not answer.',
    hosts: [
      {
        name: 'web1',
        live: { id: '20261203-100000', commit: 'a1b2c3d', ref: 'v3' },
        releases: [{ id: '20261203-100000', commit: 'a1b2c3d', ref: 'v3', builtAt: null, status: 'built', colors: ['blue'], live: true }],
      },
      { name: 'web2', live: null, releases: null, error: 'ssh: Connection refused' },
    ],
  },
  { event: 'step', step: 'switch-to-green', status: 'done', ms: 40, host: 'web1', at: 5120 },
];

describe('the --json protocol', () => {
  it('has an example here of every event name, and the parser knows every event type', () => {
    expectTypeOf<UnlistedEventName>().toEqualTypeOf<never>();
    expect(new Set(EVENTS.map((e) => e.event))).toEqual(new Set(EVENT_NAMES));
  });

  it.each(
    EVENTS.map(
      (e) =>
        [
          `${e.event}${'status' in e && typeof e.status === 'string' ? ` ${e.status}` : ''}${'result' in e && typeof e.result === 'string' ? ` ${e.result}` : ''}`,
          e,
        ] as const,
    ),
  )('round-trips %s: written by the writer, read back equal', (_, event) => {
    let text = '';
    makeJsonWriter((t) => (text += t))(event);
    const parsed = parseOutput(text);
    expect(parsed.header).toEqual({ v: PROTOCOL_VERSION, bg: bgVersion });
    expect(parsed.events).toEqual([event]);
  });

  it('writes the header as a line of its own, first, once; every line is one JSON value', () => {
    let text = '';
    const write = makeJsonWriter((t) => (text += t), '9.9.9');
    for (const e of EVENTS) write(e);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('{"v":1,"bg":"9.9.9"}');
    expect(lines).toHaveLength(EVENTS.length + 1);
    expect(lines.slice(1).map((l) => JSON.parse(l))).toEqual(EVENTS);
    expect(parseOutput(text).events).toEqual(EVENTS);
  });

  it('bg knows its own version (package.json), never "unknown"', () => {
    expect(bgVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('reads what is not an event (ssh banners, an older bg pretty-printing) as other, with no header', () => {
    expect(parseLine('Warning: Permanently added web1 to the list of known hosts.').kind).toBe('other');
    expect(parseLine('{"unrelated":true}').kind).toBe('other');
    expect(parseLine('{"event":"mystery"}').kind).toBe('other');
    expect(parseLine('{ broken').kind).toBe('other');
    const old = parseOutput(JSON.stringify({ active: 'blue', problems: [] }, null, 2));
    expect(old).toEqual({ header: undefined, events: [] });
  });

  it('finds an event by its name, typed', () => {
    const { events } = parseOutput(EVENTS.map((e) => JSON.stringify(e)).join('\n'));
    expect(eventOf(events, 'status')?.active).toBe('blue');
    expect(eventOf(events, 'error')?.exitCode).toBe(1);
    expect(eventOf(events, 'releases')?.releases[0].live).toBe(true);
  });

  it('a fleet passes on a host run lines only, never a dry run plan or a line that already names a host', () => {
    expect(EVENTS.filter(isRunEvent).map((e) => e.event)).toEqual([
      'plan',
      'step',
      'step',
      'step',
      'undo',
      'note',
      'result',
      'result',
      'result',
      'error',
    ]);
  });
});
