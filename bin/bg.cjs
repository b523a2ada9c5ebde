#!/usr/bin/env node
'use strict';
// CommonJS on purpose: an ES module entry costs Node ~7 ms of loader setup on every run.
// The Node check comes first, in code that parses on old Node: the bundle would not.
const tooOld = require('./node-check.cjs').tooOldMessage(process.versions.node, process.execPath);
if (tooOld) {
  process.stderr.write(`${tooOld}\n`);
  process.exit(2);
}
const { join } = require('node:path');
const { boot } = require('../dist/bundle/boot.cjs');

boot(process.argv, join(__dirname, '../dist/bundle')).then((code) => {
  process.exitCode = code;
});
