import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Container, startContainer } from '../harness/container.js';
import { jsonEvent } from '../support/json-events.js';
import { type App, makeApp } from './app-host.js';

// The venv bg builds, attacked by the app's own user (a compromised app process): it plants a fake
// venv where bg used to build them (shared/venvs, which it owns) and tries the new place, and keeps
// swapping bg's temp venv while a deploy builds one. Root must never run its Python, and the live
// units must run a venv that only root could have written.
describe('the venv against its own app user', () => {
  let c: Container;
  let shop: App;
  const VENVS = '/srv/shop/venvs';
  const FAKE = '/srv/shop/shared/fake-venv';
  // as the app runs: its uid and gid, its groups, no capabilities
  const asApp = (script: string) => `setpriv --reuid=shop --regid=shop --init-groups -- sh -c '${script.replace(/'/g, `'\\''`)}'`;
  // the venv's name, as bg derives it from the requirements: an attacker can compute it too
  const venvId = (requirements: string) =>
    createHash('sha256').update(`/usr/bin/python3\0true\0requirements.txt\0${requirements}\0`).digest('hex').slice(0, 16);
  const status = async () =>
    jsonEvent((await shop.bg('status --json')).stdout, 'status') as {
      active: string;
      problems: { code: string; severity: string; message: string; next: string }[];
    };
  const venvProblem = async () => (await status()).problems.find((p) => p.code === 'venv-untrusted');
  // every component of the path, links followed, with its owner: none may be the app's
  const ownersOnTheWay = (path: string) => c.ok(`namei -l ${path} | tail -n +2 | awk '{print $2}' | sort -u`);

  beforeAll(async () => {
    c = await startContainer();
    shop = await makeApp(
      c,
      'shop',
      { blue: 8001, green: 8002, site: 8080 },
      'build:\n  - echo "built by $(id -un)" > BUILT\nvenv:\n  python: /usr/bin/python3\n  system_site_packages: true\n',
    );
    // a branch whose requirements changed: its deploy builds a new venv
    await c.ok(`set -e; cd /srv/git/shop; g() { git -c user.name=t -c user.email=t@t.invalid "$@"; }
      g checkout -q -b reqs v2; echo '# pinned later' >> requirements.txt; g commit -qam 'requirements changed'; g checkout -q main`);
  });
  afterAll(async () => c?.stop());

  it("setup builds the venv root's (0755) under <root>/venvs, outside shared/; the web unit runs its Python", async () => {
    const r = await shop.bg('setup');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const id = venvId(await c.ok('git -C /srv/git/shop show main:requirements.txt'));
    expect(await c.ok('readlink /srv/shop/blue/.venv')).toBe(`${VENVS}/${id}\n`);
    expect(await c.ok(`stat -c '%U:%G %a' ${VENVS} ${VENVS}/${id} ${VENVS}/${id}/.bg-complete`)).toBe(
      'root:root 755\nroot:root 755\nroot:root 644\n',
    );
    expect(await c.ok('test ! -e /srv/shop/shared/venvs && echo none')).toBe('none\n');
    expect(await c.ok('systemctl show -p ExecStart --value shop-web-blue.service')).toContain('path=/srv/shop/blue/.venv/bin/python ;');
    expect(await shop.get()).toBe('v1');
  });

  it("the app user's fake venvs and temp-dir swaps during a deploy: root runs none of them, the new units run a root-owned venv's Python", async () => {
    const id = venvId(await c.ok('git -C /srv/git/shop show reqs:requirements.txt'));
    // its fake venv: a python that would leave a file in /etc if root ran it
    await c.ok(
      asApp(`set -e; mkdir -p ${FAKE}/bin
        printf '#!/bin/sh\\ntouch /etc/PWNED-ROOT\\nexec /usr/bin/python3 "$@"\\n' > ${FAKE}/bin/python
        chmod 755 ${FAKE}/bin/python; cp ${FAKE}/bin/python ${FAKE}/bin/pip; touch ${FAKE}/.bg-complete
        cd /srv/shop/shared; if [ -d venvs ] && [ "$(stat -c %U venvs)" != shop ]; then mv venvs venvs.was; fi
        mkdir -p venvs; cp -a ${FAKE} venvs/${id}`),
    );
    // the new place: every way in is shut to it
    const tries = await c.sh(
      asApp(`for t in "mkdir ${VENVS}/${id}" "cp -a ${FAKE} ${VENVS}/${id}" "ln -s ${FAKE} ${VENVS}/${id}" "mv ${VENVS} ${VENVS}.old" "ln -s ${FAKE} /srv/shop/venvs2" "touch ${VENVS}/$(ls ${VENVS} | head -1)/.bg-complete"; do
          if $t 2>/dev/null; then echo "WON: $t"; else echo "refused: $t"; fi; done`),
    );
    expect(tries.stdout).not.toContain('WON');
    expect(tries.stdout.match(/refused/g)).toHaveLength(6);
    // while the deploy builds: swap every temp venv it can see for its own, in the new place and the old
    const swapper = c.spawn(
      asApp(`n=0; won=0; while [ ! -e /run/venv-attack.stop ]; do
          for d in ${VENVS}/*.tmp-* /srv/shop/shared/venvs/*.tmp-*; do
            [ -d "$d" ] || continue; n=$((n+1))
            if mv "$d" "$d.gone-$n" 2>/dev/null && cp -a ${FAKE} "$d" 2>/dev/null; then won=$((won+1)); fi
          done; sleep 0.01; done; echo "$n $won"`),
    );
    const d = await shop.bg('--json deploy reqs');
    await c.ok('touch /run/venv-attack.stop');
    const [seen, won] = (await swapper.wait()).stdout.trim().split(' ').map(Number);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toContain(`"detail":"venvs/${id} built"`);
    expect(seen, 'the swapper saw the temp venv of the build').toBeGreaterThan(0);
    expect(won).toBe(0);
    expect(await c.ok('test ! -e /etc/PWNED-ROOT && echo clean')).toBe('clean\n');
    // green runs from the venv root built: the link, every directory on the way, the Python itself
    expect(await c.ok('readlink /srv/shop/green/.venv')).toBe(`${VENVS}/${id}\n`);
    expect(await ownersOnTheWay('/srv/shop/green/.venv/bin/python')).toBe('root\n');
    const pid = (await c.ok('systemctl show -p MainPID --value shop-web-green.service')).trim();
    const exe = (await c.ok(`readlink /proc/${pid}/exe`)).trim();
    expect(exe).toMatch(/^\/usr\/bin\/python3/);
    expect(await c.ok(`stat -c %U ${exe}`)).toBe('root\n');
    expect(await c.ok(`tr '\\0' ' ' < /proc/${pid}/cmdline`)).toMatch(/^\/srv\/shop\/green\/\.venv\/bin\/python -m gunicorn /);
    expect(await shop.get()).toBe('v2');
    expect(await venvProblem()).toBeUndefined();
  });

  it("a venv handed to the app's user is never reused: status says so, the deploy is refused with the fix, and the fix works", async () => {
    const id = venvId(await c.ok('git -C /srv/git/shop show reqs:requirements.txt'));
    await c.ok(`chown -R shop:shop ${VENVS}/${id}`);
    const p = await venvProblem();
    expect(p?.severity).toBe('error');
    expect(p?.message).toContain(`${VENVS}/${id} is owned by uid`);
    expect(p?.next).toContain(`rm -rf ${VENVS}/${id} && bluegreen deploy`);
    // the same requirements: the deploy would reuse it
    const d = await shop.bg('deploy reqs');
    expect(d.code).toBe(1);
    expect(d.stderr).toContain(`bg will not build or run the venv: ${VENVS}/${id} is owned by uid`);
    expect(d.stderr).toContain(`rm -rf ${VENVS}/${id}`);
    expect(d.stderr).toContain('old version still serving');
    expect(await shop.get()).toBe('v2');
    expect(await c.ok('test ! -e /etc/PWNED-ROOT && echo clean')).toBe('clean\n');
    // as it says
    await c.ok(`rm -rf ${VENVS}/${id}`);
    const again = await shop.bg('deploy reqs');
    expect(again.code, again.stderr).toBe(0);
    expect(await ownersOnTheWay('/srv/shop/blue/.venv/bin/python')).toBe('root\n');
    expect(await venvProblem()).toBeUndefined();
  });

  it('a host whose live release runs a venv from shared/venvs (before this layout): status says so; the next deploy runs from <root>/venvs', async () => {
    const live = (await c.ok('readlink -f /srv/shop/blue')).trim();
    const id = (await c.ok(`basename $(readlink ${live}/.venv)`)).trim();
    // what an older bg left: the venv under shared/venvs, and the release linked to it
    await c.ok(
      `set -e; mkdir -p /srv/shop/shared/venvs; cp -a ${VENVS}/${id} /srv/shop/shared/venvs/${id}; ln -sfn /srv/shop/shared/venvs/${id} ${live}/.venv`,
    );
    const p = await venvProblem();
    expect(p?.severity).toBe('error');
    expect(p?.message).toContain(`points at /srv/shop/shared/venvs/${id}, outside ${VENVS}`);
    expect(p?.next).toContain('bluegreen deploy');
    const d = await shop.bg('deploy v3');
    expect(d.code, d.stderr).toBe(0);
    expect(await c.ok('readlink /srv/shop/green/.venv')).toMatch(new RegExp(`^${VENVS}/[0-9a-f]{16}\\n$`));
    expect(await venvProblem()).toBeUndefined();
    expect(await shop.get()).toBe('v3');
  });
});
