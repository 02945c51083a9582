import type { VoiceOutput } from './audioBackend.js';
import type { Persona } from './shared/personaSchema.js';
import type { NpcSession } from './session/NpcSession.js';
import type { ConversationLine, NpcState } from './types.js';

/** The parts of a Phaser game object a binding uses (any sprite, image or container fits). */
export interface NpcSprite {
  x: number;
  y: number;
  once(event: string, fn: () => void, context?: unknown): unknown;
  off(event: string, fn?: () => void, context?: unknown, once?: boolean): unknown;
}

/** Phaser's `Phaser.GameObjects.Events.DESTROY`, spelled out so this module does not load Phaser. */
const GAME_OBJECT_DESTROY = 'destroy';

/** What a binding needs from the plugin; internal. */
export interface BindingHost {
  sessionFor(binding: NpcBinding): NpcSession;
  unbind(binding: NpcBinding): void;
  touch(binding: NpcBinding): void;
}

/**
 * The voice of one NPC sprite: its persona, its (lazily opened) Realtime session and its spatial voice. Created by
 * `scene.npcVoice.bind(sprite, 'blacksmith')`; destroyed with the sprite.
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

  /** @internal Use `npcVoice.bind()`. */
  constructor(
    /** Unique id of this binding (`<persona id>#<n>`), used in events and logs. */
    readonly id: string,
    /** The sprite the NPC speaks from. */
    readonly sprite: NpcSprite,
    persona: Persona,
    private readonly host: BindingHost,
  ) {
    this._persona = persona;
    sprite.once(GAME_OBJECT_DESTROY, this.destroy, this);
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

  /** Closes the session and releases the voice. Called when the sprite is destroyed; safe to call twice. */
  destroy(): void {
    if (this._destroyed) return;
    this._destroyed = true;
    this.sprite.off(GAME_OBJECT_DESTROY, this.destroy, this, true);
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
