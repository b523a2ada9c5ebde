import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { alembicLine, onSqliteCopyRehearsalLine, rehearseLine, revisionsLine } from '../../src/render/argv/alembic.js';
import { GIT_ENV, gitArgs } from '../../src/render/argv/git.js';
import { journalctlArgs, tailArgs } from '../../src/render/argv/journalctl.js';
import { importCheckLine, manageLine, pipInstallLine, venvCreateLine } from '../../src/render/argv/python.js';
import { shellQuote, sshArgs, sshCommandLine } from '../../src/render/argv/ssh.js';
import { getentPasswdArgs, idArgs, purgeLine, ssEstablishedArgs, ssListeningArgs, useraddArgs } from '../../src/render/argv/system.js';

// Every command line bg builds, word for word: a change to one shows here, not on a host.
describe('ssh (fleet)', () => {
  const host = { name: 'web1', ssh: 'deploy@web1', config: '/etc/bg/shop.yml' };

  it('BatchMode, a connect timeout, the port when set, and the remote bg line as one word', () => {
    expect(sshArgs(host, ['deploy', 'main'])).toEqual([
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      'deploy@web1',
      'bluegreen --config /etc/bg/shop.yml deploy main',
    ]);
    expect(sshArgs({ ...host, port: 2222 }, ['--json', 'status'], 'bg')).toEqual([
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=10',
      '-p',
      '2222',
      'deploy@web1',
      'bg --config /etc/bg/shop.yml --json status',
    ]);
  });

  it('quotes each remote word for the remote shell: spaces, quotes and $ stay one literal word', () => {
    expect(shellQuote('main')).toBe('main');
    expect(shellQuote('feature/x-1.2')).toBe('feature/x-1.2');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$(reboot)')).toBe("'$(reboot)'");
    expect(sshArgs({ ...host, config: '/srv/my app/bg.yml' }, ['rollback', '--to', "x'; reboot #"]).at(-1)).toBe(
      "bluegreen --config '/srv/my app/bg.yml' rollback --to 'x'\\''; reboot #'",
    );
  });

  it('a remote word goes through sh as exactly itself', () => {
    for (const w of ["x'; reboot #", '$(id)', 'a b', '`id`', '\\', '"', '*']) {
      expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(w)}`], { encoding: 'utf8' })).toBe(w);
    }
  });

  it('the line shown to the operator quotes the remote line once more, as their shell needs it', () => {
    expect(sshCommandLine('ssh', host, ['status'])).toBe(
      "ssh -o BatchMode=yes -o ConnectTimeout=10 deploy@web1 'bluegreen --config /etc/bg/shop.yml status'",
    );
  });
});

describe('journalctl and tail (logs, status)', () => {
  it("a unit's last lines in its current run, quiet (status, errors)", () => {
    expect(
      journalctlArgs({
        scope: 'system',
        units: ['shop-web-blue.service'],
        invocationId: 'abc123',
        lines: 10,
        output: 'short-iso',
        quiet: true,
      }),
    ).toEqual(['-u', 'shop-web-blue.service', '_SYSTEMD_INVOCATION_ID=abc123', '-n', '10', '--no-pager', '-o', 'short-iso', '-q']);
  });

  it('bluegreen logs: --user in user scope, both colors, JSON, following', () => {
    expect(
      journalctlArgs({
        scope: 'user',
        units: ['shop-web-blue.service', 'shop-web-green.service'],
        lines: 50,
        output: 'json',
        follow: true,
      }),
    ).toEqual(['--user', '-u', 'shop-web-blue.service', '-u', 'shop-web-green.service', '-n', '50', '--no-pager', '-o', 'json', '-f']);
  });

  it("log_dir's files: -F only when following", () => {
    expect(tailArgs(['/var/log/shop/a.log', '/var/log/shop/b.log'], 50, true)).toEqual([
      '-n',
      '50',
      '-F',
      '/var/log/shop/a.log',
      '/var/log/shop/b.log',
    ]);
    expect(tailArgs(['/var/log/shop/a.log'], 0, false)).toEqual(['-n', '0', '/var/log/shop/a.log']);
  });
});

describe('git', () => {
  const cache = '/srv/shop/repo.git';
  const detached = ['-c', 'advice.detachedHead=false'];

  it('every user value sits after -- or --end-of-options', () => {
    expect(gitArgs.clone('--upload-pack=x', cache)).toEqual([
      ...detached,
      'clone',
      '--no-checkout',
      '--quiet',
      '--',
      '--upload-pack=x',
      cache,
    ]);
    expect(gitArgs.setOrigin(cache, 'git@example.com:shop.git')).toEqual([
      ...detached,
      '-C',
      cache,
      'remote',
      'set-url',
      'origin',
      '--',
      'git@example.com:shop.git',
    ]);
    expect(gitArgs.commitOf(cache, 'refs/remotes/origin/main')).toEqual([
      ...detached,
      '-C',
      cache,
      'log',
      '-1',
      '--format=%H%x00%s',
      '--end-of-options',
      'refs/remotes/origin/main^{commit}',
      '--',
    ]);
  });

  it('fetch, default branch, checkout, clean and HEAD', () => {
    expect(gitArgs.fetch(cache)).toEqual([
      ...detached,
      '-C',
      cache,
      'fetch',
      '--quiet',
      '--prune',
      '--tags',
      '--force',
      'origin',
      '--',
      '+refs/heads/*:refs/remotes/origin/*',
    ]);
    expect(gitArgs.originUrl(cache)).toEqual([...detached, '-C', cache, 'config', '--get', 'remote.origin.url']);
    expect(gitArgs.followDefaultBranch(cache)).toEqual([...detached, '-C', cache, 'remote', 'set-head', 'origin', '--auto']);
    expect(gitArgs.defaultBranch(cache)).toEqual([
      ...detached,
      '-C',
      cache,
      'symbolic-ref',
      '--quiet',
      '--short',
      'refs/remotes/origin/HEAD',
    ]);
    expect(gitArgs.checkoutDetached('/srv/shop/releases/r1', 'a'.repeat(40))).toEqual([
      ...detached,
      '-C',
      '/srv/shop/releases/r1',
      'checkout',
      '--quiet',
      '--force',
      '--detach',
      'a'.repeat(40),
    ]);
    expect(gitArgs.clean('/srv/shop/releases/r1')).toEqual([...detached, '-C', '/srv/shop/releases/r1', 'clean', '-ffd', '--quiet']);
    expect(gitArgs.head('/srv/shop/releases/r1')).toEqual([
      ...detached,
      '-C',
      '/srv/shop/releases/r1',
      'log',
      '-1',
      '--format=%H%x00%s',
      'HEAD',
    ]);
  });

  it('never prompts, and no transport that runs a command (ext::)', () => {
    expect(GIT_ENV).toEqual({ GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', GIT_ALLOW_PROTOCOL: 'file:git:http:https:ssh' });
  });
});

describe('venv, pip and manage.py (transient units)', () => {
  it('each path is one single-quoted word', () => {
    expect(venvCreateLine('/usr/bin/python3', true, '/srv/shop/venvs/abc.tmp-1')).toBe(
      "'/usr/bin/python3' -I -m venv --system-site-packages '/srv/shop/venvs/abc.tmp-1'",
    );
    expect(venvCreateLine('/usr/bin/python3', false, '/srv/shop/venvs/abc.tmp-1')).toBe(
      "'/usr/bin/python3' -I -m venv '/srv/shop/venvs/abc.tmp-1'",
    );
    expect(pipInstallLine('/srv/shop/venvs/abc.tmp-1/bin/pip', "req's.txt")).toBe(
      "'/srv/shop/venvs/abc.tmp-1/bin/pip' install --no-input -r 'req'\\''s.txt'",
    );
    expect(importCheckLine('/srv/shop/venvs/abc.tmp-1/bin/python', 'celery')).toBe(
      "'/srv/shop/venvs/abc.tmp-1/bin/python' -c 'import celery'",
    );
    expect(manageLine('/usr/bin/python3', 'manage.py', 'migrate --plan')).toBe("'/usr/bin/python3' 'manage.py' migrate --plan");
  });
});

describe('alembic (transient units)', () => {
  it('a rehearsal on a copy: the copy named by the variable (driver and query kept) and by BG_REHEARSE_COPY, the command run under the rehearsal guard', () => {
    const line = onSqliteCopyRehearsalLine(
      '/p/.venv/bin/python',
      {
        variable: 'DATABASE_URL',
        scheme: 'sqlite+aiosqlite',
        query: '?timeout=30',
        path: "/r/app's.db",
        instancePath: "/r/instance/app's.db",
      },
      ['flask', 'db'],
      'downgrade a1',
    );
    expect(line).toContain(`db='/r/app'\\''s.db'; inst='/r/instance/app'\\''s.db';`);
    expect(line).toContain(
      `BG_REHEARSE_COPY="$copy" DATABASE_URL="sqlite+aiosqlite:///$copy"'?timeout=30' ${rehearseLine('/p/.venv/bin/python', ['flask', 'db'], 'downgrade a1')}`,
    );
    expect(spawnSync('sh', ['-n', '-c', line]).status).toBe(0);
  });

  it('the command as written, then bg’s words; paths single-quoted; scripts one quoted word', () => {
    expect(alembicLine(['flask', 'db'], 'downgrade 48f7e8d113b3')).toBe('flask db downgrade 48f7e8d113b3');
    const rehearse = rehearseLine('/p/.venv/bin/python', ['flask', 'db'], 'downgrade a1');
    expect(rehearse.startsWith("'/p/.venv/bin/python' -c '")).toBe(true);
    expect(rehearse.endsWith(`' "$(command -v flask)" db downgrade a1`)).toBe(true);
    // the reader: one sh word for the script, then the ini and each project dir, each one word
    const words = execFileSync(
      'sh',
      ['-c', `printf '%s\\n' ${revisionsLine('/usr/bin/python3', 'migrations/alembic.ini', ['/a b', '/c'])}`],
      { encoding: 'utf8' },
    )
      .trimEnd()
      .split('\n');
    expect(words.slice(0, 2)).toEqual(['/usr/bin/python3', '-I']);
    expect(words.slice(-3)).toEqual(['migrations/alembic.ini', '/a b', '/c']);
  });
});

describe("the app's user and sockets", () => {
  it('getent, id and useradd: the name after --', () => {
    expect(getentPasswdArgs('shop')).toEqual(['passwd', '--', 'shop']);
    expect(idArgs('-G', 'shop')).toEqual(['-G', '--', 'shop']);
    expect(useraddArgs('shop', '/srv/shop', 'bg app shop')).toEqual([
      '--system',
      '--user-group',
      '--home-dir',
      '/srv/shop',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      '--comment',
      'bg app shop',
      '--',
      'shop',
    ]);
    expect(useraddArgs('shop', '/srv/shop')).toEqual([
      '--system',
      '--user-group',
      '--home-dir',
      '/srv/shop',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      '--',
      'shop',
    ]);
  });

  it('ss: a port filter, established or listening', () => {
    expect(ssEstablishedArgs(8001)).toEqual(['-Htn', 'state', 'established', '( sport = :8001 or dport = :8001 )']);
    expect(ssListeningArgs([8001, 8002])).toEqual(['-Htn', '-l', '( sport = :8001 or sport = :8002 )']);
  });
});

describe('remove --purge', () => {
  it('rm that follows no link and stays on one file system, the root one quoted word', () => {
    expect(purgeLine('/srv/shop')).toBe('rm -rf --one-file-system -- /srv/shop');
    expect(purgeLine('/srv/my shop')).toBe("rm -rf --one-file-system -- '/srv/my shop'");
  });
});
