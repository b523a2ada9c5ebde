// bg's own version, from package.json: set by scripts/bundle.mjs for the bundles and by
// vitest.config.ts for the tests that run the source.
declare const BG_VERSION: string | undefined;
export const bgVersion: string = typeof BG_VERSION === 'string' ? BG_VERSION : 'unknown';
