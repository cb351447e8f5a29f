import { describe, expect, it } from 'vitest';
import { Chunker, Downsampler, encodePcm16, TARGET_RATE } from '../src/index';

function tone(freq: number, rate: number, seconds: number, amplitude = 0.5): Float32Array {
  const x = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < x.length; i++) x[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / rate);
  return x;
}

function rms(x: Float32Array, from = 0, to = x.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += x[i] * x[i];
  return Math.sqrt(sum / Math.max(1, to - from));
}

function resampleInBlocks(d: Downsampler, x: Float32Array, block: number): Float32Array {
  const parts: Float32Array[] = [];
  for (let i = 0; i < x.length; i += block) parts.push(d.process(x.subarray(i, Math.min(x.length, i + block))));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

describe('Downsampler', () => {
  for (const rate of [48000, 44100, 32000]) {
    it(`keeps a 1 kHz tone at ${rate} Hz: level and frequency`, () => {
      const out = resampleInBlocks(new Downsampler(rate), tone(1000, rate, 1), 128);
      expect(out.length).toBeGreaterThan(TARGET_RATE - 100);
      expect(out.length).toBeLessThanOrEqual(TARGET_RATE);
      const level = rms(out, 1000, 15000);
      expect(20 * Math.log10(level / (0.5 / Math.SQRT2))).toBeGreaterThan(-0.5);
      expect(20 * Math.log10(level / (0.5 / Math.SQRT2))).toBeLessThan(0.5);
      let crossings = 0;
      for (let i = 1001; i < 15000; i++) if (out[i - 1] < 0 && out[i] >= 0) crossings++;
      expect(Math.abs(crossings / (14000 / TARGET_RATE) - 1000)).toBeLessThan(3);
    });

    it(`removes a 10 kHz tone at ${rate} Hz (above the new Nyquist)`, () => {
      const out = resampleInBlocks(new Downsampler(rate), tone(10000, rate, 1), 128);
      const rejection = 20 * Math.log10(rms(out, 1000, 15000) / (0.5 / Math.SQRT2));
      expect(rejection).toBeLessThan(-40);
    });
  }

  it('gives the same output for any block size', () => {
    const x = tone(440, 48000, 0.5);
    const a = resampleInBlocks(new Downsampler(48000), x, 128);
    const b = resampleInBlocks(new Downsampler(48000), x, 1000);
    const c = resampleInBlocks(new Downsampler(48000), x, 7);
    expect(b.length).toBe(a.length);
    expect(c.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) {
      expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-6);
      expect(Math.abs(a[i] - c[i])).toBeLessThan(1e-6);
    }
  });

  it('passes 16 kHz through unchanged, holding back only the look-ahead', () => {
    const x = tone(300, 16000, 0.1);
    const out = resampleInBlocks(new Downsampler(16000, 24), x, 64);
    expect(out.length).toBe(x.length - 24);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(x[i], 6);
  });

  it('refuses absurd rates', () => {
    expect(() => new Downsampler(1000)).toThrow(RangeError);
  });
});

describe('encodePcm16', () => {
  it('rounds, clips and writes little-endian', () => {
    const bytes = encodePcm16(Float32Array.from([0, 0.5, -0.5, 1, -1, 2, -2, 1 / 32768]));
    const view = new DataView(bytes.buffer);
    const values = Array.from({ length: 8 }, (_, i) => view.getInt16(i * 2, true));
    expect(values).toEqual([0, 16384, -16384, 32767, -32768, 32767, -32768, 1]);
    expect(bytes[2]).toBe(0x00);
    expect(bytes[3]).toBe(0x40);
  });
});

describe('Chunker', () => {
  it('cuts fixed chunks across pushes and flushes the rest', () => {
    const c = new Chunker(4);
    expect(c.push(Float32Array.from([1, 2, 3]))).toEqual([]);
    const chunks = c.push(Float32Array.from([4, 5, 6, 7, 8, 9]));
    expect(chunks.map((x) => Array.from(x))).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
    expect(Array.from(c.flush()!)).toEqual([9]);
    expect(c.flush()).toBeNull();
  });
});
