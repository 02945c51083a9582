import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { DEFAULT_REALTIME_MODEL } from '../../plugin/shared/sessionConfig.js';
import type { PersonaMap } from '../personas/loadPersonas.js';
import type { OriginPolicy } from '../originPolicy.js';
import { authenticate, authenticateSideband } from './keyAuth.js';
import { DelayLine, NetworkConditionsError, parseNetworkConditions, type NetworkConditions } from './network/networkConditions.js';
import type { KeyStore } from './keyStore.js';
import type { SessionAdmission } from './SessionAdmission.js';
import { PROTOCOL_ERRORS, errorFrame, protocolError, restErrorBody, type ProtocolError } from './realtime/protocolErrors.js';
import { SessionEngine, type EngineLimits } from './realtime/SessionEngine.js';
import { websocketAudioOutput } from './realtime/websocketAudioOutput.js';
import type { SpeechToText, TextToSpeech } from './speech/types.js';
import type { RealtimeCalls } from './webrtc/RealtimeCalls.js';
import type { SipEndpoint } from './sip/SipEndpoint.js';
import type { SidebandTarget } from './realtime/CallSidebands.js';

/** Options of {@link attachRealtimeEmulator}. */
export interface RealtimeEmulatorOptions {
  keyStore: KeyStore;
  personas: () => PersonaMap;
  tts: TextToSpeech;
  stt: SpeechToText;
  /** Accept any non-`ek_` bearer key (emulator mode, for server-side clients); `ek_` keys are always checked. */
  acceptAnyBearer: boolean;
  /** Most concurrent sessions; more are refused with HTTP 429 before the upgrade (default 200). */
  maxSessions?: number;
  /** Per-key and per-address caps, shared with the WebRTC endpoint; over them the upgrade is refused with 429. */
  admission?: SessionAdmission;
  /** Browser origins allowed to open sessions; others are refused with 403 before the upgrade (default: all). */
  origins?: OriginPolicy;
  /** A socket with no event either way for this long gets an `error` event and is closed with 1008 (default 10 min). */
  idleTimeoutMs?: number;
  /** Ping every session socket this often; one that has not answered the previous ping is dropped (default 30 s). */
  pingIntervalMs?: number;
  /** Caps passed to every session engine. */
  limits?: EngineLimits;
  /** Model of sessions whose key and URL name none (default `gpt-realtime`). */
  defaultModel?: string;
  /** Diagnostic lines (never the console). */
  log?: (line: string) => void;
  /** The live WebRTC calls a sideband (`?call_id=rtc_…`) may attach to. */
  calls?: () => RealtimeCalls | undefined;
  /** The live SIP calls a sideband may attach to (once accepted). */
  sipCalls?: () => SipEndpoint | undefined;
  /**
   * Network conditions of every session (`NPC_VOICE_NETEM`); a session's own `?netem=` replaces them. Null or
   * absent: none.
   */
  netem?: NetworkConditions | null;
  /** Engine pacing overrides (benchmarks, tests). */
  burstMs?: number;
  speedFactor?: number;
}

/** A mounted emulator endpoint. */
export interface RealtimeEmulator {
  /** Closes every session (code 1001) and stops handling upgrades. Safe to call twice. */
  close(): Promise<void>;
  /** Sessions currently open. */
  readonly sessionCount: number;
  /**
   * Test hook: drops every open session's socket abruptly (no close handshake), as a network failure would, so
   * clients' reconnect paths can be exercised. Returns how many sockets were dropped.
   */
  dropConnections(): number;
}

/** Per-session caps of the engine, set from the server config. */

/** Path of the Realtime WebSocket endpoint. */
export const REALTIME_PATH = '/v1/realtime';
/** Messages above this size get an `error` event instead of being processed (the API's 15 MiB audio limit + JSON). */
export const SOFT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Messages above this size close the socket (1009): they cannot be answered without buffering them whole. */
export const HARD_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/** Default idle timeout of a session socket (10 minutes). */
export const DEFAULT_IDLE_TIMEOUT_MS = 600_000;
/** Default ping interval of a session socket: a dead peer (no close, no pong) is dropped within two of them. */
export const DEFAULT_PING_INTERVAL_MS = 30_000;

const BETA_PROTOCOL = 'openai-beta.realtime-v1';

function refuse(socket: Duplex, status: number, reason: string, error: ProtocolError): void {
  const json = JSON.stringify(restErrorBody(error));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
  );
}

function offeredProtocols(req: http.IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (typeof header !== 'string') return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

function rawSize(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return data instanceof ArrayBuffer ? Buffer.from(data).toString('utf8') : data.toString('utf8');
}

let nextSession = 0;

/**
 * Mounts the emulated Realtime GA WebSocket endpoint (`/v1/realtime`) on an HTTP server. Other upgrade paths are left
 * to other listeners. Auth: `Authorization: Bearer` or the browser subprotocol `openai-insecure-api-key.<key>` (the
 * server then selects `realtime`); `ek_` keys must be valid in `keyStore` (401 otherwise) and start the session from
 * their minted config; a beta header/subprotocol gets `beta_api_shape_disabled` and close code 4000.
 *
 * @example
 * const emulator = attachRealtimeEmulator(server, { keyStore, personas: () => map, tts, stt, acceptAnyBearer: true });
 */
export function attachRealtimeEmulator(server: http.Server, opts: RealtimeEmulatorOptions): RealtimeEmulator {
  const log = opts.log ?? (() => {});
  const maxSessions = opts.maxSessions ?? 200;
  const sockets = new Set<WebSocket>();
  let closed = false;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: HARD_MAX_MESSAGE_BYTES,
    perMessageDeflate: true,
    // Browsers abort unless the server selects one of the offered protocols; the service selects `realtime`.
    handleProtocols: (protocols) => (protocols.has('realtime') ? 'realtime' : false),
  });

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return;
    }
    if (url.pathname !== REALTIME_PATH) return;
    try {
      handleUpgrade(req, socket, head, url);
    } catch (error) {
      log(`emulator: upgrade failed: ${(error as Error).message}`);
      socket.destroy();
    }
  };

  const handleUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer, url: URL): void => {
    socket.on('error', () => socket.destroy());
    if (closed) {
      refuse(socket, 503, 'Service Unavailable', PROTOCOL_ERRORS.shuttingDown());
      return;
    }
    const origin = req.headers.origin;
    if (opts.origins && !opts.origins.allows(origin)) {
      log(`emulator: refused session: origin ${JSON.stringify(origin)} not allowed`);
      refuse(
        socket,
        403,
        'Forbidden',
        protocolError('origin_not_allowed', `Origin ${String(origin)} may not open emulator sessions. Add it to NPC_VOICE_ALLOWED_ORIGINS.`),
      );
      return;
    }
    const protocols = offeredProtocols(req);
    const callId = url.searchParams.get('call_id');
    if (callId !== null) {
      attachSideband(req, socket, head, callId, protocols);
      return;
    }
    let netem = opts.netem ?? null;
    const netemSpec = url.searchParams.get('netem');
    if (netemSpec !== null) {
      try {
        netem = parseNetworkConditions(netemSpec);
      } catch (error) {
        if (!(error instanceof NetworkConditionsError)) throw error;
        refuse(socket, 400, 'Bad Request', protocolError('invalid_netem', error.message, { param: `netem.${error.field}` }));
        return;
      }
    }
    const checked = authenticate({ authorization: req.headers.authorization, protocols }, opts.keyStore, opts.acceptAnyBearer);
    if (!checked.ok) {
      log(`emulator: refused session: ${checked.reason} key`);
      refuse(socket, 401, 'Unauthorized', checked.error);
      return;
    }
    const { key, session: initialSession, personaId } = checked;
    if (sockets.size >= maxSessions) {
      log(`emulator: refused session: limit of ${maxSessions} reached`);
      refuse(socket, 429, 'Too Many Requests', PROTOCOL_ERRORS.tooManySessions('sessions', maxSessions));
      return;
    }
    const address = req.socket.remoteAddress ?? 'unknown';
    const refusal = opts.admission?.check(key, address);
    if (refusal) {
      log(`emulator: refused session: ${refusal.message}`);
      refuse(socket, 429, 'Too Many Requests', PROTOCOL_ERRORS.admissionRefused(refusal));
      return;
    }
    const betaHeader = req.headers['openai-beta'];
    const beta =
      (typeof betaHeader === 'string' && /realtime\s*=\s*v1/i.test(betaHeader)) || protocols.includes(BETA_PROTOCOL);
    const keyModel = typeof initialSession?.model === 'string' ? initialSession.model : undefined;
    const model = keyModel ?? url.searchParams.get('model') ?? opts.defaultModel ?? DEFAULT_REALTIME_MODEL;
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Taken only once the upgrade succeeded (a failed handshake never calls back), given back when the socket closes.
      const slot = opts.admission?.acquire(key, address);
      if (slot) ws.once('close', () => slot.release());
      if (beta) {
        ws.send(JSON.stringify(errorFrame(PROTOCOL_ERRORS.betaShape())));
        ws.close(4000, 'beta_api_shape_disabled');
        return;
      }
      openSession(ws, model, initialSession, personaId, netem);
    });
  };

  /**
   * The sideband of a WebRTC or SIP call (`GET /v1/realtime?call_id=…`, the developer's server with its standard key): the
   * socket receives the call's server events and its client events apply to the call's session.
   */
  const attachSideband = (req: http.IncomingMessage, socket: Duplex, head: Buffer, callId: string, protocols: string[]): void => {
    const checked = authenticateSideband({ authorization: req.headers.authorization, protocols });
    if (!checked.ok) {
      log('emulator: refused sideband: not a standard key');
      refuse(socket, 401, 'Unauthorized', checked.error);
      return;
    }
    const sipCall = opts.sipCalls?.()?.get(callId);
    // A ringing SIP call has no session yet: it is found once accepted, as with the service.
    const call: SidebandTarget | undefined = opts.calls?.()?.get(callId) ?? (sipCall?.state === 'accepted' ? sipCall : undefined);
    if (!call || call.isClosed) {
      log('emulator: refused sideband: no such call');
      refuse(socket, 404, 'Not Found', PROTOCOL_ERRORS.callNotFound(callId));
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const sideband = call.attachSideband(
        (text) => {
          if (ws.readyState === ws.OPEN) ws.send(text);
        },
        () => ws.close(1000, 'call ended'),
      );
      ws.on('message', (data: RawData, isBinary) => sideband.receive(isBinary ? '\u0000binary' : rawText(data)));
      ws.once('close', () => {
        sockets.delete(ws);
        sideband.detach();
      });
      log(`emulator: sideband attached to call ${callId}`);
    });
  };

  const openSession = (
    ws: WebSocket,
    model: string,
    initialSession: Record<string, unknown> | undefined,
    personaId: string | undefined,
    netem: NetworkConditions | null,
  ): void => {
    const name = `s${++nextSession}`;
    sockets.add(ws);
    // Rehearsed network conditions: each direction goes through a delay line, and the socket may be cut at a set time.
    const transmit = (text: string, compress: boolean): void => {
      if (ws.readyState === ws.OPEN) ws.send(text, { compress });
    };
    const outbound = netem ? new DelayLine<[string, boolean]>(netem, 0, ([text, compress]) => transmit(text, compress)) : null;
    const send = (text: string, compress = true): void => {
      if (outbound) outbound.push([text, compress], Buffer.byteLength(text));
      else transmit(text, compress);
    };
    const cut =
      netem?.disconnectAfterMs != null
        ? setTimeout(() => {
            log(`emulator: session ${name} dropped by netem after ${netem.disconnectAfterMs} ms`);
            ws.terminate();
          }, netem.disconnectAfterMs).unref()
        : undefined;
    // A socket with no traffic either way holds a slot for nobody: close it after the idle timeout. Server events
    // count too, so a long answer the client listens to in silence is not idle.
    const idleMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    let lastActivity = performance.now();
    let idleTimer: NodeJS.Timeout | undefined;
    const onIdle = (): void => {
      // A response waiting for synthesis sends nothing for a while, but the session is not idle.
      if (engine.responding) lastActivity = performance.now();
      const quietMs = performance.now() - lastActivity;
      if (quietMs < idleMs) {
        idleTimer = setTimeout(onIdle, idleMs - quietMs).unref();
        return;
      }
      log(`emulator: session ${name} idle for ${idleMs} ms; closing`);
      if (ws.readyState === ws.OPEN) {
        ws.send(JSON.stringify(errorFrame(PROTOCOL_ERRORS.idleTimeout(idleMs))));
      }
      ws.close(1008, 'idle timeout');
    };
    idleTimer = setTimeout(onIdle, idleMs).unref();
    // A peer that vanished without a close (a lost network, a killed tab) still answers no ping: free its slot.
    let answeredPing = true;
    ws.on('pong', () => (answeredPing = true));
    const heartbeat = setInterval(() => {
      if (!answeredPing) {
        log(`emulator: session ${name} answered no ping; dropping it`);
        ws.terminate();
        return;
      }
      answeredPing = false;
      ws.ping();
    }, opts.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS).unref();
    const engine = new SessionEngine({
      send: (event) => {
        lastActivity = performance.now();
        // Base64 PCM hardly compresses, and deflating every 50 ms chunk costs both ends CPU: send audio as is.
        send(JSON.stringify(event), event.type !== 'response.output_audio.delta');
      },
      tts: opts.tts,
      stt: opts.stt,
      personas: opts.personas,
      model,
      audioOutput: websocketAudioOutput,
      log,
      ...(initialSession ? { initialSession } : {}),
      ...(personaId !== undefined ? { personaId } : {}),
      ...(opts.burstMs !== undefined ? { burstMs: opts.burstMs } : {}),
      ...(opts.speedFactor !== undefined ? { speedFactor: opts.speedFactor } : {}),
      ...opts.limits,
    });
    log(`emulator: session ${name} opened (model ${model}${personaId ? `, persona ${personaId}` : ''})`);
    const handle = ([data, isBinary]: [RawData, boolean]): void => {
      lastActivity = performance.now();
      try {
        if (isBinary) {
          engine.receive('\u0000binary');
          return;
        }
        if (rawSize(data) > SOFT_MAX_MESSAGE_BYTES) {
          send(JSON.stringify(errorFrame(PROTOCOL_ERRORS.messageTooLarge(rawSize(data), SOFT_MAX_MESSAGE_BYTES))));
          return;
        }
        engine.receive(rawText(data));
      } catch (error) {
        log(`emulator: message handling failed: ${(error as Error).message}`);
      }
    };
    const inbound = netem ? new DelayLine<[RawData, boolean]>(netem, 1, handle) : null;
    ws.on('message', (data, isBinary) => {
      if (inbound) inbound.push([data, isBinary], rawSize(data));
      else handle([data, isBinary]);
    });
    // ws reports protocol violations (e.g. a frame over maxPayload) here and then closes; never let it throw.
    ws.on('error', (error) => log(`emulator: session ${name} socket error: ${error.message}`));
    ws.on('close', (code) => {
      clearTimeout(idleTimer);
      clearTimeout(cut);
      outbound?.close();
      inbound?.close();
      clearInterval(heartbeat);
      sockets.delete(ws);
      engine.close();
      log(`emulator: session ${name} closed (${code})`);
    });
    engine.start();
  };

  server.on('upgrade', onUpgrade);

  let closing: Promise<void> | undefined;
  return {
    get sessionCount() {
      return sockets.size;
    },
    dropConnections() {
      const dropped = [...sockets];
      for (const ws of dropped) ws.terminate();
      return dropped.length;
    },
    close() {
      closing ??= (async () => {
        closed = true;
        server.off('upgrade', onUpgrade);
        const waits = [...sockets].map(
          (ws) =>
            new Promise<void>((resolve) => {
              ws.once('close', () => resolve());
              ws.close(1001, 'server shutting down');
              // A peer that never answers the close handshake must not hold shutdown up.
              setTimeout(() => {
                ws.terminate();
                resolve();
              }, 1000).unref();
            }),
        );
        await Promise.all(waits);
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      })();
      return closing;
    },
  };
}
