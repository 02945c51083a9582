import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { clientAddress } from '../clientAddress.js';
import { MAX_CALL_BODY_BYTES } from '../emulator/webrtc/callsRoutes.js';
import type { OriginPolicy } from '../originPolicy.js';
import type { PersonaRegistry } from '../personas/PersonaRegistry.js';
import type { LogFn } from '../redact.js';
import { openSidebandSession } from './ControlledSession.js';
import type { ControlHub } from './ControlHub.js';
import { admit } from './admission.js';
import { presentedToken, type ControlTokens } from './ControlTokens.js';
import type { ControlUpstream } from './controlUpstream.js';

/** Where the unified interface answers: the browser posts its SDP offer here instead of to `/v1/realtime/calls`. */
export const UNIFIED_CALLS_PATH = '/api/npc-voice/calls';

/** What the unified interface needs. */
export interface UnifiedCallsDeps {
  tokens: ControlTokens;
  personas: PersonaRegistry;
  origins: OriginPolicy;
  upstream: ControlUpstream;
  hub: ControlHub;
  log: LogFn;
}

function refuse(c: Context, status: ContentfulStatusCode, type: string, code: string, message: string): Response {
  return c.json({ error: { type, code, message } }, status);
}

/**
 * The unified interface, to mount at {@link UNIFIED_CALLS_PATH}: `POST` an SDP offer (`application/sdp`, what the
 * Agents SDK's WebRTC transport sends) with the mint's one-time token as bearer. The server builds the session from
 * the token's persona, posts the offer upstream, answers 201 with the answer SDP and a `Location` naming the call
 * (like the API), and opens the call's sideband, which the {@link ControlHub} applies the server's policies to.
 * Refusals: 403 `origin_not_allowed`, 401 `invalid_token` (missing, unknown, used or expired), 404
 * `unknown_persona`, 413 `body_too_large`, 415 `unsupported_media_type`, 400 `invalid_offer`, 502 `upstream_error`.
 */
export function unifiedCallsRoute(deps: UnifiedCallsDeps): Hono {
  const { log } = deps;
  const app = new Hono();
  app.use(
    '*',
    cors({
      origin: (origin) => (deps.origins.allows(origin) ? origin : null),
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'X-OpenAI-Agents-SDK'],
      exposeHeaders: ['Location'],
      credentials: true,
      maxAge: 600,
    }),
  );
  app.use('*', async (c, next) => {
    const origin = c.req.header('origin');
    if (!deps.origins.allows(origin)) {
      log(`unified: refused a call: origin ${JSON.stringify(origin)} not allowed`);
      return refuse(c, 403, 'forbidden', 'origin_not_allowed', `Origin ${origin} may not start calls. Add it to NPC_VOICE_ALLOWED_ORIGINS.`);
    }
    await next();
  });

  app.post(
    '/',
    bodyLimit({
      maxSize: MAX_CALL_BODY_BYTES,
      onError: (c) => refuse(c, 413, 'invalid_request', 'body_too_large', `Request body over ${MAX_CALL_BODY_BYTES} bytes.`),
    }),
    async (c) => {
      const contentType = (c.req.header('content-type') ?? '').toLowerCase();
      if (!(contentType.startsWith('application/sdp') || contentType.startsWith('text/plain') || contentType === '')) {
        return refuse(c, 415, 'invalid_request', 'unsupported_media_type', `Send the SDP offer as application/sdp (got ${contentType}).`);
      }
      const admitted = await admit(deps.tokens, deps.personas, presentedToken(c.req.header('authorization')), 'call', log);
      if (!admitted.ok) return refuse(c, admitted.status, admitted.status === 401 ? 'unauthorized' : 'not_found', admitted.code, admitted.message);
      const { grant, persona } = admitted;
      const offer = await c.req.text();
      if (!/^v=0\r?\n/.test(offer) || !/\r?\nm=/.test(offer)) {
        return refuse(c, 400, 'invalid_request', 'invalid_offer', 'The request body must be an SDP offer (starting with "v=0" and containing media sections).');
      }
      const { upstream } = deps;
      let sessionKey: string;
      try {
        sessionKey = await upstream.sessionKey(persona);
      } catch (err) {
        log(`unified: no session key for ${persona.id}: ${err instanceof Error ? err.message : 'unexpected error'}`);
        return refuse(c, 502, 'upstream_error', 'upstream_error', 'The voice service could not start the call right now. Try again shortly.');
      }
      const call = await upstream.createCall(offer, sessionKey, clientAddress(c));
      if (!call.ok) {
        log(`unified: upstream refused the call for ${persona.id}: ${call.detail}`);
        if (call.body) return c.json(call.body, call.status as ContentfulStatusCode);
        return refuse(c, 502, 'upstream_error', 'upstream_error', 'The voice service could not start the call right now. Try again shortly.');
      }
      try {
        const session = await openSidebandSession(
          { realtimeUrl: upstream.realtimeUrl(), callId: call.callId, apiKey: upstream.standardKey, callsBaseUrl: upstream.apiBaseUrl() },
          { playerId: grant.playerId, personaId: persona.id, persona },
          log,
        );
        deps.hub.adopt(session);
      } catch (err) {
        // A call the server cannot see is one its policies cannot guard: it is hung up rather than answered.
        log(`unified: ${err instanceof Error ? err.message : String(err)}; hanging up ${call.callId}`);
        void fetch(`${upstream.apiBaseUrl()}/realtime/calls/${encodeURIComponent(call.callId)}/hangup`, {
          method: 'POST',
          headers: { authorization: `Bearer ${upstream.standardKey}` },
        }).then((res) => res.arrayBuffer(), () => undefined);
        return refuse(c, 502, 'upstream_error', 'upstream_error', 'The voice service could not start the call right now. Try again shortly.');
      }
      return c.body(call.sdp, 201, { 'Content-Type': 'application/sdp', Location: `${UNIFIED_CALLS_PATH}/${call.callId}` });
    },
  );
  app.all('/', (c) => refuse(c, 405, 'invalid_request', 'method_not_allowed', `Use POST for ${UNIFIED_CALLS_PATH}.`));
  return app;
}
