import type { Spatial } from './shared/personaSchema.js';

/**
 * The parts of the audio layer (`plugin/audio/`: VoiceMixer, NpcVoice, MicCapture) the plugin uses, declared
 * here so the session logic can be tested in Node with fakes and the real implementation is injected.
 */

/** One NPC's voice output: a PCM stream player (WebSocket) or a remote stream (WebRTC) behind a panner. */
export interface VoiceOutput {
  /** Queues PCM16 24 kHz mono audio of the assistant item `itemId`. */
  push(pcm: Int16Array, itemId: string): void;
  /** Stops playback now and drops what is queued (barge-in). */
  stop(): void;
  /** Milliseconds of `itemId` actually heard so far (for exact truncation). */
  playedMs(itemId: string): number;
  /** Whether audio is audible right now. */
  readonly speaking: boolean;
  /** Current output level in [0, 1] for lip-sync. */
  level(): number;
  /**
   * Audible gaps so far: times streamed audio ran dry in the middle of an answer and had to re-buffer. A backend that
   * cannot tell (or plays a WebRTC stream, whose jitter buffer conceals loss) leaves it out.
   */
  readonly underruns?: number;
  /** Moves the voice (world pixels). */
  setPosition(x: number, y: number): void;
  /** Plays a WebRTC remote stream through this voice's chain; null lets go of it (the call ended). */
  attachStream(stream: MediaStream | null): void;
  /** `speaking` changes: `fn(true)` when audio starts being heard, `fn(false)` when it ends. */
  on(event: 'speaking', fn: (speaking: boolean) => void): unknown;
  off(event: 'speaking', fn: (speaking: boolean) => void): unknown;
  /** Disconnects the voice's nodes. */
  destroy(): void;
}

/** Something whose gain can be ducked: an AudioParam, a GainNode, or a getter for one (resolved at each duck). */
export type DuckTarget = AudioParam | GainNode | (() => AudioParam | GainNode | null | undefined);

/** Ducking of the game's music/SFX while an NPC speaks. */
export interface DuckOptions {
  /** A gain stage of the game's music/SFX bus (not the destination the voices go through). */
  target?: DuckTarget;
  /** Gain factor while an NPC speaks (default 0.35). */
  level?: number;
  /** Fade time in ms, down and back up (default 200). */
  fadeMs?: number;
}

/** The subset of a Howler `Howl` that ducking uses, so howler stays an optional peer dependency. */
export interface DuckableHowl {
  volume(): number;
  fade(from: number, to: number, duration: number): unknown;
}

/** The mixer that owns every NPC voice and the listener. */
export interface VoiceMixerLike {
  ready(): Promise<void>;
  createVoice(id: string, spatial: Spatial): VoiceOutput;
  setListener(x: number, y: number): void;
  /** Fades these Howler sounds while any NPC speaks; returns a remover. */
  duckHowls?(howls: readonly DuckableHowl[] | (() => readonly DuckableHowl[])): () => void;
  destroy(): void;
}

/** An open microphone capture delivering PCM16 at 24 kHz. */
export interface MicSource {
  onChunk(cb: (pcm: Int16Array) => void): unknown;
  level(): number;
  readonly track: MediaStreamTrack;
  close(): void;
}

/**
 * Why the microphone cannot be used: the player `denied` it, there is no device (`absent`), the page's
 * Content-Security-Policy `blocked` the capture worklet, or the page cannot capture audio (`unsupported`).
 */
export type MicUnavailableReason = 'denied' | 'absent' | 'blocked' | 'unsupported';

/**
 * Factories for the audio layer. Pass `{ createMixer: (o) => new VoiceMixer(o), openMic: MicCapture.open }` from
 * `plugin/audio/`; without it the plugin runs text-only (subtitles, no sound, no microphone).
 */
export interface AudioBackend {
  createMixer(options: { context: AudioContext; destination: AudioNode; duck?: DuckOptions }): VoiceMixerLike;
  /** @throws an error with `reason: 'denied' | 'absent' | 'blocked' | 'unsupported'` when the microphone is unavailable. */
  openMic(context: AudioContext, options?: Record<string, unknown>): Promise<MicSource>;
}

/** Reads the `reason` of a MicUnavailableError-like value, defaulting to 'unsupported'. */
export function micUnavailableReason(err: unknown): MicUnavailableReason {
  if (typeof err === 'object' && err !== null && 'reason' in err) {
    const reason = (err as { reason: unknown }).reason;
    if (reason === 'denied' || reason === 'absent' || reason === 'blocked' || reason === 'unsupported') return reason;
  }
  if (typeof err === 'object' && err !== null && 'name' in err) {
    const name = (err as { name: unknown }).name;
    if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied';
    if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'absent';
  }
  return 'unsupported';
}
