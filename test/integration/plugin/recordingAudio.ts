import type { AudioBackend, VoiceMixerLike, VoiceOutput } from '../../../plugin/audioBackend.js';

const SAMPLES_PER_MS = 24;

/**
 * A voice output that records the PCM pushed to it per assistant item instead of playing it (audio hardware is the
 * one thing Node cannot run). It "plays" nothing until the test says so: `playedMs` reports `reportPlayedMs` when
 * set, and `finishPlayback()` marks the queue as heard, like a real player draining its buffer.
 */
export class RecordingVoice implements VoiceOutput {
  readonly pcm = new Map<string, Int16Array[]>();
  readonly pushOrder: string[] = [];
  stops = 0;
  /** What `playedMs` answers for every item (null: the samples pushed so far, i.e. real-time playback). */
  reportPlayedMs: number | null = null;
  private listeners = new Set<(speaking: boolean) => void>();
  private _speaking = false;
  private pushWaiters: Array<{ samples: number; resolve: () => void }> = [];

  constructor(readonly id: string) {}

  get speaking(): boolean {
    return this._speaking;
  }

  /** Samples pushed for `itemId` (or all items). */
  samples(itemId?: string): number {
    const items = itemId === undefined ? [...this.pcm.values()] : [this.pcm.get(itemId) ?? []];
    return items.flat().reduce((n, c) => n + c.length, 0);
  }

  /** Resolves once at least `ms` of audio was pushed in total. */
  whenPushedMs(ms: number): Promise<void> {
    const samples = ms * SAMPLES_PER_MS;
    if (this.samples() >= samples) return Promise.resolve();
    return new Promise((resolve) => this.pushWaiters.push({ samples, resolve }));
  }

  push(pcm: Int16Array, itemId: string): void {
    const list = this.pcm.get(itemId) ?? [];
    if (list.length === 0) this.pushOrder.push(itemId);
    list.push(pcm.slice());
    this.pcm.set(itemId, list);
    this.setSpeaking(true);
    const total = this.samples();
    this.pushWaiters = this.pushWaiters.filter((w) => {
      if (total < w.samples) return true;
      w.resolve();
      return false;
    });
  }

  stop(): void {
    this.stops++;
    this.setSpeaking(false);
  }

  playedMs(itemId: string): number {
    return this.reportPlayedMs ?? this.samples(itemId) / SAMPLES_PER_MS;
  }

  /** The player reached the end of what was queued. */
  finishPlayback(): void {
    this.setSpeaking(false);
  }

  level(): number {
    return this._speaking ? 0.5 : 0;
  }

  setPosition(): void {}

  attachStream(): void {
    throw new Error('RecordingVoice plays PCM only (WebSocket transport)');
  }

  on(_event: 'speaking', fn: (speaking: boolean) => void): void {
    this.listeners.add(fn);
  }

  off(_event: 'speaking', fn: (speaking: boolean) => void): void {
    this.listeners.delete(fn);
  }

  destroy(): void {
    this.listeners.clear();
  }

  private setSpeaking(on: boolean): void {
    if (this._speaking === on) return;
    this._speaking = on;
    for (const fn of [...this.listeners]) fn(on);
  }
}

/** An audio backend whose mixer hands out {@link RecordingVoice}s; the microphone is absent. */
export function recordingAudio(): { backend: AudioBackend; voices: Map<string, RecordingVoice>; context: AudioContext } {
  const voices = new Map<string, RecordingVoice>();
  const mixer: VoiceMixerLike = {
    ready: () => Promise.resolve(),
    createVoice: (id) => {
      const voice = new RecordingVoice(id);
      voices.set(id, voice);
      return voice;
    },
    setListener: () => {},
    destroy: () => {},
  };
  const backend: AudioBackend = {
    createMixer: () => mixer,
    openMic: () => Promise.reject(Object.assign(new Error('no microphone in Node'), { reason: 'absent' as const })),
  };
  // Only passed through to the backend above, which never touches it; the controller needs *a* context.
  const context = { createGain: () => ({}), destination: {}, close: () => Promise.resolve() } as unknown as AudioContext;
  return { backend, voices, context };
}
