import { describe, expect, it } from 'vitest';
import { establishedTo, parseSs, unixConnectionsTo } from '../../src/adapters/connections.js';

// Literal `ss -Htn state established` output (no State column) from a loopback host.
const ESTABLISHED = `0      0          127.0.0.1:8000     127.0.0.1:54000
0      0          127.0.0.1:54000    127.0.0.1:8000
0      0          127.0.0.1:54004    127.0.0.1:8000
0      0     [::ffff:127.0.0.1]:8000  [::ffff:127.0.0.1]:54006
0      0              [::1]:8100         [::1]:40960
0      0          10.0.2.15:50000  34.216.184.93:8000
`;
// `ss -Hltn` output (with a State column).
const LISTEN = `LISTEN 0      4096       127.0.0.1:8000       0.0.0.0:*
LISTEN 0      4096           [::1]:8100          [::]:*
LISTEN 0      4096    127.0.0.1%lo:53          0.0.0.0:*
`;

describe('parseSs', () => {
  it('takes the last two fields as local and peer, with or without a State column', () => {
    const rows = parseSs(ESTABLISHED, 'established');
    expect(rows).toHaveLength(6);
    expect(rows[0]).toEqual({ local: { addr: '127.0.0.1', port: 8000 }, remote: { addr: '127.0.0.1', port: 54000 }, state: 'established' });
    expect(rows[3]!.local).toEqual({ addr: '::ffff:127.0.0.1', port: 8000 });
    expect(rows[4]!.remote).toEqual({ addr: '::1', port: 40960 });
    const l = parseSs(LISTEN, 'listen');
    expect(l.map((s) => `${s.local.addr}/${s.local.port}`)).toEqual(['127.0.0.1/8000', '::1/8100', '127.0.0.1/53']);
    expect(l[0]!.remote).toEqual({ addr: '0.0.0.0', port: 0 });
  });

  it('ignores blank lines', () => {
    expect(parseSs('', 'listen')).toEqual([]);
    expect(parseSs('\n\n', 'established')).toEqual([]);
  });
});

describe('establishedTo', () => {
  it('counts each connection to the port once, from either side; only loopback peers for client sides', () => {
    // server sides :54000 and :54006 (v4-mapped); client side :54004 whose server side was not seen;
    // :54000's client side is the same connection; the remote host's :8000 is not ours.
    expect(establishedTo(parseSs(ESTABLISHED, 'established'), 8000)).toBe(3);
    expect(establishedTo(parseSs(ESTABLISHED, 'established'), 8100)).toBe(1);
    expect(establishedTo(parseSs(ESTABLISHED, 'established'), 9000)).toBe(0);
  });
});

describe('unixConnectionsTo (the socket switch drain)', () => {
  const path = '/run/bg/shop/blue/gunicorn.sock';
  it("counts the accepted connections and the listener's queue, of this socket only", () => {
    const text = [
      `u_str LISTEN 2      2048   ${path} 17544684 * 0`,
      `u_str ESTAB  0      0      ${path} 17544686 * 17544685`,
      `u_str ESTAB  0      0      ${path} 17544690 * 17544689`,
      'u_str ESTAB  0      0      /run/bg/shop/green/gunicorn.sock 17544700 * 17544699',
      'u_str ESTAB  0      0      * 17544685 * 17544686',
    ].join('\n');
    expect(unixConnectionsTo(text, path)).toBe(4);
  });
  it('an idle listener, or none, is zero', () => {
    expect(unixConnectionsTo(`u_str LISTEN 0 2048 ${path} 1 * 0\n`, path)).toBe(0);
    expect(unixConnectionsTo('', path)).toBe(0);
  });
});
