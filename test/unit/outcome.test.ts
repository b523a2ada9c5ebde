import { describe, expect, it } from 'vitest';
import { outcomeOf, runFailure } from '../../src/cli/outcome.js';
import { BgError, EXIT } from '../../src/errors.js';
import type { RunResult } from '../../src/execute/executor.js';
import type { Plan } from '../../src/plan/step.js';
import { missingVariable } from '../../src/steps/build.js';
import { sampleConfig } from '../support/sample-config.js';

const cfg = sampleConfig();
const failed = (step: string): RunResult => ({
  ok: false,
  ms: 1,
  steps: [],
  failed: { step, error: new BgError('boom', { code: 'build' }) },
  undoFailed: [],
});

describe('the outcome of a failed run', () => {
  it('a first setup says nothing of the app serves yet, not "old version still serving"', () => {
    const plan: Plan = { command: 'setup', to: 'blue', steps: [], notes: [] };
    const err = runFailure('setup', cfg, plan, failed('build-blue'));
    expect(outcomeOf(err).state).toMatch(/serves nothing yet \(first setup\)/);
    expect(outcomeOf(err).state).not.toMatch(/old version/);
    expect(outcomeOf(err).exitCode).toBe(EXIT.deployFailed);
  });

  it('a deploy says the old version still serves, and from where', () => {
    const plan: Plan = { command: 'deploy', from: 'blue', to: 'green', steps: [], notes: [] };
    expect(outcomeOf(runFailure('deploy', cfg, plan, failed('build-green'))).state).toBe(
      'Rolled back: old version still serving from blue (port 8000); Celery as before.',
    );
  });

  it('a failed deploy in which release commands ran says they were not undone, and which migrations were applied', () => {
    const plan: Plan = { command: 'deploy', from: 'blue', to: 'green', steps: [], notes: [] };
    const ran = (finished: boolean): RunResult => ({
      ...failed('health-gate-green'),
      migrations: ['polls.0006_question_topic'],
      releaseRan: { commands: ['python3 manage.py migrate --noinput'], finished },
    });
    expect(outcomeOf(runFailure('deploy', cfg, plan, ran(true))).state).toBe(
      'Rolled back: old version still serving from blue (port 8000); Celery as before. But release commands ran and were not undone: python3 manage.py migrate --noinput. Migrations applied: polls.0006_question_topic.',
    );
    expect(outcomeOf(runFailure('deploy', cfg, plan, ran(false))).state).toMatch(/Some of these migrations may be applied: polls.0006/);
  });

  it('a build that wanted an environment variable is pointed at the env file', () => {
    expect(missingVariable("Traceback (most recent call last):\n  ...\nKeyError: 'DJANGO_SECRET_KEY'\n")).toBe('DJANGO_SECRET_KEY');
    expect(missingVariable('sh: 1: DATABASE_URL: parameter not set\n')).toBe('DATABASE_URL');
    expect(missingVariable('error: something else\n')).toBeUndefined();
  });
});
