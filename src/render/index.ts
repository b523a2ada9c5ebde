export { renderAll } from './all.js';
export { renderCaddyfile } from './caddyfile.js';
export { celeryCommand, gunicornCommand, resolveCommand } from './command.js';
export { beatSchedule, renderBeatUnit, renderWebUnit, renderWorkerUnit } from './units.js';
export { colorOfPort, parseUpstream, renderUpstream } from './upstream.js';
