import type { VoiceMixerLike } from '../audioBackend.js';
import { NpcVoiceError, messageOf } from '../errors.js';
import type { HostAudioOutput } from './host.js';
import { howlerAudio, keepHowlerAwake } from './howler.js';
import { resumeOnFirstGesture, type GestureTarget } from './MicRouter.js';
import type { ResolvedOptions } from './options.js';

/** What an {@link AudioLayer} needs from the plugin. */
export interface AudioLayerOptions {
  options: Pick<ResolvedOptions, 'audio' | 'audioContext' | 'audioDestination' | 'duck'>;
  /** The engine's own Web Audio output (the host port), used when neither the option nor Howler gives one. */
  hostOutput: () => HostAudioOutput | null;
  /** Where "resume the AudioContext on first gesture" listens (null: nowhere). */
  gestureTarget: GestureTarget | null;
  /** Whether the plugin runs now (gesture listeners are added only then). */
  running: () => boolean;
  /** The mixer is up: give every NPC its voice. */
  onReady: (mixer: VoiceMixerLike) => void;
  onError: (error: NpcVoiceError) => void;
}

/**
 * Where the NPC voices play: resolves the AudioContext once (the `audioContext` option, Howler's, the engine's, or
 * one of its own) and the voice mixer on it; a failure leaves the plugin subtitles-only. Also makes the silent track
 * a WebRTC call sends until the microphone opens.
 */
export class AudioLayer {
  private audio: { context: AudioContext; mixer: VoiceMixerLike; owned: boolean } | null = null;
  private pending: Promise<void> | null = null;
  private failed = false;
  private destroyed = false;
  private removeGestureListeners: () => void = () => {};
  private placeholder: MediaStreamTrack | null = null;
  /** Makes the WebRTC placeholder track when there is no audio layer to make it (subtitles-only WebRTC). */
  private placeholderContext: AudioContext | null = null;

  constructor(private readonly init: AudioLayerOptions) {}

  /** The AudioContext the voices play in, once up (null before, and text-only). */
  get context(): AudioContext | null {
    return this.audio?.context ?? null;
  }

  /** The voice mixer, once up. */
  get mixer(): VoiceMixerLike | null {
    return this.audio?.mixer ?? null;
  }

  /** Resolves the context and the mixer, once; settles (never rejects) when they are up or failed. */
  ready(): Promise<void> {
    const backend = this.init.options.audio;
    if (this.audio || this.failed || !backend || this.destroyed) return Promise.resolve();
    if (this.pending) return this.pending;
    this.pending = (async () => {
      const resolved = this.resolveContext();
      if (!resolved) throw new Error('no AudioContext: pass the `audioContext` option or load Howler');
      keepHowlerAwake(resolved.context);
      // Suspended by Howler before we came (or by the browser): resumes now if the page was already interacted with.
      if (resolved.context.state === 'suspended') void resolved.context.resume().catch(() => {});
      const duck = this.init.options.duck;
      const mixer = backend.createMixer({
        context: resolved.context,
        destination: resolved.destination,
        ...(duck ? { duck: { level: duck.level, fadeMs: duck.fadeMs, ...(duck.target ? { target: duck.target } : {}) } } : {}),
      });
      if (duck?.howls) mixer.duckHowls?.(duck.howls);
      await mixer.ready();
      if (this.destroyed) {
        mixer.destroy();
        if (resolved.owned) void resolved.context.close().catch(() => {});
        return;
      }
      this.audio = { context: resolved.context, mixer, owned: resolved.owned };
      const target = this.init.gestureTarget;
      if (target && this.init.running()) {
        this.removeGestureListeners = resumeOnFirstGesture(resolved.context, target, (err) =>
          this.init.onError(new NpcVoiceError('audio_locked', `could not resume the AudioContext: ${messageOf(err)}`, { cause: err })),
        );
      }
      this.init.onReady(mixer);
    })()
      .catch((err: unknown) => {
        this.failed = true;
        this.init.onError(new NpcVoiceError('audio_unavailable', `audio output disabled (subtitles only): ${messageOf(err)}`, { cause: err }));
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }

  /** A new clone of a silent track (WebRTC sends it until the microphone opens), or null without Web Audio. */
  placeholderTrack(): MediaStreamTrack | null {
    if (this.placeholder) return this.placeholder.clone();
    const ctx = this.audio?.context ?? this.ownPlaceholderContext();
    if (!ctx) return null;
    this.placeholder = ctx.createMediaStreamDestination().stream.getAudioTracks()[0] ?? null;
    return this.placeholder?.clone() ?? null;
  }

  /** Stops waiting for the first gesture (the run ended). */
  stopGestures(): void {
    this.removeGestureListeners();
    this.removeGestureListeners = () => {};
  }

  /** Releases the mixer, the placeholder and any context of its own. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.stopGestures();
    this.placeholder?.stop();
    this.placeholder = null;
    void this.placeholderContext?.close().catch(() => {});
    this.placeholderContext = null;
    const audio = this.audio;
    this.audio = null;
    audio?.mixer.destroy();
    if (audio?.owned) void audio.context.close().catch(() => {});
  }

  /** A context of our own for the placeholder, only when the audio layer is off or failed (never running audio). */
  private ownPlaceholderContext(): AudioContext | null {
    if (this.placeholderContext) return this.placeholderContext;
    const Ctor = (globalThis as { AudioContext?: typeof AudioContext }).AudioContext;
    if (!Ctor || this.destroyed) return null;
    this.placeholderContext = new Ctor();
    return this.placeholderContext;
  }

  private resolveContext(): { context: AudioContext; destination: AudioNode; owned: boolean } | null {
    const { audioContext: option, audioDestination } = this.init.options;
    if (option) {
      const context = typeof option === 'function' ? option() : option;
      return { context, destination: audioDestination ?? context.destination, owned: false };
    }
    const howler = howlerAudio();
    if (howler) return { context: howler.ctx, destination: audioDestination ?? howler.masterGain, owned: false };
    const host = this.init.hostOutput();
    if (host) return { context: host.context, destination: audioDestination ?? host.destination, owned: false };
    const Ctor = (globalThis as { AudioContext?: new () => AudioContext }).AudioContext;
    if (!Ctor) return null;
    const context = new Ctor();
    return { context, destination: audioDestination ?? context.destination, owned: true };
  }
}

/** The page's window as a gesture target, when there is one. */
export function browserWindow(): GestureTarget | null {
  const w = (globalThis as { window?: GestureTarget }).window;
  return w && typeof w.addEventListener === 'function' ? w : null;
}
