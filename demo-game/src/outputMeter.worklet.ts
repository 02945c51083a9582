// AudioWorkletProcessor `npc-demo-meter` (e2e and benchmarks only): watches a signal at sample resolution and reports
// sound segments (first and last sample above a threshold, context time) plus accumulated per-channel energy.
// Loaded with `?worker&url` like the plugin's worklets.
import type { AudioBuffers, AudioWorkletScope } from '../../plugin/audio/worklet.js';

const scope = globalThis as unknown as AudioWorkletScope;

interface MeterOptions {
  /** Absolute sample value that counts as sound. */
  threshold: number;
  /** Silence (s) that ends a segment. */
  holdS: number;
}

class MeterProcessor extends scope.AudioWorkletProcessor {
  private readonly threshold: number;
  private readonly holdS: number;
  private active = false;
  private lastLoudS = 0;
  private sumL = 0;
  private sumR = 0;
  private frames = 0;
  private sinceReport = 0;

  constructor(options?: AudioWorkletNodeOptions) {
    super(options);
    const o = (options?.processorOptions ?? {}) as Partial<MeterOptions>;
    this.threshold = o.threshold ?? 0.02;
    this.holdS = o.holdS ?? 0.25;
  }

  process(inputs: AudioBuffers): boolean {
    const input = inputs[0] ?? [];
    const left = input[0];
    const right = input[1] ?? left;
    const t0 = scope.currentTime;
    const rate = scope.sampleRate;
    if (left && right) {
      for (let i = 0; i < left.length; i++) {
        const l = left[i] ?? 0;
        const r = right[i] ?? 0;
        this.sumL += l * l;
        this.sumR += r * r;
        if (Math.abs(l) >= this.threshold || Math.abs(r) >= this.threshold) {
          const t = t0 + i / rate;
          if (!this.active) {
            this.active = true;
            this.port.postMessage({ type: 'on', t });
          }
          this.lastLoudS = t;
        }
      }
      this.frames += left.length;
      this.sinceReport += left.length;
    }
    if (this.active && t0 - this.lastLoudS > this.holdS) {
      this.active = false;
      this.port.postMessage({ type: 'off', t: this.lastLoudS });
    }
    if (this.sinceReport >= rate * 0.05) {
      this.sinceReport = 0;
      this.port.postMessage({ type: 'energy', sumL: this.sumL, sumR: this.sumR, frames: this.frames, t: t0 });
    }
    return true;
  }
}

scope.registerProcessor('npc-demo-meter', MeterProcessor);
