// Reading bg's --json output in tests: the header line first, then events; a test finds the event
// it wants by its name (docs/json-protocol.md), never by its line number.
import type { BgEvent } from '../../src/protocol/events.js';
import { parseOutput } from '../../src/protocol/wire.js';

/** The first event named `name` in `stdout`; throws with the whole output when there is none. */
export function jsonEvent<N extends BgEvent['event']>(stdout: string, name: N): Extract<BgEvent, { event: N }> {
  const found = parseOutput(stdout).events.find((e) => e.event === name);
  if (!found) throw new Error(`no ${name} event in bg's --json output:\n${stdout}`);
  return found as Extract<BgEvent, { event: N }>;
}
