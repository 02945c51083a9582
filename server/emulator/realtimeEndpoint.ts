import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { realtimeSocketServer } from '../realtimeSocketServer.js';
import { DEFAULT_REALTIME_MODEL } from '../../plugin/shared/sessionConfig.js';
import type { PersonaMap } from '../personas/loadPersonas.js';
import type { OriginPolicy } from '../originPolicy.js';
import { authenticate, authenticateSideband } from './keyAuth.js';
import { DelayLine, LINK, netemParam, type NetworkConditions } from './network/networkConditions.js';
import type { KeyStore } from './keyStore.js';
import type { Cassette } from './record/cassette.js';
import type { CassetteLibrary } from './record/CassetteLibrary.js';
import { ReplaySession } from './record/ReplaySession.js';
import type { SessionRecorder } from './record/SessionRecorder.js';
import type { SessionAdmission } from './SessionAdmission.js';
import { PROTOCOL_ERRORS, errorFrame, protocolError, restErrorBody, type ProtocolError } from './realtime/protocolErrors.js';
import { SessionEngine, type EngineLimits } from './realtime/SessionEngine.js';
import type { SessionKind } from './realtime/SessionState.js';
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
  /** Records every session as a cassette (`NPC_VOICE_RECORD`). */
  recorder?: SessionRecorder;
  /**
   * Serves sessions from cassettes instead of the engine (`NPC_VOICE_REPLAY`): `?cassette=<name>` or the next one.
   * Authentication and admission still apply.
   */
  replay?: CassetteLibrary;
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

/** The cassette a replayed session is served from. */
interface ReplayedCassette {
  name: string;
  cassette: Cassette;
}

/** What the upgrade learned about a session, for {@link attachRealtimeEmulator}'s `openSession`. */
interface OpenedSession {
  model: string;
  initialSession: Record<string, unknown> | undefined;
  personaId: string | undefined;
  netem: NetworkConditions | null;
  /** The key the session was opened with (kept out of its recording). */
  key: string;
  /** Null: a live session of the engine. */
  replay: ReplayedCassette | null;
  /** `?intent=transcription`: a transcription session whatever the key was minted for. */
  kind: SessionKind | undefined;
}

/**
 * Mounts the emulated Realtime GA WebSocket endpoint (`/v1/realtime`) on an HTTP server. Other upgrade paths are left
 * to other listeners. Auth: `Authorization: Bearer` or the browser subprotocol `openai-insecure-api-key.<key>` (the
 * server then selects `realtime`); `ek_` keys must be valid in `keyStore` (401 otherwise) and start the session from
 * their minted config; a beta header/subprotocol gets `beta_api_shape_disabled` and close code 4000.
 * `?intent=transcription` (or a key minted with `session.type: 'transcription'`) opens a transcription session.
 *
 * @example
 * const emulator = attachRealtimeEmulator(server, { keyStore, personas: () => map, tts, stt, acceptAnyBearer: true });
 */
export function attachRealtimeEmulator(server: http.Server, opts: RealtimeEmulatorOptions): RealtimeEmulator {
  const log = opts.log ?? (() => {});
  const maxSessions = opts.maxSessions ?? 200;
  const sockets = new Set<WebSocket>();
  // Cassettes still being finished, so shutting down waits for the last lines to reach the disk.
  const finishing = new Set<Promise<void>>();
  let closed = false;
  const wss = realtimeSocketServer(HARD_MAX_MESSAGE_BYTES);

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
    const ownNetem = netemParam(url.searchParams.get('netem'));
    if (!ownNetem.ok) {
      refuse(socket, 400, 'Bad Request', ownNetem.error);
      return;
    }
    const netem = ownNetem.netem ?? opts.netem ?? null;
    const intent = url.searchParams.get('intent');
    if (intent !== null && intent !== 'transcription') {
      refuse(socket, 400, 'Bad Request', PROTOCOL_ERRORS.invalidIntent(intent));
      return;
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
    const upgrade = (replay: ReplayedCassette | null): void =>
      wss.handleUpgrade(req, socket, head, (ws) => {
        // Taken only once the upgrade succeeded (a failed handshake never calls back), given back when the socket closes.
        const slot = opts.admission?.acquire(key, address);
        if (slot) ws.once('close', () => slot.release());
        if (beta) {
          ws.send(JSON.stringify(errorFrame(PROTOCOL_ERRORS.betaShape())));
          ws.close(4000, 'beta_api_shape_disabled');
          return;
        }
        openSession(ws, { model, initialSession, personaId, netem, key, replay, kind: intent === 'transcription' ? 'transcription' : undefined });
      });
    if (!opts.replay || beta) {
      upgrade(null);
      return;
    }
    // The cassette is read before the upgrade, so a missing or broken one is refused with a status the client sees.
    void opts.replay.pick(url.searchParams.get('cassette')).then((picked) => {
      if (socket.destroyed) return;
      if (!picked.ok) {
        log(`emulator: refused replay: ${picked.error.message}`);
        refuse(socket, picked.status, picked.status === 404 ? 'Not Found' : 'Internal Server Error', picked.error);
        return;
      }
      log(`emulator: replaying cassette ${picked.name}`);
      try {
        upgrade(picked);
      } catch (error) {
        log(`emulator: upgrade failed: ${(error as Error).message}`);
        socket.destroy();
      }
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

  const openSession = (ws: WebSocket, opened: OpenedSession): void => {
    const { model, initialSession, personaId, netem, key, replay, kind } = opened;
    const name = `s${++nextSession}`;
    sockets.add(ws);
    // Rehearsed network conditions: each direction goes through a delay line, and the socket may be cut at a set time.
    const transmit = (text: string, compress: boolean): void => {
      if (ws.readyState === ws.OPEN) ws.send(text, { compress });
    };
    const outbound = netem ? new DelayLine<[string, boolean]>(netem, LINK.serverToClient, ([text, compress]) => transmit(text, compress)) : null;
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
        const frame = errorFrame(PROTOCOL_ERRORS.idleTimeout(idleMs));
        recording?.server(frame);
        ws.send(JSON.stringify(frame));
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
    const recording = opts.recorder?.start({ transport: 'websocket', model, personaId, session: initialSession, key });
    const sendEvent = (event: { type?: unknown }): void => {
      lastActivity = performance.now();
      recording?.server(event);
      // Base64 PCM hardly compresses, and deflating every 50 ms chunk costs both ends CPU: send audio as is.
      send(JSON.stringify(event), event.type !== 'response.output_audio.delta');
    };
    const engine = replay
      ? new ReplaySession({ cassette: replay.cassette, name: replay.name, send: sendEvent })
      : new SessionEngine({
          send: sendEvent,
          tts: opts.tts,
          stt: opts.stt,
          personas: opts.personas,
          model,
          audioOutput: websocketAudioOutput,
          log,
          ...(initialSession ? { initialSession } : {}),
          ...(personaId !== undefined ? { personaId } : {}),
          ...(kind ? { kind } : {}),
          ...(opts.burstMs !== undefined ? { burstMs: opts.burstMs } : {}),
          ...(opts.speedFactor !== undefined ? { speedFactor: opts.speedFactor } : {}),
          ...opts.limits,
        });
    const transcribing = engine instanceof SessionEngine && engine.config.type === 'transcription';
    log(`emulator: session ${name} opened (${transcribing ? 'transcription' : `model ${model}`}${personaId ? `, persona ${personaId}` : ''})`);
    const handle = ([data, isBinary]: [RawData, boolean]): void => {
      lastActivity = performance.now();
      try {
        if (!isBinary && rawSize(data) > SOFT_MAX_MESSAGE_BYTES) {
          sendEvent(errorFrame(PROTOCOL_ERRORS.messageTooLarge(rawSize(data), SOFT_MAX_MESSAGE_BYTES)));
          return;
        }
        const text = isBinary ? '\u0000binary' : rawText(data);
        recording?.client(text);
        engine.receive(text);
      } catch (error) {
        log(`emulator: message handling failed: ${(error as Error).message}`);
      }
    };
    const inbound = netem ? new DelayLine<[RawData, boolean]>(netem, LINK.clientToServer, handle) : null;
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
      if (recording) {
        const done = recording.close();
        finishing.add(done);
        void done.then(() => finishing.delete(done));
      }
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
        await Promise.all([...finishing]);
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      })();
      return closing;
    },
  };
}
