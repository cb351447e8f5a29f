import { describe, expect, it } from 'vitest';
import type { EmotionUpdate, LiveSessionInfo, StatsResult } from '@voiceemotion/client';
import { describePoint, nearestIndex, smooth, toPoints, type RibbonPoint } from '../src/console/series';
import { badness, compareBadness, groupCalls } from '../src/console/live-calls';
import { filterFromParams, filterToParams, isoToLocalInput, localInputToIso, toCallQuery, toggleSort } from '../src/console/search-filter';
import { bucketStarts, fillBuckets } from '../src/console/trends-data';
import { COLOURS, LABELS, NO_SPEECH_COLOUR } from '../src/emotions';

const point = (time: number, speech: boolean, first: number): RibbonPoint => ({ time, speech, values: speech ? [first, 1 - first, 0, 0, 0, 0, 0] : [0, 0, 0, 0, 0, 0, 0] });

describe('ribbon smoothing', () => {
  it('averages the last n speech updates and keeps every distribution summing to one', () => {
    const out = smooth([point(0.5, true, 1), point(1, true, 0), point(1.5, true, 0.5), point(2, true, 0.5)], 3);
    expect(out.map((p) => p.values[0])).toEqual([1, 0.5, 0.5, (0 + 0.5 + 0.5) / 3]);
    for (const p of out) expect(p.values.reduce((a, b) => a + b, 0)).toBeCloseTo(1);
  });

  it('never crosses a gap: no speech stays empty and the average starts again after it', () => {
    const out = smooth([point(0.5, true, 1), point(1, false, 0), point(1.5, true, 0), point(2, true, 0)], 5);
    expect(out[1].speech).toBe(false);
    expect(out[1].values.every((v) => v === 0)).toBe(true);
    expect(out[2].values[0]).toBe(0); // not pulled up by the 1 before the gap
    expect(out[3].values[0]).toBe(0);
  });

  it('is the identity for n = 1 and keeps the times', () => {
    const points = [point(0.5, true, 0.3), point(1, true, 0.9)];
    expect(smooth(points, 1)).toEqual(points);
    expect(smooth(points, 9).map((p) => p.time)).toEqual([0.5, 1]);
  });

  it('orders updates by seq and zeroes probabilities without speech', () => {
    const u = (seq: number, speech: boolean): EmotionUpdate => ({ sessionId: 's', seq, audioTime: (seq + 1) / 2, windowSeconds: 3, speech, voicedFraction: 0.5,
      probabilities: { neutral: 0.7, angry: 0.3 }, top: 'neutral', confidence: 0.7, arousal: 0, valence: 0, loudnessDb: -20, pitchHz: 120 });
    const points = toPoints([u(1, false), u(0, true)]);
    expect(points.map((p) => p.time)).toEqual([0.5, 1]);
    expect(points[0].values[LABELS.indexOf('angry')]).toBe(0.3);
    expect(points[1].values.every((v) => v === 0)).toBe(true);
  });

  it('finds the nearest update and says its values in words, largest first', () => {
    const points = [point(0.5, true, 0.8), point(1, false, 0), point(1.5, true, 0.2)];
    expect(nearestIndex(points, 0.2)).toBe(0);
    expect(nearestIndex(points, 1.1)).toBe(1);
    expect(nearestIndex(points, 9)).toBe(2);
    expect(nearestIndex([], 1)).toBe(-1);
    expect(describePoint(points[2])).toMatch(/^1\.5 s: happy 80 %, neutral 20 %, sad 0 %/);
    expect(describePoint(points[1])).toBe('1.0 s: no speech');
  });
});

describe('palette', () => {
  it('gives the seven emotions and no speech eight different colours', () => {
    const all = [...LABELS.map((l) => COLOURS[l].toLowerCase()), NO_SPEECH_COLOUR.toLowerCase()];
    expect(new Set(all).size).toBe(8);
  });
});

const session = (over: Partial<LiveSessionInfo>): LiveSessionInfo => ({
  sessionId: 's', source: 'twilio', label: null, callId: null, track: null, startedAt: '2026-12-01T10:00:00Z', audioSeconds: 5, owner: null,
  role: 'speaker', agent: null, queue: null, emotion: 'neutral', confidence: 0.6, speech: true, negativeShare: 0, alerts: 0, ...over,
});

describe('live calls', () => {
  it('groups a Twilio call’s tracks into one call, caller lane before agent', () => {
    const calls = groupCalls([
      session({ sessionId: 'b', callId: 'CA1', role: 'agent', agent: 'ana', queue: 'billing' }),
      session({ sessionId: 'a', callId: 'CA1', role: 'caller', startedAt: '2026-12-01T09:59:59Z' }),
      session({ sessionId: 'm', source: 'mic' }),
    ]);
    expect(calls.map((c) => c.key)).toEqual(['CA1', 'm']);
    expect(calls[0].lanes.map((l) => l.role)).toEqual(['caller', 'agent']);
    expect(calls[0].startedAt).toBe('2026-12-01T09:59:59Z');
    expect(calls[0].queue).toBe('billing');
  });

  it('sorts worst first: alerts, then negative share, then a negative emotion heard now', () => {
    const calls = groupCalls([
      session({ sessionId: 'calm', negativeShare: 0.1 }),
      session({ sessionId: 'sour', negativeShare: 0.6 }),
      session({ sessionId: 'alerted', negativeShare: 0, alerts: 1 }),
      session({ sessionId: 'angry-now', negativeShare: 0.1, emotion: 'angry', confidence: 0.9 }),
      session({ sessionId: 'angry-silent', negativeShare: 0.1, emotion: 'angry', confidence: 0.9, speech: false }),
    ]).sort(compareBadness);
    expect(calls.map((c) => c.key)).toEqual(['alerted', 'sour', 'angry-now', 'angry-silent', 'calm']);
    expect(badness(calls[2])).toEqual([0, 0.1, 0.9]);
  });

  it('adds the alerts of both lanes and takes the worse lane’s share', () => {
    const [call] = groupCalls([session({ sessionId: 'a', callId: 'C', alerts: 1, negativeShare: 0.2 }), session({ sessionId: 'b', callId: 'C', alerts: 2, negativeShare: 0.5, role: 'agent' })]);
    expect(badness(call).slice(0, 2)).toEqual([3, 0.5]);
  });
});

describe('search filter in the URL', () => {
  it('round-trips every filter, the sort and the page', () => {
    const f = { from: '2026-12-01T08:00:00.000Z', to: '2026-12-01T18:00:00.000Z', source: 'twilio', label: 'vip', agent: 'ana', queue: 'billing',
      dominant: 'angry', minAngryShare: 0.2, minNegativeShare: 0.35, sort: 'negativeShare', offset: 40 };
    expect(filterFromParams(new URLSearchParams(filterToParams(f).toString()))).toEqual(f);
  });

  it('leaves defaults out of the URL and drops values that make no sense', () => {
    expect(filterToParams({ sort: '-startedAt', offset: 0 }).toString()).toBe('');
    const f = filterFromParams(new URLSearchParams('dominant=furious&minAngryShare=1.5&minNegativeShare=abc&sort=loudness&offset=-3&source=%20'));
    expect(f).toEqual({ sort: '-startedAt', offset: 0 });
  });

  it('asks the server for one page', () => {
    expect(toCallQuery({ source: 'audiosocket', sort: '-alerts', offset: 20 })).toEqual({ source: 'audiosocket', sort: '-alerts', offset: 20, limit: 20 });
  });

  it('flips the active column and starts figures descending, names ascending', () => {
    expect(toggleSort('-startedAt', 'startedAt')).toBe('startedAt');
    expect(toggleSort('startedAt', 'startedAt')).toBe('-startedAt');
    expect(toggleSort('-startedAt', 'negativeShare')).toBe('-negativeShare');
    expect(toggleSort('-startedAt', 'queue')).toBe('queue');
  });

  it('converts the time inputs (local) to UTC and back', () => {
    const iso = localInputToIso('2026-12-01T09:30')!;
    expect(isoToLocalInput(iso)).toBe('2026-12-01T09:30');
    expect(localInputToIso('')).toBeUndefined();
    expect(isoToLocalInput('nonsense')).toBe('');
  });
});

describe('trend buckets', () => {
  it('covers the range with UTC hours or days, floored', () => {
    expect(bucketStarts('2026-12-01T09:30:00Z', '2026-12-01T12:00:00Z', 'hour').map((t) => new Date(t).toISOString()))
      .toEqual(['2026-12-01T09:00:00.000Z', '2026-12-01T10:00:00.000Z', '2026-12-01T11:00:00.000Z']);
    expect(bucketStarts('2026-11-29T00:00:00Z', '2026-12-01T00:00:00Z', 'day')).toHaveLength(2);
  });

  it('fills the buckets the server left out with zeros, per group, busiest group first', () => {
    const bucket = (start: string, group: string | null, calls: number, speech: number, negative: number, alerts = 0) =>
      ({ start, group, calls, speechSeconds: speech, share: {}, negativeShare: negative, alerts });
    const result: StatsResult = { from: '2026-12-01T09:00:00Z', to: '2026-12-01T13:00:00Z', bucket: 'hour', groupBy: 'queue', buckets: [
      bucket('2026-12-01T09:00:00+00:00', 'billing', 1, 10, 0.5),
      bucket('2026-12-01T10:00:00+00:00', null, 1, 5, 0),
      bucket('2026-12-01T12:00:00+00:00', 'billing', 2, 30, 0.1, 3),
    ] };
    const { starts, groups } = fillBuckets(result);
    expect(starts).toHaveLength(4);
    expect(groups.map((g) => g.group)).toEqual(['billing', null]);
    expect(groups[0].buckets.map((b) => b.calls)).toEqual([1, 0, 0, 2]);
    expect(groups[0].buckets[1]).toMatchObject({ calls: 0, alerts: 0, negativeShare: 0, group: 'billing', start: '2026-12-01T10:00:00.000Z' });
    expect(groups[0]).toMatchObject({ calls: 3, alerts: 3 });
    expect(groups[0].negativeShare).toBeCloseTo((0.5 * 10 + 0.1 * 30) / 40);
    expect(groups[1].buckets.map((b) => b.calls)).toEqual([0, 1, 0, 0]);
  });
});
