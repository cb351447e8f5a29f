// The seven labels in the protocol's order, each with a colour (Okabe–Ito palette, distinguishable with common colour
// vision deficiencies) and always shown with its name: colour is never the only cue.
import { LABELS, type Label } from '@voiceemotion/client';

export { LABELS, type Label };

export const COLOURS: Record<Label, string> = {
  neutral: '#8c8c8c',
  happy: '#E69F00',
  sad: '#0072B2',
  angry: '#D55E00',
  fearful: '#CC79A7',
  disgust: '#009E73',
  surprised: '#B8A800',
};

export type { EmotionUpdate, SessionError, SessionSummary } from '@voiceemotion/client';
