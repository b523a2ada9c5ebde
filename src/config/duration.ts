// Durations in bg.yml: a number of seconds (2, 0.1) or a string with a unit ("100ms", "2s", "1.5s", "1m").

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
const PATTERN = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m)?$/;

/** Milliseconds (rounded to a whole ms), or undefined when `v` is not a duration. */
export function parseDurationMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1000) : undefined;
  if (typeof v !== 'string') return undefined;
  const m = PATTERN.exec(v.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']);
}

/** "100ms", "2s", "1.5s": how a duration is shown back to the user. */
export const formatMs = (ms: number): string => (ms < 1000 ? `${ms}ms` : `${ms / 1000}s`);
