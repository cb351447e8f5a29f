// Pure logic of the live view: sessions grouped into calls (the key /api/calls uses) and the order "worst first".
import type { LiveSessionInfo } from '@voiceemotion/client';
import { NEGATIVE, type Label } from '../emotions';

export interface LiveCall {
  /** callId, or a lone hub session's sessionId. */
  key: string;
  source: string | null;
  label: string | null;
  agent: string | null;
  queue: string | null;
  startedAt: string;
  /** caller first, then agent, then speakers. */
  lanes: LiveSessionInfo[];
}

const ROLE_ORDER: Record<string, number> = { caller: 0, agent: 1, speaker: 2 };

export function groupCalls(sessions: readonly LiveSessionInfo[]): LiveCall[] {
  const calls = new Map<string, LiveCall>();
  for (const s of sessions) {
    const key = s.callId ?? s.sessionId;
    let call = calls.get(key);
    if (!call) calls.set(key, call = { key, source: s.source, label: s.label, agent: s.agent, queue: s.queue, startedAt: s.startedAt, lanes: [] });
    call.lanes.push(s);
    if (s.startedAt < call.startedAt) call.startedAt = s.startedAt;
    call.agent ??= s.agent;
    call.queue ??= s.queue;
  }
  for (const c of calls.values()) c.lanes.sort((a, b) => (ROLE_ORDER[a.role] ?? 3) - (ROLE_ORDER[b.role] ?? 3) || a.startedAt.localeCompare(b.startedAt));
  return [...calls.values()];
}

/** How badly a call is going, as the three figures compared in order: alerts raised on any lane, then the worst lane's
 * negative share so far, then the confidence of a negative emotion heard right now (0 when no lane is negative now). */
export function badness(call: LiveCall): [number, number, number] {
  const alerts = call.lanes.reduce((n, s) => n + s.alerts, 0);
  const negative = Math.max(0, ...call.lanes.map((s) => s.negativeShare));
  const now = Math.max(0, ...call.lanes.map((s) => (s.speech && s.emotion && NEGATIVE.includes(s.emotion as Label) ? s.confidence : 0)));
  return [alerts, negative, now];
}

/** Worst first; equally bad calls longest-running first, then by key (a stable order that does not jump around). */
export function compareBadness(a: LiveCall, b: LiveCall): number {
  const x = badness(a), y = badness(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return y[i] - x[i];
  return a.startedAt.localeCompare(b.startedAt) || a.key.localeCompare(b.key);
}
