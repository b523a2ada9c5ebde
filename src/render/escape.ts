// Turning config values into text that systemd and Caddy read back as exactly that value.
// Config validation already refuses most of what is rejected here; this is the second line of
// defence against a value that would inject directives.
import { ConfigError } from '../errors.js';

/** Throws unless `value` is a single line (a newline in a unit file value starts a new directive). */
export function assertOneLine(value: string, what: string): string {
  if (/[\r\n]/.test(value)) {
    throw new ConfigError(`${what} contains a line break: ${JSON.stringify(value)}`, {
      next: `Remove the line break from ${what} in the config.`,
    });
  }
  return value;
}

/** A unit file value: one line, `%` doubled so systemd does not read it as a specifier. */
export function unitValue(value: string, what: string): string {
  return assertOneLine(value, what).replace(/%/g, '%%');
}

/** One `Environment=` assignment, quoted: specifiers escaped, and systemd's C-style unquoting undone. */
export function environmentValue(name: string, value: string, what: string): string {
  return `"${unitValue(`${name}=${value}`, what).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const SAFE_EXEC_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One ExecStart= word: specifiers and `$` escaped, quoted when systemd would split or unescape it. */
export function execWord(word: string, what: string): string {
  const escaped = unitValue(word, what).replace(/\$/g, '$$$$');
  if (SAFE_EXEC_WORD.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * A whole ExecStart= command line. systemd reads prefixes (`-`, `@`, `:`, `+`, `!`) off the first
 * word even when quoted, so a command starting with one is refused instead of escaped.
 * A first word that is not absolute is kept: systemd 252 looks it up in its own fixed PATH.
 */
export function execLine(words: string[], what: string): string {
  if (words.length === 0 || words[0] === '') {
    throw new ConfigError(`${what} is empty`, { next: `Set ${what} to a command.` });
  }
  if (/^[-@:+!]/.test(words[0])) {
    throw new ConfigError(`${what} starts with ${JSON.stringify(words[0][0])}, which systemd reads as an ExecStart prefix`, {
      next: `Give ${what} as the path of the executable.`,
    });
  }
  return words.map((w) => execWord(w, what)).join(' ');
}

/**
 * One Caddyfile token. Caddy has no escape for `{`/`}` (placeholders, `{$ENV}` substituted at
 * parse time) or backslashes we could rely on, so such values are refused; whitespace, quotes
 * and `#` are handled by quoting.
 */
export function caddyToken(value: string, what: string): string {
  assertOneLine(value, what);
  if (/[{}\\`]/.test(value) || value === '') {
    throw new ConfigError(`${what} cannot be written into a Caddyfile: ${JSON.stringify(value)}`, {
      next: `Use a value without braces, backslashes or backticks for ${what}.`,
    });
  }
  if (/^[^\s"#]+$/.test(value)) return value;
  return `"${value.replace(/"/g, '\\"')}"`;
}

/** The site address line: Caddyfile syntax of its own (`a.com, b.com`), so written as given once checked. */
export function caddySite(site: string, what: string): string {
  assertOneLine(site, what);
  if (site.trim() === '' || /[{}\\`"#]/.test(site)) {
    throw new ConfigError(`${what} is not a Caddy site address: ${JSON.stringify(site)}`, {
      next: `Use addresses like ":8080", "example.com" or "http://localhost:8080" for ${what}.`,
    });
  }
  return site.trim();
}
