'use strict';
// Which Node bg runs on, checked before the bundle loads: the bundle is built for the Node in
// package.json's engines, and on an older one it fails with a stack trace that names no version.
// This file must parse and run on old Node (ES2018, CommonJS: no `?.`, no `??`, no `node:` imports),
// and stays small: every run of bg loads it.

/** package.json's engines.node, without the `>=` (a unit test keeps the two the same). */
const NEEDED = '20.18.1';

function parts(version) {
  return String(version)
    .replace(/^v/, '')
    .split('.')
    .map((n) => Number.parseInt(n, 10) || 0);
}

/** Whether `version` (e.g. "18.20.4" or "v18.20.4") is older than `needed`. */
function olderThan(version, needed) {
  const a = parts(version);
  const b = parts(needed);
  for (let i = 0; i < 3; i++) {
    if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) < (b[i] || 0);
  }
  return false;
}

/** The one line bg prints on a Node older than it needs; undefined when the Node is new enough. */
function tooOldMessage(version, execPath, needed) {
  const want = needed || NEEDED;
  if (!olderThan(version, want)) return undefined;
  return (
    `bluegreen needs Node.js ${want} or newer, but ${execPath} is Node.js ${String(version).replace(/^v/, '')}. ` +
    "Debian 13's nodejs package is new enough (apt install nodejs); on Debian 12, whose own nodejs is 18, " +
    'install Node.js 20 or newer from NodeSource (https://github.com/nodesource/distributions) or with nvm (https://github.com/nvm-sh/nvm), then run bluegreen again.'
  );
}

module.exports = { NEEDED, olderThan, tooOldMessage };
