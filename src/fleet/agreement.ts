// Do the hosts of a fleet serve the same code? Each host builds its own release (its id is the
// time its checkout started there), so hosts agree when the live release on each holds the same
// commit. Pure.
import type { ReleaseRow } from '../protocol/events.js';

export interface HostReleases {
  name: string;
  releases: ReleaseRow[] | null; // null: the host did not answer
  error?: string;
}

export interface LiveRelease {
  name: string;
  id: string | null; // null: nothing live on this host
  commit: string | null;
  ref: string | null;
}

export interface Agreement {
  agree: boolean;
  live: LiveRelease[]; // the hosts that answered, in the listed order
  unanswered: string[];
  /** One line: what every host runs, or how they differ. */
  summary: string;
}

export function releasesAgreement(hosts: HostReleases[]): Agreement {
  const answered = hosts.filter((h) => h.releases);
  const unanswered = hosts.filter((h) => !h.releases).map((h) => h.name);
  const live = answered.map((h): LiveRelease => {
    const r = h.releases!.find((x) => x.live);
    return { name: h.name, id: r?.id ?? null, commit: r?.commit ?? null, ref: r?.ref ?? null };
  });
  const commits = new Set(live.map((l) => l.commit ?? ''));
  const agree = unanswered.length === 0 && live.length > 0 && commits.size === 1 && !commits.has('');
  const short = (l: LiveRelease) => (l.commit ? `${l.commit.slice(0, 12)}${l.ref ? ` (${l.ref})` : ''}` : 'nothing live');
  let summary: string;
  if (agree) summary = `agree: every host serves ${short(live[0])}.`;
  else {
    const groups = new Map<string, string[]>();
    for (const l of live) groups.set(short(l), [...(groups.get(short(l)) ?? []), l.name]);
    const parts = [...groups].map(([what, names]) => `${names.join(', ')} ${names.length === 1 ? 'serves' : 'serve'} ${what}`);
    if (unanswered.length) parts.push(`${unanswered.join(', ')} did not answer`);
    summary = `DISAGREE: ${parts.join('; ')}.`;
  }
  return { agree, live, unanswered, summary };
}
