// The --json wire format: JSON Lines, the header first, then one event per line. Pure: text in, text out.
import {
  type BgEvent,
  type ErrorEvent,
  EVENT_NAMES,
  PROTOCOL_VERSION,
  type ProgressEvent,
  type ProtocolHeader,
  type ResultEvent,
} from './events.js';
import { bgVersion } from './version.js';

export const header = (bg: string = bgVersion): ProtocolHeader => ({ v: PROTOCOL_VERSION, bg });

export const encodeHeader = (h: ProtocolHeader = header()) => `${JSON.stringify(h)}\n`;
export const encodeEvent = (e: BgEvent) => `${JSON.stringify(e)}\n`;

export type Line = { kind: 'header'; header: ProtocolHeader } | { kind: 'event'; event: BgEvent } | { kind: 'other'; text: string };

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isHeader = (x: Record<string, unknown>): boolean => typeof x.v === 'number' && typeof x.bg === 'string' && x.event === undefined;
const isEvent = (x: Record<string, unknown>): boolean =>
  typeof x.event === 'string' && (EVENT_NAMES as readonly string[]).includes(x.event);

/** One line of --json output; anything that is not a header or a known event (ssh's banner, an older bg's multi-line JSON) is `other`. */
export function parseLine(line: string): Line {
  const text = line.trim();
  if (!text.startsWith('{')) return { kind: 'other', text: line };
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch {
    return { kind: 'other', text: line };
  }
  if (isObject(x) && isHeader(x)) return { kind: 'header', header: { v: x.v as number, bg: x.bg as string } };
  if (isObject(x) && isEvent(x)) return { kind: 'event', event: x as unknown as BgEvent };
  return { kind: 'other', text: line };
}

export interface Parsed {
  header?: ProtocolHeader; // undefined: no header line (not bg's --json, or a bg from before the protocol)
  events: BgEvent[];
}

/** A whole --json output. */
export function parseOutput(text: string): Parsed {
  const out: Parsed = { events: [] };
  for (const l of text.split('\n')) {
    const p = parseLine(l);
    if (p.kind === 'header' && !out.header) out.header = p.header;
    else if (p.kind === 'event') out.events.push(p.event);
  }
  return out;
}

/** The first event named `name`, typed. */
export function eventOf<N extends BgEvent['event']>(events: BgEvent[], name: N): Extract<BgEvent, { event: N }> | undefined {
  return events.find((e) => e.event === name) as Extract<BgEvent, { event: N }> | undefined;
}

/** A line of a run (progress, result, error), the ones a fleet passes on with the host's name. */
export const isRunEvent = (e: BgEvent): e is ProgressEvent | ErrorEvent | ResultEvent =>
  !('host' in e) &&
  (e.event === 'step' ||
    e.event === 'undo' ||
    e.event === 'note' ||
    e.event === 'error' ||
    e.event === 'result' ||
    (e.event === 'plan' && !e.dryRun));
