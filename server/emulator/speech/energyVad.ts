// Deterministic energy + zero-crossing VAD with the Realtime API's `server_vad` semantics. Exact on clean input (the
// offline-speech reference, §3), cheap, and free of model state, so tests can predict its events to the frame.
import { SERVER_VAD_DEFAULTS } from '../../../plugin/shared/serverVadDefaults.js';
import { SAMPLE_RATE_HZ } from './types.js';

/** Options of {@link ServerVad}, named after the `server_vad` turn-detection fields; each defaults to `SERVER_VAD_DEFAULTS`. */
export interface ServerVadOptions {
  /** Activation threshold 0..1; higher needs louder speech relative to the noise floor. */
  threshold?: number;
  /** Audio kept before the detected onset; `audioStartMs` is moved back by this much. */
  prefixPaddingMs?: number;
  /** Silence needed before speech counts as stopped. */
  silenceDurationMs?: number;
  /** Input sample rate (default 24000). */
  sampleRateHz?: number;
}

/** A VAD event; times are ms from the start of the stream. */
export type VadEvent =
  | { type: 'speech_started'; audioStartMs: number }
  | { type: 'speech_stopped'; audioEndMs: number };

const FRAME_MS = 20;
/** Consecutive speech frames needed before speech starts (60 ms), so clicks and pops do not open a turn. */
const START_FRAMES = 3;
/** The noise floor rises this slowly (dB per second) so steady speech is not learned as noise. */
const FLOOR_RISE_DB_PER_S = 0.5;
const FLOOR_MIN_DB = -90;
/** The first frame seeds the floor, capped so a stream that opens mid-sentence still gets a low floor. */
const FLOOR_INITIAL_MAX_DB = -40;

/** Level (dBFS, floored at -90) and zero-crossing rate (crossings per sample) of one frame of PCM16. */
export function frameLevel(samples: Int16Array): { db: number; zcr: number } {
  let energy = 0;
  let crossings = 0;
  let prev = samples[0] ?? 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] ?? 0;
    energy += v * v;
    if ((v >= 0) !== (prev >= 0)) crossings++;
    prev = v;
  }
  const n = Math.max(1, samples.length);
  return { db: Math.max(FLOOR_MIN_DB, 10 * Math.log10(energy / n / (32768 * 32768) + 1e-12)), zcr: crossings / n };
}

/**
 * Adaptive noise floor: follows the quietest recent frames (fast fall, slow rise), so speech is judged against the
 * hiss the microphone really has rather than against digital silence.
 */
export class NoiseFloor {
  private floorDb: number | undefined;
  private readonly riseDbPerFrame: number;

  /** `frameMs` is how often {@link update} is called. */
  constructor(frameMs: number) {
    this.riseDbPerFrame = (FLOOR_RISE_DB_PER_S * frameMs) / 1000;
  }

  /** The floor to judge a frame of level `db` against (seeded by the first frame). */
  current(db: number): number {
    return this.floorDb ?? Math.min(db, FLOOR_INITIAL_MAX_DB);
  }

  /** Learns from a frame after it was judged. */
  update(db: number): void {
    const floor = this.current(db);
    this.floorDb = db < floor ? db : floor + this.riseDbPerFrame;
  }

  /** Forgets what was learned. */
  reset(): void {
    this.floorDb = undefined;
  }
}

/**
 * Server-side VAD: push PCM16 chunks of any size, get `speech_started` / `speech_stopped` events.
 *
 * `threshold` maps linearly to a margin over the adaptive noise floor (0 → 4 dB, 0.5 → 10 dB, 1 → 16 dB) and to an
 * absolute gate (0 → -65 dBFS, 0.5 → -50 dBFS, 1 → -35 dBFS), so digital silence plus faint hiss never counts as speech.
 * A frame is speech when its energy clears both, or when it clears half the margin with a high zero-crossing rate
 * (fricatives like "s" and "f" are quiet but noisy). `audioEndMs` is the end of the last speech frame; the event is
 * emitted `silenceDurationMs` later, when the silence has been confirmed.
 *
 * @example
 * const vad = new ServerVad({ threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500 });
 * for (const event of vad.push(chunk)) console.log(event.type);
 */
export class ServerVad {
  private readonly frameSize: number;
  private readonly marginDb: number;
  private readonly gateDb: number;
  private readonly prefixPaddingMs: number;
  private readonly silenceFrames: number;
  private pending = new Int16Array(0);
  private frameIndex = 0;
  private readonly floor = new NoiseFloor(FRAME_MS);
  private inSpeech = false;
  private speechRun = 0;
  private silenceRun = 0;
  private lastSpeechFrame = -1;

  /** @throws RangeError when an option is out of range. */
  constructor(options: ServerVadOptions = {}) {
    const threshold = options.threshold ?? SERVER_VAD_DEFAULTS.threshold;
    const sampleRateHz = options.sampleRateHz ?? SAMPLE_RATE_HZ;
    const prefixPaddingMs = options.prefixPaddingMs ?? SERVER_VAD_DEFAULTS.prefixPaddingMs;
    const silenceDurationMs = options.silenceDurationMs ?? SERVER_VAD_DEFAULTS.silenceDurationMs;
    if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
      throw new RangeError(`ServerVad: threshold must be within 0..1, got ${threshold}`);
    }
    if (!Number.isInteger(sampleRateHz) || sampleRateHz < 1000) {
      throw new RangeError(`ServerVad: sampleRateHz must be an integer >= 1000, got ${sampleRateHz}`);
    }
    if (!Number.isFinite(prefixPaddingMs) || prefixPaddingMs < 0) {
      throw new RangeError(`ServerVad: prefixPaddingMs must be >= 0, got ${prefixPaddingMs}`);
    }
    if (!Number.isFinite(silenceDurationMs) || silenceDurationMs < 0) {
      throw new RangeError(`ServerVad: silenceDurationMs must be >= 0, got ${silenceDurationMs}`);
    }
    this.frameSize = Math.round((sampleRateHz * FRAME_MS) / 1000);
    this.marginDb = 4 + 12 * threshold;
    this.gateDb = -65 + 30 * threshold;
    this.prefixPaddingMs = prefixPaddingMs;
    this.silenceFrames = Math.max(1, Math.ceil(silenceDurationMs / FRAME_MS));
  }

  /** Whether the last pushed audio is inside a speech turn. */
  get speaking(): boolean {
    return this.inSpeech;
  }

  /** Feeds PCM16 mono samples and returns the events they caused, in order. */
  push(pcm: Int16Array): VadEvent[] {
    const events: VadEvent[] = [];
    let data = pcm;
    if (this.pending.length > 0) {
      data = new Int16Array(this.pending.length + pcm.length);
      data.set(this.pending);
      data.set(pcm, this.pending.length);
    }
    let offset = 0;
    for (; offset + this.frameSize <= data.length; offset += this.frameSize) {
      const event = this.frame(data.subarray(offset, offset + this.frameSize));
      if (event) events.push(event);
    }
    // Keep the partial frame for the next push; slice() so the caller's buffer can be reused.
    this.pending = data.slice(offset);
    return events;
  }

  /** Forgets all state, including the noise floor and the stream clock. */
  reset(): void {
    this.pending = new Int16Array(0);
    this.frameIndex = 0;
    this.floor.reset();
    this.inSpeech = false;
    this.speechRun = 0;
    this.silenceRun = 0;
    this.lastSpeechFrame = -1;
  }

  private frame(samples: Int16Array): VadEvent | undefined {
    const { db, zcr } = frameLevel(samples);
    const floor = this.floor.current(db);
    const isSpeech =
      (db > floor + this.marginDb && db > this.gateDb) ||
      (db > floor + this.marginDb / 2 && db > this.gateDb - 5 && zcr > 0.25);
    this.floor.update(db);

    const index = this.frameIndex++;
    if (isSpeech) {
      this.speechRun++;
      this.silenceRun = 0;
      this.lastSpeechFrame = index;
    } else {
      this.speechRun = 0;
      this.silenceRun++;
    }
    if (!this.inSpeech && this.speechRun >= START_FRAMES) {
      this.inSpeech = true;
      const onsetMs = (index - START_FRAMES + 1) * FRAME_MS;
      return { type: 'speech_started', audioStartMs: Math.max(0, onsetMs - this.prefixPaddingMs) };
    }
    if (this.inSpeech && this.silenceRun >= this.silenceFrames) {
      this.inSpeech = false;
      return { type: 'speech_stopped', audioEndMs: (this.lastSpeechFrame + 1) * FRAME_MS };
    }
    return undefined;
  }
}

/** `semantic_vad` eagerness levels of the Realtime API. */
export type SemanticEagerness = 'low' | 'medium' | 'high' | 'auto';

/**
 * Silence (ms) the emulator waits for under `semantic_vad`: low 1500, medium/auto 800, high 300.
 *
 * The real service waits up to 8/4/2 s when the sentence sounds unfinished and much less when it sounds complete; the
 * emulator cannot judge completeness, so it uses one responsive value per level, ordered like the real ones.
 */
export function semanticEagernessToSilenceMs(eagerness: SemanticEagerness): number {
  switch (eagerness) {
    case 'low':
      return 1500;
    case 'high':
      return 300;
    case 'medium':
    case 'auto':
      return 800;
  }
}
