// One D-Bus connection to a systemd manager: resolves the bus address for a scope, connects,
// makes raw method calls (no introspected proxy objects: each costs an Introspect round trip and its
// parsing, see docs/measurements.md), and turns a lost or
// unreachable bus into BusError and D-Bus error replies into SystemdError.
import { DBusError, Message, type MessageBus, MessageType, sessionBus, Variant } from 'dbus-next';
import type { Scope } from '../config/types.js';
import { BusError, SystemdError } from '../errors.js';

export const SYSTEMD = 'org.freedesktop.systemd1';
export const MANAGER_PATH = '/org/freedesktop/systemd1';
export const MANAGER = 'org.freedesktop.systemd1.Manager';
const PROPERTIES = 'org.freedesktop.DBus.Properties';

const DEFAULT_SYSTEM_BUS = 'unix:path=/var/run/dbus/system_bus_socket';

/** The bus address systemd's manager for `scope` listens on, from the environment like sd-bus does. */
export function busAddressFor(scope: Scope, env: NodeJS.ProcessEnv): string | undefined {
  if (scope === 'system') return env.DBUS_SYSTEM_BUS_ADDRESS || DEFAULT_SYSTEM_BUS;
  if (env.DBUS_SESSION_BUS_ADDRESS) return env.DBUS_SESSION_BUS_ADDRESS;
  if (env.XDG_RUNTIME_DIR) return `unix:path=${env.XDG_RUNTIME_DIR}/bus`;
  return undefined;
}

export function busNextStep(scope: Scope): string {
  return scope === 'user'
    ? 'Is your systemd user manager running (`systemctl --user is-system-running`)? Check DBUS_SESSION_BUS_ADDRESS / XDG_RUNTIME_DIR (for a service account: `loginctl enable-linger <user>`).'
    : 'Is systemd running as PID 1? Run as root, or pass --user to use your own user manager.';
}

const busLabel = (scope: Scope) => (scope === 'user' ? 'user session bus' : 'system bus');

export interface CallSpec {
  destination?: string; // default: systemd
  path?: string; // default: the Manager object
  iface?: string; // default: the Manager interface
  member: string;
  signature?: string;
  body?: unknown[];
  unit?: string; // for error messages
}

export class SystemdBus {
  private closedBy?: Error;
  private readonly onClose = new Set<(err: Error) => void>();

  private constructor(
    private readonly bus: MessageBus,
    readonly scope: Scope,
    readonly address: string,
  ) {}

  /**
   * Connects and makes one round trip to systemd, so a bus without a manager fails here. `matches`
   * (signal match rules) are added on the bus daemon in the same round trip.
   */
  static async open(scope: Scope, env: NodeJS.ProcessEnv, timeoutMs: number, matches: string[] = []): Promise<SystemdBus> {
    const address = busAddressFor(scope, env);
    const unreachable = (why: string) =>
      new BusError(`Cannot reach systemd's ${scope} manager on the ${busLabel(scope)} (${address ?? 'no address'}): ${why}`, {
        code: 'bus-unreachable',
        next: busNextStep(scope),
      });
    if (!address) throw unreachable('neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set');

    let bus: MessageBus;
    try {
      // systemBus() ignores options and reads process.env; a session-style connection to the
      // system bus address is the same protocol and honours `env`.
      bus = sessionBus({ busAddress: address });
    } catch (err) {
      throw unreachable(errorText(err));
    }
    const conn = new SystemdBus(bus, scope, address);
    // Without an 'error' listener a refused socket would crash the process.
    bus.on('error', (err: Error) => conn.lost(err));
    streamOf(bus)?.on('close', () => conn.lost(new Error('connection closed')));

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([
        Promise.all([
          conn.call({ path: MANAGER_PATH, iface: 'org.freedesktop.DBus.Peer', member: 'Ping' }),
          ...matches.map((m) => conn.addMatch(m)),
        ]),
        timeout,
      ]);
    } catch (err) {
      conn.close();
      const cause = err instanceof BusError || err instanceof SystemdError ? (err.detail ?? err.message) : errorText(err);
      throw unreachable(cause);
    } finally {
      clearTimeout(timer);
    }
    return conn;
  }

  /** Called once when the connection goes away (closed by us, by the peer, or broken). */
  whenClosed(fn: (err: Error) => void): void {
    this.onClose.add(fn);
  }

  /** Every incoming signal; the caller filters. */
  onSignal(fn: (msg: Message) => void): void {
    this.bus.on('message', (msg: Message) => {
      if (msg.type === MessageType.SIGNAL) fn(msg);
    });
  }

  /** Adds a match rule on the bus daemon; resolves once the daemon has it in place. */
  async addMatch(rule: string): Promise<void> {
    await this.call({
      path: '/org/freedesktop/DBus',
      iface: 'org.freedesktop.DBus',
      member: 'AddMatch',
      signature: 's',
      body: [rule],
      destination: 'org.freedesktop.DBus',
    });
  }

  /** A raw method call; resolves with the reply body. */
  call(spec: CallSpec): Promise<unknown[]> {
    if (this.closedBy) return Promise.reject(this.lostError(this.closedBy));
    const msg = new Message({
      destination: spec.destination ?? SYSTEMD,
      path: spec.path ?? MANAGER_PATH,
      interface: spec.iface ?? MANAGER,
      member: spec.member,
      signature: spec.signature,
      body: spec.body ?? [],
    });
    return new Promise<unknown[]>((resolve, reject) => {
      // dbus-next never settles a call whose connection died: settle it ourselves.
      const onLost = (err: Error) => reject(this.lostError(err));
      this.onClose.add(onLost);
      const settle = () => this.onClose.delete(onLost);
      let sent: Promise<Message | null>;
      try {
        sent = this.bus.call(msg);
      } catch (err) {
        settle();
        reject(this.lostError(err as Error));
        return;
      }
      sent.then(
        (reply) => {
          settle();
          resolve(reply?.body ?? []);
        },
        (err: unknown) => {
          settle();
          reject(this.callError(spec, err));
        },
      );
    });
  }

  /** Properties.Get; resolves with the Variant's value. */
  async getProperty(path: string, iface: string, name: string, unit?: string): Promise<unknown> {
    const [v] = await this.call({ path, iface: PROPERTIES, member: 'Get', signature: 'ss', body: [iface, name], unit });
    return v instanceof Variant ? v.value : v;
  }

  close(): void {
    this.lost(new Error('connection closed by bg'));
  }

  // Any error on the connection ends it: a half-working connection would leave job waiters
  // hanging. Disconnecting also lets Node exit.
  private lost(err: Error): void {
    if (this.closedBy) return;
    this.closedBy = err;
    try {
      this.bus.disconnect();
    } catch {
      // already gone
    }
    for (const fn of [...this.onClose]) fn(err);
    this.onClose.clear();
  }

  private lostError(err: Error): BusError {
    return new BusError(`Lost the connection to systemd's ${this.scope} manager (${this.address})`, {
      code: 'bus-lost',
      state: 'Unknown: a call or job in flight may or may not have taken effect.',
      next: `Run \`bg status\` to see where things are. ${busNextStep(this.scope)}`,
      detail: errorText(err),
    });
  }

  private callError(spec: CallSpec, err: unknown): SystemdError {
    if (!(err instanceof DBusError))
      return new SystemdError(`systemd ${spec.member} failed: ${errorText(err)}`, { detail: errorText(err) });
    const what = spec.unit ? `${spec.member} ${spec.unit}` : spec.member;
    const denied = /AccessDenied|InteractiveAuthorizationRequired|NotAuthorized/.test(err.type);
    const next = denied
      ? this.scope === 'system'
        ? 'Run as root (sudo), or pass --user to use your own user manager.'
        : 'The user manager refused the call: check that you talk to your own user manager.'
      : err.type === 'org.freedesktop.systemd1.NoSuchUnit'
        ? `Check the unit name; unit files must be installed and followed by a daemon-reload (\`bg setup\` does both).`
        : undefined;
    return new SystemdError(`systemd refused ${what}: ${err.text || err.type}`, {
      state: spec.unit ? `${spec.unit} was not changed by this call.` : 'The call had no effect.',
      next,
      detail: `${err.type}: ${err.text}`,
    });
  }
}

export function errorText(err: unknown): string {
  if (err instanceof DBusError) return `${err.type}: ${err.text}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

// dbus-next does not surface the socket's 'close'; the stream inside its connection does.
function streamOf(bus: MessageBus): NodeJS.EventEmitter | undefined {
  return (bus as unknown as { _connection?: { stream?: NodeJS.EventEmitter } })._connection?.stream;
}
