// Test-only processor `e2e-recorder`: reports the energy of each stereo render quantum with its frame index, so the
// page can measure left/right balance, gaps and the exact audio time at which a voice fell silent.
import type { AudioBuffers, AudioWorkletScope } from '../../../../plugin/audio/worklet.js';

const scope = globalThis as unknown as AudioWorkletScope;

class RecorderProcessor extends scope.AudioWorkletProcessor {
  private batch: number[] = [];

  process(inputs: AudioBuffers): boolean {
    const channels = inputs[0] ?? [];
    const l = channels[0];
    const r = channels[1] ?? l;
    let sl = 0;
    let sr = 0;
    if (l && r) {
      for (let i = 0; i < l.length; i++) {
        sl += (l[i] as number) ** 2;
        sr += (r[i] as number) ** 2;
      }
    }
    this.batch.push(scope.currentFrame, sl, sr);
    // Batches of 8 quanta keep the message rate low without losing per-quantum resolution.
    if (this.batch.length >= 24) {
      this.port.postMessage(Float64Array.from(this.batch));
      this.batch = [];
    }
    return true;
  }
}

scope.registerProcessor('e2e-recorder', RecorderProcessor);
