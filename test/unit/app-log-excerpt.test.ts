import { describe, expect, it } from 'vitest';
import { appLogExcerpt, EXCERPT_MAX } from '../../src/steps/app-log-excerpt.js';

const j = (msg: string, pid = 4242) => `2026-12-03T10:00:00+0000 host gunicorn[${pid}]: ${msg}`;

// What Django's logger writes for one failing request, as journalctl -o short-iso shows it.
const djangoTraceback = (n: number) => [
  j(`Internal Server Error: /health/ (${n})`),
  j('Traceback (most recent call last):'),
  j('  File "/usr/lib/python3/dist-packages/django/core/handlers/exception.py", line 55, in inner'),
  j('    response = get_response(request)'),
  j('  File "/srv/shop/releases/r1/polls/views.py", line 9, in health'),
  j('    Question.objects.count()'),
  j('django.db.utils.OperationalError: no such table: polls_question'),
];

describe('appLogExcerpt', () => {
  it('keeps the last lines when they hold the last exception', () => {
    const log = [...Array.from({ length: 50 }, (_, i) => j(`[INFO] booting ${i}`)), ...djangoTraceback(1)].join('\n');
    const e = appLogExcerpt(`${log}\n`);
    expect(e.lines).toHaveLength(30);
    expect(e.lines.at(-1)).toBe(j('django.db.utils.OperationalError: no such table: polls_question'));
    expect(e.exception).toBe('django.db.utils.OperationalError: no such table: polls_question');
    expect(e.skipped).toBe(0);
  });

  it('finds a traceback buried under later lines (mail to the console) and stops at its exception line', () => {
    const after = Array.from({ length: 300 }, (_, i) => j(`Content-Type: text/plain; line ${i}`));
    const e = appLogExcerpt([j('[INFO] Booting worker'), ...djangoTraceback(7), ...after].join('\n'));
    expect(e.lines[0]).toBe(j('Internal Server Error: /health/ (7)'));
    expect(e.lines.at(-1)).toContain('OperationalError: no such table');
    expect(e.lines.length).toBeLessThanOrEqual(EXCERPT_MAX);
    expect(e.skipped).toBe(300);
  });

  it('caps a long traceback at EXCERPT_MAX lines that end at the exception', () => {
    const frames = Array.from({ length: 100 }, (_, i) => j(`  File "x.py", line ${i}, in f`));
    const log = [
      j('Traceback (most recent call last):'),
      ...frames,
      j('RecursionError: maximum recursion depth exceeded'),
      ...Array(40).fill(j('x')),
    ];
    const e = appLogExcerpt(log.join('\n'));
    expect(e.lines).toHaveLength(EXCERPT_MAX);
    expect(e.exception).toBe('RecursionError: maximum recursion depth exceeded');
  });

  it("reads log_dir's lines (no journal prefix), and without an exception keeps the last 30", () => {
    expect(appLogExcerpt('Traceback (most recent call last):\n  File "a.py"\nKeyError: \'SECRET_KEY\'').exception).toBe(
      "KeyError: 'SECRET_KEY'",
    );
    const plain = appLogExcerpt(Array.from({ length: 45 }, (_, i) => `line ${i}`).join('\n'));
    expect(plain.exception).toBeUndefined();
    expect(plain.lines).toHaveLength(30);
    expect(plain.lines[0]).toBe('line 15');
  });
});
