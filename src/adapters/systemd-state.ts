// Turns raw Properties.GetAll replies (Variants, BigInt microsecond timestamps) into UnitState.
import { Variant } from 'dbus-next';

export interface UnitState {
  name: string;
  loadState: string; // loaded | not-found | bad-setting | error | masked
  activeState: string; // active | reloading | inactive | failed | activating | deactivating
  subState: string; // running, dead, exited, auto-restart, ...
  result: string; // success, exit-code, signal, timeout, ...; '' for types without one
  mainPid: number; // 0 when none
  since?: Date; // ActiveEnterTimestamp when active, else StateChangeTimestamp; unset if never
  fragmentPath?: string;
  nRestarts?: number;
  execMainStatus?: number;
  loadError?: string; // why systemd could not load the unit file (e.g. a relative executable)
  invocationId?: string; // this run of the unit (hex): its journal lines carry _SYSTEMD_INVOCATION_ID
}

/** What observe() needs of each unit, for many units at once (Systemd.unitSummaries). */
export type UnitSummary = Pick<UnitState, 'name' | 'loadState' | 'activeState' | 'subState' | 'mainPid' | 'since' | 'invocationId'> & {
  fileState?: string;
};

/** One row of Manager.ListUnitsByNames: (name, description, load, active, sub, following, path, job id, job type, job path). */
export type ListUnitsRow = [string, string, string, string, string, string, string, number, string, string];

export interface ListedUnit {
  name: string;
  loadState: string;
  activeState: string;
  subState: string;
  path: string; // the unit's D-Bus object path
}

export const toListedUnit = ([name, , loadState, activeState, subState, , path]: ListUnitsRow): ListedUnit => ({
  name,
  loadState,
  activeState,
  subState,
  path,
});

const UNIT_IFACE = 'org.freedesktop.systemd1.Unit';
const UNIT_PROPS = [
  'LoadState',
  'ActiveState',
  'SubState',
  'StateChangeTimestamp',
  'ActiveEnterTimestamp',
  'FragmentPath',
  'LoadError',
  'InvocationID',
];
const SERVICE_PROPS = ['MainPID', 'Result', 'NRestarts', 'ExecMainStatus'];
const HAS_RESULT = ['socket', 'timer', 'mount', 'automount', 'path', 'scope', 'swap'];

export interface PropQuery {
  iface: string;
  name: string;
}

/**
 * The properties unitState() reads for `unit`. Asked one by one (in parallel): a few Gets
 * decode far less than GetAll's ~300 Service properties.
 */
export function stateQueries(unit: string): PropQuery[] {
  const type = unit.slice(unit.lastIndexOf('.') + 1);
  const typeIface = `org.freedesktop.systemd1.${type.charAt(0).toUpperCase()}${type.slice(1)}`;
  const typeProps = type === 'service' ? SERVICE_PROPS : HAS_RESULT.includes(type) ? ['Result'] : [];
  return [...UNIT_PROPS.map((name) => ({ iface: UNIT_IFACE, name })), ...typeProps.map((name) => ({ iface: typeIface, name }))];
}

/** Strips Variants, recursively. BigInts stay BigInts. */
export function plain(v: unknown): unknown {
  if (v instanceof Variant) return plain(v.value);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object' && !(v instanceof Buffer)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/** InvocationID (16 bytes, all zero when the unit never ran) as journald prints it: 32 hex digits. */
function invocationHex(v: unknown): string | undefined {
  const bytes = Buffer.isBuffer(v) ? [...v] : Array.isArray(v) ? (v as number[]) : [];
  const hex = bytes.map((b) => Number(b).toString(16).padStart(2, '0')).join('');
  return hex.length === 32 && /[^0]/.test(hex) ? hex : undefined;
}

/** A usec-since-epoch timestamp (0 = never) as a Date. */
export function usecToDate(v: unknown): Date | undefined {
  if (typeof v !== 'bigint' && typeof v !== 'number') return undefined;
  const usec = BigInt(v);
  return usec > 0n ? new Date(Number(usec / 1000n)) : undefined;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined);

/** `props`: property name -> value (Variants allowed), as read for stateQueries(name). */
export function toUnitState(name: string, props: Record<string, unknown>): UnitState {
  const u = plain(props) as Record<string, unknown>;
  const activeState = str(u.ActiveState);
  const since = activeState === 'active' ? usecToDate(u.ActiveEnterTimestamp) : usecToDate(u.StateChangeTimestamp);
  const state: UnitState = {
    name,
    loadState: str(u.LoadState),
    activeState,
    subState: str(u.SubState),
    result: str(u.Result),
    mainPid: num(u.MainPID) ?? 0,
  };
  if (since) state.since = since;
  if (str(u.FragmentPath)) state.fragmentPath = str(u.FragmentPath);
  if (num(u.NRestarts) !== undefined) state.nRestarts = num(u.NRestarts);
  if (num(u.ExecMainStatus) !== undefined) state.execMainStatus = num(u.ExecMainStatus);
  const loadError = Array.isArray(u.LoadError) ? str(u.LoadError[1]) : '';
  if (loadError) state.loadError = loadError;
  const invocation = invocationHex(u.InvocationID);
  if (invocation) state.invocationId = invocation;
  return state;
}

/**
 * A unit's D-Bus object path, as systemd derives it (bus_label_escape: every byte outside
 * [A-Za-z0-9] becomes _xx, and so does a digit in first place, since a D-Bus path element may
 * not start with one). Lets the property Gets go out together with ListUnitsByNames.
 */
export function unitObjectPath(name: string): string {
  let label = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte);
    const plain = /[A-Za-z]/.test(c) || (label !== '' && /[0-9]/.test(c));
    label += plain ? c : `_${byte.toString(16).padStart(2, '0')}`;
  }
  return `/org/freedesktop/systemd1/unit/${label || '_'}`;
}

/** What a summary reads besides its ListUnitsByNames row: when it entered its state, and its main PID. */
export function summaryQueries(unit: string): PropQuery[] {
  const when = ['ActiveEnterTimestamp', 'StateChangeTimestamp', 'InvocationID'].map((name) => ({ iface: UNIT_IFACE, name }));
  return unit.endsWith('.service') ? [...when, { iface: 'org.freedesktop.systemd1.Service', name: 'MainPID' }] : when;
}

export function toUnitSummary({ name, loadState, activeState, subState }: ListedUnit, props: Record<string, unknown>): UnitSummary {
  const u = plain(props) as Record<string, unknown>;
  const s: UnitSummary = { name, loadState, activeState, subState, mainPid: activeState === 'inactive' ? 0 : (num(u.MainPID) ?? 0) };
  const since = usecToDate(activeState === 'active' ? u.ActiveEnterTimestamp : u.StateChangeTimestamp);
  if (since) s.since = since;
  const invocation = invocationHex(u.InvocationID);
  if (invocation) s.invocationId = invocation;
  return s;
}
