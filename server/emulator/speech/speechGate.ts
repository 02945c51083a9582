// Trims non-speech off both ends of an utterance before it reaches the decoder. Seconds of microphone hiss around a
// short phrase (a push-to-talk key held early and released late) were decoded as garbage phones or made the
// recognizer give up; with the speech and a short margin only, the same phrase is recognised (see the STT bench).
// The hiss left in the margins and pauses is silenced, because the acoustic model hears white hiss as fricatives.
import { concatPcm16 } from '../../../plugin/shared/pcm16.js';
import { frameLevel, NoiseFloor } from './energyVad.js';
import { SAMPLE_RATE_HZ } from './types.js';

/** Options of {@link SpeechGate}. */
export interface SpeechGateOptions {
  /** Audio kept before the first speech frame, for weak onsets like the /h/ of "hello" (default 300). */
  leadMs?: number;
  /** Audio kept after the last speech frame, for trailing fricatives and the decoder's final silence (default 300). */
  tailMs?: number;
  /** Input sample rate (default 24000). */
  sampleRateHz?: number;
}

/** 10 ms, the decoder's frame rate, so frame flags line up with its word alignment. */
const FRAME_MS = 10;
/** Consecutive speech frames that open the gate (40 ms): a click does not. */
const ONSET_FRAMES = 4;
/** A frame is speech this far above the noise floor… */
const MARGIN_DB = 10;
/** …and above this absolute level, so a quiet room's hiss never counts as speech however it fluctuates. */
const GATE_DB = -60;
/** Frames within this much of the noise floor are hiss, not a weak onset or tail (6 dB left "hello" at -66 dBFS rejected). */
const HISS_DB = 12;

/**
 * Streams audio through, holding back what is not (yet) known to be speech: nothing is released before the first
 * speech onset except `leadMs` before it, a pause is released only once speech resumes, and {@link end} releases just
 * `tailMs` after the last speech. Speech is judged against an adaptive noise floor, as in `ServerVad`; released frames
 * within 12 dB of that floor are replaced by digital silence.
 *
 * @example
 * const gate = new SpeechGate();
 * decoder.feed(gate.push(chunk)); // possibly empty
 * decoder.feed(gate.end());
 */
export class SpeechGate {
  private readonly frameSize: number;
  private readonly leadFrames: number;
  private readonly tailFrames: number;
  private readonly floor = new NoiseFloor(FRAME_MS);
  private partial = new Int16Array(0);
  /** Whole frames not released yet, with their speech flags. */
  private held: { pcm: Int16Array; speech: boolean; db: number }[] = [];
  private run = 0;
  private open = false;
  private ended = false;
  private readonly flags: boolean[] = [];
  private readonly levels: number[] = [];

  /** @throws RangeError when an option is out of range. */
  constructor(options: SpeechGateOptions = {}) {
    const rate = options.sampleRateHz ?? SAMPLE_RATE_HZ;
    const leadMs = options.leadMs ?? 300;
    const tailMs = options.tailMs ?? 300;
    if (!Number.isInteger(rate) || rate < 1000) throw new RangeError(`SpeechGate: sampleRateHz must be an integer >= 1000, got ${rate}`);
    if (!(leadMs >= 0) || !(tailMs >= 0)) throw new RangeError(`SpeechGate: leadMs and tailMs must be >= 0, got ${leadMs} and ${tailMs}`);
    this.frameSize = Math.round((rate * FRAME_MS) / 1000);
    this.leadFrames = Math.ceil(leadMs / FRAME_MS);
    this.tailFrames = Math.ceil(tailMs / FRAME_MS);
  }

  /** Whether speech has been heard so far. */
  get heardSpeech(): boolean {
    return this.open;
  }

  /** One flag per 10 ms frame of the audio released so far: true where it was speech. */
  get releasedSpeechFrames(): readonly boolean[] {
    return this.flags;
  }

  /** Level (dBFS) of each 10 ms frame of the audio released so far. */
  get releasedFrameDb(): readonly number[] {
    return this.levels;
  }

  /** Takes the next chunk; returns the audio now known to belong to the utterance (often empty). */
  push(pcm: Int16Array): Int16Array {
    if (this.ended || pcm.length === 0) return new Int16Array(0);
    const data = new Int16Array(this.partial.length + pcm.length);
    data.set(this.partial);
    data.set(pcm, this.partial.length);
    const out: Int16Array[] = [];
    let offset = 0;
    for (; offset + this.frameSize <= data.length; offset += this.frameSize) {
      const frame = data.slice(offset, offset + this.frameSize);
      const { speech, db, hiss } = this.judge(frame);
      // Hiss becomes digital silence: the acoustic model hears white hiss as "f", "s" or "th" (a fricative garbage
      // path then beats a short word like "hello"; still so at -30 dB), but decodes digital silence reliably.
      if (hiss) frame.fill(0);
      this.held.push({ pcm: frame, speech, db });
      this.run = speech ? this.run + 1 : 0;
      if (!this.open) {
        if (this.run >= ONSET_FRAMES) {
          this.open = true;
          // The onset run plus the lead before it.
          out.push(...this.release(this.held.length - Math.min(this.held.length, ONSET_FRAMES + this.leadFrames)));
        } else if (this.held.length > ONSET_FRAMES + this.leadFrames) {
          this.held.shift();
        }
      } else if (speech) {
        // Speech resumed: the pause before it belongs to the utterance.
        out.push(...this.release(0));
      }
    }
    this.partial = data.slice(offset);
    return concatPcm16(out);
  }

  /** Ends the utterance: returns up to `tailMs` after the last speech (nothing when no speech was heard). */
  end(): Int16Array {
    if (this.ended) return new Int16Array(0);
    this.ended = true;
    if (!this.open) return new Int16Array(0);
    const tail = this.held.slice(0, this.tailFrames);
    this.held = tail;
    const out = this.release(0);
    this.held = [];
    return concatPcm16(out);
  }

  private judge(frame: Int16Array): { speech: boolean; db: number; hiss: boolean } {
    const { db, zcr } = frameLevel(frame);
    const floor = this.floor.current(db);
    // The second rule catches fricatives ("s", "f"): quiet, but with many zero crossings.
    const speech = (db > floor + MARGIN_DB && db > GATE_DB) || (db > floor + MARGIN_DB / 2 && db > GATE_DB - 5 && zcr > 0.25);
    this.floor.update(db);
    return { speech, db, hiss: !speech && db < floor + HISS_DB };
  }

  /** Releases held frames from index `from` on (earlier ones are dropped). */
  private release(from: number): Int16Array[] {
    const frames = this.held.slice(from);
    this.held = [];
    for (const f of frames) {
      this.flags.push(f.speech);
      this.levels.push(f.db);
    }
    return frames.map((f) => f.pcm);
  }
}
