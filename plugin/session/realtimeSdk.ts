// The only module that imports @openai/agents-realtime at run time. It is loaded with a dynamic import
// (loadRealtimeSdk.ts) when the first NPC session opens, so bundlers split the SDK (~300 KB) out of a game's
// first load.
import {
  OpenAIRealtimeWebRTC,
  OpenAIRealtimeWebSocket,
  RealtimeAgent,
  RealtimeSession,
  type OpenAIRealtimeWebSocketOptions,
  type RealtimeTransportLayer,
  type TransportLayerAudio,
} from '@openai/agents-realtime';
import type { Persona } from '../shared/personaSchema.js';
import { pcm16FromBytes } from '../shared/pcm16.js';
import { buildSessionConfig } from './sessionOptions.js';
import { toSdkTool, type SdkGameTool } from '../tools/toSdkTool.js';
import type { WebRtcHandle } from './transports/transport.js';

export { toSdkTool };
/** Schemas of the server events a session reads (serverEvents.ts) (lazy with the SDK, out of the first load). */
export * as transportEvents from './transportEvents.js';
/** What a session needs only once it connects, lazy with the SDK too: the event reader and the transports' links. */
export { ServerEventReader } from './serverEvents.js';
export { transportStrategy } from './transports/index.js';
export type { WebRtcHandle };

/** Where a WebSocket session's PCM goes, and where its real playback position comes from. */
export interface PcmSink {
  push(pcm: Int16Array, itemId: string): void;
  playedMs(itemId: string): number;
}

/**
 * WebSocket transport that feeds each audio chunk to the NPC's player tagged with its item id, and truncates an
 * interrupted answer at the position the player really reached (realtime-protocol.md §2.2) instead of the SDK's
 * wall-clock estimate, which is wrong as soon as playback lags (jitter buffer, a paused game, a late unlock).
 */
export class PlayerAwareWebSocket extends OpenAIRealtimeWebSocket {
  /** The item last interrupted: deltas of it still in flight must not be played after the barge-in. */
  private interruptedItemId: string | undefined;

  constructor(
    private sink: PcmSink | null,
    options?: OpenAIRealtimeWebSocketOptions,
  ) {
    super(options);
  }

  /** Where the audio plays from now on: the NPC's voice, handed over once (null: nowhere, e.g. subtitles only). */
  setSink(sink: PcmSink | null): void {
    this.sink = sink;
  }

  protected override _onAudio(audioEvent: TransportLayerAudio): void {
    const itemId = this.currentItemId;
    const sink = this.sink;
    if (sink && itemId !== undefined && itemId !== this.interruptedItemId) sink.push(pcm16FromBytes(new Uint8Array(audioEvent.data)), itemId);
    // Still emit `audio` / `audio_start` so session listeners keep working.
    super._onAudio(audioEvent);
  }

  override _interrupt(elapsedTime: number, cancelOngoingResponse = true): void {
    const itemId = this.currentItemId;
    const sink = this.sink;
    const played = sink && itemId !== undefined ? sink.playedMs(itemId) : elapsedTime;
    this.interruptedItemId = itemId;
    // The SDK clamps to the received length; a non-finite value from a broken player falls back to its estimate.
    super._interrupt(Number.isFinite(played) ? Math.max(0, played) : elapsedTime, cancelOngoingResponse);
  }
}

/**
 * Builds a WebRTC transport whose audio element is muted (the voice is played through Web Audio by `onStream`),
 * sending `initialTrack` (a clone of the microphone, or a silent placeholder) disabled until the NPC is addressed.
 */
export function createWebRtcTransport(initialTrack: MediaStreamTrack, onStream: (stream: MediaStream) => void): WebRtcHandle {
  const audioElement = document.createElement('audio');
  // Muted but attached: Chrome delivers silence to Web Audio from a remote stream that no element plays.
  audioElement.muted = true;
  let track = initialTrack;
  track.enabled = false;
  let peer: RTCPeerConnection | null = null;
  let channel: RTCDataChannel | null = null;
  const onTrack = (event: RTCTrackEvent) => onStream(event.streams[0] ?? new MediaStream([event.track]));
  // The SDK waits 5 s after 'disconnected' (which ICE reports seconds after the server went away: 12.9 s in all)
  // and ignores the data channel closing. A call whose events can no longer flow is over: close it at once, so
  // the session reconnects (and asks its unanswered question again) as quickly as over WebSocket.
  const onPeerState = () => {
    const state = peer?.connectionState;
    if (state === 'disconnected' || state === 'failed') closeTransport();
  };
  const onChannelClosed = () => closeTransport();
  const transport = new OpenAIRealtimeWebRTC({
    audioElement,
    mediaStream: new MediaStream([track]),
    changePeerConnection: (pc) => {
      peer = pc;
      pc.addEventListener('track', onTrack);
      pc.addEventListener('connectionstatechange', onPeerState);
      return pc;
    },
  });
  const closeTransport = () => {
    if (transport.status === 'connected') transport.close();
  };
  const onConnection = (status: string) => {
    if (status !== 'connected' || channel) return;
    channel = transport.connectionState.dataChannel ?? null;
    channel?.addEventListener('close', onChannelClosed);
  };
  transport.on('connection_change', onConnection);
  let disposed = false;
  let rttMs: number | null = null;
  let measuring = false;
  const measure = (): void => {
    if (!peer || measuring || disposed) return;
    measuring = true;
    peer
      .getStats()
      .then((report) => {
        rttMs = selectedPairRttMs(report) ?? rttMs;
      })
      .catch(() => {})
      .finally(() => {
        measuring = false;
      });
  };
  return {
    transport,
    setMicEnabled(enabled) {
      track.enabled = enabled;
    },
    setMicTrack(next) {
      const sender = peer?.getSenders().find((s) => s.track?.kind === 'audio');
      if (!sender || disposed) {
        next.stop();
        return Promise.resolve(false);
      }
      // The new track takes over at once (setMicEnabled applies to it from now on); the old one stops once replaced.
      const previous = track;
      next.enabled = previous.enabled;
      track = next;
      return sender.replaceTrack(next).then(
        () => {
          previous.stop();
          return !disposed;
        },
        () => {
          previous.stop();
          return false;
        },
      );
    },
    roundTripMs() {
      measure();
      return rttMs;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      transport.off('connection_change', onConnection);
      peer?.removeEventListener('track', onTrack);
      peer?.removeEventListener('connectionstatechange', onPeerState);
      channel?.removeEventListener('close', onChannelClosed);
      // The remote voice's track keeps its MediaStreamAudioSourceNode alive (one leaked per call) until stopped.
      for (const receiver of peer?.getReceivers() ?? []) receiver.track.stop();
      track.stop();
      audioElement.srcObject = null;
    },
  };
}

/** The current round-trip time of the ICE candidate pair in use, in ms, from a `getStats()` report. */
function selectedPairRttMs(report: RTCStatsReport): number | null {
  let rtt: number | null = null;
  report.forEach((stat: { type?: string; state?: string; nominated?: boolean; currentRoundTripTime?: number }) => {
    if (stat.type === 'candidate-pair' && stat.state === 'succeeded' && stat.nominated && Number.isFinite(stat.currentRoundTripTime)) {
      rtt = (stat.currentRoundTripTime ?? 0) * 1000;
    }
  });
  return rtt;
}

/** Creates the agent of one NPC: its name, instructions, voice and allowed tools. */
export function createNpcAgent(persona: Persona, instructions: string, tools: readonly SdkGameTool[]): RealtimeAgent {
  return new RealtimeAgent({ name: persona.displayName, instructions, voice: persona.voice, tools: [...tools] });
}

/** Creates the session of one NPC; `model` must equal the minted key's model. */
export function createSession(agent: RealtimeAgent, transport: RealtimeTransportLayer, persona: Persona, model: string): RealtimeSession {
  return new RealtimeSession(agent, { transport, model, config: buildSessionConfig(persona) });
}

/** Creates the WebSocket transport (exact PCM, exact truncation). */
export function createWebSocketTransport(sink: PcmSink | null): PlayerAwareWebSocket {
  return new PlayerAwareWebSocket(sink);
}
