import { describe, expect, it } from 'vitest';
import { backScriptArgs, parseBackReport } from '../../src/steps/django-back-script.js';

describe('the way-back script', () => {
  it("finds its report after Django's own output, even on the line a migration began ('Unapplying x...')", () => {
    const report = { vendor: 'sqlite', unknown: ['polls.0005_x'], orphans: [], targets: { polls: '0004_y' }, undo: [], irreversible: [] };
    const out = `Running migrations:\n  Unapplying polls.0005_x...BG-BACK ${JSON.stringify({ ...report, error: 'IntegrityError: NOT NULL' })}\n`;
    expect(parseBackReport(out)).toEqual({ ...report, error: 'IntegrityError: NOT NULL' });
    expect(parseBackReport('Traceback (most recent call last):\n  KeyError\n')).toBeUndefined();
  });

  it('is one `shell -c` word for sh: the input inside, no % or $ for systemd or the shell to expand', () => {
    const args = backScriptArgs({ mode: 'rehearse', known: ['polls.0001_initial'], apps: ['polls'] });
    expect(args.startsWith("shell -c '")).toBe(true);
    expect(args).toContain('polls.0001_initial');
    expect(args).not.toMatch(/[%$]/);
  });
});
