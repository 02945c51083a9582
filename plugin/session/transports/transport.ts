import type { OpenAIRealtimeWebRTC, RealtimeTransportLayer } from '@openai/agents-realtime';
import type { VoiceOutput } from '../../audioBackend.js';
import type { EphemeralKey } from '../mintClient.js';

/** Which transport a session uses: one file in this folder each (`websocket.ts`, `webrtc.ts`). */
export type TransportKind = 'websocket' | 'webrtc';

/** Microphone tracks for WebRTC sessions (each session sends its own clone). */
export interface MicTrackSource {
  /** A new clone of the microphone track, or null while the mic is not open. */
  cloneTrack(): MediaStreamTrack | null;
  /** A silent track to send until the microphone opens. */
  placeholderTrack(): MediaStreamTrack | null;
  /** Settles once a placeholder track and the NPC's voice can be made (the audio layer is up, or failed). */
  ready?(): Promise<void>;
}

/** A WebSocket transport that plays its PCM into the NPC's voice (realtimeSdk.ts: PlayerAwareWebSocket). */
export interface SinkWebSocket extends RealtimeTransportLayer {
  /** Where the audio plays from now on (null: nowhere). */
  setSink(sink: VoiceOutput | null): void;
}

/** A WebRTC transport plus the handles the plugin needs to route the mic and the remote voice. */
export interface WebRtcHandle {
  transport: OpenAIRealtimeWebRTC;
  /** Enables or disables this session's own clone of the microphone track. */
  setMicEnabled(enabled: boolean): void;
  /**
   * Replaces the sent track (placeholder → microphone clone once the mic opens); resolves true once the call sends
   * it, false when it could not (no sender, or the swap failed).
   */
  setMicTrack(track: MediaStreamTrack): Promise<boolean>;
  /** The call's last measured round-trip time in ms (null before the first measurement); refreshes in the background. */
  roundTripMs(): number | null;
  /** Stops the clones this handle created and the remote voice's track. Idempotent. */
  dispose(): void;
}

/**
 * What the lazily loaded SDK module (realtimeSdk.ts) builds a link's SDK transport with. The transports are loaded
 * with it, so they name only this, not the module.
 */
export interface TransportFactories {
  createWebSocketTransport(sink: VoiceOutput | null): SinkWebSocket;
  createWebRtcTransport(initialTrack: MediaStreamTrack, onStream: (stream: MediaStream) => void): WebRtcHandle;
}

/** What a transport may ask of the session's input buffer on the server (each call is guarded by the session). */
export interface InputPort {
  /** Appends PCM16 24 kHz (`input_audio_buffer.append`). */
  append(pcm: Int16Array): void;
  /** Commits the buffer and asks for the answer (with turn detection off the server does neither itself). */
  commit(): void;
  /** Empties the buffer (`input_audio_buffer.clear`). */
  clear(): void;
  /** Cancels the response in progress (`response.cancel`). */
  cancel(): void;
}

/**
 * How a session talks over one kind of transport: what to wait for before connecting, and the link of each new
 * connection. Adding a transport is one new strategy (see `index.ts`).
 */
export interface TransportStrategy {
  readonly kind: TransportKind;
  /**
   * What tells when the NPC is heard: its voice output (`voice`: the player knows what is really audible), or the
   * server's `output_audio_buffer.*` events (`server`: the answer plays on a media track).
   */
  readonly speakingFrom: 'voice' | 'server';
  /** What must be ready before a connection is made (awaited beside the SDK load and the mint), if anything. */
  prepare(): Promise<void> | undefined;
  /** The SDK transport of one new connection, playing into `voice` (the NPC's output, null while there is none). */
  create(sdk: TransportFactories, key: EphemeralKey, voice: VoiceOutput | null): TransportLink;
}

/** One connection's transport as the session drives it: the player's audio, turns, the microphone track, the voice. */
export interface TransportLink {
  /** The SDK transport the session is created on. */
  readonly transport: RealtimeTransportLayer;
  /** Where the session connects (the minted URL, or what this transport derives from it). */
  readonly url: string;
  /** The session now runs on {@link transport}; `input` reaches its input buffer. */
  start(input: InputPort): void;
  /** The connection is up; `micEnabled`: whether this NPC hears the player now. */
  live(micEnabled: boolean): void;
  /** The NPC's voice output from now on (handed over once by the binding, not looked up per chunk). */
  setVoice(voice: VoiceOutput | null): void;
  /** One chunk of the player's voice while live. */
  audio(pcm: Int16Array): void;
  /** The player's voice kept while connecting, oldest first, sent ahead of the rest; `released`: its turn ended. */
  early(chunks: readonly Int16Array[], released: boolean): void;
  /** Push-to-talk pressed: true when it carries on a turn whose release still waits for its audio (keep the buffer). */
  continueTurn(): boolean;
  /** A fresh push-to-talk turn starts (the session has cleared the server's buffer). */
  beginTurn(): void;
  /** Push-to-talk released: commits the turn, now or once its audio arrived, or drops one too short to commit. */
  endTurn(): void;
  /** The SDK interrupted the answer; `hadAudio`: it was being heard, `responding`: an answer was in progress. */
  interrupted(hadAudio: boolean, responding: boolean): void;
  /** This NPC hears the player (addressed and, for push-to-talk, the key held) or not. */
  setMicEnabled(enabled: boolean): void;
  /** The microphone opened. */
  micOpened(): void;
  /** Voice input was turned off. */
  micClosed(): void;
  /** Releases what the link made (after the SDK session closed). Idempotent. */
  dispose(): void;
}
