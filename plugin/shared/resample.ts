// Polyphase windowed-sinc resampler (the design measured in the offline-speech reference, §1.5), usable on a whole
// buffer or as a stream. Browser-safe: the plugin's mic path and the emulator's TTS path share it.

/** Zero crossings of the sinc on each side of the centre at full bandwidth (32 taps in total when upsampling). */
const HALF_TAPS = 16;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function blackman(t: number): number {
  return 0.42 - 0.5 * Math.cos(2 * Math.PI * t) + 0.08 * Math.cos(4 * Math.PI * t);
}

interface Plan {
  /** Upsampling factor L and downsampling factor M of the reduced ratio toHz/fromHz = L/M. */
  up: number;
  down: number;
  /** Taps on each side of the output position, in input samples. */
  half: number;
  /** `up` phase tables of `2 * half` taps each, flattened. */
  taps: Float32Array;
}

// Tables depend only on the rate pair, and a page or server uses a handful of pairs, so they are built once each.
const plans = new Map<string, Plan>();

function planFor(fromHz: number, toHz: number): Plan {
  const key = `${fromHz}:${toHz}`;
  const cached = plans.get(key);
  if (cached) return cached;
  const g = gcd(fromHz, toHz);
  const up = toHz / g;
  const down = fromHz / g;
  // Cut off at the lower of the two Nyquist frequencies; when downsampling leave a 5 % guard band against aliasing
  // and widen the filter so it keeps the same number of zero crossings (the same stop-band quality).
  const cutoff = up >= down ? 1 : (up / down) * 0.95;
  const half = Math.ceil(HALF_TAPS / cutoff);
  const width = 2 * half;
  const taps = new Float32Array(up * width);
  for (let phase = 0; phase < up; phase++) {
    const frac = phase / up;
    let sum = 0;
    const row = new Float64Array(width);
    for (let k = 0; k < width; k++) {
      // Tap k multiplies input sample (i - half + 1 + k); x is its distance from the output position.
      const x = k - half + 1 - frac;
      const arg = Math.PI * cutoff * x;
      const sinc = x === 0 ? 1 : Math.sin(arg) / arg;
      const w = blackman((x + half) / width);
      row[k] = sinc * w;
      sum += row[k] ?? 0;
    }
    // Normalising every phase to unit DC gain removes the phase-dependent ripple a truncated sinc would leave.
    for (let k = 0; k < width; k++) taps[phase * width + k] = (row[k] ?? 0) / sum;
  }
  const plan: Plan = { up, down, half, taps };
  plans.set(key, plan);
  return plan;
}

function checkRate(name: string, hz: number): void {
  if (!Number.isInteger(hz) || hz <= 0) throw new RangeError(`${name} must be a positive integer (Hz), got ${hz}`);
}

/**
 * Streaming resampler that keeps its filter history across chunks, so chunked output equals whole-buffer output.
 *
 * @example
 * const r = new Resampler(16_000, 24_000);
 * const a = r.process(chunk1), b = r.process(chunk2), tail = r.flush();
 */
export class Resampler {
  readonly fromHz: number;
  readonly toHz: number;
  private readonly plan: Plan;
  /** Input samples still needed by future outputs; `buf[0]` is absolute input index `bufStart`. */
  private buf = new Float32Array(0);
  private bufStart = 0;
  private inputCount = 0;
  private outputCount = 0;
  /** Next output's position in input samples: `index + phase / up`. */
  private index = 0;
  private phase = 0;

  /** @throws RangeError when a rate is not a positive integer. */
  constructor(fromHz: number, toHz: number) {
    checkRate('fromHz', fromHz);
    checkRate('toHz', toHz);
    this.fromHz = fromHz;
    this.toHz = toHz;
    this.plan = planFor(fromHz, toHz);
  }

  /** Resamples the next chunk; output lags input by the filter's half width (about 1 ms), which `flush()` releases. */
  process(input: Float32Array): Float32Array {
    if (input.length > 0) {
      const merged = new Float32Array(this.buf.length + input.length);
      merged.set(this.buf);
      merged.set(input, this.buf.length);
      this.buf = merged;
      this.inputCount += input.length;
    }
    // An output is ready once every input sample under its filter has arrived.
    const out = this.run(this.inputCount - this.plan.half, Number.POSITIVE_INFINITY);
    this.dropConsumed();
    return out;
  }

  /** Emits the remaining output (treating input after the end as silence) and resets for a new stream. */
  flush(): Float32Array {
    const total = Math.ceil((this.inputCount * this.plan.up) / this.plan.down);
    const out = this.run(Number.POSITIVE_INFINITY, total);
    this.reset();
    return out;
  }

  /** Forgets all history, as if newly constructed. */
  reset(): void {
    this.buf = new Float32Array(0);
    this.bufStart = 0;
    this.inputCount = 0;
    this.outputCount = 0;
    this.index = 0;
    this.phase = 0;
  }

  /** Produces outputs while their centre index is below `stopIndex` and fewer than `stopOutput` were produced in total. */
  private run(stopIndex: number, stopOutput: number): Float32Array {
    const { up, down, half, taps } = this.plan;
    const width = 2 * half;
    const buf = this.buf;
    const bufStart = this.bufStart;
    const count = Math.min(
      stopOutput - this.outputCount,
      // Outputs whose centre index is below stopIndex (capped by the buffered input, so never infinite).
      Math.ceil(((Math.min(stopIndex, bufStart + buf.length + half) - this.index) * up - this.phase) / down),
    );
    const out = new Float32Array(Math.max(0, count));
    let index = this.index;
    let phase = this.phase;
    for (let n = 0; n < out.length; n++) {
      const first = index - half + 1 - bufStart;
      const base = phase * width;
      // Before the stream start and after its end the signal is taken as zero, so those taps are skipped.
      const kLo = first < 0 ? -first : 0;
      const kHi = Math.min(width, buf.length - first);
      let acc = 0;
      for (let k = kLo; k < kHi; k++) acc += (buf[first + k] as number) * (taps[base + k] as number);
      out[n] = acc;
      phase += down;
      index += Math.floor(phase / up);
      phase %= up;
    }
    this.index = index;
    this.phase = phase;
    this.outputCount += out.length;
    return out;
  }

  private dropConsumed(): void {
    const keepFrom = this.index - this.plan.half + 1;
    const drop = Math.min(this.buf.length, keepFrom - this.bufStart);
    if (drop > 0) {
      this.buf = this.buf.slice(drop);
      this.bufStart += drop;
    }
  }
}

/** Resamples a whole buffer; the output has exactly `ceil(input.length * toHz / fromHz)` samples. */
export function resample(input: Float32Array, fromHz: number, toHz: number): Float32Array {
  if (fromHz === toHz) return input.slice();
  const r = new Resampler(fromHz, toHz);
  const head = r.process(input);
  const tail = r.flush();
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
