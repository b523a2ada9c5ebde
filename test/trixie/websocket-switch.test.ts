import { startContainer } from '../harness/container.js';
import { describeWebsocketSwitch } from '../system/websocket-switch.js';
import { trixieRoot } from './root.js';

// Debian 13's Uvicorn and websockets behind its Caddy, across both switches
describeWebsocketSwitch('Debian 13', () => startContainer({ lower: trixieRoot() }));
