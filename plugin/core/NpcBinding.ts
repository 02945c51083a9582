import type { VoiceOutput } from '../audioBackend.js';
import type { Persona } from '../shared/personaSchema.js';
import type { NpcSession } from '../session/NpcSession.js';
import type { ConversationLine, NpcState } from '../types.js';
import type { Positioned } from './host.js';

/** What a binding needs from the plugin; internal. */
export interface BindingHost {
  sessionFor(binding: NpcBinding): NpcSession;
  /** Calls `gone` when the engine destroys `sprite`; returns the matching off. */
  onDestroyed(sprite: Positioned, gone: () => void): () => void;
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
