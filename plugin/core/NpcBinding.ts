import type { VoiceOutput } from '../audioBackend.js';
import { NpcSessionError } from '../errors.js';
import type { Persona } from '../shared/personaSchema.js';
import type { NpcSession } from '../session/NpcSession.js';
import type { ConversationLine, NpcState } from '../types.js';
import type { Positioned } from './host.js';
import { checkShowArgs, type ShowOptions, type SnapshotFrame } from './snapshot.js';

/** What a binding needs from the plugin; internal. */
export interface BindingHost {
  sessionFor(binding: NpcBinding): NpcSession;
  /** Calls `gone` when the engine destroys `sprite`; returns the matching off. */
  onDestroyed(sprite: Positioned, gone: () => void): () => void;
  /** A JPEG data URL of the game canvas (or `frame` of it), scaled down as `options` say. */
  capture(frame: SnapshotFrame | undefined, options: ShowOptions): Promise<string>;
  unbind(binding: NpcBinding): void;
  touch(binding: NpcBinding): void;
}

/**
 * The voice of one NPC game object: its persona, its (lazily opened) Realtime session and its spatial voice. Created
 * by `scene.npcVoice.bind(sprite, 'blacksmith')`; destroyed with the object (the engine's host tells when).
 *
 * @example
 * const smith = this.npcVoice.bind(smithSprite, 'blacksmith');
 * smith.say('Hello! Can you fix my sword?');
 */
export class NpcBinding {
  private _persona: Persona;
  private _destroyed = false;
  private _session: NpcSession | null = null;
  private _voice: VoiceOutput | null = null;
  private readonly offDestroyed: () => void;

  /** @internal Use `npcVoice.bind()`. */
  constructor(
    /** Unique id of this binding (`<persona id>#<n>`), used in events and logs. */
    readonly id: string,
    /** The game object the NPC speaks from. */
    readonly sprite: Positioned,
    persona: Persona,
    private readonly host: BindingHost,
  ) {
    this._persona = persona;
    this.offDestroyed = host.onDestroyed(sprite, () => this.destroy());
  }

  /** The NPC's persona (replaced by `npcVoice.updatePersona`). */
  get persona(): Persona {
    return this._persona;
  }

  /** Connection / conversation state. */
  get state(): NpcState {
    if (this._destroyed) return 'closed';
    return this._session?.state ?? 'idle';
  }

  /** The conversation so far: the player's and the NPC's lines, in order. */
  get history(): readonly ConversationLine[] {
    return this._session?.history ?? [];
  }

  /** The NPC's spatial voice once the audio layer is ready (null in text-only mode). */
  get voice(): VoiceOutput | null {
    return this._voice;
  }

  /** Whether the binding was destroyed. */
  get destroyed(): boolean {
    return this._destroyed;
  }

  /** The NPC's voice level in [0, 1], for lip-sync or a speaking indicator (0 when silent or text-only). */
  level(): number {
    return this.voice?.level() ?? 0;
  }

  /** Sends typed words from the player; opens the session if needed. Works without a microphone. */
  say(text: string): void {
    if (this._destroyed) return;
    this.host.touch(this);
    this.session.say(text);
  }

  /**
   * Shows the NPC the scene: captures the game canvas (or `frame` of it, in game pixels) after the next rendered
   * frame, scales it down to 512 px on its longest side (`options.maxSize`), and sends it as a JPEG image to the
   * NPC's session, opening it if needed; the NPC answers it unless `options.triggerResponse` is false. With the
   * real API the model sees the picture; the emulator answers with the persona's `onImage` line.
   *
   * Resolves once the picture is sent. Rejects with an `NpcVoiceConfigError` naming a bad `frame` or option field,
   * an `NpcVoiceError` (`snapshot_failed`) when there is no canvas to capture, or an `NpcSessionError`
   * (`session_closed`, `retries_exhausted`, `send_failed`) when it could not be sent.
   *
   * @example
   * keyboard.on('keydown-L', () => smith.show().catch((e) => console.warn(e.message)));
   * await smith.show({ x: 0, y: 0, width: 400, height: 300 }, { triggerResponse: false });
   */
  async show(frame?: SnapshotFrame, options: ShowOptions = {}): Promise<void> {
    checkShowArgs(frame, options);
    if (this._destroyed) throw new NpcSessionError('session_closed', `NPC "${this.id}" was destroyed: it cannot be shown a picture`);
    this.host.touch(this);
    const session = this.session;
    // The connection opens while the picture is taken.
    session.open(true);
    const image = await this.host.capture(frame, options);
    if (this._destroyed) throw new NpcSessionError('session_closed', `NPC "${this.id}" was destroyed before its picture was sent`);
    await session.showImage(image, options.triggerResponse ?? true);
  }

  /** Stops the NPC mid-sentence (what it did not say is removed from its memory). */
  interrupt(): void {
    if (this._destroyed) return;
    this._session?.interrupt();
  }

  /** Closes the session and releases the voice. Called when the game object is destroyed; safe to call twice. */
  destroy(): void {
    if (this._destroyed) return;
    this._destroyed = true;
    this.offDestroyed();
    this._session?.destroy();
    this._voice?.destroy();
    this._voice = null;
    this.host.unbind(this);
  }

  /** @internal The NPC's session (created on first use). */
  get session(): NpcSession {
    if (!this._session) {
      this._session = this.host.sessionFor(this);
      this._session.setVoice(this._voice);
    }
    return this._session;
  }

  /** @internal The audio layer made this NPC's voice: handed to the session once, which plays its audio into it. */
  attachVoice(voice: VoiceOutput): void {
    if (this._destroyed) {
      voice.destroy();
      return;
    }
    this._voice = voice;
    this._session?.setVoice(voice);
  }

  /** @internal Whether the session object exists (it may still be closed). */
  get hasSession(): boolean {
    return this._session !== null;
  }

  /** @internal Replaces the persona (hot reload). */
  setPersona(persona: Persona): void {
    this._persona = persona;
  }
}
