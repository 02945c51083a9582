import { describe, expect, it } from 'vitest';
import { LinearResampler } from '../../../plugin/audio/LinearResampler.js';

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('LinearResampler', () => {
  it('gives the same output chunked as whole, with ceil(n × ratio) samples after flush', () => {
    const input = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i / 7));
    for (const toHz of [48_000, 44_100, 16_000]) {
      const whole = new LinearResampler(24_000, toHz);
      const a = concat([whole.process(input), whole.flush()]);
      const chunked = new LinearResampler(24_000, toHz);
      const parts: Float32Array[] = [];
      for (let i = 0; i < input.length; i += 97) parts.push(chunked.process(input.subarray(i, i + 97)));
      parts.push(chunked.flush());
      const b = concat(parts);
      expect(a.length).toBe(Math.ceil((1000 * toHz) / 24_000));
      expect(b).toEqual(a);
    }
  });

  it('interpolates halfway samples when doubling the rate', () => {
    const r = new LinearResampler(24_000, 48_000);
    const out = concat([r.process(Float32Array.from([0, 1, 0])), r.flush()]);
    expect(Array.from(out)).toEqual([0, 0.5, 1, 0.5, 0, 0]);
  });
});
