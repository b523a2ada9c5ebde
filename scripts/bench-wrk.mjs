// wrk's summary as numbers, for the benchmarks that drive wrk (bench-deploy.mjs, bench-keepalive.mjs).
// wrk prints "N requests in", "Non-2xx or 3xx responses: N" (only when there were any) and "Socket
// errors: connect N, read N, write N, timeout N" (only when there were any).

/** @returns {{ requests: number, non2xx: number, socket: { connect: number, read: number, write: number, timeout: number }, socketErrors: number }} */
export function parseWrk(text) {
  const num = (re) => Number(text.match(re)?.[1] ?? 0);
  const se = text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const socket = se ? { connect: +se[1], read: +se[2], write: +se[3], timeout: +se[4] } : { connect: 0, read: 0, write: 0, timeout: 0 };
  return {
    requests: num(/(\d+) requests in/),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socket,
    socketErrors: socket.connect + socket.read + socket.write + socket.timeout,
  };
}
