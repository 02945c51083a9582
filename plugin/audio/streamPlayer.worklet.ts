// AudioWorkletProcessor `npc-stream-player`: plays one NPC's PCM16 24 kHz stream through a PcmQueue on the audio
// thread, so the main thread only posts chunks (no decoding, no per-chunk nodes, no scheduling against jitter). A
// WebRTC call's remote audio comes in as float frames on a second, live lane (LiveLane) mixed into the same output.
// Load it with `import url from './streamPlayer.worklet.ts?worker&url'` (see workletUrls.ts): that form is bundled
// with its imports and works in Vite dev and after `vite build`.
import { rms } from '../shared/pcm16.js';
import { LiveLane } from './LiveLane.js';
import { PcmQueue, type PcmQueueEvent } from './PcmQueue.js';
import { smoothLevel } from './level.js';
import { STREAM_PLAYER_PROCESSOR, type PlayerCommand, type PlayerProcessorOptions, type PlayerReport } from './streamPlayerMessages.js';
import type { AudioBuffers, AudioWorkletScope } from './worklet.js';

const scope = globalThis as unknown as AudioWorkletScope;

/**
 * One report every ~50 ms while audible (played count + level): often enough for truncation and 20 Hz lip-sync,
 * and each message costs the main thread a task, which is most of this player's main-thread cost.
 */
const REPORT_S = 0.05;
/** Frames faded out after a clear: one render quantum avoids the click of cutting a waveform mid-cycle. */
const FADE_FRAMES = 128;

class StreamPlayerProcessor extends scope.AudioWorkletProcessor {
  private readonly queue: PcmQueue;
  /** A WebRTC call's remote audio, read from its track on the main thread; created by its first frame. */
  private live: LiveLane | null = null;
  private readonly reportEvery: number;
  private sinceReport = 0;
  private level = 0;
  private reportedLevel = 0;
  private disposed = false;
  /** Items whose played count changed since the last report. */
  private readonly dirty = new Set<string>();
  private fade: Float32Array | null = null;

  constructor(options?: AudioWorkletNodeOptions) {
    super(options);
    const opts = (options?.processorOptions ?? {}) as PlayerProcessorOptions;
    this.queue = new PcmQueue({
      outputRateHz: scope.sampleRate,
      inputRateHz: opts.inputRateHz ?? 24_000,
      startThresholdMs: opts.startThresholdMs,
      maxStartWaitMs: opts.maxStartWaitMs,
      onEvent: (event) => this.onQueueEvent(event),
    });
    this.reportEvery = Math.round(REPORT_S * scope.sampleRate);
    this.port.onmessage = (event: MessageEvent<PlayerCommand>) => this.onCommand(event.data);
  }

  process(_inputs: AudioBuffers, outputs: AudioBuffers): boolean {
    if (this.disposed) return false;
    const channels = outputs[0];
    const out = channels?.[0];
    if (!channels || !out) return true;
    const before = this.queue.currentItemId;
    if (this.fade) {
      const fade = this.fade;
      this.fade = null;
      const n = Math.min(out.length, fade.length);
      for (let i = 0; i < n; i++) out[i] = (fade[i] as number) * (1 - i / n);
      out.fill(0, n);
    } else {
      const written = this.queue.pull(out);
      if (written > 0) {
        const item = this.queue.currentItemId;
        if (item !== null) this.dirty.add(item);
        // An item change inside the quantum means the previous item also got frames.
        if (before !== null && before !== item) this.dirty.add(before);
      }
    }
    this.live?.mixInto(out);
    for (let c = 1; c < channels.length; c++) channels[c]?.set(out);
    this.level = smoothLevel(this.level, rms(out));
    this.sinceReport += out.length;
    if (this.sinceReport >= this.reportEvery) this.reportPlayed();
    return true;
  }

  private onCommand(command: PlayerCommand): void {
    switch (command.type) {
      case 'push':
        if (command.pcm instanceof Int16Array && typeof command.itemId === 'string') this.queue.push(command.pcm, command.itemId);
        return;
      case 'live':
        if (command.pcm instanceof Float32Array && Number.isInteger(command.rateHz) && command.rateHz > 0) {
          this.live ??= new LiveLane(scope.sampleRate);
          this.live.push(command.pcm, command.rateHz);
        }
        return;
      case 'clear-live':
        this.live?.clear();
        return;
      case 'clear': {
        this.live?.clear();
        // Render one more quantum of what was about to play, faded to zero, then drop the rest. Those frames are
        // heard, so they are counted (pull() does that) before the final report.
        if (this.queue.playing) {
          const fade = new Float32Array(FADE_FRAMES);
          const item = this.queue.currentItemId;
          if (this.queue.pull(fade) > 0) {
            this.fade = fade;
            const now = this.queue.currentItemId ?? item;
            if (now !== null) this.dirty.add(now);
          }
        }
        const item = this.queue.currentItemId;
        this.queue.clear();
        if (item !== null) this.dirty.add(item);
        this.reportPlayed();
        if (item !== null) this.post({ type: 'drained', itemId: item, frame: scope.currentFrame });
        this.level = 0;
        this.reportedLevel = 0;
        // The acknowledgement lets the main thread ignore reports that were already in flight when it cleared.
        this.post({ type: 'cleared' });
        return;
      }
      case 'dispose':
        this.disposed = true;
        this.port.onmessage = null;
        return;
    }
  }

  private onQueueEvent(event: PcmQueueEvent): void {
    if (event.type === 'underrun') {
      this.post({ type: 'underrun', itemId: event.itemId, underruns: this.queue.underruns });
      return;
    }
    if (event.type === 'drained') {
      // Report the exact count first so the main thread never extrapolates past the end of the item.
      this.dirty.add(event.itemId);
      this.reportPlayed();
    }
    this.post({ type: event.type, itemId: event.itemId, frame: scope.currentFrame });
  }

  private reportPlayed(): void {
    this.sinceReport = 0;
    // Silence is reported once, not 20 times a second per idle NPC.
    const level = this.level < 1e-4 ? 0 : this.level;
    if (this.dirty.size === 0 && level === 0 && this.reportedLevel === 0) return;
    this.reportedLevel = level;
    // currentFrame is the start of the quantum being rendered; the counted frames end one quantum later.
    const frame = scope.currentFrame + 128;
    const items = [...this.dirty].map((itemId) => ({ itemId, samples: this.queue.playedFrames(itemId) }));
    this.dirty.clear();
    this.post({ type: 'played', items, frame, sampleRate: scope.sampleRate, level });
  }

  private post(report: PlayerReport): void {
    this.port.postMessage(report);
  }
}

scope.registerProcessor(STREAM_PLAYER_PROCESSOR, StreamPlayerProcessor);
