import { endianness } from 'node:os';
import { describe, expect, it } from 'vitest';
import { establishedTo, parseProcNetTcp } from '../../src/adapters/connections.js';

// Literal lines from /proc/net/tcp{,6} of a little-endian host (x86_64, arm64).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 566 1 0000000001702324 100 0 0 10 0
   1: 0100007F:1F40 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 7001 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:D2F0 0100007F:1F40 01 00000000:00000000 00:00000000 00000000     0        0 7002 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:1F40 0100007F:D2F2 06 00000000:00000000 03:000011DF 00000000     0        0 0 3 0000000039dbb3f5
   4: 0100007F:D2F4 0100007F:1F40 01 00000000:00000000 00:00000000 00000000     0        0 7003 1 0000000000000000 20 4 30 10 -1
   5: 0A00020F:C350 5DB8D822:1F40 01 00000000:00000000 00:00000000 00000000     0        0 7004 1 0000000000000000 20 4 30 10 -1
`;

const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1FA4 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:1FA4 00000000000000000000000001000000:A000 01 00000000:00000000 00:00000000 00000000     0        0 101 1 0000000000000000 20 4 30 10 -1
   2: 0000000000000000FFFF00000100007F:1F40 0000000000000000FFFF00000100007F:D2F6 01 00000000:00000000 00:00000000 00000000     0        0 102 1 0000000000000000 20 4 30 10 -1
   3: 000080FE00000000FF005452563412FE:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 103 1 0000000000000000 100 0 0 10 0
`;

describe.runIf(endianness() === 'LE')('parseProcNetTcp', () => {
  it('parses IPv4 lines: addresses, hex ports, hex state; skips the header', () => {
    const rows = parseProcNetTcp(TCP);
    expect(rows).toHaveLength(6);
    expect(rows[0]).toEqual({ local: { addr: '127.0.0.1', port: 8000 }, remote: { addr: '0.0.0.0', port: 0 }, state: 0x0a });
    expect(rows[1]).toEqual({ local: { addr: '127.0.0.1', port: 8000 }, remote: { addr: '127.0.0.1', port: 54000 }, state: 1 });
    expect(rows[3]!.state).toBe(6); // TIME_WAIT
    expect(rows[5]).toEqual({ local: { addr: '15.2.0.10', port: 50000 }, remote: { addr: '34.216.184.93', port: 8000 }, state: 1 });
  });

  it('parses IPv6 lines: ::1, v4-mapped, link-local', () => {
    const rows = parseProcNetTcp(TCP6);
    expect(rows.map((r) => `${r.local.addr}/${r.local.port}`)).toEqual(['::1/8100', '::1/8100', '::ffff:127.0.0.1/8000', 'fe80::5254:ff:fe12:3456/22']);
    expect(rows[1]!.remote).toEqual({ addr: '::1', port: 40960 });
    expect(rows[0]!.remote).toEqual({ addr: '::', port: 0 });
  });

  it('ignores blank and header lines', () => {
    expect(parseProcNetTcp('')).toEqual([]);
    expect(parseProcNetTcp('  sl  local_address rem_address   st\n\n')).toEqual([]);
  });
});

describe.runIf(endianness() === 'LE')('establishedTo', () => {
  const all = [...parseProcNetTcp(TCP), ...parseProcNetTcp(TCP6)];

  it('counts each established connection to the port once, from either side', () => {
    // :8000 server sides: D2F0 (its client side, line 2, is the same connection), D2F6 (v4-mapped, tcp6).
    // Client side with no server side seen: D2F4. Not counted: TIME_WAIT D2F2, LISTEN, and the
    // outbound connection to a remote host's port 8000.
    expect(establishedTo(all, 8000)).toBe(3);
  });

  it('counts IPv6 loopback connections and nothing on an idle port', () => {
    expect(establishedTo(all, 8100)).toBe(1);
    expect(establishedTo(all, 9999)).toBe(0);
  });
});
