import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BG, CHECKOUT, type Container, startContainer } from '../harness/container.js';
import { type App, makeApp } from './app-host.js';

// `bluegreen run` gives the app's command neither root's terminal nor root's environment: it runs as
// a transient service with a pseudo-terminal of its own (or the caller's pipes), the app's sandbox
// and the env file. Run as root on a real systemd as PID 1, from a real terminal (a pty whose
// controlling process is a root shell, test/support/pty-session.py).
describe('bluegreen run is confined', () => {
  let c: Container;
  let shop: App;

  beforeAll(async () => {
    c = await startContainer();
    shop = await makeApp(c, 'shop', { blue: 8001, green: 8002, site: 8080 });
    const r = await shop.bg('setup');
    if (r.code !== 0) throw new Error(`setup failed:\n${r.stdout}${r.stderr}`);
    await c.ok("echo 'SHOP_SECRET=from-the-env-file' >> /etc/bg/shop.env");
  });
  afterAll(async () => c?.stop());

  // a root shell on a terminal: runs `body`, then reads one more line from its terminal and runs it,
  // as an interactive shell would run whatever was typed (or injected) next
  const onTerminal = (body: string) =>
    c.sh(
      `/usr/bin/python3 ${CHECKOUT}/test/support/pty-session.py ${shq(`${body}\nread -t 2 -r next && { echo "root shell runs: $next"; eval "$next"; }; exit 0`)}`,
    );
  const bgRun = (cmd: string) => `cd /etc/bg && ${BG} --config ${shop.config} run -- ${cmd}`;
  const inject = (text: string) =>
    `/usr/bin/python3 -c ${shq(`import fcntl,termios\nfor b in ${JSON.stringify(text)}.encode(): fcntl.ioctl(0, termios.TIOCSTI, bytes([b]))\nprint("injected")`)}`;

  it("root's environment does not reach the command; the env file's variables, BG_COLOR and a minimal PATH do", async () => {
    const r = await shop.bg(
      `run -- sh -c 'echo "token=[$ROOT_ONLY_TOKEN] secret=$SHOP_SECRET color=$BG_COLOR user=$(id -un)"; env'`,
      'ROOT_ONLY_TOKEN=x',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('token=[] secret=from-the-env-file color=blue user=shop\n');
    expect(r.stdout).not.toMatch(/ROOT_ONLY_TOKEN|=x$/m);
    expect(r.stdout).toMatch(/^PATH=\/usr\/local\/sbin:\/usr\/local\/bin:\/usr\/sbin:\/usr\/bin:\/sbin:\/bin$/m);
  });

  it("a shell's own $variables and exit codes come back unchanged; stdin is piped through", async () => {
    const r = await shop.bg(`run -- sh -c 'x=local; read line; echo "$x $line"; exit 7' <<< 'piped-in'`);
    expect(r.code, r.stderr).toBe(7);
    expect(r.stdout).toBe('local piped-in\n');
  });

  it("on a terminal the command has a terminal of its own, not the caller's", async () => {
    const r = await onTerminal(
      `echo "caller tty: $(tty)"\n${bgRun(`sh -c 'echo "command tty: $(tty)"; test -t 0 && test -t 1 && echo on-a-tty'`)}\necho "bg exit: $?"`,
    );
    const caller = /caller tty: (\S+)/.exec(r.stdout)?.[1];
    const inner = /command tty: (\S+)/.exec(r.stdout)?.[1];
    expect(caller, r.stdout).toMatch(/^\/dev\/pts\/\d+$/);
    expect(inner, r.stdout).toMatch(/^\/dev\/pts\/\d+$/);
    expect(inner).not.toBe(caller);
    expect(r.stdout).toContain('on-a-tty');
    expect(r.stdout).toContain('bg exit: 0');
  });

  it("TIOCSTI from the command does not reach root's shell; the same injection without bg does (the check can fail)", async () => {
    await c.ok('rm -f /tmp/INJECTED /tmp/INJECTED-CONTROL');
    const confined = await onTerminal(`${bgRun(inject('touch /tmp/INJECTED\n'))}\necho "bg exit: $?"`);
    expect(confined.stdout).toContain('injected');
    expect(confined.stdout).toContain('bg exit: 0');
    expect(confined.stdout).not.toContain('root shell runs');
    expect((await c.sh('test -e /tmp/INJECTED')).code).not.toBe(0);

    const control = await onTerminal(inject('touch /tmp/INJECTED-CONTROL\n'));
    expect(control.stdout).toContain('root shell runs: touch /tmp/INJECTED-CONTROL');
    expect((await c.sh('test -e /tmp/INJECTED-CONTROL')).code).toBe(0);
  });

  it("with stdin piped but stdout on root's terminal, TIOCSTI through stdout fails too", async () => {
    await c.ok('rm -f /tmp/INJECTED');
    const viaStdout = `/usr/bin/python3 -c ${shq('import fcntl,termios\ntry:\n  fcntl.ioctl(1, termios.TIOCSTI, b"x")\n  print("stdout-injected")\nexcept OSError as e:\n  print("refused", e.errno)')}`;
    const r = await onTerminal(`echo | (${bgRun(viaStdout)})\necho "bg exit: $?"`);
    expect(r.stdout).toMatch(/refused \d+/);
    expect(r.stdout).not.toContain('stdout-injected');
    expect(r.stdout).toContain('bg exit: 0');
  });

  it('exit codes come back through the terminal too', async () => {
    const r = await onTerminal(`${bgRun("sh -c 'exit 42'")}\necho "bg exit: $?"`);
    expect(r.stdout).toContain('bg exit: 42');
  });
});

const shq = (s: string) => `'${s.replaceAll("'", `'"'"'`)}'`;
