import { micUnavailableReason, type MicSource, type MicUnavailableReason } from '../audioBackend.js';
import { NpcVoiceError, messageOf } from '../errors.js';

/** An NPC session as the mic router sees it. */
export interface MicTarget {
  /** Hands-free (server/semantic VAD) targets get audio whenever addressed; push-to-talk ones only while held. */
  readonly pushToTalk: boolean;
  sendAudio(pcm: Int16Array): void;
  beginTurn(): void;
  endTurn(): void;
  setMicEnabled(enabled: boolean): void;
  micOpened(): void;
  /** The player turned voice off: stop any copy of the microphone (WebRTC sends a silent placeholder instead). */
  micClosed(): void;
}

/** Options of a {@link MicRouter}. */
export interface MicRouterOptions {
  /** Opens the microphone (the audio layer's `MicCapture.open`); null runs text-only. */
  openMic: (() => Promise<MicSource>) | null;
  onUnavailable(reason: MicUnavailableReason): void;
  onError(error: NpcVoiceError): void;
  /** Every open session, told when the mic opens (WebRTC sessions swap their placeholder track). */
  targets(): Iterable<MicTarget>;
}

/**
 * Routes one microphone to the addressed NPC only: streams while push-to-talk is held (then commits the turn),
 * or continuously to a hands-free NPC. Opens the microphone on first need; if it is denied or absent it reports
 * once and the game continues text-only.
 */
export class MicRouter {
  private mic: MicSource | null = null;
  private opening: Promise<void> | null = null;
  private unavailable = false;
  private destroyed = false;
  private target: MicTarget | null = null;
  private held = false;
  /** The player chose to type: no microphone, push-to-talk ignored, until turned back on. */
  private voiceOff = false;
  private readonly onChunk = (pcm: Int16Array) => this.route(pcm);

  constructor(private readonly options: MicRouterOptions) {}

  /** The open microphone track (WebRTC sessions clone it), or null. */
  get track(): MediaStreamTrack | null {
    return this.mic?.track ?? null;
  }

  /** Whether the microphone could not be opened (text-only mode). */
  get textOnly(): boolean {
    return this.unavailable || this.voiceOff || this.options.openMic === null;
  }

  /**
   * Turns voice input off (the player chose to type) or back on. Off releases push-to-talk (a turn in progress is
   * committed), mutes the addressed NPC's input and closes the microphone; on routes it again as before.
   */
  setVoiceOff(off: boolean): void {
    if (off === this.voiceOff) return;
    if (off) {
      this.setTalking(false);
      this.target?.setMicEnabled(false);
      this.voiceOff = true;
      this.closeMic();
      for (const t of this.options.targets()) t.micClosed();
      return;
    }
    this.voiceOff = false;
    const target = this.target;
    this.target = null;
    this.setTarget(target);
  }

  /** Whether push-to-talk is held. */
  get talking(): boolean {
    return this.held;
  }

  /** Microphone level in [0, 1] (0 when closed). */
  level(): number {
    return this.mic?.level() ?? 0;
  }

  /** Sets the NPC that receives the microphone (null: nobody). */
  setTarget(target: MicTarget | null): void {
    if (target === this.target) return;
    const previous = this.target;
    if (previous && this.held && previous.pushToTalk) previous.endTurn();
    previous?.setMicEnabled(false);
    this.target = target;
    if (target && !this.voiceOff) {
      const hearing = !target.pushToTalk || this.held;
      target.setMicEnabled(hearing);
      if (hearing) this.ensureOpen();
      if (this.held && target.pushToTalk) target.beginTurn();
    }
  }

  /** Push-to-talk pressed (`true`) or released (`false`). */
  setTalking(down: boolean): void {
    if (down === this.held || (down && this.voiceOff)) return;
    this.held = down;
    const target = this.target;
    if (down) this.ensureOpen();
    if (!target) return;
    if (down) {
      target.beginTurn();
      target.setMicEnabled(true);
    } else {
      if (target.pushToTalk) {
        // The turn ends first: over WebRTC its last words are still on their way and the track must carry them.
        target.endTurn();
        target.setMicEnabled(false);
      }
    }
  }

  /** Closes the microphone. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.target = null;
    this.held = false;
    this.closeMic();
  }

  /** Closes the microphone but allows reopening (scene shutdown). */
  closeMic(): void {
    const mic = this.mic;
    this.mic = null;
    mic?.close();
  }

  private route(pcm: Int16Array): void {
    const target = this.target;
    if (!target || this.voiceOff) return;
    if (target.pushToTalk && !this.held) return;
    target.sendAudio(pcm);
  }

  private ensureOpen(): void {
    if (this.mic || this.opening || this.unavailable || this.destroyed || this.voiceOff) return;
    const open = this.options.openMic;
    if (!open) {
      this.unavailable = true;
      this.options.onUnavailable('unsupported');
      return;
    }
    this.opening = open()
      .then((mic) => {
        if (this.destroyed || this.voiceOff) {
          mic.close();
          return;
        }
        this.mic = mic;
        mic.onChunk(this.onChunk);
        for (const t of this.options.targets()) t.micOpened();
      })
      .catch((err: unknown) => {
        this.unavailable = true;
        const reason = micUnavailableReason(err);
        this.options.onUnavailable(reason);
        if (reason === 'unsupported' && !(typeof err === 'object' && err !== null && 'reason' in err)) {
          this.options.onError(new NpcVoiceError('mic_failed', `could not open the microphone: ${messageOf(err)}`, { cause: err }));
        }
      })
      .finally(() => {
        this.opening = null;
      });
  }
}

/** Something that can be listened on for user gestures (the window, a canvas). */
export interface GestureTarget {
  addEventListener(type: 'pointerdown' | 'keydown', fn: () => void): void;
  removeEventListener(type: 'pointerdown' | 'keydown', fn: () => void): void;
}

/**
 * Resumes a suspended AudioContext on the first pointerdown or keydown (browsers only allow it in a user
 * gesture), then removes both listeners. Returns a function that removes them early. Idempotent.
 */
export function resumeOnFirstGesture(context: Pick<AudioContext, 'state' | 'resume'>, target: GestureTarget, onError?: (err: unknown) => void): () => void {
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    target.removeEventListener('pointerdown', onGesture);
    target.removeEventListener('keydown', onGesture);
  };
  const onGesture = () => {
    remove();
    if (context.state === 'suspended') context.resume().catch((err: unknown) => onError?.(err));
  };
  if (context.state !== 'suspended') return () => {};
  target.addEventListener('pointerdown', onGesture);
  target.addEventListener('keydown', onGesture);
  return remove;
}
