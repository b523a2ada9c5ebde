// 'blue → green', 'to blue' (first setup), 'on blue' (nothing moves), '' (unknown).
export const transition = (from?: string, to?: string, arrow = ' → ') =>
  from && to && from !== to ? ` ${from}${arrow}${to}` : to && !from ? ` to ${to}` : from ? ` on ${from}` : '';
