import type { DuckableHowl, DuckOptions, DuckTarget, VoiceMixerLike } from '../audioBackend.js';
import type { Spatial } from '../shared/personaSchema.js';
import { SPATIAL_DEFAULTS } from '../shared/spatialDefaults.js';
import { loadWorkletModule } from './loadWorklet.js';
import { NpcVoice } from './NpcVoice.js';
import { moveTo, worldToAudio } from './spatial.js';
import { streamPlayerWorklet } from './workletUrls.js';

export type { DuckableHowl, DuckOptions, DuckTarget };

/** Options of a VoiceMixer. */
export interface VoiceMixerOptions {
  /** The one AudioContext of the game (Howler's `Howler.ctx` when Howler is used). */
  context: AudioContext;
  /** Where voices go: `Howler.masterGain`, so the game's master volume and mute apply to NPCs. */
  destination: AudioNode;
  duck?: DuckOptions;
  /** URL of the stream player worklet module; defaults to the bundled one (see workletUrls.ts). */
  playerWorkletUrl?: string;
  /** Jitter buffer before an answer starts playing (default 60 ms). */
  startThresholdMs?: number;
  /** Longest wait for the jitter buffer to fill before a short answer plays anyway (default 2 × startThresholdMs). */
  maxStartWaitMs?: number;
}

/** Spatial options of a voice added without any: the persona schema's defaults. */
const DEFAULT_SPATIAL: Spatial = { ...SPATIAL_DEFAULTS };

type SpeakingChange = (anySpeaking: boolean) => void;

/**
 * The audio graph of all NPC voices on one injected AudioContext: per-NPC player → gain → panner → destination,
 * the listener that follows the player, and ducking of the game's other audio while any NPC speaks.
 *
 * @example
 * const mixer = new VoiceMixer({ context: Howler.ctx, destination: Howler.masterGain, duck: { level: 0.35 } });
 * await mixer.ready();
 * const voice = mixer.createVoice('smith', persona.spatial);
 * voice.setPosition(npc.x, npc.y); mixer.setListener(player.x, player.y);
 * mixer.duckHowls(() => [music]);
 */
export class VoiceMixer implements VoiceMixerLike {
  readonly context: AudioContext;
  readonly destination: AudioNode;
  private readonly options: VoiceMixerOptions;
  private readonly voices = new Map<string, NpcVoice>();
  private readonly speakingVoices = new Set<NpcVoice>();
  private readonly speakingListeners = new Set<SpeakingChange>();
  private readonly howlSources = new Set<() => readonly DuckableHowl[]>();
  /** Volumes of the howls before the duck, restored after it. */
  private readonly howlVolumes = new Map<DuckableHowl, number>();
  private duckParam: { param: AudioParam; base: number; releaseEndS: number } | null = null;
  private loading: Promise<void> | null = null;
  private loaded = false;
  private listenerPlaced = false;
  private destroyed = false;

  constructor(options: VoiceMixerOptions) {
    this.options = options;
    this.context = options.context;
    this.destination = options.destination;
  }

  /** Whether any NPC voice is audible. */
  get anySpeaking(): boolean {
    return this.speakingVoices.size > 0;
  }

  /**
   * Loads the worklet module into the context (once, however often it is called).
   *
   * @throws Error when the context has no AudioWorklet or the module cannot be loaded.
   */
  ready(): Promise<void> {
    if (this.destroyed) return Promise.reject(new Error('VoiceMixer was destroyed'));
    // Chromium loads its HRTF database asynchronously when the first HRTF panner is created, and that first panner
    // plays a few hundred ms with degraded panning and a ~6 ms dropout (measured in the e2e harness). Creating one
    // now starts the load before the first NPC speaks.
    if (!this.loading) new PannerNode(this.context, { panningModel: 'HRTF' }).disconnect();
    this.loading ??= loadWorkletModule(this.context, this.options.playerWorkletUrl ?? streamPlayerWorklet).then(
      () => {
        this.loaded = true;
      },
      (err: unknown) => {
        this.loading = null;
        throw err;
      },
    );
    return this.loading;
  }

  /**
   * Creates the voice of NPC `id` (replacing a previous voice with that id).
   *
   * @throws Error when called before `ready()` resolved or after `destroy()`.
   */
  createVoice(id: string, spatial: Partial<Spatial> = {}): NpcVoice {
    if (this.destroyed) throw new Error('VoiceMixer was destroyed');
    if (!this.loaded) throw new Error('VoiceMixer.createVoice() called before `await mixer.ready()`');
    this.voices.get(id)?.destroy();
    const player: { startThresholdMs?: number; maxStartWaitMs?: number } = {};
    if (this.options.startThresholdMs !== undefined) player.startThresholdMs = this.options.startThresholdMs;
    if (this.options.maxStartWaitMs !== undefined) player.maxStartWaitMs = this.options.maxStartWaitMs;
    const voice = new NpcVoice(id, {
      context: this.context,
      output: this.destination,
      spatial: { ...DEFAULT_SPATIAL, ...spatial },
      player,
      onSpeakingChange: this.onVoiceSpeaking,
      onDestroy: this.onVoiceDestroyed,
    });
    this.voices.set(id, voice);
    return voice;
  }

  /** The live voice of NPC `id`, if any. */
  voice(id: string): NpcVoice | undefined {
    return this.voices.get(id);
  }

  /** Moves the listener to the player's world position (px); non-finite coordinates are ignored. */
  setListener(x: number, y: number): void {
    if (this.destroyed) return;
    const point = worldToAudio(x, y);
    if (!point) return;
    const listener = this.context.listener;
    if (!this.listenerPlaced) {
      // The x → x, y → z mapping assumes Web Audio's default orientation; set it in case other code changed it.
      if (listener.forwardZ) {
        listener.forwardX.value = 0;
        listener.forwardY.value = 0;
        listener.forwardZ.value = -1;
        listener.upX.value = 0;
        listener.upY.value = 1;
        listener.upZ.value = 0;
      } else {
        listener.setOrientation(0, 0, -1, 0, 1, 0);
      }
    }
    moveTo(listener, point, this.context.currentTime, !this.listenerPlaced);
    this.listenerPlaced = true;
  }

  /** Calls `fn(anySpeaking)` whenever the first NPC starts or the last one stops being audible; returns its remover. */
  onSpeakingChange(fn: SpeakingChange): () => void {
    this.speakingListeners.add(fn);
    return () => this.offSpeakingChange(fn);
  }

  /** Removes a listener added with onSpeakingChange. */
  offSpeakingChange(fn: SpeakingChange): void {
    this.speakingListeners.delete(fn);
  }

  /**
   * Fades these Howler sounds to the duck level while any NPC speaks and back afterwards (Howler routes every Howl
   * through masterGain, which the voices share, so they cannot be ducked as a bus). Returns a remover that also
   * restores their volume.
   */
  duckHowls(howls: readonly DuckableHowl[] | (() => readonly DuckableHowl[])): () => void {
    const source = typeof howls === 'function' ? howls : () => howls;
    this.howlSources.add(source);
    if (this.anySpeaking) this.duckHowlsNow(source());
    return () => {
      if (!this.howlSources.delete(source)) return;
      for (const howl of source()) this.restoreHowl(howl);
    };
  }

  /** Destroys every voice, restores ducked audio and forgets all listeners; the injected context stays open. */
  destroy(): void {
    if (this.destroyed) return;
    for (const voice of [...this.voices.values()]) voice.destroy();
    this.voices.clear();
    this.setDucked(false);
    this.destroyed = true;
    this.speakingVoices.clear();
    this.speakingListeners.clear();
    this.howlSources.clear();
    this.howlVolumes.clear();
  }

  private readonly onVoiceSpeaking = (voice: NpcVoice, speaking: boolean): void => {
    const before = this.anySpeaking;
    if (speaking) this.speakingVoices.add(voice);
    else this.speakingVoices.delete(voice);
    const now = this.anySpeaking;
    if (now === before || this.destroyed) return;
    this.setDucked(now);
    for (const fn of [...this.speakingListeners]) fn(now);
  };

  private readonly onVoiceDestroyed = (voice: NpcVoice): void => {
    if (this.voices.get(voice.id) === voice) this.voices.delete(voice.id);
    this.speakingVoices.delete(voice);
  };

  private setDucked(ducked: boolean): void {
    const duck = this.options.duck ?? {};
    const level = duck.level ?? 0.35;
    const fadeS = (duck.fadeMs ?? 200) / 1000;
    const now = this.context.currentTime;
    const param = resolveParam(duck.target);
    if (param) {
      // Come back to the value from before the duck, even when a new duck starts while the last one is releasing.
      const releasing = this.duckParam?.param === param && now < this.duckParam.releaseEndS;
      if (ducked && !releasing) this.duckParam = { param, base: param.value, releaseEndS: Infinity };
      const state = this.duckParam;
      if (state?.param === param) {
        param.cancelScheduledValues(now);
        param.setValueAtTime(param.value, now);
        // setTargetAtTime gets ~95 % of the way in three time constants, so a third of the fade time.
        param.setTargetAtTime(ducked ? state.base * level : state.base, now, fadeS / 3);
        state.releaseEndS = ducked ? Infinity : now + fadeS;
      }
    }
    const howls = [...this.howlSources].flatMap((source) => source());
    if (ducked) this.duckHowlsNow(howls);
    else for (const howl of howls) this.restoreHowl(howl);
  }

  private duckHowlsNow(howls: readonly DuckableHowl[]): void {
    const duck = this.options.duck ?? {};
    const level = duck.level ?? 0.35;
    const fadeMs = duck.fadeMs ?? 200;
    for (const howl of howls) {
      if (this.howlVolumes.has(howl)) continue;
      const volume = howl.volume();
      this.howlVolumes.set(howl, volume);
      howl.fade(volume, volume * level, fadeMs);
    }
  }

  private restoreHowl(howl: DuckableHowl): void {
    const volume = this.howlVolumes.get(howl);
    if (volume === undefined) return;
    this.howlVolumes.delete(howl);
    howl.fade(howl.volume(), volume, this.options.duck?.fadeMs ?? 200);
  }
}

function resolveParam(target: DuckTarget | undefined): AudioParam | null {
  const resolved = typeof target === 'function' ? target() : target;
  if (!resolved) return null;
  return 'gain' in resolved ? resolved.gain : resolved;
}
