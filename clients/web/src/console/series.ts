// Pure logic behind the ribbon: updates as points of seven probabilities, and smoothing that never crosses a gap.
import { LABELS, type EmotionUpdate } from '../emotions';

/** One update as the ribbon draws it: its audio time (end of its half second), whether it held speech, and the seven
 * probabilities in LABELS order (all 0 without speech). */
export interface RibbonPoint {
  time: number;
  speech: boolean;
  values: number[];
}

export function toPoint(u: EmotionUpdate): RibbonPoint {
  return { time: u.audioTime, speech: u.speech, values: LABELS.map((l) => (u.speech ? u.probabilities[l] ?? 0 : 0)) };
}

/** Updates in sequence order as points. */
export function toPoints(updates: readonly EmotionUpdate[]): RibbonPoint[] {
  return [...updates].sort((a, b) => a.seq - b.seq).map(toPoint);
}

/** A trailing moving average over the last <n> speech updates of the same speech run (n ≤ 1: unchanged). A point
 * without speech stays empty and restarts the average, so smoothing never fills or blurs a gap; trailing, so a live
 * ribbon shows the same values as the complete one at the same time. */
export function smooth(points: readonly RibbonPoint[], n: number): RibbonPoint[] {
  if (n <= 1) return points.slice();
  const out: RibbonPoint[] = [];
  let runStart = 0;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (!p.speech) { out.push(p); runStart = i + 1; continue; }
    const from = Math.max(runStart, i - n + 1);
    const values = p.values.map((_, k) => {
      let sum = 0;
      for (let j = from; j <= i; j++) sum += points[j].values[k];
      return sum / (i - from + 1);
    });
    out.push({ time: p.time, speech: true, values });
  }
  return out;
}

/** Index of the point nearest to <time> (points sorted by time); -1 when there are none. */
export function nearestIndex(points: readonly RibbonPoint[], time: number): number {
  if (points.length === 0) return -1;
  let lo = 0, hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].time < time) lo = mid + 1; else hi = mid;
  }
  return lo > 0 && Math.abs(points[lo - 1].time - time) <= Math.abs(points[lo].time - time) ? lo - 1 : lo;
}

/** The exact values at a point, in words: "12.5 s: neutral 41 %, happy 20 %, …" (largest first) or "12.5 s: no speech". */
export function describePoint(p: RibbonPoint): string {
  if (!p.speech) return `${p.time.toFixed(1)} s: no speech`;
  const parts = LABELS.map((l, k) => [l, p.values[k]] as const).sort((a, b) => b[1] - a[1]).map(([l, v]) => `${l} ${Math.round(v * 100)} %`);
  return `${p.time.toFixed(1)} s: ${parts.join(', ')}`;
}
