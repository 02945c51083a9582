import { LinearResampler } from './LinearResampler.js';

/** What the queue reports while it plays: an item's first frame heard, the queue running dry, a gap inside an item. */
export type PcmQueueEvent =
  | { type: 'started'; itemId: string }
  | { type: 'drained'; itemId: string }
  | { type: 'underrun'; itemId: string };

/** Options of a PcmQueue. */
export interface PcmQueueOptions {
  /** Rate the queue renders at (the AudioContext's, e.g. 44100 or 48000). */
  outputRateHz: number;
  /** Rate of the pushed PCM16 (the Realtime API's `audio/pcm`, 24 kHz). */
  inputRateHz?: number;
  /** Audio buffered before a new item (or an item after an underrun) starts playing; the jitter buffer. */
  startThresholdMs?: number;
  /** Longest wait for the threshold once audio is queued, so a reply shorter than the threshold still plays. */
  maxStartWaitMs?: number;
  /** How many item ids keep their played count (old ones are forgotten so a long session does not grow memory). */
  maxTrackedItems?: number;
  /** Receives the queue's events synchronously, from push() and pull(). */
  onEvent?: (event: PcmQueueEvent) => void;
}

interface Chunk {
  itemId: string;
  data: Float32Array;
  offset: number;
}

/** Default jitter buffer: 60 ms absorbs the 30 ms arrival jitter measured for chunked deltas with margin. */
export const DEFAULT_START_THRESHOLD_MS = 60;

/**
 * Jitter buffer for a stream of PCM16 chunks tagged with assistant item ids, rendered as float frames at the output
 * rate; it counts exactly how many frames of each item were rendered, for truncation on barge-in.
 *
 * @example
 * const q = new PcmQueue({ outputRateHz: 48_000, onEvent: (e) => port.postMessage(e) });
 * q.push(pcm16Chunk, 'item_1');
 * q.pull(outputs[0][0]); // in AudioWorkletProcessor.process
 */
export class PcmQueue {
  readonly inputRateHz: number;
  readonly outputRateHz: number;
  private readonly thresholdFrames: number;
  private readonly maxWaitFrames: number;
  private readonly maxTrackedItems: number;
  private readonly onEvent: ((event: PcmQueueEvent) => void) | undefined;
  private readonly resampler: LinearResampler | null;

  private chunks: Chunk[] = [];
  private buffered = 0;
  private state: 'idle' | 'buffering' | 'playing' = 'idle';
  private waited = 0;
  /** Item whose samples the resampler currently holds history of. */
  private pushingItem: string | null = null;
  /** Item of the last frame rendered, and whether the queue then ran dry in the middle of it. */
  private playingItem: string | null = null;
  private dryItem: string | null = null;
  private readonly played = new Map<string, number>();
  private underrunCount = 0;

  /** @throws RangeError when a rate is not a positive integer or a duration is negative. */
  constructor(options: PcmQueueOptions) {
    this.outputRateHz = options.outputRateHz;
    this.inputRateHz = options.inputRateHz ?? 24_000;
    for (const hz of [this.outputRateHz, this.inputRateHz]) {
      if (!Number.isInteger(hz) || hz <= 0) throw new RangeError(`sample rates must be positive integers (Hz), got ${hz}`);
    }
    const thresholdMs = options.startThresholdMs ?? DEFAULT_START_THRESHOLD_MS;
    const waitMs = options.maxStartWaitMs ?? 2 * thresholdMs;
    if (!(thresholdMs >= 0) || !(waitMs >= 0)) throw new RangeError('startThresholdMs and maxStartWaitMs must be >= 0');
    this.thresholdFrames = Math.round((thresholdMs * this.outputRateHz) / 1000);
    this.maxWaitFrames = Math.round((waitMs * this.outputRateHz) / 1000);
    this.maxTrackedItems = options.maxTrackedItems ?? 32;
    this.onEvent = options.onEvent;
    this.resampler = this.inputRateHz === this.outputRateHz ? null : new LinearResampler(this.inputRateHz, this.outputRateHz);
  }

  /** Frames queued and not yet rendered (at the output rate). */
  get bufferedFrames(): number {
    return this.buffered;
  }

  /** Times the queue ran dry in the middle of an item and had to re-buffer (each one was an audible gap). */
  get underruns(): number {
    return this.underrunCount;
  }

  /** Whether queued audio is being rendered (false while idle or filling the jitter buffer). */
  get playing(): boolean {
    return this.state === 'playing';
  }

  /** The item whose frames were rendered last, or null after clear(). */
  get currentItemId(): string | null {
    return this.playingItem;
  }

  /** Queues PCM16 samples of `itemId` at the input rate. */
  push(pcm: Int16Array, itemId: string): void {
    if (pcm.length === 0) return;
    const floats = new Float32Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) floats[i] = (pcm[i] as number) / 32768;
    this.pushFloats(floats, itemId);
  }

  /** Queues float samples in [-1, 1] of `itemId` at the input rate (the queue keeps `samples`: do not reuse it). */
  pushFloats(samples: Float32Array, itemId: string): void {
    if (samples.length === 0) return;
    if (this.pushingItem !== itemId) {
      // The previous item's last fraction of a sample only belongs in the queue while it is still playing; once
      // the queue ran dry it would be heard after the gap, so it is dropped.
      if (this.state === 'idle') this.resampler?.reset();
      else this.flushResampler();
    }
    this.pushingItem = itemId;
    this.append(itemId, this.resampler ? this.resampler.process(samples) : samples);
    if (this.state === 'idle') {
      // More audio of the item that just ran dry means the listener heard a gap: an underrun, not a new answer.
      if (this.dryItem === itemId) {
        this.underrunCount++;
        this.onEvent?.({ type: 'underrun', itemId });
      }
      this.dryItem = null;
      this.state = 'buffering';
      this.waited = 0;
    }
  }

  /**
   * Fills `out` with the next frames (zeros where there is no audio to play yet) and returns how many frames of
   * real audio it wrote.
   */
  pull(out: Float32Array): number {
    if (this.state === 'buffering') {
      this.waited += out.length;
      if (this.buffered >= this.thresholdFrames || this.waited >= this.maxWaitFrames) {
        this.state = 'playing';
        // The resampler may hold the last fraction of a sample; a short item has nothing more coming, so release it.
        if (this.buffered < this.thresholdFrames) this.flushResampler();
      }
    }
    if (this.state !== 'playing') {
      out.fill(0);
      return 0;
    }
    let written = 0;
    while (written < out.length) {
      const chunk = this.chunks[0];
      if (!chunk) break;
      if (chunk.itemId !== this.playingItem) {
        this.playingItem = chunk.itemId;
        this.onEvent?.({ type: 'started', itemId: chunk.itemId });
      }
      const n = Math.min(out.length - written, chunk.data.length - chunk.offset);
      out.set(chunk.data.subarray(chunk.offset, chunk.offset + n), written);
      chunk.offset += n;
      written += n;
      this.buffered -= n;
      this.addPlayed(chunk.itemId, n);
      if (chunk.offset >= chunk.data.length) this.chunks.shift();
    }
    if (written < out.length) {
      out.fill(0, written);
      const item = this.playingItem;
      this.state = 'idle';
      this.dryItem = item;
      if (item !== null) this.onEvent?.({ type: 'drained', itemId: item });
    }
    return written;
  }

  /** Drops all queued audio at once (barge-in); played counts are kept so the truncation point can still be read. */
  clear(): void {
    this.chunks = [];
    this.buffered = 0;
    this.state = 'idle';
    this.waited = 0;
    this.playingItem = null;
    this.dryItem = null;
    this.pushingItem = null;
    this.resampler?.reset();
  }

  /** Output frames of `itemId` rendered so far (0 for an unknown item). */
  playedFrames(itemId: string): number {
    return this.played.get(itemId) ?? 0;
  }

  /** Milliseconds of `itemId` rendered so far. */
  playedMs(itemId: string): number {
    return (this.playedFrames(itemId) * 1000) / this.outputRateHz;
  }

  /** Item ids with a played count, oldest first. */
  trackedItems(): string[] {
    return [...this.played.keys()];
  }

  private append(itemId: string, data: Float32Array): void {
    if (data.length === 0) return;
    this.chunks.push({ itemId, data, offset: 0 });
    this.buffered += data.length;
  }

  private flushResampler(): void {
    if (!this.resampler || this.pushingItem === null) return;
    const tail = this.resampler.flush();
    this.append(this.pushingItem, tail);
    this.pushingItem = null;
  }

  private addPlayed(itemId: string, frames: number): void {
    const before = this.played.get(itemId);
    if (before === undefined) {
      this.played.set(itemId, frames);
      if (this.played.size > this.maxTrackedItems) {
        const oldest = this.played.keys().next().value;
        if (oldest !== undefined) this.played.delete(oldest);
      }
    } else {
      this.played.set(itemId, before + frames);
    }
  }
}
