#!/usr/bin/env node
'use strict';
// CommonJS on purpose: an ES module entry costs Node ~7 ms of loader setup on every run.
const { join } = require('node:path');
const { boot } = require('../dist/bundle/boot.cjs');

boot(process.argv, join(__dirname, '../dist/bundle')).then((code) => {
  process.exitCode = code;
});
