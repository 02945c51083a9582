import type { LocalVoice } from '../../plugin/shared/personaSchema.js';
import type { TextToSpeech } from './speech/types.js';

interface Entry {
  promise: Promise<Int16Array>;
  bytes: number;
}

/**
 * A shared, size-bounded cache in front of a {@link TextToSpeech}: NPC lines repeat (greetings, fallbacks), flite costs
 * ~80 ms per sentence, and many sessions asking for the same line at once share one synthesis.
 */
export class CachingTts implements TextToSpeech {
  private readonly entries = new Map<string, Entry>();
  private totalBytes = 0;
  /** Syntheses requested by `synthesize` and not yet settled: prefetching waits while any are running. */
  private urgent = 0;
  private readonly queue: { text: string; voice: LocalVoice }[] = [];
  private pumping = false;

  constructor(
    private readonly inner: TextToSpeech,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  /** Synthesizes through the cache; a failed synthesis is not cached. */
  synthesize(text: string, voice: LocalVoice): Promise<Int16Array> {
    return this.lookup(text, voice, true);
  }

  /**
   * Queues a line for synthesis at low priority: one at a time, only while no `synthesize` call is waiting, so
   * warming a persona's lines never delays a response's first audio by more than one sentence.
   */
  prefetch(text: string, voice: LocalVoice): void {
    if (this.entries.has(CachingTts.key(text, voice))) return;
    this.queue.push({ text, voice });
    if (!this.pumping) void this.pump();
  }

  private static key(text: string, voice: LocalVoice): string {
    return `${voice.engine}|${voice.voice}|${voice.pitchHz ?? ''}|${voice.rate}|${text}`;
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) {
        // Let urgent work (a response waiting for its first sentence) go first.
        do await new Promise((resolve) => setTimeout(resolve, this.urgent > 0 ? 5 : 0));
        while (this.urgent > 0);
        await this.lookup(job.text, job.voice, false).catch(() => undefined);
      }
    } finally {
      this.pumping = false;
    }
  }

  private lookup(text: string, voice: LocalVoice, urgent: boolean): Promise<Int16Array> {
    const key = CachingTts.key(text, voice);
    const hit = this.entries.get(key);
    if (hit) {
      // Refresh the LRU position: Map iteration order is insertion order.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.promise;
    }
    const entry: Entry = { promise: this.inner.synthesize(text, voice), bytes: 0 };
    this.entries.set(key, entry);
    if (urgent) {
      this.urgent++;
      const settle = (): void => {
        this.urgent--;
      };
      entry.promise.then(settle, settle);
    }
    entry.promise.then(
      (pcm) => {
        if (this.entries.get(key) !== entry) return;
        entry.bytes = pcm.byteLength;
        this.totalBytes += entry.bytes;
        this.evict();
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.promise;
  }

  /** Bytes of PCM held. */
  get sizeBytes(): number {
    return this.totalBytes;
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.totalBytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.totalBytes -= entry.bytes;
    }
  }
}
