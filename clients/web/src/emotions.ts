// The palette: the seven labels in the protocol's order, each with an Okabe–Ito colour (told apart with the common
// colour-vision deficiencies; neutral and sad differ in lightness as well as hue), and "no speech" as a hatched grey.
// Colour is never the only cue: legends, readouts and tooltips name the emotion in words.
import { LABELS, type Label } from '@voiceemotion/client';

export { LABELS, type Label };

export const COLOURS: Record<Label, string> = {
  neutral: '#56B4E9',
  happy: '#E69F00',
  sad: '#0072B2',
  angry: '#D55E00',
  fearful: '#CC79A7',
  disgust: '#009E73',
  surprised: '#F0E442',
};

/** The fill of time without speech (drawn hatched, so it reads as "nothing" rather than an eighth emotion). */
export const NO_SPEECH_COLOUR = '#BBBBBB';

/** The labels whose share makes a call "negative" (the server's negativeShare). */
export const NEGATIVE: readonly Label[] = ['sad', 'angry', 'fearful', 'disgust'];

/** A legend: a swatch and the word for each emotion, and "no speech". */
export function legendHtml(): string {
  return `<ul class="legend" aria-label="colours of the emotions">${LABELS.map((l) => `<li><span class="swatch small-swatch" style="background:${COLOURS[l]}" aria-hidden="true"></span>${l}</li>`).join('')}<li><span class="swatch small-swatch no-speech" aria-hidden="true"></span>no speech</li></ul>`;
}

/** Text made safe for innerHTML. */
export function escapeHtml(text: string | null | undefined): string {
  return (text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export type { EmotionUpdate, SessionError, SessionSummary } from '@voiceemotion/client';
