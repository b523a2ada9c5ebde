// The fixed words and numbers bg's arguments take, checked by commander (`choices`, `argParser`)
// before any command loads: a bad one is exit 2 with commander's usage error. Completion reads the
// same choices back from commander (completion.ts). Only main.ts imports this: it loads commander.
import { InvalidArgumentError } from 'commander';

export const LOG_KINDS = ['web', 'worker', 'beat'];
export const COLOR_CHOICES = ['blue', 'green'];
export const ON_OFF = ['on', 'off'];
export const SHELLS = ['bash', 'zsh', 'fish'];
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'];

/** commander's argParser for a whole number from `min` to `max`; `what` says what the option takes. */
export const wholeNumber =
  (what: string, min: number, max = Number.POSITIVE_INFINITY) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${what} (got ${JSON.stringify(value)}).`);
    return n;
  };
