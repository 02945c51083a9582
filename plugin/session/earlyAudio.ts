import { PCM_SAMPLES_PER_MS } from '../shared/pcm16.js';

/** What {@link EarlyAudio.take} hands over: the kept chunks, oldest first, and whether their turn already ended. */
export interface KeptAudio {
  readonly chunks: Int16Array[];
  /** The player released push-to-talk while the connection was opening: commit once the audio is sent. */
  readonly released: boolean;
}

/**
 * The player's voice kept while the connection opens (they pressed push-to-talk as they walked up), to be sent first
 * once it is up. Only the most recent `maxMs` are kept; older chunks are dropped whole.
 *
 * @example
 * const early = new EarlyAudio(10_000);
 * early.keep(pcm);           // while connecting
 * early.release();           // push-to-talk let go meanwhile
 * const kept = early.take(); // once live: { chunks, released: true }
 */
export class EarlyAudio {
  private chunks: Int16Array[] = [];
  private samples = 0;
  private released = false;
  private readonly maxSamples: number;

  constructor(maxMs: number) {
    this.maxSamples = maxMs * PCM_SAMPLES_PER_MS;
  }

  /** Whether a finished turn waits for the connection (the session counts it as pending input). */
  get releasedTurn(): boolean {
    return this.released;
  }

  /** Keeps a copy of `pcm`, dropping the oldest chunks beyond the limit. */
  keep(pcm: Int16Array): void {
    this.chunks.push(pcm.slice());
    this.samples += pcm.length;
    while (this.samples > this.maxSamples && this.chunks.length > 1) this.samples -= this.chunks.shift()?.length ?? 0;
  }

  /** The turn of the kept audio ended; ignored when nothing is kept (there is nothing to commit). */
  release(): void {
    if (this.samples > 0) this.released = true;
  }

  /** Hands over what is kept and forgets it; null when nothing is. */
  take(): KeptAudio | null {
    const kept = { chunks: this.chunks, released: this.released };
    this.drop();
    return kept.chunks.length > 0 ? kept : null;
  }

  /** Forgets what is kept (a new turn, a close). */
  drop(): void {
    this.chunks = [];
    this.samples = 0;
    this.released = false;
  }
}
