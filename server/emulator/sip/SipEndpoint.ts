import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import * as sip from 'sip';
import type { SipMessage } from 'sip';
import { z } from 'zod';
import { DEFAULT_REALTIME_MODEL } from '../../../plugin/shared/sessionConfig.js';
import type { PersonaMap } from '../../personas/loadPersonas.js';
import { authenticateServerKey } from '../keyAuth.js';
import { PROTOCOL_ERRORS, restErrorBody, type ProtocolError, type RestErrorBody } from '../realtime/protocolErrors.js';
import type { EngineLimits } from '../realtime/SessionEngine.js';
import type { SpeechToText, TextToSpeech } from '../speech/types.js';
import { SipCall } from './SipCall.js';
import { chooseAudio, SdpNegotiationError } from './sdpAudio.js';
import { signWebhook } from './webhookSignature.js';
import { speaksAsPersona } from '../realtime/sessionPersona.js';

/** Where the emulator announces incoming calls, as OpenAI calls a project's webhook. */
export interface IncomingCallWebhook {
  url: string;
  /** The signing secret (`whsec_…`), the one the developer's server verifies with. */
  secret: string;
}

/** Options of {@link SipEndpoint}. */
export interface SipEndpointOptions {
  /** Address to listen on (default 127.0.0.1: a phone line into the emulator is for this machine). */
  host?: string;
  /** UDP port for SIP (0: any free one, see {@link SipEndpoint.port}). */
  port: number;
  /** Read when a call comes in (the server's own URL is known only once it listens). */
  webhook: () => IncomingCallWebhook;
  personas: () => PersonaMap;
  tts: TextToSpeech;
  stt: SpeechToText;
  /** Model of calls whose accepted session names none. */
  defaultModel?: string;
  limits?: EngineLimits;
  /** Most concurrent calls, ringing or answered (default 50); more get 486 Busy Here. */
  maxCalls?: number;
  /** How long a call may ring without accept or reject before it gets 408 (default 30 s). */
  ringTimeoutMs?: number;
  /** Longest wait for the webhook's answer (default 10 s). */
  webhookTimeoutMs?: number;
  log?: (line: string) => void;
  /** Engine pacing overrides (tests). */
  burstMs?: number;
  speedFactor?: number;
}

/** The HTTP answer of a call control request (`/v1/realtime/calls/{id}/accept|reject|refer|hangup`). */
export type CallControlReply = { status: 200 } | { status: 400 | 401 | 404; error: RestErrorBody['error'] };

/** Reason phrases of the responses the endpoint sends. */
const REASONS: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  200: 'OK',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  603: 'Decline',
};

const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS';
/** RFC 3261 timer T1 and T2: how the 200 OK to an INVITE is retransmitted until the ACK. */
const T1_MS = 500;
const T2_MS = 4000;
/** SIP's turn-detection fields the Calls API refuses on SIP calls. */
const SIP_REFUSED_TURN_FIELDS = ['threshold', 'prefix_padding_ms', 'silence_duration_ms'] as const;

const RejectBodySchema = z.object({ status_code: z.number().int().min(400).max(699).optional() });
const ReferBodySchema = z.object({ target_uri: z.string().regex(/^(sips?|tel):\S+$/) });

function failure(status: 400 | 401 | 404, error: ProtocolError): CallControlReply {
  return { status, ...restErrorBody(error) };
}

/** The INVITE's header lines in order, unfolded, without credentials: the `sip_headers` of `realtime.call.incoming`. */
export function inviteHeaders(datagram: string): { name: string; value: string }[] {
  const head = datagram.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const lines = head.split(/\r?\n/).slice(1);
  const headers: { name: string; value: string }[] = [];
  for (const line of lines) {
    const last = headers[headers.length - 1];
    if (/^[ \t]/.test(line) && last) {
      last.value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if (/^(proxy-)?authorization$/i.test(name)) continue;
    headers.push({ name, value: line.slice(colon + 1).trim() });
  }
  return headers;
}

/** The turn-detection field of an accepted session the Calls API refuses on SIP, if any. */
function refusedTurnField(session: Record<string, unknown>): string | undefined {
  const audio = session.audio;
  const input = typeof audio === 'object' && audio !== null ? (audio as Record<string, unknown>).input : undefined;
  const turn = typeof input === 'object' && input !== null ? (input as Record<string, unknown>).turn_detection : undefined;
  if (typeof turn !== 'object' || turn === null) return undefined;
  return SIP_REFUSED_TURN_FIELDS.find((field) => field in turn);
}

/**
 * The emulator's SIP interface: a UDP user agent server that takes INVITEs (G.711 RTP media), announces each call
 * to the developer's webhook as `realtime.call.incoming` (signed like the service) and lets it `accept` (with a
 * session config), `reject`, `refer` or `hangup` the call over REST; an answered call is a Realtime session seen and
 * steered through its sideband (`GET /v1/realtime?call_id=…`).
 *
 * @example
 * const sipEndpoint = new SipEndpoint({ port: 5060, webhook: () => ({ url, secret }), personas, tts, stt });
 * await sipEndpoint.listen();
 */
export class SipEndpoint {
  private readonly options: SipEndpointOptions;
  private readonly host: string;
  private readonly socket = dgram.createSocket('udp4');
  /** Calls by our id (`rtc_…`). */
  private readonly calls = new Map<string, SipCall>();
  /** Calls by the SIP dialog's Call-ID header. */
  private readonly dialogs = new Map<string, SipCall>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closing = false;

  constructor(options: SipEndpointOptions) {
    this.options = options;
    this.host = options.host ?? '127.0.0.1';
    this.socket.on('message', (datagram, from) => this.onDatagram(datagram, from));
    this.socket.on('error', (error) => this.log(`emulator: sip: socket error: ${error.message}`));
  }

  /** Starts listening; resolves once the UDP port is bound. */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(this.options.port, this.host, () => {
        this.socket.off('error', reject);
        resolve();
      });
    });
    this.log(`emulator: sip: listening on udp ${this.host}:${this.port}`);
  }

  /** The bound UDP port. */
  get port(): number {
    return this.socket.address().port;
  }

  /** A call by id, ringing or answered (sideband lookups, tests). */
  get(id: string): SipCall | undefined {
    return this.calls.get(id);
  }

  /** Calls now ringing or answered. */
  get size(): number {
    return this.calls.size;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private send(message: SipMessage, to: { address: string; port: number }): string {
    const text = sip.stringify(message);
    this.socket.send(text, to.port, to.address);
    return text;
  }

  private respond(request: SipMessage, status: number, to: { address: string; port: number }, extra: { tag?: string; headers?: Record<string, unknown>; content?: string } = {}): string {
    const response = sip.makeResponse(request, status, REASONS[status] ?? 'Call Failed', {
      headers: extra.headers ?? {},
      ...(extra.content !== undefined ? { content: extra.content } : {}),
    });
    const to0 = request.headers.to;
    if (extra.tag && to0) response.headers.to = { ...to0, params: { ...to0.params, tag: extra.tag } };
    return this.send(response, to);
  }

  private onDatagram(datagram: Buffer, from: dgram.RemoteInfo): void {
    const text = datagram.toString('utf8');
    // Keep-alives (CRLF) and stray bytes are not SIP.
    if (text.trim() === '') return;
    let message: SipMessage | undefined;
    try {
      message = sip.parse(datagram);
    } catch {
      message = undefined;
    }
    const remote = { address: from.address, port: from.port };
    if (!message || !message.headers['call-id'] || !message.headers.cseq || !message.headers.via?.length) {
      this.log(`emulator: sip: dropped ${datagram.length} bytes from ${from.address}:${from.port} that are no SIP message`);
      return;
    }
    if (message.status !== undefined) return; // Responses to our BYE/REFER need nothing more.
    try {
      this.onRequest(message, text, remote);
    } catch (error) {
      this.log(`emulator: sip: ${message.method ?? '?'} failed: ${(error as Error).message}`);
      if (message.method !== 'ACK') this.respond(message, 500, remote);
    }
  }

  private onRequest(request: SipMessage, text: string, remote: { address: string; port: number }): void {
    const dialogId = request.headers['call-id'] as string;
    const call = this.dialogs.get(dialogId);
    switch (request.method) {
      case 'INVITE':
        if (call) {
          // A retransmission, or a re-INVITE: the call's media does not change, so the same answer stands.
          if (call.answer) this.socket.send(call.answer, remote.port, remote.address);
          else if (call.state === 'ringing') this.respond(request, 180, remote, { tag: call.localTag });
          return;
        }
        this.onInvite(request, text, remote);
        return;
      case 'ACK':
        if (call) this.clearTimer(`${call.id}:answer`);
        return;
      case 'BYE':
        this.respond(request, call ? 200 : 481, remote);
        if (call) this.end(call, 'caller hung up');
        return;
      case 'CANCEL':
        if (!call) {
          this.respond(request, 481, remote);
          return;
        }
        this.respond(request, 200, remote);
        if (call.state === 'ringing') {
          this.respond(call.invite, 487, call.remote, { tag: call.localTag });
          this.end(call, 'caller cancelled');
        }
        return;
      case 'OPTIONS':
        this.respond(request, 200, remote, { headers: { allow: ALLOW, accept: 'application/sdp' } });
        return;
      default:
        this.respond(request, 501, remote, { headers: { allow: ALLOW } });
    }
  }

  private onInvite(invite: SipMessage, text: string, remote: { address: string; port: number }): void {
    if (this.closing) {
      this.respond(invite, 503, remote);
      return;
    }
    if (this.calls.size >= (this.options.maxCalls ?? 50)) {
      this.log(`emulator: sip: INVITE refused: limit of ${this.options.maxCalls ?? 50} calls reached`);
      this.respond(invite, 486, remote);
      return;
    }
    let offer;
    try {
      offer = chooseAudio(invite.content ?? '');
    } catch (error) {
      if (!(error instanceof SdpNegotiationError)) throw error;
      this.log(`emulator: sip: INVITE refused: ${error.message}`);
      this.respond(invite, error.status, remote, { headers: { warning: `399 npc-voice "${error.message}"` } });
      return;
    }
    const dialled = invite.uri ? sip.parseUri(invite.uri)?.user : undefined;
    const call = new SipCall({
      id: `rtc_${randomBytes(12).toString('hex')}`,
      invite,
      remote,
      offer,
      localTag: randomBytes(6).toString('hex'),
      dialledUser: dialled,
      host: this.host,
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    this.calls.set(call.id, call);
    this.dialogs.set(invite.headers['call-id'] as string, call);
    this.respond(invite, 100, remote);
    this.respond(invite, 180, remote, { tag: call.localTag });
    this.log(`emulator: sip: call ${call.id} ringing (to ${dialled ?? '?'}, ${offer.codec})`);
    this.setTimer(`${call.id}:ring`, this.options.ringTimeoutMs ?? 30_000, () => {
      if (call.state !== 'ringing') return;
      this.log(`emulator: sip: call ${call.id} was neither accepted nor rejected in time`);
      this.respond(call.invite, 408, call.remote, { tag: call.localTag });
      this.end(call, 'ring timeout');
    });
    void this.announce(call, text);
  }

  /** POSTs `realtime.call.incoming` to the webhook; a webhook that fails leaves the caller a 480. */
  private async announce(call: SipCall, inviteText: string): Promise<void> {
    const body = JSON.stringify({
      object: 'event',
      id: `evt_${randomBytes(12).toString('hex')}`,
      type: 'realtime.call.incoming',
      created_at: Math.floor(Date.now() / 1000),
      data: { call_id: call.id, sip_headers: inviteHeaders(inviteText), sip_media_security: 'rtp' },
    });
    const { url, secret } = this.options.webhook();
    let problem: string | null = null;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)',
          ...signWebhook(secret, body),
        },
        body,
        signal: AbortSignal.timeout(this.options.webhookTimeoutMs ?? 10_000),
      });
      await response.arrayBuffer();
      if (!response.ok) problem = `answered ${response.status}`;
    } catch (error) {
      problem = `failed: ${(error as Error).message}`;
    }
    if (problem === null || call.state !== 'ringing') return;
    this.log(`emulator: sip: call ${call.id}: webhook ${url} ${problem}; the caller gets 480`);
    this.respond(call.invite, 480, call.remote, { tag: call.localTag });
    this.end(call, 'webhook failed');
  }

  private control(callId: string, authorization: string | undefined): { ok: true; call: SipCall } | { ok: false; reply: CallControlReply } {
    const auth = authenticateServerKey({ authorization });
    if (!auth.ok) return { ok: false, reply: failure(401, auth.error) };
    const call = this.calls.get(callId);
    if (!call) return { ok: false, reply: failure(404, PROTOCOL_ERRORS.callNotFound(callId)) };
    return { ok: true, call };
  }

  /**
   * `POST /v1/realtime/calls/{id}/accept`: answers a ringing call with `session` (the GA session config: its
   * instructions, voice and tools are the call's; the dialled user part, when it names a persona, is the persona the
   * emulator speaks as when the accept gives no instructions or that persona's own). Never throws.
   */
  async accept(callId: string, authorization: string | undefined, session: unknown): Promise<CallControlReply> {
    const found = this.control(callId, authorization);
    if (!found.ok) return found.reply;
    const { call } = found;
    if (typeof session !== 'object' || session === null || Array.isArray(session)) return failure(400, PROTOCOL_ERRORS.callBodyNotObject());
    const config = session as Record<string, unknown>;
    if (call.state !== 'ringing') return failure(400, PROTOCOL_ERRORS.callWrongState(callId, call.state, 'accepted'));
    const refused = refusedTurnField(config);
    if (refused) return failure(400, PROTOCOL_ERRORS.sipTurnDetectionField(refused));
    // The dialled persona speaks unless the accept gives instructions of its own: then the call follows those (and
    // the accept's tools), as the service does.
    const dialled = call.dialledUser === undefined ? undefined : this.options.personas().get(call.dialledUser);
    const instructions = typeof config.instructions === 'string' ? config.instructions : undefined;
    const personaId = dialled && (instructions === undefined || speaksAsPersona(dialled, instructions)) ? dialled.id : undefined;
    const model = typeof config.model === 'string' ? config.model : (this.options.defaultModel ?? DEFAULT_REALTIME_MODEL);
    let sdp: string;
    try {
      sdp = await call.accept({
        tts: this.options.tts,
        stt: this.options.stt,
        personas: this.options.personas,
        model,
        initialSession: config,
        ...(personaId !== undefined ? { personaId } : {}),
        ...(this.options.log ? { log: this.options.log } : {}),
        ...(this.options.burstMs !== undefined ? { burstMs: this.options.burstMs } : {}),
        ...(this.options.speedFactor !== undefined ? { speedFactor: this.options.speedFactor } : {}),
        ...this.options.limits,
      });
    } catch (error) {
      this.log(`emulator: sip: call ${callId}: accept failed: ${(error as Error).message}`);
      return failure(404, PROTOCOL_ERRORS.callNotFound(callId));
    }
    this.clearTimer(`${call.id}:ring`);
    const contact = `<sip:${call.dialledUser ?? 'npc'}@${this.host}:${this.port}>`;
    call.answer = this.respond(call.invite, 200, call.remote, {
      tag: call.localTag,
      headers: { contact, allow: ALLOW, 'content-type': 'application/sdp' },
      content: sdp,
    });
    this.retransmitAnswer(call, T1_MS);
    this.log(`emulator: sip: call ${call.id} accepted (model ${model}${personaId ? `, persona ${personaId}` : ''})`);
    return { status: 200 };
  }

  /** `POST /v1/realtime/calls/{id}/reject`: declines a ringing call with `status_code` (default 603). */
  reject(callId: string, authorization: string | undefined, body: unknown): CallControlReply {
    const found = this.control(callId, authorization);
    if (!found.ok) return found.reply;
    const { call } = found;
    const parsed = RejectBodySchema.safeParse(body ?? {});
    if (!parsed.success) return failure(400, PROTOCOL_ERRORS.invalidRejectStatus());
    if (call.state !== 'ringing') return failure(400, PROTOCOL_ERRORS.callWrongState(callId, call.state, 'rejected'));
    const status = parsed.data.status_code ?? 603;
    this.respond(call.invite, status, call.remote, { tag: call.localTag });
    this.end(call, `rejected with ${status}`);
    return { status: 200 };
  }

  /** `POST /v1/realtime/calls/{id}/refer`: asks the caller to transfer to `target_uri` (a REFER in the dialog). */
  refer(callId: string, authorization: string | undefined, body: unknown): CallControlReply {
    const found = this.control(callId, authorization);
    if (!found.ok) return found.reply;
    const { call } = found;
    const parsed = ReferBodySchema.safeParse(body);
    if (!parsed.success) return failure(400, PROTOCOL_ERRORS.invalidReferTarget());
    if (call.state !== 'accepted') return failure(400, PROTOCOL_ERRORS.callWrongState(callId, call.state, 'referred'));
    this.sendInDialog(call, 'REFER', { 'refer-to': `<${parsed.data.target_uri}>` });
    this.log(`emulator: sip: call ${call.id} referred to ${parsed.data.target_uri}`);
    return { status: 200 };
  }

  /** `POST /v1/realtime/calls/{id}/hangup`: ends the call (a BYE; a ringing call is declined with 603). */
  hangup(callId: string, authorization: string | undefined): CallControlReply {
    const found = this.control(callId, authorization);
    if (!found.ok) return found.reply;
    this.hangUp(found.call, 'hangup');
    return { status: 200 };
  }

  private hangUp(call: SipCall, reason: string): void {
    if (call.state === 'ringing') this.respond(call.invite, 603, call.remote, { tag: call.localTag });
    else if (call.state === 'accepted') this.sendInDialog(call, 'BYE');
    this.end(call, reason);
  }

  private taggedTo(call: SipCall): SipMessage['headers']['to'] {
    const to = call.invite.headers.to;
    return to ? { ...to, params: { ...to.params, tag: call.localTag } } : undefined;
  }

  /** Sends a request in the call's dialog to the caller (our From is their To with our tag; RFC 3261 §12.2.1). */
  private sendInDialog(call: SipCall, method: 'BYE' | 'REFER', headers: Record<string, unknown> = {}): void {
    const invite = call.invite;
    const contact = Array.isArray(invite.headers.contact) ? invite.headers.contact[0]?.uri : undefined;
    call.localSeq += 1;
    this.send(
      {
        method,
        uri: contact ?? invite.headers.from?.uri ?? `sip:${call.remote.address}:${call.remote.port}`,
        version: '2.0',
        headers: {
          via: [{ version: '2.0', protocol: 'UDP', host: this.host, port: this.port, params: { branch: `z9hG4bK${randomBytes(8).toString('hex')}`, rport: null } }],
          'max-forwards': '70',
          to: invite.headers.from,
          from: this.taggedTo(call),
          'call-id': invite.headers['call-id'],
          cseq: { seq: call.localSeq, method },
          contact: [{ uri: `sip:${call.dialledUser ?? 'npc'}@${this.host}:${this.port}`, params: {} }],
          ...headers,
        },
      },
      call.remote,
    );
  }

  /** Resends the 200 OK until the ACK (T1 doubling up to T2, for 64·T1), then gives the call up with a BYE. */
  private retransmitAnswer(call: SipCall, intervalMs: number, elapsedMs = 0): void {
    this.setTimer(`${call.id}:answer`, intervalMs, () => {
      if (call.state !== 'accepted' || !call.answer) return;
      if (elapsedMs + intervalMs >= 64 * T1_MS) {
        this.log(`emulator: sip: call ${call.id}: no ACK for the 200 OK; hanging up`);
        this.hangUp(call, 'no ACK');
        return;
      }
      this.socket.send(call.answer, call.remote.port, call.remote.address);
      this.retransmitAnswer(call, Math.min(intervalMs * 2, T2_MS), elapsedMs + intervalMs);
    });
  }

  private setTimer(key: string, ms: number, run: () => void): void {
    this.clearTimer(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      run();
    }, ms);
    timer.unref();
    this.timers.set(key, timer);
  }

  private clearTimer(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  private end(call: SipCall, reason: string): void {
    this.clearTimer(`${call.id}:ring`);
    this.clearTimer(`${call.id}:answer`);
    call.close(reason);
    this.calls.delete(call.id);
    const dialogId = call.invite.headers['call-id'] as string;
    if (this.dialogs.get(dialogId) === call) this.dialogs.delete(dialogId);
  }

  /** Hangs up every call and closes the socket. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const call of [...this.calls.values()]) this.hangUp(call, 'server shutting down');
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
