import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useScene } from '../support/scene.js';

// The operator's hooks get the BG_* environment on success and on failure; a failing post_deploy hook
// is reported and leaves the new version serving.
describe('hooks', () => {
  const out = '>> $BG_APP_DIR_LOG';
  const s = useScene({
    extraYaml: [
      'hooks:',
      `  post_switch: ['echo "switch $BG_COMMAND $BG_FROM>$BG_TO $BG_RESULT $BG_REF" ${out}']`,
      `  post_deploy: ['echo "deploy $BG_COMMAND $BG_RESULT $BG_RELEASE \${BG_COMMIT%\${BG_COMMIT#????????}}" ${out}', 'test "$BG_REF" != v3']`,
      `  on_failure: ['echo "failure $BG_COMMAND $BG_RESULT $BG_ERROR" ${out}']`,
      '  timeout: 10',
    ].join('\n'),
    env: [],
  });
  const log = () => readFileSync(`${s.dir}/hooks.log`, 'utf8').trim().split('\n');
  beforeAll(async () => {
    process.env.BG_APP_DIR_LOG = `${s.dir}/hooks.log`;
    s.env.BG_APP_DIR_LOG = `${s.dir}/hooks.log`;
    const r = await s.bg(['setup']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('on success: post_switch then post_deploy, with the BG_* values', async () => {
    const r = await s.bg(['deploy', 'v2']);
    expect(r.code, r.stderr).toBe(0);
    const lines = log();
    expect(lines.at(-2)).toBe('switch deploy blue>green switched v2');
    expect(lines.at(-1)).toMatch(/^deploy deploy ok \d{8}-\d{6}(-\d+)? [0-9a-f]{8}$/);
  });

  it('on failure: on_failure after the undo, with the reason', async () => {
    const r = await s.bg(['deploy', 'unhealthy']);
    expect(r.code).toBe(1);
    expect(log().at(-1)).toMatch(
      /^failure deploy rolled-back deploy failed at step health-gate-blue|^failure deploy rolled-back Health check never passed|^failure deploy rolled-back The app answered HTTP 500 10 times in a row/,
    );
  });

  it('a failing post_deploy hook is reported and the deploy stands (exit 0, new version serving)', async () => {
    const r = await s.bg(['deploy', 'v3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('hook post_deploy[1]: test "$BG_REF" != v3 → FAILED (exit 1)');
    expect(await s.get('/')).toEqual({ status: 200, body: 'v3 hello' });
    expect(s.journal().at(-1)).toMatchObject({
      command: 'deploy',
      result: 'ok',
      hooks: [
        { name: 'hook post_switch[0]', ok: true },
        { name: 'hook post_deploy[0]', ok: true },
        { name: 'hook post_deploy[1]', ok: false },
      ],
    });
  });
});
