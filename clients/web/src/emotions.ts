// The seven labels in the protocol's order, each with a colour (Okabe–Ito palette, distinguishable with common colour
// vision deficiencies) and always shown with its name: colour is never the only cue.
export const LABELS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgust', 'surprised'] as const;
export type Label = (typeof LABELS)[number];

export const COLOURS: Record<Label, string> = {
  neutral: '#8c8c8c',
  happy: '#E69F00',
  sad: '#0072B2',
  angry: '#D55E00',
  fearful: '#CC79A7',
  disgust: '#009E73',
  surprised: '#B8A800',
};

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
