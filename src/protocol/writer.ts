// The one writer of --json output: the header once, before the first event, then each event on a
// line. Every command's --json lines go through `jsonOut`, so the header is always the first line.
import type { BgEvent } from './events.js';
import { encodeEvent, encodeHeader, header } from './wire.js';

export type JsonWriter = (e: BgEvent) => void;

export function makeJsonWriter(write: (text: string) => void, bg?: string): JsonWriter {
  let started = false;
  return (e) => {
    if (!started) {
      started = true;
      write(encodeHeader(header(bg)));
    }
    write(encodeEvent(e));
  };
}

/** bg's stdout with --json. */
export const jsonOut: JsonWriter = makeJsonWriter((text) => void process.stdout.write(text));
