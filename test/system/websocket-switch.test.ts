import { startContainer } from '../harness/container.js';
import { describeWebsocketSwitch } from './websocket-switch.js';

describeWebsocketSwitch('Debian 12', () => startContainer());
