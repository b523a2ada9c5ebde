export { renderAll } from './all.js';
export { renderSiteFile } from './caddyfile.js';
export { celeryCommand, gunicornCommand, resolveCommand } from './command.js';
export { mainCaddyfile } from './main-caddyfile.js';
export { beatSchedule, renderBeatUnit, renderWebUnit, renderWorkerUnit } from './units.js';
export { colorOfPort, parseUpstream, renderUpstream } from './upstream.js';
