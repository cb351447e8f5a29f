// Pure logic of the trends view: /api/stats leaves out empty buckets; a chart needs every bucket of the range, with
// zero calls where nothing happened, per group.
import type { StatsBucket, StatsResult } from '@voiceemotion/client';

export const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/** UTC bucket starts (ms) covering [from, to): the first is from floored to the bucket (UTC hour or midnight). */
export function bucketStarts(from: string, to: string, bucket: 'hour' | 'day'): number[] {
  const size = BUCKET_MS[bucket];
  const end = Date.parse(to);
  const starts: number[] = [];
  for (let t = Math.floor(Date.parse(from) / size) * size; t < end; t += size) starts.push(t);
  return starts;
}

export interface GroupSeries {
  group: string | null;
  buckets: StatsBucket[];
  calls: number;
  alerts: number;
  /** negative share over the group's speech in the range (speech-weighted). */
  negativeShare: number;
}

function empty(start: number, group: string | null): StatsBucket {
  return { start: new Date(start).toISOString(), group, calls: 0, speechSeconds: 0, share: {}, negativeShare: 0, alerts: 0 };
}

/** Every group with one bucket per start of the range (zeros where the server sent none), groups with the most calls
 * first (then by name, the null group last). */
export function fillBuckets(result: StatsResult): { starts: number[]; groups: GroupSeries[] } {
  const starts = bucketStarts(result.from, result.to, result.bucket);
  const index = new Map(starts.map((s, i) => [s, i]));
  const byGroup = new Map<string | null, StatsBucket[]>();
  for (const b of result.buckets) {
    let row = byGroup.get(b.group);
    if (!row) byGroup.set(b.group, row = starts.map((s) => empty(s, b.group)));
    const i = index.get(Date.parse(b.start));
    if (i !== undefined) row[i] = b;
  }
  const groups = [...byGroup.entries()].map(([group, buckets]) => {
    const speech = buckets.reduce((n, b) => n + b.speechSeconds, 0);
    return {
      group, buckets,
      calls: buckets.reduce((n, b) => n + b.calls, 0),
      alerts: buckets.reduce((n, b) => n + b.alerts, 0),
      negativeShare: speech > 0 ? buckets.reduce((n, b) => n + b.negativeShare * b.speechSeconds, 0) / speech : 0,
    };
  });
  groups.sort((a, b) => b.calls - a.calls || (a.group === null ? 1 : b.group === null ? -1 : a.group.localeCompare(b.group)));
  return { starts, groups };
}
