import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { useScene } from '../support/scene.js';

// venv: bg builds the release's .venv from Debian's Python, one per set of requirements, shared by
// the releases that have the same ones; a deploy that changes no requirement runs no pip. (No
// package index here: requirements stay empty, and the venv sees Debian's packages.)
describe('venv', () => {
  const sb = inject('sandbox');
  const s = useScene({
    extraYaml: 'venv:\n  requirements: [requirements.txt]\n  python: /usr/bin/python3\n  system_site_packages: true\n',
  });
  const steps = (stdout: string) =>
    stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; step?: string; status?: string; detail?: string });
  const venvDetail = (stdout: string) => steps(stdout).find((e) => e.step?.startsWith('venv-') && e.status === 'done')?.detail ?? '';

  beforeAll(async () => {
    const git = (...a: string[]) => execFileSync('git', ['-C', s.repo, '-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...a]);
    for (const branch of ['main', 'v2']) {
      git('checkout', '-q', branch);
      writeFileSync(`${s.repo}/requirements.txt`, "# nothing beyond Debian's packages\n");
      git('add', 'requirements.txt');
      git('commit', '-qm', 'requirements');
    }
    git('checkout', '-q', '-b', 'v2-reqs', 'v2');
    writeFileSync(`${s.repo}/requirements.txt`, '# changed\n');
    git('commit', '-qam', 'changed requirements');
    git('checkout', '-q', 'main');
  });

  it("setup builds the venv from the named Python; gunicorn runs on the venv's Python", async () => {
    const r = await s.bg(['--json', 'setup']);
    expect(r.code, r.stderr).toBe(0);
    expect(venvDetail(r.stdout)).toMatch(/^venvs\/[0-9a-f]{16} built$/);
    const unit = readFileSync(`${sb.unitDir}/${s.app}-web-blue.service`, 'utf8');
    expect(unit).toMatch(new RegExp(`^ExecStart=${s.dir}/srv/blue/\\.venv/bin/python -m gunicorn `, 'm'));
    expect(await s.get('/')).toEqual({ status: 200, body: 'v1 hello' });
  });

  it('a deploy with the same requirements reuses it (no pip); changed requirements get a new one', async () => {
    const same = await s.bg(['--json', 'deploy', 'v2']);
    expect(same.code, same.stderr).toBe(0);
    expect(venvDetail(same.stdout)).toContain('reused: requirements unchanged, no pip');
    expect(readlinkSync(`${s.dir}/srv/green/.venv`)).toBe(readlinkSync(`${s.dir}/srv/blue/.venv`));
    const changed = await s.bg(['--json', 'deploy', 'v2-reqs']);
    expect(changed.code, changed.stderr).toBe(0);
    expect(venvDetail(changed.stdout)).toMatch(/built$/);
    expect(readdirSync(`${s.dir}/srv/venvs`).filter((n) => !n.includes('.tmp-'))).toHaveLength(2);
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
  });

  it('a venv without gunicorn is refused when it is built, saying how to add it; what serves is untouched', async () => {
    const cfg = `${s.dir}/no-site.yml`;
    writeFileSync(cfg, readFileSync(s.configPath, 'utf8').replace('system_site_packages: true', 'system_site_packages: false'));
    const r = await s.bg(['--config', cfg, 'deploy', 'v2'], { config: false });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The venv has no gunicorn');
    expect(r.stderr).toContain('system_site_packages: true');
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
  });

  it('with requirements: [] the refusal says the list is empty instead of naming no file', async () => {
    const cfg = `${s.dir}/no-reqs.yml`;
    writeFileSync(
      cfg,
      readFileSync(s.configPath, 'utf8')
        .replace('system_site_packages: true', 'system_site_packages: false')
        .replace('requirements: [requirements.txt]', 'requirements: []'),
    );
    const r = await s.bg(['--config', cfg, 'deploy', 'v2'], { config: false });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "venv.requirements is empty: set venv.system_site_packages: true with Debian's gunicorn installed, or list a requirements file with gunicorn in venv.requirements.",
    );
    expect(await s.get('/')).toEqual({ status: 200, body: 'v2 hello' });
  });
});
