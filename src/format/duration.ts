/** A duration as progress and summaries print it: `840 ms`, `2.31 s`. */
export const fmtMs = (ms: number | undefined) =>
  ms === undefined ? '' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
