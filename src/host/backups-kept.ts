// Which database copies in <root>/backups outlive keep_backups: a deploy's `prune-backups` and
// `bluegreen cleanup` remove the same ones.

/** A copy on disk as observe sees it: its file name and when it was written. */
export interface BackupSeen {
  name: string;
  mtimeMs: number;
}

/** The copies beyond the newest `keep`, oldest first. */
export function backupsBeyond<T extends BackupSeen>(files: T[], keep: number): T[] {
  const oldestFirst = [...files].sort((a, b) => a.mtimeMs - b.mtimeMs);
  return oldestFirst.slice(0, Math.max(0, oldestFirst.length - keep));
}
