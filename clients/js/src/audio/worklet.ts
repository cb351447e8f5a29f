// The AudioWorklet processor, kept as source text so the package needs no bundler support for worklet files: it is
// loaded from a Blob URL. It takes the input (microphone or a playing file) at the context's rate, mixes to mono and
// posts blocks of 2048 samples to the main thread, which resamples to 16 kHz and streams them.
export const CAPTURE_PROCESSOR = 'voiceemotion-capture';

export const CAPTURE_WORKLET_SOURCE = `
const BLOCK = 2048;
class CaptureProcessor extends AudioWorkletProcessor {
  constructor() { super(); this.buffer = new Float32Array(BLOCK); this.filled = 0; }
  process(inputs) {
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true;
    const frames = channels[0].length;
    for (let i = 0; i < frames; i++) {
      let sum = 0;
      for (const channel of channels) sum += channel[i];
      this.buffer[this.filled++] = sum / channels.length;
      if (this.filled === BLOCK) {
        this.port.postMessage({ samples: this.buffer, sampleRate }, [this.buffer.buffer]);
        this.buffer = new Float32Array(BLOCK);
        this.filled = 0;
      }
    }
    return true;
  }
}
registerProcessor('${'voiceemotion-capture'}', CaptureProcessor);
`;
