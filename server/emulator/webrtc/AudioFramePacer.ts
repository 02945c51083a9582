import type { PlaybackPosition } from '../realtime/AudioOutput.js';

/** Options of {@link AudioFramePacer}. */
export interface AudioFramePacerOptions {
  /** Receives each frame, in real time (e.g. `RTCAudioSource.onData`). */
  pushFrame: (samples: Int16Array, sampleRateHz: number) => void;
  /** Rate of the queued PCM and of the frames (default 24 000). */
  sampleRateHz?: number;
  /** Frame length (default 10 ms, what `RTCAudioSource` expects). */
  frameMs?: number;
  /** The first frame of a response went out. */
  onStarted?: (responseId: string) => void;
  /** The last frame of an ended response went out. */
  onStopped?: (responseId: string) => void;
  /** Most frames sent at once to catch up after the event loop stalled (default 10); older ones are skipped. */
  maxCatchUpFrames?: number;
}

interface Queued {
  pcm: Int16Array;
  offset: number;
  responseId: string;
  itemId: string;
}

/**
 * Plays queued PCM as fixed 10 ms frames paced by the wall clock, like a sound card would, and sends silence when
 * idle so the receiver's jitter buffer never sees a gap. Tracks which response is audible, for
 * `output_audio_buffer.started/stopped` and for truncating at the position actually sent.
 *
 * @example
 * const pacer = new AudioFramePacer({ pushFrame: (samples, sampleRate) => source.onData({ samples, sampleRate }) });
 * pacer.start();
 * pacer.write(pcm, 'resp_1', 'item_1');
 */
export class AudioFramePacer {
  private readonly options: AudioFramePacerOptions;
  private readonly rateHz: number;
  private readonly frameMs: number;
  private readonly frameSamples: number;
  private queue: Queued[] = [];
  private readonly ended = new Set<string>();
  private playing: { responseId: string; itemId: string; itemSamples: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private framesSent = 0;
  private running = false;

  constructor(options: AudioFramePacerOptions) {
    this.options = options;
    this.rateHz = options.sampleRateHz ?? 24_000;
    this.frameMs = options.frameMs ?? 10;
    this.frameSamples = Math.round((this.rateHz * this.frameMs) / 1000);
  }

  /** Whether some response's audio is queued or being played. */
  get busy(): boolean {
    return this.playing !== null || this.queue.length > 0;
  }

  /** Starts the clock (first frame at once). Safe to call twice. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.startedAt = performance.now();
    this.framesSent = 0;
    this.tick();
  }

  /** Stops the clock and drops what is queued. Safe to call twice. */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
    this.ended.clear();
    this.playing = null;
  }

  write(pcm: Int16Array, responseId: string, itemId: string): void {
    if (pcm.length === 0) return;
    this.queue.push({ pcm, offset: 0, responseId, itemId });
  }

  end(responseId: string): void {
    this.ended.add(responseId);
  }

  clear(): PlaybackPosition | null {
    const playing = this.playing;
    this.queue = [];
    this.ended.clear();
    this.playing = null;
    if (!playing) return null;
    return { responseId: playing.responseId, itemId: playing.itemId, playedMs: (playing.itemSamples * 1000) / this.rateHz };
  }

  private tick(): void {
    this.timer = null;
    if (!this.running) return;
    const now = performance.now();
    let due = Math.floor((now - this.startedAt) / this.frameMs) + 1 - this.framesSent;
    const maxCatchUp = this.options.maxCatchUpFrames ?? 10;
    if (due > maxCatchUp) {
      // The loop stalled: skip the time lost rather than burst it all (a real sound card would have underrun).
      this.framesSent += due - maxCatchUp;
      due = maxCatchUp;
    }
    for (let i = 0; i < due && this.running; i++) this.sendFrame();
    if (!this.running) return;
    const next = this.startedAt + this.framesSent * this.frameMs;
    this.timer = setTimeout(() => this.tick(), Math.max(0, next - performance.now()));
  }

  private sendFrame(): void {
    const frame = new Int16Array(this.frameSamples);
    let filled = 0;
    let startedId: string | null = null;
    // One frame carries one response's audio only, so started/stopped and played positions stay exact.
    while (filled < frame.length && this.queue.length > 0) {
      const head = this.queue[0] as Queued;
      if (this.playing && head.responseId !== this.playing.responseId) {
        if (filled > 0) break;
        // The previous response drained without an `end` (e.g. cancelled elsewhere): the new one takes over.
        this.playing = null;
      }
      if (!this.playing) {
        this.playing = { responseId: head.responseId, itemId: head.itemId, itemSamples: 0 };
        startedId = head.responseId;
      } else if (head.itemId !== this.playing.itemId) {
        this.playing = { responseId: head.responseId, itemId: head.itemId, itemSamples: 0 };
      }
      const take = Math.min(frame.length - filled, head.pcm.length - head.offset);
      frame.set(head.pcm.subarray(head.offset, head.offset + take), filled);
      filled += take;
      head.offset += take;
      this.playing.itemSamples += take;
      if (head.offset >= head.pcm.length) this.queue.shift();
    }
    this.framesSent++;
    try {
      this.options.pushFrame(frame, this.rateHz);
    } catch {
      // A closed track refuses frames; the owner stops the pacer on close.
    }
    if (startedId !== null) this.options.onStarted?.(startedId);
    const playing = this.playing;
    if (playing && this.ended.has(playing.responseId) && !this.queue.some((q) => q.responseId === playing.responseId)) {
      this.ended.delete(playing.responseId);
      this.playing = null;
      this.options.onStopped?.(playing.responseId);
    }
  }
}
