import { describe, expect, it } from 'vitest';
import { validateRef } from '../../src/config/ref.js';
import { UsageError } from '../../src/errors.js';

function refusal(ref: string): UsageError {
  try {
    validateRef(ref);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error(`validateRef accepted ${JSON.stringify(ref)}`);
}

describe('validateRef', () => {
  it.each(['main', 'feature/x', 'v1.2.3', 'release-2024_01', 'a1b2c3d', '0123456789abcdef0123456789abcdef01234567', 'user@host', 'x+y'])(
    'accepts %j',
    (ref) => {
      expect(() => validateRef(ref)).not.toThrow();
    },
  );

  it.each([
    ['', 'empty'],
    ['--upload-pack=x', 'starts with "-"'],
    ['-x', 'starts with "-"'],
    ['a;b', '";"'],
    ['a b', 'whitespace'],
    ['x\nExecStart=/bin/sh', 'whitespace or a control character'],
    ['a\tb', 'whitespace'],
    ['a\u0001b', 'control character'],
    ['a\u007fb', 'control character'],
    ['$(id)', '"$"'],
    ['a`id`', '"`"'],
    ['a|b', '"|"'],
    ['a&b', '"&"'],
    ['a>b', '">"'],
    ['a<b', '"<"'],
    ["a'b", `"'"`],
    ['a"b', '"\\""'],
    ['a~1', '"~"'],
    ['a^{}', '"^"'],
    ['a:b', '":"'],
    ['a?', '"?"'],
    ['a*', '"*"'],
    ['a[0]', '"["'],
    ['a\\b', '"\\\\"'],
    ['a{b}', '"{"'],
    ['a!b', '"!"'],
    ['a#b', '"#"'],
    ['a(b)', '"("'],
    ['a..b', '".."'],
    ['main@{1}', '"{"'],
    ['feature/', 'ends with "/"'],
    ['main.lock', '".lock"'],
    ['main.', 'ends with "."'],
    ['a//b', '"//"'],
    ['/main', 'starts with "/"'],
    ['a/.hidden', 'starts with "."'],
    ['@', '"@"'],
  ])('refuses %j (%s)', (ref, why) => {
    const err = refusal(ref);
    expect(err.message).toContain(JSON.stringify(ref));
    expect(err.message).toContain(why);
    expect(err.message).toContain('branch, tag or commit sha');
    expect(err.message).not.toContain('\n');
    expect(err.exitCode).toBe(2);
    expect(err.state).toBe('Nothing was changed.');
  });
});
