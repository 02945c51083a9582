// Linear interpolation instead of the shared windowed-sinc `Resampler` (plugin/shared/resample.ts) for playback:
// the sinc filter holds 16 input samples back until more input or a flush() arrives, and the Realtime stream has no
// end-of-item marker, so the last ~0.7 ms of every answer would sit in the filter. Linear interpolation holds at
// most one input sample, and upsampling speech from 24 kHz loses nothing audible.

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Streaming linear-interpolation resampler whose chunked output equals its whole-buffer output; `flush()` makes the
 * total exactly `ceil(inputs × toHz / fromHz)`.
 */
export class LinearResampler {
  readonly fromHz: number;
  readonly toHz: number;
  /** Reduced ratio: output k sits at input position k·step/den. */
  private readonly step: number;
  private readonly den: number;
  /** Next output position: input index `index` plus `frac / den`, relative to the first input sample ever. */
  private index = 0;
  private frac = 0;
  /** Input samples consumed so far and the last one of them (the left neighbour of the next chunk's first sample). */
  private seen = 0;
  private last = 0;

  /** @throws RangeError when a rate is not a positive integer. */
  constructor(fromHz: number, toHz: number) {
    for (const [name, hz] of [['fromHz', fromHz], ['toHz', toHz]] as const) {
      if (!Number.isInteger(hz) || hz <= 0) throw new RangeError(`${name} must be a positive integer (Hz), got ${hz}`);
    }
    this.fromHz = fromHz;
    this.toHz = toHz;
    const g = gcd(fromHz, toHz);
    this.step = fromHz / g;
    this.den = toHz / g;
  }

  /** Resamples the next chunk; an output whose right neighbour has not arrived yet waits for the next call or flush(). */
  process(input: Float32Array): Float32Array {
    const start = this.seen;
    const end = start + input.length;
    // Outputs with index + 1 < end (both neighbours known), plus exact hits on the last sample (frac 0).
    const count = this.countBefore(end - 1) + (input.length > 0 ? this.exactHit(end - 1) : 0);
    const out = new Float32Array(Math.max(0, count));
    for (let n = 0; n < out.length; n++) {
      const i = this.index - start;
      const a = i < 0 ? this.last : (input[i] as number);
      const t = this.frac / this.den;
      const b = t === 0 ? a : (input[i + 1] as number);
      out[n] = a + (b - a) * t;
      this.advance();
    }
    if (input.length > 0) this.last = input[input.length - 1] as number;
    this.seen = end;
    return out;
  }

  /** Emits the outputs still waiting for a right neighbour (holding the last sample) and resets for a new stream. */
  flush(): Float32Array {
    const count = this.countBefore(this.seen);
    const out = new Float32Array(Math.max(0, count)).fill(this.last);
    this.reset();
    return out;
  }

  /** Forgets all history, as if newly constructed. */
  reset(): void {
    this.index = 0;
    this.frac = 0;
    this.seen = 0;
    this.last = 0;
  }

  /** Number of outputs from the current one whose position is strictly below input index `limit`. */
  private countBefore(limit: number): number {
    // Positions p_k = (index·den + frac + k·step) / den < limit  ⇔  k < (limit·den − index·den − frac) / step.
    const room = (limit - this.index) * this.den - this.frac;
    return room <= 0 ? 0 : Math.ceil(room / this.step);
  }

  /** 1 when an output lands exactly on input index `at` (after those before it), else 0. */
  private exactHit(at: number): number {
    const room = (at - this.index) * this.den - this.frac;
    return room >= 0 && room % this.step === 0 ? 1 : 0;
  }

  private advance(): void {
    this.frac += this.step;
    while (this.frac >= this.den) {
      this.frac -= this.den;
      this.index++;
    }
  }
}
