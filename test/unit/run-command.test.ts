import { describe, expect, it } from 'vitest';
import { runCommandArgs, SYSTEM_PATH } from '../../src/render/run-command.js';
import { sandboxLines } from '../../src/render/sandbox.js';
import { sampleConfig } from '../support/sample-config.js';

const caller = { PATH: '/root/bin:/usr/bin', HOME: '/root', LANG: 'en_US.UTF-8', TERM: 'xterm-256color' };
const input = { command: ['sh', '-c', 'x=1; echo $x $HOME'], color: 'green' as const, cwd: '/srv/shop/current', tty: true, caller };
const envOf = (args: string[]) => args.flatMap((a, i) => (args[i - 1] === '-E' ? [a] : []));
const propsOf = (args: string[]) => args.flatMap((a, i) => (args[i - 1] === '-p' ? [a] : []));

describe("bluegreen run's systemd-run line", () => {
  it('system scope: a pty, the env file read by systemd, the units’ sandbox, and only PATH, HOME, LANG, TERM, BG_COLOR', () => {
    const cfg = sampleConfig();
    const args = runCommandArgs(cfg, { ...input, venvBin: '/srv/shop/current/.venv/bin' });
    expect(args.slice(0, 4)).toEqual(['--pty', '--wait', '--collect', '--quiet']);
    expect(args).toContain('--working-directory=/srv/shop/current');
    expect(envOf(args)).toEqual([
      `PATH=/srv/shop/current/.venv/bin:${SYSTEM_PATH}`,
      'HOME=/srv/shop',
      'LANG=en_US.UTF-8',
      'TERM=xterm-256color',
      'BG_COLOR=green',
    ]);
    expect(propsOf(args)).toEqual(['EnvironmentFile=/etc/bg/shop.env', ...sandboxLines(cfg)]);
    expect(propsOf(args)).toContain('User=shop');
  });

  it('the command comes after --, every $ doubled so systemd passes it through as written', () => {
    const args = runCommandArgs(sampleConfig(), input);
    expect(args.slice(args.indexOf('--') + 1)).toEqual(['sh', '-c', 'x=1; echo $$x $$HOME']);
  });

  it('without a terminal: pipes and no TERM; a caller value with a control character is dropped', () => {
    const args = runCommandArgs(sampleConfig(), { ...input, tty: false, caller: { ...caller, LANG: 'C\nX=1' } });
    expect(args).toContain('--pipe');
    expect(args).not.toContain('--pty');
    expect(envOf(args)).toEqual([`PATH=${SYSTEM_PATH}`, 'HOME=/srv/shop', 'BG_COLOR=green']);
  });

  it("user scope: the user manager, the caller's own PATH and HOME, no User=", () => {
    const args = runCommandArgs(sampleConfig({ scope: 'user' }), input);
    expect(args[0]).toBe('--user');
    expect(envOf(args)).toContain('PATH=/root/bin:/usr/bin');
    expect(envOf(args)).toContain('HOME=/root');
    expect(propsOf(args).some((p) => p.startsWith('User='))).toBe(false);
  });
});
