import { appendFile, mkdir } from 'node:fs/promises';
import { readLastLines } from '../adapters/files.js';

// The deploy journal: one JSON line per setup/deploy/rollback/cleanup in <state_dir>/journal.jsonl.
export interface JournalEntry {
  time: string;
  user: string;
  command: string;
  ref?: string;
  commit?: string;
  release?: string; // the release the target color runs
  from?: string;
  to?: string;
  result: 'ok' | 'rolled-back' | 'rollback-failed' | 'nothing-to-do';
  error?: string;
  failedStep?: string;
  ms: number;
  steps: { name: string; ms: number; ok: boolean }[];
}

export const journalPath = (stateDir: string) => `${stateDir}/journal.jsonl`;

export async function appendJournal(stateDir: string, entry: JournalEntry): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await appendFile(journalPath(stateDir), `${JSON.stringify(entry)}\n`);
}

export async function readJournal(stateDir: string, limit = 20): Promise<JournalEntry[]> {
  const entries: JournalEntry[] = [];
  for (const line of await readLastLines(journalPath(stateDir), limit)) {
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      // a torn last line from a killed deployer: skip it
    }
  }
  return entries;
}
