import type { RealtimeTransportLayer } from '@openai/agents-realtime';
import type { MicUnavailableReason } from '../audioBackend.js';
import { AudioLayer, browserWindow } from './AudioLayer.js';
import { NpcVoiceConfigError, NpcVoiceError, messageOf } from '../errors.js';
import { NpcVoiceEvents, type NpcVoiceEventMap } from './events.js';
import { MicRouter, type GestureTarget } from './MicRouter.js';
import { NpcBinding, type BindingHost } from './NpcBinding.js';
import type { NpcVoiceHost, Positioned } from './host.js';
import { encodeSnapshot, type ShowOptions, type SnapshotFrame } from './snapshot.js';
import { resolveOptions, validatePersona, type NpcVoiceCoreOptions, type ResolvedOptions } from './options.js';
import type { Persona } from '../shared/personaSchema.js';
import { chooseAddressee, type PlayerPose } from './addressing.js';
import { LivePolicy } from './LivePolicy.js';
import { loadRealtimeSdk, prefetchRealtimeSdk, type RealtimeSdk } from '../session/loadRealtimeSdk.js';
import { MintClient } from '../session/mintClient.js';
import { NpcSession, type NpcSessionListener, type TransportKind } from '../session/NpcSession.js';
import { ActionQueue } from '../tools/actionQueue.js';
import type { GameTool, GameToolContext } from '../tools/defineGameTool.js';
import { TypedEmitter } from '../typedEmitter.js';

/** Seams for tests and the testing package: replace the SDK loader or the transport. */
export interface ControllerSeams {
  loadSdk?: () => Promise<RealtimeSdk>;
  createTransport?: (binding: NpcBinding) => RealtimeTransportLayer;
  /** Where "resume the AudioContext on first gesture" listens (default: `window` when present). */
  gestureTarget?: GestureTarget | null;
}

/**
 * The engine-agnostic core of the plugin: personas, tools, bindings, which sessions are live, who gets the mic, and
 * the frame-synchronous action queue. It knows the engine only through its host port ({@link NpcVoiceHost}: frame
 * tick, listener position, object lifetime, audio output); an adapter (`adapters/phaser/NpcVoicePlugin`) provides
 * the port and forwards the engine's lifecycle and input to it.
 */
export class NpcVoiceController<G extends object = object> implements BindingHost {
  /** Plugin events (see `NpcVoiceEvents`). */
  readonly events: TypedEmitter<NpcVoiceEventMap>;
  readonly options: ResolvedOptions<G>;
  private readonly personas: Map<string, Persona>;
  private readonly tools = new Map<string, GameTool>();
  private readonly bindings = new Set<NpcBinding>();
  private readonly actions = new ActionQueue();
  private readonly policy: LivePolicy;
  private readonly mint: MintClient;
  private mic: MicRouter | null = null;
  private named: NpcBinding | null = null;
  private addressed: NpcBinding | null = null;
  private bindingSeq = 0;
  private running = false;
  private destroyed = false;
  /** The player chose to type (`setTextOnly(true)`); kept across scene restarts. */
  private voiceOff = false;
  private cancelPrefetch: () => void = () => {};
  private offFrame: () => void = () => {};
  private readonly audioLayer: AudioLayer;

  /** @throws NpcVoiceConfigError when an option or persona is invalid (the message says how to fix it). */
  constructor(
    options: NpcVoiceCoreOptions<G>,
    private readonly host: NpcVoiceHost,
    private readonly seams: ControllerSeams = {},
  ) {
    this.options = resolveOptions(options);
    this.personas = this.options.personas;
    for (const t of this.options.tools) this.tools.set(t.name, t);
    this.policy = new LivePolicy({ maxLive: this.options.maxLiveSessions, idleTimeoutMs: this.options.idleTimeoutMs });
    this.mint = new MintClient({ endpoint: this.options.mintEndpoint, ...(this.options.fetch ? { fetch: this.options.fetch } : {}) });
    this.audioLayer = new AudioLayer({
      options: this.options,
      hostOutput: () => host.audioOutput(),
      gestureTarget: seams.gestureTarget !== undefined ? seams.gestureTarget : browserWindow(),
      running: () => this.running,
      onReady: () => {
        for (const b of this.bindings) this.attachVoice(b);
      },
      onError: (error) => this.emitError(error, null),
    });
    this.events = new TypedEmitter<NpcVoiceEventMap>((err) => {
      // A throwing game listener must not break the socket callback that emitted; surface it asynchronously.
      setTimeout(() => {
        throw err;
      }, 0);
    });
  }

  /** Whether `start()` ran and `stop()` has not. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Every live binding. */
  get npcs(): readonly NpcBinding[] {
    return [...this.bindings];
  }

  /** The NPC that currently receives the microphone. */
  get addressee(): NpcBinding | null {
    return this.addressed;
  }

  /** Whether the plugin runs without a microphone (denied, absent, or no audio layer). */
  get textOnly(): boolean {
    return this.voiceOff || (this.mic?.textOnly ?? this.options.audio === null);
  }

  /** Voice input off (the player chose to type: the microphone closes, push-to-talk is ignored) or back on. */
  setTextOnly(on: boolean): void {
    this.voiceOff = on;
    this.mic?.setVoiceOff(on);
  }

  /** Starts a run (a Phaser scene's START): prefetches the SDK when idle, prepares the mic router, ticks every frame. Idempotent. */
  start(): void {
    if (this.running || this.destroyed) return;
    this.running = true;
    this.offFrame = this.host.onFrame((nowMs) => this.update(nowMs, this.host.listener()));
    this.actions.reopen();
    this.cancelPrefetch = this.seams.loadSdk ? () => {} : prefetchRealtimeSdk();
    this.mic = new MicRouter({
      openMic: this.openMicFn(),
      onUnavailable: (reason) => this.micUnavailable(reason),
      onError: (error) => this.emitError(error, null),
      targets: () => [...this.bindings].filter((b) => b.hasSession).map((b) => b.session),
    });
    if (this.voiceOff) this.mic.setVoiceOff(true);
  }

  /**
   * Ends a run (a Phaser scene's SHUTDOWN): stops the frame tick, closes every session, drops queued actions, closes
   * the mic. Bindings survive (their objects are destroyed with the scene anyway). Idempotent.
   */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.offFrame();
    this.offFrame = () => {};
    this.cancelPrefetch();
    this.audioLayer.stopGestures();
    for (const b of this.bindings) if (b.hasSession) b.session.close();
    this.actions.close();
    this.mic?.destroy();
    this.mic = null;
    this.named = null;
    this.addressed = null;
  }

  /** Final teardown: stop, destroy bindings, release audio. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.stop();
    this.destroyed = true;
    for (const b of [...this.bindings]) b.destroy();
    this.audioLayer.destroy();
    this.events.removeAllListeners();
  }

  /**
   * Gives the game object `sprite` (anything with `x` and `y`; the host tells when it is destroyed) a voice with a
   * registered persona id or a persona object.
   * @throws NpcVoiceConfigError when the id is unknown or the persona is invalid.
   */
  bind(sprite: Positioned, personaOrId: unknown): NpcBinding {
    if (this.destroyed) throw new NpcVoiceConfigError('destroyed', 'npcVoice', 'npcVoice.bind(): the plugin was destroyed with its scene');
    if (typeof sprite !== 'object' || sprite === null || typeof sprite.x !== 'number' || typeof sprite.y !== 'number') {
      throw new NpcVoiceConfigError('invalid_sprite', 'sprite', 'npcVoice.bind(sprite, persona): sprite must be a game object with x and y');
    }
    let persona: Persona;
    if (typeof personaOrId === 'string') {
      const found = this.personas.get(personaOrId);
      if (!found) {
        const known = [...this.personas.keys()].join(', ') || 'none';
        throw new NpcVoiceConfigError(
          'unknown_persona',
          'persona',
          `npcVoice.bind(): no persona "${personaOrId}" (registered: ${known}). Add it to the plugin's \`personas\` option or call npcVoice.addPersona().`,
        );
      }
      persona = found;
    } else {
      persona = validatePersona(personaOrId, 'persona');
      if (!this.personas.has(persona.id)) this.personas.set(persona.id, persona);
    }
    const binding = new NpcBinding(`${persona.id}#${++this.bindingSeq}`, sprite, persona, this);
    this.bindings.add(binding);
    this.warnUnknownTools(persona, binding);
    this.attachVoice(binding);
    return binding;
  }

  /**
   * Registers (or replaces) a persona so `bind(sprite, id)` finds it.
   * @throws NpcVoiceConfigError naming the invalid field.
   */
  addPersona(value: unknown): Persona {
    const persona = validatePersona(value, 'persona');
    this.personas.set(persona.id, persona);
    return persona;
  }

  /** The AudioContext the voices play in, once the audio layer started (null before, and text-only). */
  get audioContext(): AudioContext | null {
    return this.audioLayer.context;
  }

  /** A registered persona. */
  getPersona(id: string): Persona | undefined {
    return this.personas.get(id);
  }

  /**
   * Hot reload: validates `value` and applies it to every NPC with persona `id` (live sessions via
   * `updateAgent`; a voice change applies from the next session). On failure the old persona stays.
   * @throws NpcVoiceConfigError naming the invalid field.
   */
  updatePersona(id: string, value: unknown): Persona {
    const persona = validatePersona(value, `personas.${id}`);
    if (persona.id !== id) {
      throw new NpcVoiceConfigError('invalid_persona', `personas.${id}.id`, `updatePersona("${id}"): the new persona's id is "${persona.id}"`);
    }
    this.personas.set(id, persona);
    const affected = [...this.bindings].filter((b) => b.persona.id === id);
    for (const b of affected) {
      b.setPersona(persona);
      this.warnUnknownTools(persona, b);
      if (b.hasSession) b.session.applyPersona();
    }
    this.events.emit(NpcVoiceEvents.PERSONA_UPDATED, persona, affected);
    return persona;
  }

  /** Registers game tools (a persona's `tools` list decides which NPCs may use them). Applies from the next session. */
  registerTools(...tools: GameTool[]): void {
    for (const t of tools) this.tools.set(t.name, t);
  }

  /** Names the NPC the player talks to (overrides proximity), or `null` to go back to proximity. */
  talkTo(binding: NpcBinding | null): void {
    this.named = binding && !binding.destroyed ? binding : null;
    if (this.named) this.policy.touch(this.named.id, Date.now());
  }

  /** Push-to-talk pressed or released (the plugin polls its key; call this for touch buttons). */
  setTalking(down: boolean): void {
    if (!this.running || (down && this.voiceOff)) return;
    if (down) this.ensureAudio();
    if (down && this.addressed) {
      this.policy.touch(this.addressed.id, Date.now());
      this.addressed.session.open(true);
    }
    this.mic?.setTalking(down);
  }

  /** Whether push-to-talk is held. */
  get talking(): boolean {
    return this.mic?.talking ?? false;
  }

  /** Microphone level in [0, 1]. */
  micLevel(): number {
    return this.mic?.level() ?? 0;
  }

  /**
   * One frame (the scene's UPDATE): apply tool actions, move voices and the listener, route the mic, open and
   * close sessions. Never throws; failures become ERROR events.
   */
  update(nowMs: number, player: PlayerPose | null): void {
    if (!this.running) return;
    try {
      // Tool mutations first, so this frame's positions already reflect them.
      this.actions.flush();
    } catch (err) {
      this.emitError(new NpcVoiceError('action_failed', `a tool action threw: ${messageOf(err)}`, { cause: err }), null);
    }
    try {
      this.frame(nowMs, player);
    } catch (err) {
      this.emitError(new NpcVoiceError('frame_failed', `the frame update threw: ${messageOf(err)}`, { cause: err }), null);
    }
  }

  /** Runs queued tool actions now (the plugin does this every frame; tests and the tool harness call it). */
  flushActions(): number {
    return this.actions.flush();
  }

  /** @internal BindingHost: creates the session of a binding. */
  sessionFor(binding: NpcBinding): NpcSession {
    const createTransport = this.seams.createTransport;
    return new NpcSession({
      persona: () => binding.persona,
      mint: (personaId) => this.mint.mint(personaId),
      loadSdk: this.seams.loadSdk ?? loadRealtimeSdk,
      transport: this.transportKind(),
      tools: () => this.toolsFor(binding.persona),
      toolContext: () => this.toolContext(binding),
      ...(createTransport ? { createTransport: () => createTransport(binding) } : {}),
      backoff: this.options.backoff,
      mic: {
        cloneTrack: () => this.mic?.track?.clone() ?? null,
        placeholderTrack: () => this.audioLayer.placeholderTrack(),
        ready: () => this.audioLayer.ready(),
      },
      listener: this.sessionListener(binding),
    });
  }

  /**
   * What a binding's session reports, as plugin events. The player's words, the NPC's voice and its tool calls are
   * conversation activity: each one postpones the idle close (`idleTimeoutMs`) of this NPC's session.
   */
  private sessionListener(binding: NpcBinding): NpcSessionListener {
    const emit = this.events;
    const active = () => this.policy.touch(binding.id, Date.now());
    return {
      state: (state, previous) => emit.emit(NpcVoiceEvents.SESSION_STATE, binding, state, previous),
      playerTranscript: (text, final) => {
        active();
        emit.emit(NpcVoiceEvents.PLAYER_TRANSCRIPT, binding, text, final);
      },
      npcTranscriptDelta: (delta) => emit.emit(NpcVoiceEvents.NPC_TRANSCRIPT_DELTA, binding, delta),
      npcTranscript: (text) => emit.emit(NpcVoiceEvents.NPC_TRANSCRIPT, binding, text),
      speaking: (on) => {
        active();
        emit.emit(on ? NpcVoiceEvents.SPEAKING_START : NpcVoiceEvents.SPEAKING_STOP, binding);
      },
      toolStart: (name, args) => {
        active();
        emit.emit(NpcVoiceEvents.TOOL_CALL_START, binding, name, args);
      },
      toolEnd: (name, result) => {
        if (!result.ok) {
          emit.emit(NpcVoiceEvents.TOOL_ERROR, binding, name, result.error);
          this.emitError(result.error, binding);
        }
        emit.emit(NpcVoiceEvents.TOOL_CALL_END, binding, name, result.output);
      },
      usage: (usage) => emit.emit(NpcVoiceEvents.USAGE, binding, usage),
      error: (error) => this.emitError(error, binding),
    };
  }

  /** @internal BindingHost: forgets a destroyed binding. */
  unbind(binding: NpcBinding): void {
    this.bindings.delete(binding);
    this.policy.forget(binding.id);
    if (this.named === binding) this.named = null;
    if (this.addressed === binding) {
      this.addressed = null;
      this.mic?.setTarget(null);
    }
  }

  /** @internal BindingHost: the engine tells when a bound object is destroyed. */
  onDestroyed(sprite: Positioned, gone: () => void): () => void {
    return this.host.onDestroyed(sprite, gone);
  }

  /** @internal BindingHost: a JPEG of the game canvas for `binding.show()`, through the host's snapshot. */
  async capture(frame: SnapshotFrame | undefined, options: ShowOptions): Promise<string> {
    const snapshot = this.host.snapshot;
    if (!snapshot) throw new NpcVoiceError('snapshot_failed', 'binding.show(): this engine adapter cannot capture the game canvas (its host port has no snapshot())');
    return encodeSnapshot(await snapshot.call(this.host, frame), options);
  }

  /** @internal BindingHost: records conversation activity. */
  touch(binding: NpcBinding): void {
    this.policy.touch(binding.id, Date.now());
    this.ensureAudio();
  }

  private frame(nowMs: number, player: PlayerPose | null): void {
    const bindings = [...this.bindings];
    const mixer = this.audioLayer.mixer;
    if (mixer) {
      if (player) mixer.setListener(player.x, player.y);
      for (const b of bindings) b.voice?.setPosition(b.sprite.x, b.sprite.y);
    }
    const candidates = bindings.map((b) => ({ id: b.id, x: b.sprite.x, y: b.sprite.y, hearingRadiusPx: b.persona.hearingRadiusPx }));
    const addressedId = player ? chooseAddressee(candidates, player, this.named?.id ?? null) : (this.named?.id ?? null);
    const addressed = bindings.find((b) => b.id === addressedId) ?? null;
    if (addressed !== this.addressed) {
      this.addressed = addressed;
      this.mic?.setTarget(addressed ? addressed.session : null);
    }
    const talking = this.mic?.talking ?? false;
    const decision = this.policy.decide(
      bindings.map((b) => {
        const state = b.state;
        return {
          id: b.id,
          distancePx: player ? Math.hypot(b.sprite.x - player.x, b.sprite.y - player.y) : Number.POSITIVE_INFINITY,
          hearingRadiusPx: b.persona.hearingRadiusPx,
          live: b.hasSession && b.session.active,
          // Words waiting for the connection count too: the policy must not close what `say()` or a turn just opened.
          engaged:
            b === this.named ||
            (b === addressed && talking) ||
            state === 'speaking' ||
            state === 'thinking' ||
            (b.hasSession && b.session.hasPendingInput),
        };
      }),
      nowMs,
    );
    if (decision.open.length > 0) this.ensureAudio();
    for (const id of decision.close) bindings.find((b) => b.id === id)?.session.close();
    for (const id of decision.open) bindings.find((b) => b.id === id)?.session.open();
  }

  private toolsFor(persona: Persona): GameTool[] {
    return persona.tools.flatMap((name) => {
      const t = this.tools.get(name);
      return t ? [t] : [];
    });
  }

  private toolContext(binding: NpcBinding): GameToolContext {
    const gameView = this.options.gameView;
    const actions = this.actions;
    return {
      npc: { id: binding.persona.id, displayName: binding.persona.displayName },
      get game(): object {
        return gameView();
      },
      act: (fn) => actions.enqueue(fn),
    };
  }

  private warnUnknownTools(persona: Persona, binding: NpcBinding): void {
    const unknown = persona.tools.filter((name) => !this.tools.has(name));
    if (unknown.length === 0) return;
    this.events.emit(
      NpcVoiceEvents.WARNING,
      'unknown_tool',
      `persona "${persona.id}" lists tools that are not registered: ${unknown.join(', ')} (register them with the plugin's \`tools\` option or npcVoice.registerTools())`,
      binding,
    );
  }

  private transportKind(): TransportKind {
    const t = this.options.transport;
    if (t !== 'auto') return t;
    const hasRtc = typeof (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection === 'function';
    return hasRtc && this.options.audio !== null ? 'webrtc' : 'websocket';
  }

  private openMicFn() {
    const audio = this.options.audio;
    if (!audio) return null;
    return async () => {
      await this.audioLayer.ready();
      const context = this.audioLayer.context;
      if (!context) throw Object.assign(new Error('no AudioContext available'), { reason: 'unsupported' as const });
      return audio.openMic(context);
    };
  }

  private micUnavailable(reason: MicUnavailableReason): void {
    this.events.emit(NpcVoiceEvents.MIC_UNAVAILABLE, reason);
  }

  private ensureAudio(): void {
    void this.audioLayer.ready();
  }

  private attachVoice(binding: NpcBinding): void {
    const mixer = this.audioLayer.mixer;
    if (!mixer || binding.voice || binding.destroyed) return;
    try {
      const voice = mixer.createVoice(binding.id, binding.persona.spatial);
      voice.setPosition(binding.sprite.x, binding.sprite.y);
      binding.attachVoice(voice);
    } catch (err) {
      this.emitError(new NpcVoiceError('voice_failed', `could not create the voice of ${binding.id}: ${messageOf(err)}`, { cause: err }), binding);
    }
  }

  private emitError(error: NpcVoiceError, npc: NpcBinding | null): void {
    this.events.emit(NpcVoiceEvents.ERROR, error, npc);
  }
}
