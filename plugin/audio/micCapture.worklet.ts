// AudioWorkletProcessor `npc-mic-capture`: downmixes the microphone to mono, resamples it to 24 kHz with the shared
// windowed-sinc Resampler (a proper anti-alias filter matters when going down from 44.1/48 kHz) and posts PCM16
// chunks of ~40 ms, transferring each buffer. Load it with `?worker&url` (see workletUrls.ts).
import { floatToPcm16, rms } from '../shared/pcm16.js';
import { Resampler } from '../shared/resample.js';
import { MIC_CAPTURE_PROCESSOR, type MicChunk, type MicCommand, type MicProcessorOptions } from './micCaptureMessages.js';
import type { AudioBuffers, AudioWorkletScope } from './worklet.js';

const scope = globalThis as unknown as AudioWorkletScope;

/** Input is resampled in ~10 ms blocks: Resampler.process allocates per call, so not once per 128-frame quantum. */
const BLOCK_S = 0.01;

class MicCaptureProcessor extends scope.AudioWorkletProcessor {
  private readonly resampler: Resampler | null;
  private readonly block: Float32Array;
  private blockFill = 0;
  private readonly chunkSamples: number;
  private chunk: Float32Array;
  private chunkFill = 0;
  private disposed = false;

  constructor(options?: AudioWorkletNodeOptions) {
    super(options);
    const opts = (options?.processorOptions ?? {}) as MicProcessorOptions;
    const outRate = opts.outputRateHz ?? 24_000;
    this.resampler = scope.sampleRate === outRate ? null : new Resampler(scope.sampleRate, outRate);
    this.block = new Float32Array(Math.max(128, Math.round(scope.sampleRate * BLOCK_S)));
    this.chunkSamples = Math.max(1, Math.round((outRate * (opts.chunkMs ?? 40)) / 1000));
    this.chunk = new Float32Array(this.chunkSamples);
    this.port.onmessage = (event: MessageEvent<MicCommand>) => {
      if (event.data.type === 'dispose') {
        this.disposed = true;
        this.port.onmessage = null;
      }
    };
  }

  process(inputs: AudioBuffers): boolean {
    if (this.disposed) return false;
    const channels = inputs[0];
    const first = channels?.[0];
    // No input yet (the source is not connected or the track is muted): nothing to capture this quantum.
    if (!channels || !first) return true;
    const n = first.length;
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let c = 0; c < channels.length; c++) sum += (channels[c] as Float32Array)[i] as number;
      this.block[this.blockFill++] = sum / channels.length;
      if (this.blockFill === this.block.length) this.flushBlock();
    }
    return true;
  }

  private flushBlock(): void {
    const input = this.block.subarray(0, this.blockFill);
    this.blockFill = 0;
    const out = this.resampler ? this.resampler.process(input) : input;
    let i = 0;
    while (i < out.length) {
      const n = Math.min(out.length - i, this.chunkSamples - this.chunkFill);
      this.chunk.set(out.subarray(i, i + n), this.chunkFill);
      this.chunkFill += n;
      i += n;
      if (this.chunkFill === this.chunkSamples) {
        const pcm = floatToPcm16(this.chunk);
        const message: MicChunk = { type: 'chunk', pcm, rms: rms(this.chunk) };
        this.port.postMessage(message, [pcm.buffer]);
        this.chunkFill = 0;
      }
    }
  }
}

scope.registerProcessor(MIC_CAPTURE_PROCESSOR, MicCaptureProcessor);
