import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// src/protocol/version.ts: the bundles get it from scripts/bundle.mjs
const version = JSON.parse(readFileSync('package.json', 'utf8')).version as string;

const define = { BG_VERSION: JSON.stringify(version) };

export default defineConfig({
  test: {
    projects: [
      {
        define,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // a hang guard, not a speed target: some cases start zsh, sh or node, which takes seconds
          // while the container projects boot beside them
          testTimeout: 30_000,
        },
      },
      {
        define,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Starts (or reuses) a real systemd user manager with its own D-Bus; fails loudly if it cannot.
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Integration files share one user manager; run them one at a time.
          fileParallelism: false,
        },
      },
      {
        define,
        // system scope on a real systemd as PID 1 (scripts/container.sh): each file boots its own
        test: {
          name: 'system',
          include: ['test/system/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        define,
        // the system scope again, on a Debian 13 root (scripts/trixie-root.sh builds and caches it;
        // the hook's timeout covers that first build)
        test: {
          name: 'trixie',
          include: ['test/trixie/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
      {
        define,
        // `npm run soak`: long runs of the integration invariants; not part of `npm test`
        test: {
          name: 'soak',
          include: ['test/soak/**/*.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 900_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
