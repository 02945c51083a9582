// Lazy access to @roamhq/wrtc (an optionalDependency): the server must start without it, and loading libwebrtc costs
// memory and threads, so it is imported on the first WebRTC call only.

/** The raw PCM frame the wrtc audio source takes and the audio sink delivers. */
export interface WrtcAudioData {
  samples: Int16Array;
  sampleRate: number;
  bitsPerSample?: number;
  channelCount?: number;
  numberOfFrames?: number;
}

/** `nonstandard.RTCAudioSource`: pushes raw PCM onto a new track. */
export interface WrtcAudioSource {
  createTrack(): MediaStreamTrack;
  onData(data: WrtcAudioData): void;
}

/** `nonstandard.RTCAudioSink`: delivers the decoded PCM of a remote track (10 ms frames). */
export interface WrtcAudioSink {
  ondata: ((data: WrtcAudioData) => void) | null;
  stop(): void;
  readonly stopped: boolean;
}

/** The subset of @roamhq/wrtc the emulator and its tests use. */
export interface WrtcModule {
  RTCPeerConnection: new (configuration?: RTCConfiguration & { portRange?: { min: number; max: number } }) => RTCPeerConnection;
  MediaStream: new (tracks?: MediaStreamTrack[]) => MediaStream;
  nonstandard: {
    RTCAudioSource: new () => WrtcAudioSource;
    RTCAudioSink: new (track: MediaStreamTrack) => WrtcAudioSink;
  };
}

/** Result of loading wrtc: the module, or why it is unavailable. */
export type WrtcLoad = { ok: true; wrtc: WrtcModule } | { ok: false; reason: string };

let loading: Promise<WrtcLoad> | undefined;

const PACKAGE = '@roamhq/wrtc';

function isWrtcModule(value: unknown): value is WrtcModule {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  const ns = m.nonstandard as Record<string, unknown> | undefined;
  return typeof m.RTCPeerConnection === 'function' && typeof m.MediaStream === 'function' && typeof ns?.RTCAudioSource === 'function' && typeof ns.RTCAudioSink === 'function';
}

/**
 * Loads @roamhq/wrtc once; never throws. A missing package (or a platform without a prebuilt binary) yields
 * `{ ok: false, reason }` so the calls endpoint can answer 501 with a useful message.
 */
export function loadWrtc(): Promise<WrtcLoad> {
  loading ??= (async (): Promise<WrtcLoad> => {
    try {
      // A variable specifier keeps bundlers and tsc from treating the optional package as a hard dependency.
      const specifier: string = PACKAGE;
      const mod: unknown = await import(specifier);
      const candidate = typeof mod === 'object' && mod !== null && 'default' in mod ? (mod as { default: unknown }).default : mod;
      if (isWrtcModule(candidate)) return { ok: true, wrtc: candidate };
      if (isWrtcModule(mod)) return { ok: true, wrtc: mod };
      return { ok: false, reason: `${PACKAGE} loaded but does not expose RTCPeerConnection and nonstandard.RTCAudioSource/Sink.` };
    } catch (error) {
      return { ok: false, reason: `${PACKAGE} could not be loaded (${(error as Error).message.split('\n')[0]}). Install it with \`npm install ${PACKAGE}@0.10.0\`.` };
    }
  })();
  return loading;
}
