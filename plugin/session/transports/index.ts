import type { RealtimeTransportLayer } from '@openai/agents-realtime';
import type { MicTrackSource, TransportKind, TransportStrategy } from './transport.js';
import { webRtcTransport } from './webrtc.js';
import { webSocketTransport } from './websocket.js';

export type { InputPort, MicTrackSource, SinkWebSocket, TransportFactories, TransportKind, TransportLink, TransportStrategy, WebRtcHandle } from './transport.js';

/** What a transport may need from the plugin. */
export interface TransportDeps {
  /** The microphone's tracks (WebRTC sends a clone). */
  mic?: MicTrackSource;
  /** Replaces the real transport (tests: `ScriptedRealtimeTransport`), driven like a WebSocket. */
  createTransport?: () => RealtimeTransportLayer;
}

/** Every transport by kind: a new one is a file in this folder and a line here. */
const TRANSPORTS: { readonly [K in TransportKind]: (deps: TransportDeps) => TransportStrategy } = {
  websocket: (deps) => webSocketTransport(deps.createTransport ? { createTransport: deps.createTransport } : {}),
  webrtc: (deps) => webRtcTransport(deps.mic),
};

/** The strategy of transport `kind` (a scripted transport stands in for either when `deps.createTransport` is set). */
export function transportStrategy(kind: TransportKind, deps: TransportDeps): TransportStrategy {
  return deps.createTransport ? TRANSPORTS.websocket(deps) : TRANSPORTS[kind](deps);
}
