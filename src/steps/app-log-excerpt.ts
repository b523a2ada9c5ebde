// The part of a unit's log that says why it failed: the last Python traceback and its exception
// line, else the last lines. Journal lines (`journalctl -o short-iso`) carry a prefix
// (`2026-12-03T10:00:00+0000 host gunicorn[123]: `); log_dir's lines do not. Pure.

const JOURNAL_PREFIX = /^\d{4}-\d\d-\d\dT\S+ \S+ [^:\s]+(?:\[\d+\])?: /;
// `ZeroDivisionError: division by zero`, `django.db.utils.OperationalError: no such table: x`, `KeyError: 'X'`
const EXCEPTION_LINE = /^(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Failure|DoesNotExist|NotFound)(?::|$)/;
const TRACEBACK_START = /^Traceback \(most recent call last\):/;

export const EXCERPT_MAX = 40; // lines
const TAIL = 30;

const messageOf = (line: string) => line.replace(JOURNAL_PREFIX, '');

export interface Excerpt {
  lines: string[];
  exception?: string; // the exception line, without the journal's prefix
  skipped: number; // lines after the excerpt left out
}

/** At most EXCERPT_MAX lines: the last ones when they hold the last exception, else that traceback up to its exception line. */
export function appLogExcerpt(text: string): Excerpt {
  const lines = text.replace(/\n+$/, '').split('\n');
  let at = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (EXCEPTION_LINE.test(messageOf(lines[i]!))) {
      at = i;
      break;
    }
  }
  if (at < 0 || at >= lines.length - TAIL) {
    return { lines: lines.slice(-TAIL), skipped: 0, ...(at >= 0 && { exception: messageOf(lines[at]!) }) };
  }
  let start = Math.max(0, at - (EXCERPT_MAX - 1));
  for (let i = at; i >= start; i--) {
    if (TRACEBACK_START.test(messageOf(lines[i]!))) {
      start = i > start ? i - 1 : i; // the line before names the request (Django's "Internal Server Error: /health/")
      break;
    }
  }
  return { lines: lines.slice(start, at + 1), exception: messageOf(lines[at]!), skipped: lines.length - at - 1 };
}
