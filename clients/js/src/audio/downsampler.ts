// Audio in the browser arrives at the device rate (44.1 or 48 kHz, sometimes others); the hub is fed 16 kHz pcm16.
// A windowed-sinc low-pass below the new Nyquist, evaluated at fractional positions, avoids aliasing; the state
// carries across blocks so chunk boundaries do not matter.

export const TARGET_RATE = 16000;

/** Streaming resampler to 16 kHz: low-pass (Blackman-windowed sinc, cutoff 7.2 kHz) + fractional interpolation. */
export class Downsampler {
  readonly inputRate: number;
  private readonly step: number; // input samples per output sample
  private readonly halfTaps: number;
  private readonly cutoff: number; // cycles per input sample
  private history: Float32Array;
  private position: number; // position of the next output sample, in input samples relative to history[0]

  constructor(inputRate: number, halfTaps = 24) {
    if (!(inputRate >= 8000 && inputRate <= 192000)) throw new RangeError(`unsupported input rate ${inputRate} Hz`);
    this.inputRate = inputRate;
    this.step = inputRate / TARGET_RATE;
    this.halfTaps = halfTaps;
    this.cutoff = Math.min(0.5, (0.45 * TARGET_RATE) / inputRate);
    // Silence before the first sample; output n is centred on input sample n·step and waits for halfTaps of look-ahead.
    this.history = new Float32Array(2 * halfTaps);
    this.position = 2 * halfTaps;
  }

  /** Resamples a block; returns the 16 kHz samples it completes. */
  process(input: Float32Array): Float32Array {
    const buffer = new Float32Array(this.history.length + input.length);
    buffer.set(this.history);
    buffer.set(input, this.history.length);
    const out: number[] = [];
    const h = this.halfTaps;
    if (this.step === 1) {
      // Same rate: pass through (held back by the same look-ahead as the filtered path).
      while (this.position + h < buffer.length) {
        out.push(buffer[Math.round(this.position)]);
        this.position += 1;
      }
    } else {
      while (this.position + h < buffer.length) {
        const centre = this.position;
        const base = Math.floor(centre);
        let sum = 0;
        let norm = 0;
        for (let k = base - h + 1; k <= base + h; k++) {
          const x = k - centre;
          const w = this.kernel(x);
          sum += buffer[k] * w;
          norm += w;
        }
        out.push(norm !== 0 ? sum / norm : 0);
        this.position += this.step;
      }
    }
    // Keep the last 2h samples as history and shift the position accordingly.
    const keep = Math.min(buffer.length, 2 * h);
    const dropped = buffer.length - keep;
    this.history = buffer.slice(dropped);
    if (this.history.length < 2 * h) {
      const padded = new Float32Array(2 * h);
      padded.set(this.history, 2 * h - this.history.length);
      this.position += 2 * h - this.history.length;
      this.history = padded;
    }
    this.position -= dropped;
    return Float32Array.from(out);
  }

  private kernel(x: number): number {
    const fc = this.cutoff;
    const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
    const t = (x + this.halfTaps) / (2 * this.halfTaps); // 0..1 across the window
    const blackman = 0.42 - 0.5 * Math.cos(2 * Math.PI * t) + 0.08 * Math.cos(4 * Math.PI * t);
    return sinc * Math.max(0, blackman);
  }
}

/** Float samples in [-1, 1] to little-endian signed 16-bit PCM (clipped, rounded to nearest). */
export function encodePcm16(samples: Float32Array): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    const v = Math.max(-32768, Math.min(32767, Math.round(s * 32768)));
    view.setInt16(i * 2, v, true);
  }
  return bytes;
}

/** Collects samples and hands out fixed-size chunks (e.g. 100 ms = 1600 samples at 16 kHz). */
export class Chunker {
  private pending: number[] = [];
  constructor(readonly chunkSamples: number) {}

  push(samples: Float32Array): Float32Array[] {
    for (const s of samples) this.pending.push(s);
    const chunks: Float32Array[] = [];
    while (this.pending.length >= this.chunkSamples) {
      chunks.push(Float32Array.from(this.pending.splice(0, this.chunkSamples)));
    }
    return chunks;
  }

  /** Whatever is left, as a last (shorter) chunk. */
  flush(): Float32Array | null {
    if (this.pending.length === 0) return null;
    const rest = Float32Array.from(this.pending);
    this.pending = [];
    return rest;
  }
}
