// A way-back check that finds nothing to reverse: with --migrate-back, the executor then skips the
// window's steps (maintenance, the copy, the reversal), and the check's detail says so.
export const nothingBack = (migrateBack: boolean) => (migrateBack ? '; nothing to migrate back: no maintenance window' : '');
