import { describe, expect, it } from 'vitest';
import { resample, Resampler } from '../../../plugin/shared/resample.js';

const RATES: Array<[number, number]> = [
  [16_000, 24_000],
  [22_050, 24_000],
  [48_000, 24_000],
  [44_100, 24_000],
  [8_000, 24_000],
];

function sine(hz: number, rateHz: number, n: number, amplitude = 0.5): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rateHz));
}

/** Frequency from the zero-crossing count, precise enough to tell 1000 Hz from a rate mix-up (1500 or 1088 Hz). */
function zeroCrossingHz(x: Float32Array, rateHz: number): number {
  let crossings = 0;
  for (let i = 1; i < x.length; i++) if (((x[i - 1] ?? 0) < 0) !== ((x[i] ?? 0) < 0)) crossings++;
  return (crossings / 2) * (rateHz / x.length);
}

describe('resample', () => {
  it.each(RATES)('%i → %i Hz keeps a 1 kHz sine within 5e-5 and the length ratio exact', (from, to) => {
    const input = sine(1000, from, from); // one second
    const out = resample(input, from, to);
    expect(out.length).toBe(Math.ceil((input.length * to) / from));
    let maxErr = 0;
    // The edges see zero-padding (the filter's half width); the interior must match the ideal sine.
    for (let i = 100; i < out.length - 100; i++) {
      maxErr = Math.max(maxErr, Math.abs((out[i] ?? 0) - 0.5 * Math.sin((2 * Math.PI * 1000 * i) / to)));
    }
    expect(maxErr).toBeLessThan(5e-5);
    expect(zeroCrossingHz(out, to)).toBeCloseTo(1000, -1);
  });

  it.each(RATES)('%i → %i Hz streaming in odd-sized chunks equals whole-buffer output', (from, to) => {
    const input = sine(440, from, Math.round(from * 0.3));
    const whole = resample(input, from, to);
    const r = new Resampler(from, to);
    const parts: Float32Array[] = [];
    for (let i = 0, size = 1; i < input.length; i += size, size = (size * 7 + 3) % 997) {
      parts.push(r.process(input.subarray(i, i + size)));
    }
    parts.push(r.flush());
    const streamed = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      streamed.set(p, offset);
      offset += p.length;
    }
    expect(streamed.length).toBe(whole.length);
    let maxDiff = 0;
    for (let i = 0; i < whole.length; i++) maxDiff = Math.max(maxDiff, Math.abs((whole[i] ?? 0) - (streamed[i] ?? 0)));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('removes content above the new Nyquist when downsampling', () => {
    // 15 kHz is above 12 kHz (Nyquist at 24 kHz): it must not fold back as a 9 kHz tone.
    const out = resample(sine(15_000, 48_000, 48_000), 48_000, 24_000);
    let peak = 0;
    for (let i = 200; i < out.length - 200; i++) peak = Math.max(peak, Math.abs(out[i] ?? 0));
    expect(peak).toBeLessThan(0.01);
  });

  it('can be reused after flush and rejects invalid rates', () => {
    const r = new Resampler(16_000, 24_000);
    const a = Float32Array.from(r.process(sine(300, 16_000, 1600)));
    r.flush();
    expect(Array.from(r.process(sine(300, 16_000, 1600)))).toEqual(Array.from(a));
    expect(() => new Resampler(0, 24_000)).toThrow(RangeError);
    expect(() => new Resampler(16_000.5, 24_000)).toThrow(RangeError);
  });
});
