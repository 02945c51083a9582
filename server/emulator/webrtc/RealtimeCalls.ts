import { randomBytes } from 'node:crypto';
import { DEFAULT_REALTIME_MODEL } from '../../../plugin/shared/sessionConfig.js';
import type { PersonaMap } from '../../personas/loadPersonas.js';
import { authenticate, authenticateServerKey } from '../keyAuth.js';
import type { KeyStore } from '../keyStore.js';
import type { NetworkConditions } from '../network/networkConditions.js';
import { PROTOCOL_ERRORS, protocolError, restErrorBody, type ProtocolError, type RestErrorBody } from '../realtime/protocolErrors.js';
import type { EngineLimits } from '../realtime/SessionEngine.js';
import type { SessionRecorder } from '../record/SessionRecorder.js';
import type { SessionAdmission } from '../SessionAdmission.js';
import type { SpeechToText, TextToSpeech } from '../speech/types.js';
import { loadWrtc, type WrtcLoad } from './loadWrtc.js';
import { CallSetupError, RealtimeCall } from './RealtimeCall.js';

/** Options of {@link RealtimeCalls}. */
export interface RealtimeCallsOptions {
  keyStore: KeyStore;
  personas: () => PersonaMap;
  tts: TextToSpeech;
  stt: SpeechToText;
  /** Accept any non-`ek_` bearer key (emulator mode); `ek_` keys are always checked. */
  acceptAnyBearer: boolean;
  /** Most concurrent calls; more get 429 (default 50: each call runs a libwebrtc peer). */
  maxCalls?: number;
  /** Per-key and per-address caps, shared with the WebSocket endpoint; over them a call gets 429. */
  admission?: SessionAdmission;
  /** Caps passed to every call's session engine. */
  limits?: EngineLimits;
  /** Model of calls whose key and session name none (default `gpt-realtime`). */
  defaultModel?: string;
  /** Diagnostic lines (never the console). */
  log?: (line: string) => void;
  /** Engine pacing overrides (benchmarks, tests). */
  burstMs?: number;
  speedFactor?: number;
  /** Longest wait for ICE gathering before answering (default 3000 ms). */
  iceGatheringTimeoutMs?: number;
  /** Network conditions of every call (`NPC_VOICE_NETEM`); a call's own `?netem=` replaces them. */
  netem?: NetworkConditions | null;
  /** Records every call as a cassette with WAV files of its media audio (`NPC_VOICE_RECORD`). */
  recorder?: SessionRecorder;
  /** Loads @roamhq/wrtc (injectable to test the 501 answer). */
  loadWrtc?: () => Promise<WrtcLoad>;
}

/** An HTTP answer of the calls endpoint, independent of the HTTP framework. */
export type CallsReply =
  | { status: 201; sdp: string; location: string; callId: string }
  | { status: 200 }
  | { status: 400 | 401 | 404 | 429 | 500 | 501 | 503; error: RestErrorBody['error'] };

/** A call request: the offer and, from the unified (multipart) interface, a session config. */
export interface CallRequest {
  authorization: string | undefined;
  /** The caller's address, for the per-client session cap. */
  remoteAddress?: string;
  offerSdp: string;
  session?: Record<string, unknown>;
  /** This call's network conditions (`?netem=` on the offer's URL), replacing the server-wide ones. */
  netem?: NetworkConditions;
}

/** Path of the calls endpoint. */
export const CALLS_PATH = '/v1/realtime/calls';

function failure(status: Exclude<CallsReply['status'], 200 | 201>, error: ProtocolError): CallsReply {
  return { status, ...restErrorBody(error) };
}

/**
 * The emulator's WebRTC calls (`POST /v1/realtime/calls`, `…/{id}/hangup`): authenticates like the WebSocket
 * endpoint, answers offers with a {@link RealtimeCall} per call and tracks the live ones.
 */
export class RealtimeCalls {
  private readonly options: RealtimeCallsOptions;
  private readonly calls = new Map<string, RealtimeCall>();
  private closing = false;

  constructor(options: RealtimeCallsOptions) {
    this.options = options;
  }

  /** Whether calls can be answered here (@roamhq/wrtc loads on this platform). */
  async available(): Promise<boolean> {
    return (await (this.options.loadWrtc ?? loadWrtc)()).ok;
  }

  /** Calls currently live. */
  get size(): number {
    return this.calls.size;
  }

  /** A live call by id (tests, diagnostics). */
  get(id: string): RealtimeCall | undefined {
    return this.calls.get(id);
  }

  /** Authenticates the request; returns the key's session and persona, or the error reply. */
  private authorize(
    authorization: string | undefined,
  ): { ok: true; key: string; session?: Record<string, unknown>; personaId?: string } | { ok: false; reply: CallsReply } {
    const checked = authenticate({ authorization }, this.options.keyStore, this.options.acceptAnyBearer);
    if (checked.ok) return checked;
    if (checked.reason !== 'missing') this.options.log?.(`emulator: call refused: ${checked.reason} key`);
    return { ok: false, reply: failure(401, checked.error) };
  }

  /** Answers an SDP offer (201 + answer SDP + Location) or with an OpenAI-style error. Never throws. */
  async create(request: CallRequest): Promise<CallsReply> {
    const log = this.options.log ?? (() => {});
    if (this.closing) return failure(503, PROTOCOL_ERRORS.shuttingDown());
    const auth = this.authorize(request.authorization);
    if (!auth.ok) return auth.reply;
    if (!/^v=0\r?\n/.test(request.offerSdp) || !/\r?\nm=/.test(request.offerSdp)) {
      return failure(400, protocolError('invalid_offer', 'The request body must be an SDP offer (starting with "v=0" and containing media sections).'));
    }
    const maxCalls = this.options.maxCalls ?? 50;
    if (this.calls.size >= maxCalls) {
      log(`emulator: call refused: limit of ${maxCalls} reached`);
      return failure(429, PROTOCOL_ERRORS.tooManySessions('calls', maxCalls));
    }
    const address = request.remoteAddress ?? 'unknown';
    const refusal = this.options.admission?.check(auth.key, address);
    if (refusal) {
      log(`emulator: call refused: ${refusal.message}`);
      return failure(429, PROTOCOL_ERRORS.admissionRefused(refusal));
    }
    const loaded = await (this.options.loadWrtc ?? loadWrtc)();
    if (!loaded.ok) {
      log(`emulator: WebRTC unavailable: ${loaded.reason}`);
      return failure(
        501,
        protocolError('webrtc_unavailable', `WebRTC is not available in this emulator: ${loaded.reason} The WebSocket endpoint /v1/realtime works without it.`, { type: 'server_error' }),
      );
    }
    // The unified interface's session applies on top of what the key was minted with.
    const initialSession = auth.session || request.session ? { ...(auth.session ?? {}), ...(request.session ?? {}) } : undefined;
    const model = typeof initialSession?.model === 'string' ? initialSession.model : (this.options.defaultModel ?? DEFAULT_REALTIME_MODEL);
    const id = `rtc_${randomBytes(12).toString('hex')}`;
    const { recorder } = this.options;
    // Held from here (the call's setup awaits ICE gathering) until the call closes or its setup fails.
    const slot = this.options.admission?.acquire(auth.key, address);
    let answered = false;
    try {
      const { call, answerSdp } = await RealtimeCall.open({
        wrtc: loaded.wrtc,
        id,
        offerSdp: request.offerSdp,
        iceGatheringTimeoutMs: this.options.iceGatheringTimeoutMs ?? 3000,
        netem: request.netem ?? this.options.netem ?? null,
        log,
        ...(recorder
          ? { record: () => recorder.start({ transport: 'webrtc', model, personaId: auth.personaId, session: initialSession, key: auth.key }) }
          : {}),
        onClosed: (closed) => {
          slot?.release();
          if (this.calls.get(closed.id) === closed) this.calls.delete(closed.id);
        },
        engine: {
          tts: this.options.tts,
          stt: this.options.stt,
          personas: this.options.personas,
          model,
          log,
          ...(initialSession ? { initialSession } : {}),
          ...(auth.personaId !== undefined ? { personaId: auth.personaId } : {}),
          ...(this.options.burstMs !== undefined ? { burstMs: this.options.burstMs } : {}),
          ...(this.options.speedFactor !== undefined ? { speedFactor: this.options.speedFactor } : {}),
          ...this.options.limits,
        },
      });
      if (this.closing) {
        call.close('server shutting down');
        return failure(503, PROTOCOL_ERRORS.shuttingDown());
      }
      this.calls.set(id, call);
      answered = true;
      log(`emulator: call ${id} answered (model ${model}${auth.personaId ? `, persona ${auth.personaId}` : ''})`);
      return { status: 201, sdp: answerSdp, location: `${CALLS_PATH}/${id}`, callId: id };
    } catch (error) {
      if (error instanceof CallSetupError) {
        log(`emulator: call setup failed: ${error.message}`);
        return failure(error.status, protocolError(error.code, error.message, { type: error.status === 500 ? 'server_error' : 'invalid_request_error' }));
      }
      log(`emulator: call setup failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return failure(500, protocolError('server_error', 'The emulator could not set up the call.', { type: 'server_error' }));
    } finally {
      if (!answered) slot?.release();
    }
  }

  /**
   * Ends a call (`POST /v1/realtime/calls/{id}/hangup`): with a key this emulator issued, or, as the service allows
   * the developer's server, any standard key (the call id is the capability).
   */
  hangup(callId: string, authorization: string | undefined): CallsReply {
    const standard = authenticateServerKey({ authorization });
    if (!standard.ok) {
      const auth = this.authorize(authorization);
      if (!auth.ok) return auth.reply;
    }
    const call = this.calls.get(callId);
    if (!call) return failure(404, protocolError('call_not_found', `Call '${callId}' not found.`));
    call.close('hangup');
    return { status: 200 };
  }

  /** Test hook: ends every call at once, as a failing network or server would (new calls are still answered). */
  dropAll(): number {
    const calls = [...this.calls.values()];
    for (const call of calls) call.close('dropped');
    return calls.length;
  }

  /** Ends every call and refuses new ones. Safe to call twice. */
  async close(): Promise<void> {
    this.closing = true;
    const calls = [...this.calls.values()];
    for (const call of calls) call.close('server shutting down');
    await Promise.all(calls.map((call) => call.closedSignal));
  }
}
