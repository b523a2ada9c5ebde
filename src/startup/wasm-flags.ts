// V8 flags for WebAssembly, switched at run time around undici's first request.
// undici compiles its HTTP parser (WebAssembly) at its first request, and V8's optimizing tier for
// that briefly takes tens of MB (docs/measurements.md): the baseline compiler (Liftoff) is plenty for
// a few health checks. The switch happens only when the health client loads: V8 keys code caches on
// its flags (Node's own, for its built-in modules, and bg's), so changed at startup it would make
// every command recompile. Before bg
// writes its code caches the flags go back to V8's defaults, including what --liftoff-only implied,
// or every cache would be rejected on the next run.
import { setFlagsFromString } from 'node:v8';

const LIFTOFF_ARCHS = new Set(['x64', 'arm64', 'arm', 'ia32']);

export function useBaselineWasmCompiler(): void {
  if (LIFTOFF_ARCHS.has(process.arch)) setFlagsFromString('--liftoff-only');
}

export function restoreDefaultWasmFlags(): void {
  setFlagsFromString('--no-liftoff-only --liftoff --wasm-tier-up --wasm-dynamic-tiering');
}
