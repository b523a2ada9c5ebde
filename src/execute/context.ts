// What a step gets to do its work (ActionContext) and what it hands the executor for its undo
// (Receipt). Types only, so steps and the executor share them without importing each other.
import type { Config } from '../config/types.js';
import type { Host } from './host.js';

/** What an install replaced: the receipt its undo (restore-files) puts back. */
export interface Replaced {
  path: string;
  before?: string;
}

/** Where traffic went before a switch: what its undo (switch-back) puts back. */
export interface SwitchReceipt {
  kind: 'switch';
  upstream?: string; // the upstream file's text; undefined: there was none
  current?: string; // where `current` pointed
  previous?: string; // where `previous` pointed
  caddyConfig?: string; // Caddy's running config (JSON text); undefined: it could not be read
  activeSocket?: string; // the socket switch: where `active.sock` pointed; undefined: nowhere
}

// A step that changes something its undo must know about
// hands the executor a receipt (`keep`) as soon as it has changed it, so a step that fails halfway
// is put back too; the executor gives that receipt to the step's undo.
export type Receipt = { kind: 'files'; replaced: Replaced[] } | SwitchReceipt;

export interface ActionContext {
  cfg: Config;
  host: Host;
  signal?: AbortSignal; // Ctrl-C / SIGTERM: long waits (health, drain) stop at once
  note: (message: string) => void; // shown under the step (e.g. the diff of a replaced file)
  keep: (receipt: Receipt) => void;
  planned?: readonly string[]; // the migrations this run's plan step said it applies (undefined: no plan step ran)
  reversal?: boolean; // what this run's way-back check found: migrations to reverse
}
