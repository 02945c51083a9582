import { WebSocketServer } from 'ws';

/**
 * A `noServer` WebSocket server for a Realtime socket (the emulator's `/v1/realtime`, the relay): compressed frames allowed
 * and the `realtime` subprotocol selected — browsers abort unless the server selects one of the protocols they offered, and
 * the service selects `realtime`.
 */
export function realtimeSocketServer(maxPayload: number): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    maxPayload,
    perMessageDeflate: true,
    handleProtocols: (protocols) => (protocols.has('realtime') ? 'realtime' : false),
  });
}
