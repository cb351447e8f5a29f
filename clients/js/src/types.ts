// The wire contract (docs/PROTOCOL.md): the hub's messages and the REST bodies, as both protocols carry them.

/** The seven labels in the protocol's order. */
export const LABELS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised'] as const;
export type Label = (typeof LABELS)[number];

/** StartSession's argument: the audio format of the stream that follows. */
export interface StartSessionRequest {
  encoding: 'pcm16le' | 'float32le' | 'mulaw' | 'alaw';
  sampleRate: number;
  channels: 1 | 2;
  source?: string | null;
  label?: string | null;
  agent?: string | null;
  queue?: string | null;
  /** Send this session's updates as `EmotionUpdateCompact` arrays (see `CompactEmotionUpdate`); the client expands them. */
  compact?: boolean;
}

export interface SessionStarted {
  sessionId: string;
  updateIntervalSeconds: number;
  windowSeconds: number;
  labels: string[];
}

/** One update every 0.5 s of audio time. */
export interface EmotionUpdate {
  sessionId: string;
  seq: number;
  audioTime: number;
  windowSeconds: number;
  speech: boolean;
  voicedFraction: number;
  probabilities: Record<string, number>;
  top: string | null;
  confidence: number;
  arousal: number;
  valence: number;
  loudnessDb: number;
  pitchHz: number;
}

/** The opt-in compact update (`EmotionUpdateCompact`), docs/PROTOCOL.md: 13 elements in this order; probabilities in
 * `SessionStarted.labels` order, top an index into them (−1 without speech). */
export type CompactEmotionUpdate = [
  sessionId: string, seq: number, audioTime: number, windowSeconds: number, speech: boolean, voicedFraction: number,
  probabilities: number[], top: number, confidence: number, arousal: number, valence: number, loudnessDb: number, pitchHz: number,
];

/** A compact update in the map shape, given the session's labels. */
export function expandCompactUpdate(c: CompactEmotionUpdate, labels: readonly string[]): EmotionUpdate {
  const [sessionId, seq, audioTime, windowSeconds, speech, voicedFraction, p, top, confidence, arousal, valence, loudnessDb, pitchHz] = c;
  const probabilities: Record<string, number> = {};
  labels.forEach((label, i) => { probabilities[label] = p[i]; });
  return {
    sessionId, seq, audioTime, windowSeconds, speech, voicedFraction, probabilities,
    top: top >= 0 && top < labels.length ? labels[top] : null, confidence, arousal, valence, loudnessDb, pitchHz,
  };
}

export interface SessionSummary {
  sessionId: string;
  durationSeconds: number;
  speechSeconds: number;
  updates: number;
  dominant: string | null;
  share: Record<string, number>;
  meanProbabilities: Record<string, number>;
}

export interface SessionError {
  sessionId: string | null;
  code: string;
  message: string;
}

export interface LiveSessionInfo {
  sessionId: string;
  source: string | null;
  label: string | null;
  callId: string | null;
  track: string | null;
  startedAt: string;
  audioSeconds: number;
  owner: string | null;
  /** `caller` (Twilio inbound, AudioSocket), `agent` (Twilio outbound), `speaker` (a hub session). */
  role: TrackRole;
  agent: string | null;
  queue: string | null;
  /** `top` of the latest update; null before the first or without speech. */
  emotion: string | null;
  confidence: number;
  speech: boolean;
  /** Share of the session's speech updates so far whose top was sad, angry, fearful or disgust (0–1). */
  negativeShare: number;
  alerts: number;
}

export type TrackRole = 'caller' | 'agent' | 'speaker';

export interface AlertMessage {
  alertId: string;
  sessionId: string;
  rule: string;
  label: string;
  startTime: number;
  sustainedSeconds: number;
  meanProbability: number;
  source: string | null;
  callId: string | null;
  track: string | null;
  raisedAt: string;
}

/** Body of every HTTP error. */
export interface ApiError {
  error: string;
  message: string;
}

export interface AnalyzeResult {
  fileName: string;
  sampleRate: number;
  updates: EmotionUpdate[];
  summary: SessionSummary;
}

export interface JobStatus {
  jobId: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  fileName: string;
  createdAt: string;
  finishedAt: string | null;
  progress: { secondsAnalysed: number; totalSeconds: number | null };
  result: AnalyzeResult | null;
  error: ApiError | null;
}

export interface SessionRecord {
  sessionId: string;
  source: string;
  label: string | null;
  callId: string | null;
  track: string | null;
  startedAt: string;
  endedAt: string | null;
  summary: SessionSummary | null;
  owner: string | null;
  status: 'live' | 'ended' | 'interrupted';
  role?: TrackRole;
  agent?: string | null;
  queue?: string | null;
}

export interface SessionPage {
  total: number;
  items: SessionRecord[];
}

export interface SessionDetails {
  session: SessionRecord;
  alerts: AlertMessage[];
}

/** One track of a logged call (a session with its role). */
export interface CallTrack {
  sessionId: string;
  role: TrackRole;
  track: string | null;
  status: 'live' | 'ended' | 'interrupted';
  startedAt: string;
  endedAt: string | null;
  summary: SessionSummary | null;
}

/** A call from the log (`GET /api/calls`): its tracks and what they add up to. */
export interface CallRecord {
  callId: string;
  source: string;
  label: string | null;
  agent: string | null;
  queue: string | null;
  owner: string | null;
  status: 'live' | 'ended' | 'interrupted';
  startedAt: string;
  endedAt: string | null;
  speechSeconds: number;
  dominant: string | null;
  angryShare: number | null;
  negativeShare: number | null;
  share: Record<string, number>;
  alerts: number;
  tracks: CallTrack[];
}

export interface CallPage {
  total: number;
  items: CallRecord[];
}

export interface CallDetails {
  call: CallRecord;
  alerts: AlertMessage[];
}

/** `GET /api/calls` filters; absent fields are not sent. */
export interface CallQuery {
  from?: string;
  to?: string;
  source?: string;
  dominant?: string;
  minAngryShare?: number;
  minNegativeShare?: number;
  label?: string;
  agent?: string;
  queue?: string;
  owner?: string;
  /** A column, `-` first for descending (default `-startedAt`). */
  sort?: string;
  limit?: number;
  offset?: number;
}

export type StatsBucketSize = 'hour' | 'day';
export type StatsGroupBy = 'source' | 'label' | 'agent' | 'queue';

export interface StatsQuery {
  from?: string;
  to?: string;
  bucket?: StatsBucketSize;
  groupBy?: StatsGroupBy;
}

/** One bucket and group of `GET /api/stats` (buckets without calls or alerts are left out). */
export interface StatsBucket {
  start: string;
  group: string | null;
  calls: number;
  speechSeconds: number;
  share: Record<string, number>;
  negativeShare: number;
  alerts: number;
}

export interface StatsResult {
  from: string;
  to: string;
  bucket: StatsBucketSize;
  groupBy: StatsGroupBy;
  buckets: StatsBucket[];
}

/** An alert rule as edited over `/api/alert-rules`. */
export interface AlertRuleInput {
  name: string;
  emotion: string;
  threshold: number;
  sustainedSeconds: number;
  scopeLabel?: string | null;
  scopeQueue?: string | null;
}

export interface AlertRuleRecord extends AlertRuleInput {
  updatedAt: string | null;
  updatedBy: string | null;
}
