#!/usr/bin/env node
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const { boot } = createRequire(import.meta.url)('../dist/bundle/boot.cjs');

boot(process.argv, fileURLToPath(new URL('../dist/bundle/', import.meta.url))).then((code) => {
  process.exitCode = code;
});
