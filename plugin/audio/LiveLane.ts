import { PcmQueue } from './PcmQueue.js';

/** Audio buffered before the live lane starts playing: two 10 ms WebRTC frames absorb the main thread's jitter. */
export const LIVE_START_MS = 20;
/** Most audio the live lane holds; beyond it (the main thread stalled, then caught up) the backlog is dropped. */
export const LIVE_MAX_BUFFERED_MS = 200;
/** The one item id the lane's queue tracks (a live stream has no assistant items). */
const LIVE_ITEM = 'live';

/**
 * The second lane of an NPC's stream player: float frames read from a WebRTC remote track (10 ms each, at the
 * track's rate, e.g. 48 kHz), mixed into the player's output with a small jitter buffer and a latency cap. It keeps
 * no speaking state of its own: a remote track delivers frames, silent or not, for as long as the call lasts.
 *
 * @example
 * const lane = new LiveLane(sampleRate);
 * lane.push(frame, 48_000); // from the main thread's track reader
 * lane.mixInto(outputs[0][0]); // in AudioWorkletProcessor.process, after the PCM queue wrote its frames
 */
export class LiveLane {
  private queue: PcmQueue | null = null;
  private scratch = new Float32Array(128);
  private droppedCount = 0;

  constructor(private readonly outputRateHz: number) {}

  /** Times a backlog over LIVE_MAX_BUFFERED_MS was dropped to keep the voice in step with the call. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Output frames queued and not yet mixed. */
  get bufferedFrames(): number {
    return this.queue?.bufferedFrames ?? 0;
  }

  /** Queues one frame of samples at `rateHz` (the lane keeps `samples`). A new rate starts a new queue. */
  push(samples: Float32Array, rateHz: number): void {
    if (samples.length === 0) return;
    if (!this.queue || this.queue.inputRateHz !== rateHz) {
      this.queue = new PcmQueue({
        outputRateHz: this.outputRateHz,
        inputRateHz: rateHz,
        startThresholdMs: LIVE_START_MS,
        maxStartWaitMs: LIVE_START_MS,
        maxTrackedItems: 1,
      });
    }
    if (this.queue.bufferedFrames > (LIVE_MAX_BUFFERED_MS * this.outputRateHz) / 1000) {
      this.queue.clear();
      this.droppedCount++;
    }
    this.queue.pushFloats(samples, LIVE_ITEM);
  }

  /** Adds the lane's next `out.length` frames onto `out`; returns how many frames of real audio it added. */
  mixInto(out: Float32Array): number {
    const queue = this.queue;
    if (!queue) return 0;
    if (this.scratch.length < out.length) this.scratch = new Float32Array(out.length);
    const scratch = this.scratch.subarray(0, out.length);
    const written = queue.pull(scratch);
    for (let i = 0; i < written; i++) out[i] = (out[i] as number) + (scratch[i] as number);
    return written;
  }

  /** Drops what is queued (barge-in, or the call's stream let go). */
  clear(): void {
    this.queue?.clear();
  }
}
