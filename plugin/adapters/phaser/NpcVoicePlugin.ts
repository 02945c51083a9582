// A namespace import: Phaser 3's ES module has no default export (Phaser 4's has both).
import * as Phaser from 'phaser';
import type { NpcBinding } from '../../core/NpcBinding.js';
import { NpcVoiceController } from '../../core/NpcVoiceController.js';
import type { HostAudioOutput, NpcVoiceHost, Positioned } from '../../core/host.js';
import { NpcVoiceEvents, type NpcVoiceEventMap } from '../../core/events.js';
import { PERSONA_HMR_EVENT, type PersonaHmrPayload } from '../../shared/hmr.js';
import { NpcVoiceConfigError } from '../../errors.js';
import { isListener, resolveAllOptions, type NpcVoiceOptions, type ResolvedPhaserOptions } from './options.js';
import type { Persona } from '../../shared/personaSchema.js';
import type { PlayerPose } from '../../core/addressing.js';
import type { GameTool } from '../../tools/defineGameTool.js';
import { phaserSnapshot } from './snapshot.js';

/** The parts of a Phaser game object a binding uses (any sprite, image or container fits). */
export interface NpcSprite extends Positioned {
  once(event: string, fn: () => void, context?: unknown): unknown;
  off(event: string, fn?: () => void, context?: unknown, once?: boolean): unknown;
}

/**
 * Phaser scene plugin giving NPC sprites real-time voices. The Phaser adapter of the engine-agnostic
 * {@link NpcVoiceController}: it implements the core's host port for a scene (frame tick = the scene's UPDATE,
 * listener = the player sprite or the camera, lifetime = the sprite's DESTROY, audio = Phaser's sound manager) and
 * forwards the scene lifecycle and the push-to-talk key. Install with {@link createNpcVoicePlugin}; use as
 * `this.npcVoice` in a scene.
 *
 * @example
 * const smith = this.npcVoice.bind(this.add.sprite(400, 300, 'smith'), 'blacksmith');
 * this.npcVoice.on(NpcVoiceEvents.NPC_TRANSCRIPT, (npc, text) => showSubtitle(npc.sprite, text));
 */
export class NpcVoicePlugin<G extends object = object> extends Phaser.Plugins.ScenePlugin {
  /** The engine-agnostic core (advanced use and tests). */
  readonly core: NpcVoiceController<G>;
  private readonly phaserOptions: ResolvedPhaserOptions;
  private pttKey: Phaser.Input.Keyboard.Key | null = null;
  /** Set by setListener(); overrides the `listener` option. */
  private listener: Positioned | 'camera' | null = null;
  private started = false;
  /** The core's frame (tool actions, positions, mic routing, live sessions), set while it runs. */
  private tick: ((nowMs: number) => void) | null = null;
  private destroyed = false;

  /**
   * Phaser calls this for every scene, including its hidden system scene, so it only stores the options.
   * @throws NpcVoiceConfigError when an option is invalid.
   */
  constructor(scene: Phaser.Scene, pluginManager: Phaser.Plugins.PluginManager, pluginKey: string, options: NpcVoiceOptions<G> = {}) {
    super(scene, pluginManager, pluginKey);
    const { phaser } = resolveAllOptions(options);
    this.phaserOptions = phaser;
    this.core = new NpcVoiceController<G>(options, this.host(pluginManager));
  }

  /** Phaser calls this once when the scene boots: only lifecycle wiring here. */
  override boot(): void {
    const events = this.systems?.events;
    if (!events) return;
    events.once(Phaser.Scenes.Events.DESTROY, this.destroy, this);
    events.on(Phaser.Scenes.Events.START, this.start, this);
  }

  /** Phaser calls this (scene START) each time the scene starts: begin per-run work. */
  override start(): void {
    const sys = this.systems;
    if (!sys || this.started || this.destroyed) return;
    this.started = true;
    sys.events.once(Phaser.Scenes.Events.SHUTDOWN, this.shutdown, this);
    const keyName = this.phaserOptions.pushToTalkKey;
    const keyboard = this.scene?.input?.keyboard;
    if (keyName !== null && keyboard) {
      const code = Phaser.Input.Keyboard.KeyCodes[keyName as keyof typeof Phaser.Input.Keyboard.KeyCodes];
      // enableCapture false: the game may use the same key for something else (and typing in DOM inputs).
      this.pttKey = keyboard.addKey(code ?? keyName, false);
      // The key's own events, not only its state at the next frame: a tap shorter than a frame (a busy machine, a
      // quick player) still opens the microphone and ends a turn.
      this.pttKey.on(Phaser.Input.Keyboard.Events.DOWN, this.onTalkDown, this);
      this.pttKey.on(Phaser.Input.Keyboard.Events.UP, this.onTalkUp, this);
    }
    globalThis.addEventListener?.(PERSONA_HMR_EVENT, this.onPersonaHmr);
    // The core ticks on the scene's UPDATE from here (the host's onFrame) until core.stop().
    this.core.start();
  }

  /**
   * A persona file saved while the game runs under `phaser-npc-voice/vite` (its dev server validated it and sends it
   * as a window event): applied to the NPCs that use it, like `updatePersona`.
   */
  private readonly onPersonaHmr = (event: Event): void => {
    const detail = (event as CustomEvent<Partial<PersonaHmrPayload>>).detail;
    if (typeof detail?.id !== 'string' || !this.core.getPersona(detail.id)) return;
    try {
      this.core.updatePersona(detail.id, detail.persona);
    } catch (err) {
      this.core.events.emit(NpcVoiceEvents.WARNING, 'persona_rejected', `persona "${detail.id}" not updated: ${err instanceof Error ? err.message : String(err)}`, null);
    }
  };

  private onTalkDown(): void {
    this.core.setTalking(true);
  }

  private onTalkUp(): void {
    this.core.setTalking(false);
  }

  /** Phaser calls this every frame (scene UPDATE) while the scene runs: the push-to-talk key, then the core's frame. */
  update(): void {
    // Catches what has no key event: Phaser resets held keys silently when the window loses focus.
    if (this.pttKey) {
      const down = this.pttKey.isDown;
      if (down !== this.core.talking) this.core.setTalking(down);
    }
    this.tick?.(Date.now());
  }

  /**
   * The core's host port for this scene: the frame tick is the scene's UPDATE (after the push-to-talk key is read),
   * the listener the player sprite or the camera, an NPC's lifetime its game object's DESTROY, the audio output
   * Phaser's Web Audio sound manager, and snapshots (`binding.show()`) the game renderer's.
   */
  private host(pluginManager: Phaser.Plugins.PluginManager): NpcVoiceHost {
    return {
      onDestroyed: (npc, gone) => {
        const sprite = npc as NpcSprite;
        sprite.once(Phaser.GameObjects.Events.DESTROY, gone);
        return () => sprite.off(Phaser.GameObjects.Events.DESTROY, gone, undefined, true);
      },
      onFrame: (tick) => {
        const events = this.systems?.events;
        if (!events) return () => {};
        this.tick = tick;
        events.on(Phaser.Scenes.Events.UPDATE, this.update, this);
        return () => {
          events.off(Phaser.Scenes.Events.UPDATE, this.update, this);
          this.tick = null;
        };
      },
      listener: () => this.playerPose(),
      audioOutput: () => phaserAudio(pluginManager.game),
      snapshot: (frame) => phaserSnapshot(pluginManager.game, frame),
    };
  }

  /** Phaser calls this on scene SHUTDOWN: the matching `off`s, close sessions. Idempotent. */
  shutdown(): void {
    if (!this.started) return;
    this.started = false;
    this.systems?.events?.off(Phaser.Scenes.Events.SHUTDOWN, this.shutdown, this);
    globalThis.removeEventListener?.(PERSONA_HMR_EVENT, this.onPersonaHmr);
    if (this.pttKey) {
      this.pttKey.off(Phaser.Input.Keyboard.Events.DOWN, this.onTalkDown, this);
      this.pttKey.off(Phaser.Input.Keyboard.Events.UP, this.onTalkUp, this);
      this.scene?.input?.keyboard?.removeKey(this.pttKey, true);
      this.pttKey = null;
    }
    this.core.stop();
  }

  /** Phaser calls this on scene DESTROY: shutdown, stop listening for START, release everything. Idempotent. */
  override destroy(): void {
    if (this.destroyed) return;
    this.shutdown();
    this.destroyed = true;
    const events = this.systems?.events;
    events?.off(Phaser.Scenes.Events.START, this.start, this);
    events?.off(Phaser.Scenes.Events.DESTROY, this.destroy, this);
    this.core.destroy();
    super.destroy();
  }

  /**
   * Gives `sprite` a voice. The session opens when the player comes near or talks; it closes with the sprite.
   * @throws NpcVoiceConfigError when the persona id is unknown or the persona is invalid.
   * @example
   * const guard = this.npcVoice.bind(guardSprite, 'gate_guard');
   */
  bind(sprite: NpcSprite, personaOrId: string | Record<string, unknown>): NpcBinding {
    if (typeof sprite !== 'object' || sprite === null || typeof sprite.once !== 'function' || typeof sprite.off !== 'function') {
      throw new NpcVoiceConfigError('invalid_sprite', 'sprite', 'npcVoice.bind(sprite, persona): sprite must be a Phaser game object');
    }
    return this.core.bind(sprite, personaOrId);
  }

  /** Names the NPC the player talks to (e.g. after a click on it), or `null` to go back to proximity. */
  talkTo(binding: NpcBinding | null): void {
    this.core.talkTo(binding);
  }

  /** Push-to-talk from a touch button or custom input (the configured key does this automatically). */
  setTalking(down: boolean): void {
    this.core.setTalking(down);
  }

  /** Whether push-to-talk is held (the key, or `setTalking(true)`). */
  get talking(): boolean {
    return this.core.talking;
  }

  /**
   * The player chose to type (`true`): the microphone closes and push-to-talk is ignored; `false` turns voice back
   * on. `textOnly` reports it, as it does a denied microphone.
   */
  setTextOnly(on: boolean): void {
    this.core.setTextOnly(on);
  }

  /**
   * Hot reload: validates and applies a persona to the running NPCs; the old one stays on failure.
   * @throws NpcVoiceConfigError naming the invalid field.
   */
  updatePersona(id: string, json: unknown): Persona {
    return this.core.updatePersona(id, json);
  }

  /**
   * Registers a persona for `bind(sprite, id)`.
   * @throws NpcVoiceConfigError naming the invalid field.
   */
  addPersona(json: unknown): Persona {
    return this.core.addPersona(json);
  }

  /** Registers game tools; personas list which ones their NPC may use. */
  registerTools(...tools: GameTool[]): void {
    this.core.registerTools(...tools);
  }

  /**
   * The AudioContext the NPC voices play in (the `audioContext` option, Howler's, else Phaser's sound manager's),
   * once the audio layer started; null before and in text-only mode.
   */
  get audioContext(): AudioContext | null {
    return this.core.audioContext;
  }

  /** Every bound NPC. */
  get npcs(): readonly NpcBinding[] {
    return this.core.npcs;
  }

  /** The NPC that receives the microphone now. */
  get addressee(): NpcBinding | null {
    return this.core.addressee;
  }

  /** Whether input is typed only: the microphone is denied or absent, there is no audio layer, or `setTextOnly(true)`. */
  get textOnly(): boolean {
    return this.core.textOnly;
  }

  /** Microphone level in [0, 1]. */
  micLevel(): number {
    return this.core.micLevel();
  }

  /** Listens to a plugin event (Phaser EventEmitter conventions). */
  on<K extends keyof NpcVoiceEventMap & string>(event: K, fn: (...args: NpcVoiceEventMap[K]) => void, context?: unknown): this {
    this.core.events.on(event, fn, context);
    return this;
  }

  /** Listens to a plugin event once. */
  once<K extends keyof NpcVoiceEventMap & string>(event: K, fn: (...args: NpcVoiceEventMap[K]) => void, context?: unknown): this {
    this.core.events.once(event, fn, context);
    return this;
  }

  /** Removes a listener added with `on`/`once`. */
  off<K extends keyof NpcVoiceEventMap & string>(event: K, fn?: (...args: NpcVoiceEventMap[K]) => void, context?: unknown): this {
    this.core.events.off(event, fn, context);
    return this;
  }

  /**
   * Who hears the NPCs and talks to them from now on: the player sprite (which usually exists only once the scene's
   * `create()` ran, after the game config that holds the plugin's options), or `'camera'` (the camera centre).
   * @throws NpcVoiceConfigError when `listener` has no `x` and `y`.
   * @example
   * this.npcVoice.setListener(this.player);
   */
  setListener(listener: Positioned | 'camera'): this {
    if (!isListener(listener)) {
      throw new NpcVoiceConfigError('invalid_option', 'listener', 'setListener(): expected the player sprite (anything with x and y) or "camera"');
    }
    this.listener = listener;
    return this;
  }

  private playerPose(): PlayerPose | null {
    const listener = this.listener ?? this.phaserOptions.listener;
    let x: number;
    let y: number;
    if (listener === 'camera') {
      const cam = this.scene?.cameras?.main;
      if (!cam) return null;
      x = cam.midPoint.x;
      y = cam.midPoint.y;
    } else {
      x = listener.x;
      y = listener.y;
    }
    const facing = this.phaserOptions.playerFacing?.() ?? null;
    return facing ? { x, y, facingX: facing.x, facingY: facing.y } : { x, y };
  }
}

/** A `config.plugins.scene` entry. */
export interface NpcVoicePluginEntry<G extends object = object> {
  key: string;
  plugin: new (scene: Phaser.Scene, pluginManager: Phaser.Plugins.PluginManager, pluginKey: string) => NpcVoicePlugin<G>;
  mapping: 'npcVoice';
  data: NpcVoiceOptions<G>;
}

/**
 * Builds the scene-plugin entry for the game config; options are validated now so mistakes fail at startup.
 * @throws NpcVoiceConfigError naming the option to fix.
 * @example
 * new Phaser.Game({
 *   plugins: { scene: [createNpcVoicePlugin({ personas: { blacksmith }, tools: [giveItem] })] },
 * });
 */
export function createNpcVoicePlugin<G extends object = object>(options: NpcVoiceOptions<G> = {}): NpcVoicePluginEntry<G> {
  resolveAllOptions(options);
  // Phaser constructs scene plugins with (scene, manager, key) only, so the options are bound in a subclass.
  class ConfiguredNpcVoicePlugin extends NpcVoicePlugin<G> {
    constructor(scene: Phaser.Scene, pluginManager: Phaser.Plugins.PluginManager, pluginKey: string) {
      super(scene, pluginManager, pluginKey, options);
    }
  }
  return { key: 'NpcVoicePlugin', plugin: ConfiguredNpcVoicePlugin, mapping: 'npcVoice', data: options };
}

declare global {
  namespace Phaser {
    interface Scene {
      /** The NPC voice plugin, when installed with `createNpcVoicePlugin()`. */
      npcVoice: NpcVoicePlugin;
    }
  }
}

/**
 * Phaser's Web Audio sound manager as the voices' output: its context, and its `destination` (the master mute node,
 * before the master volume), so the game's volume and mute apply to NPC voices. Null with `audio: { noAudio: true }`
 * or the HTML5 sound manager.
 */
function phaserAudio(game: Phaser.Game | null | undefined): HostAudioOutput | null {
  const sound = game?.sound as { context?: unknown; destination?: unknown } | undefined;
  const context = sound?.context;
  const destination = sound?.destination;
  if (typeof context !== 'object' || context === null || !('createGain' in context)) return null;
  if (typeof destination !== 'object' || destination === null || !('connect' in destination)) return null;
  return { context: context as AudioContext, destination: destination as AudioNode };
}
