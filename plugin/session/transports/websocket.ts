import type { RealtimeTransportLayer } from '@openai/agents-realtime';
import type { VoiceOutput } from '../../audioBackend.js';
import { PCM_SAMPLES_PER_MS, concatPcm16 } from '../../shared/pcm16.js';
import type { InputPort, SinkWebSocket, TransportLink, TransportStrategy } from './transport.js';

/** Audio shorter than this is not committed: the API rejects a commit of less than 100 ms with an error. */
const MIN_COMMIT_MS = 100;

/** Options of {@link webSocketTransport}. */
export interface WebSocketTransportOptions {
  /** Replaces the SDK's WebSocket (tests: `ScriptedRealtimeTransport`); its audio then plays nowhere. */
  createTransport?: () => RealtimeTransportLayer;
}

/**
 * The WebSocket transport: the NPC's voice arrives as PCM and plays in the NPC's own stream player (exact playback
 * position, exact truncation); the player's voice goes up as `input_audio_buffer.append`.
 */
export function webSocketTransport(options: WebSocketTransportOptions = {}): TransportStrategy {
  return {
    kind: 'websocket',
    speakingFrom: 'voice',
    prepare: () => undefined,
    create(sdk, key, voice) {
      if (options.createTransport) return new WebSocketLink(options.createTransport(), null, key.url);
      const socket = sdk.createWebSocketTransport(voice);
      return new WebSocketLink(socket, socket, key.url);
    },
  };
}

class WebSocketLink implements TransportLink {
  private input: InputPort | null = null;
  /** Samples appended since the last commit or clear: a turn shorter than the API accepts is dropped, not committed. */
  private uncommitted = 0;

  constructor(
    readonly transport: RealtimeTransportLayer,
    private readonly socket: SinkWebSocket | null,
    readonly url: string,
  ) {}

  start(input: InputPort): void {
    this.input = input;
  }

  live(): void {}

  setVoice(voice: VoiceOutput | null): void {
    this.socket?.setSink(voice);
  }

  audio(pcm: Int16Array): void {
    this.uncommitted += pcm.length;
    this.input?.append(pcm);
  }

  early(chunks: readonly Int16Array[], released: boolean): void {
    this.audio(concatPcm16(chunks));
    if (released) this.endTurn();
  }

  continueTurn(): boolean {
    return false;
  }

  beginTurn(): void {
    this.uncommitted = 0;
  }

  endTurn(): void {
    const tooShort = this.uncommitted < MIN_COMMIT_MS * PCM_SAMPLES_PER_MS;
    this.uncommitted = 0;
    if (tooShort) this.input?.clear();
    else this.input?.commit();
  }

  interrupted(hadAudio: boolean, responding: boolean): void {
    // The SDK's interrupt() is a no-op before the first audio delta: cancel the answer explicitly then.
    if (!hadAudio && responding) this.input?.cancel();
  }

  setMicEnabled(): void {}

  micOpened(): void {}

  micClosed(): void {}

  dispose(): void {
    this.socket?.setSink(null);
    this.input = null;
  }
}
