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
}

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
}

export interface SessionPage {
  total: number;
  items: SessionRecord[];
}

export interface SessionDetails {
  session: SessionRecord;
  alerts: AlertMessage[];
}
