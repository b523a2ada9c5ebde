// A hash of everything a build is made from, set by scripts/bundle.mjs; undefined when running from
// source (tests). Caches of derived data are valid only for the build that wrote them.
declare const BG_BUILD_ID: string | undefined;
export const buildId: string | undefined = typeof BG_BUILD_ID === 'string' ? BG_BUILD_ID : undefined;
