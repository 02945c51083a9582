import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import { realtimeSocketServer } from '../realtimeSocketServer.js';
import type { OriginPolicy } from '../originPolicy.js';
import type { PersonaRegistry } from '../personas/PersonaRegistry.js';
import type { LogFn } from '../redact.js';
import type { ControlHub } from './ControlHub.js';
import { admit } from './admission.js';
import { presentedToken, type ControlTokens } from './ControlTokens.js';
import type { ControlUpstream } from './controlUpstream.js';
import { RelaySession } from './RelaySession.js';

/** Where the relay takes the browser's WebSocket (instead of `/v1/realtime`). */
export const RELAY_PATH = '/api/npc-voice/realtime';

/** Largest frame relayed either way (a long audio append is a few hundred KiB of base64). */
const MAX_RELAY_FRAME_BYTES = 16 * 1024 * 1024;

/** What the relay needs. */
export interface RelayDeps {
  tokens: ControlTokens;
  personas: PersonaRegistry;
  origins: OriginPolicy;
  upstream: ControlUpstream;
  hub: ControlHub;
  model: string;
  /** Longest wait for the upstream socket to open (`NPC_VOICE_UPSTREAM_TIMEOUT_MS`). */
  upstreamTimeoutMs: number;
  log: LogFn;
}

/** The relay as mounted. */
export interface RelayEndpoint {
  /** Closes every relayed session and stops taking upgrades. */
  close(): void;
}

function refuse(socket: Duplex, status: number, reason: string, code: string, message: string): void {
  const json = JSON.stringify({ error: { type: status === 502 ? 'upstream_error' : 'invalid_request_error', code, message } });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`);
}

function offeredProtocols(req: http.IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  return typeof header === 'string' ? header.split(',').map((p) => p.trim()).filter(Boolean) : [];
}

/**
 * Mounts the WebSocket relay on `server` at {@link RELAY_PATH}: the browser connects with the mint's one-time token
 * (the `openai-insecure-api-key.` subprotocol a browser SDK sends, or `Authorization: Bearer`), the server opens the
 * upstream socket for the token's persona and proxies both ways as a {@link RelaySession} under the hub's policies.
 * Refused upgrades answer JSON: 403 `origin_not_allowed`, 401 `invalid_token`, 404 `unknown_persona`, 502
 * `upstream_error`. Other upgrade paths are left to their owners.
 */
export function attachRelay(server: http.Server, deps: RelayDeps): RelayEndpoint {
  const { log } = deps;
  const sessions = new Set<RelaySession>();
  let closed = false;
  const wss = realtimeSocketServer(MAX_RELAY_FRAME_BYTES);

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname !== RELAY_PATH) return;
    socket.on('error', () => socket.destroy());
    void accept(req, socket, head).catch((err: unknown) => {
      log(`relay: upgrade failed: ${err instanceof Error ? err.message : String(err)}`);
      socket.destroy();
    });
  };

  const accept = async (req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    if (closed) return refuse(socket, 503, 'Service Unavailable', 'shutting_down', 'The server is shutting down.');
    const origin = req.headers.origin;
    if (!deps.origins.allows(origin)) {
      log(`relay: refused a session: origin ${JSON.stringify(origin)} not allowed`);
      return refuse(socket, 403, 'Forbidden', 'origin_not_allowed', `Origin ${String(origin)} may not open sessions. Add it to NPC_VOICE_ALLOWED_ORIGINS.`);
    }
    const admitted = await admit(deps.tokens, deps.personas, presentedToken(req.headers.authorization, offeredProtocols(req)), 'session', log);
    if (!admitted.ok) return refuse(socket, admitted.status, admitted.status === 401 ? 'Unauthorized' : 'Not Found', admitted.code, admitted.message);
    const { grant, persona } = admitted;

    let upstream: OpenedUpstream;
    try {
      const key = await deps.upstream.sessionKey(persona);
      upstream = await openUpstream(`${deps.upstream.realtimeUrl()}?model=${encodeURIComponent(deps.model)}`, key, deps.upstreamTimeoutMs);
    } catch (err) {
      log(`relay: upstream refused the session for ${persona.id}: ${err instanceof Error ? err.message : 'unexpected error'}`);
      return refuse(socket, 502, 'Bad Gateway', 'upstream_error', 'The voice service could not start the session right now. Try again shortly.');
    }
    if (socket.destroyed || closed || upstream.ws.readyState !== WebSocket.OPEN) {
      upstream.ws.close(1000);
      if (!socket.destroyed) refuse(socket, 502, 'Bad Gateway', 'upstream_error', 'The voice service closed the session before it started.');
      return;
    }
    wss.handleUpgrade(req, socket, head, (browser) => {
      const session = new RelaySession(browser, upstream.ws, { playerId: grant.playerId, personaId: persona.id, persona }, log, upstream.takeEarly());
      sessions.add(session);
      session.onClose(() => sessions.delete(session));
      deps.hub.adopt(session);
    });
  };

  server.on('upgrade', onUpgrade);
  return {
    close() {
      closed = true;
      server.off('upgrade', onUpgrade);
      for (const session of [...sessions]) session.close('server shutting down');
      wss.close();
    },
  };
}

/** An open upstream socket, and what it sent before the browser's socket was there to take it (`session.created`). */
interface OpenedUpstream {
  ws: WebSocket;
  /** Stops buffering and hands over the frames received so far. */
  takeEarly(): [RawData, boolean][];
}

/** Opens the upstream socket with a session key; rejects with the HTTP status when refused (never its body). */
function openUpstream(url: string, key: string, timeoutMs: number): Promise<OpenedUpstream> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['realtime'], { headers: { authorization: `Bearer ${key}` }, maxPayload: MAX_RELAY_FRAME_BYTES, handshakeTimeout: timeoutMs });
    const early: [RawData, boolean][] = [];
    const buffer = (data: RawData, isBinary: boolean) => early.push([data, isBinary]);
    ws.on('message', buffer);
    ws.once('open', () =>
      resolve({
        ws,
        takeEarly: () => {
          ws.off('message', buffer);
          return early;
        },
      }),
    );
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      reject(new Error(`HTTP ${res.statusCode}`));
      ws.terminate();
    });
    ws.once('error', (err) => reject(new Error(err.message)));
  });
}
