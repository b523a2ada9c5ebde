// A network namespace with one bridge, for several containers that reach each other (and a
// process run in it with `inNet`). Made per run under a unique name and deleted by that name.
import { execFileSync } from 'node:child_process';

export interface BridgeNet {
  netns: string;
  bridge: string;
  subnet: string; // e.g. 10.77.0 (the bridge is .1)
  /** argv prefix that runs a command in the namespace (nsenter: `ip netns exec` would remount /sys) */
  inNet: string[];
  remove(): void;
}

export function makeBridgeNet(): BridgeNet {
  const netns = `bg-net-${process.pid}-${Date.now().toString(36)}`;
  const bridge = 'br0';
  const subnet = '10.77.0';
  const ip = (...args: string[]) => execFileSync('ip', ['-n', netns, ...args], { stdio: 'pipe' });
  execFileSync('ip', ['netns', 'add', netns]);
  ip('link', 'set', 'lo', 'up');
  ip('link', 'add', bridge, 'type', 'bridge');
  ip('addr', 'add', `${subnet}.1/24`, 'dev', bridge);
  ip('link', 'set', bridge, 'up');
  return {
    netns,
    bridge,
    subnet,
    inNet: ['nsenter', `--net=/run/netns/${netns}`],
    remove: () => execFileSync('ip', ['netns', 'delete', netns], { stdio: 'ignore' }),
  };
}
