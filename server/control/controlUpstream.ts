import type { Persona } from '../../plugin/shared/personaSchema.js';
import { personaSessionConfig } from '../../plugin/shared/sessionConfig.js';
import type { KeyStore } from '../emulator/keyStore.js';
import type { RealtimeCalls } from '../emulator/webrtc/RealtimeCalls.js';
import { emulatorUpstream, openaiUpstream, type Upstream } from '../mint/upstream.js';
import { EMULATOR_CONTROL_KEY } from '../phone/phoneRoute.js';

/** An answered call: the answer SDP and the call id upstream gave it. */
export type UpstreamCall =
  | { ok: true; sdp: string; callId: string }
  /** `body`: an error to pass on as is (the in-process emulator's own); undefined: answer a generic 502. */
  | { ok: false; status: number; body?: { error: Record<string, unknown> }; detail: string };

/**
 * Where the server's own channels (unified interface, relay) open sessions: OpenAI (or a stand-in at
 * `OPENAI_BASE_URL`) with the standard key, or this server's emulator. Each session gets its own upstream ephemeral
 * key minted with the persona's config, so the session is configured before the browser says anything; the standard
 * key itself only mints, opens sidebands and hangs up, and never leaves this process.
 */
export interface ControlUpstream {
  /** A key for one session of `persona`. @throws UpstreamError */
  sessionKey(persona: Persona): Promise<string>;
  /** `ws(s)://…/v1/realtime` (no query). */
  realtimeUrl(): string;
  /** `http(s)://…/v1`, the base of the calls API (sideband hangup). */
  apiBaseUrl(): string;
  /** The standard key the sideband and call control present (any non-`ek_` key for the emulator). Never logged. */
  readonly standardKey: string;
  /** Posts an SDP offer to `/v1/realtime/calls` with a session key. Never throws. */
  createCall(offerSdp: string, sessionKey: string, remoteAddress: string): Promise<UpstreamCall>;
}

/** Upstream for openai mode: `baseUrl` (`https://api.openai.com/v1`, or a stand-in) with the real key. */
export function openaiControlUpstream(options: { apiKey: string; baseUrl: string; model: string; ttlSeconds: number; timeoutMs: number }): ControlUpstream {
  const base = options.baseUrl.replace(/\/+$/, '');
  const mint: Upstream = openaiUpstream({ apiKey: options.apiKey, baseUrl: base, timeoutMs: options.timeoutMs });
  return {
    standardKey: options.apiKey,
    sessionKey: async (persona) => (await mint(personaSessionConfig(persona, options.model), options.ttlSeconds, persona.id)).value,
    realtimeUrl: () => `${base.replace(/^http/, 'ws')}/realtime`,
    apiBaseUrl: () => base,
    async createCall(offerSdp, sessionKey) {
      let response: Response;
      try {
        response = await fetch(`${base}/realtime/calls`, {
          method: 'POST',
          headers: { authorization: `Bearer ${sessionKey}`, 'content-type': 'application/sdp' },
          body: offerSdp,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (err) {
        return { ok: false, status: 502, detail: err instanceof Error ? err.name : 'error' };
      }
      // Upstream bodies are never passed on or logged: they may echo request details.
      const text = await response.text().catch(() => '');
      const callId = response.headers.get('location')?.split('/').pop();
      if (response.status !== 201 || !callId) return { ok: false, status: 502, detail: `status ${response.status}${callId ? '' : ', no Location'}` };
      return { ok: true, sdp: text, callId };
    },
  };
}

/** Upstream for emulator mode: this server's emulator, reached in process (calls) and over loopback (WebSockets). */
export function emulatorControlUpstream(options: {
  keyStore: KeyStore;
  calls: () => RealtimeCalls | undefined;
  /** `http://127.0.0.1:PORT` of this server, once it listens. */
  origin: () => string;
  model: string;
  ttlSeconds: number;
}): ControlUpstream {
  const mint = emulatorUpstream(options.keyStore, options.model);
  return {
    standardKey: EMULATOR_CONTROL_KEY,
    sessionKey: async (persona) => (await mint(personaSessionConfig(persona, options.model), options.ttlSeconds, persona.id)).value,
    realtimeUrl: () => `${options.origin().replace(/^http/, 'ws')}/v1/realtime`,
    apiBaseUrl: () => `${options.origin()}/v1`,
    async createCall(offerSdp, sessionKey, remoteAddress) {
      const calls = options.calls();
      if (!calls) {
        return { ok: false, status: 501, body: { error: { type: 'server_error', code: 'webrtc_unavailable', message: 'The emulator is not running.' } }, detail: 'no emulator' };
      }
      // In process, so the emulator's per-client cap counts the player's address, not this server's loopback.
      const reply = await calls.create({ authorization: `Bearer ${sessionKey}`, remoteAddress, offerSdp });
      if (reply.status === 201) return { ok: true, sdp: reply.sdp, callId: reply.callId };
      if (reply.status === 200) return { ok: false, status: 502, detail: 'status 200' };
      return { ok: false, status: reply.status, body: { error: reply.error }, detail: `status ${reply.status}` };
    },
  };
}

