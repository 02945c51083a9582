import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { z } from 'zod';
import { clientAddress } from '../../clientAddress.js';
import type { OriginPolicy } from '../../originPolicy.js';
import { netemParam } from '../network/networkConditions.js';
import { protocolError, restErrorBody, type ProtocolErrorType } from '../realtime/protocolErrors.js';
import type { CallControlReply, SipEndpoint } from '../sip/SipEndpoint.js';
import type { CallsReply, RealtimeCalls } from './RealtimeCalls.js';

/** Largest offer request accepted (an offer is a few KiB; the unified interface adds a session config). */
export const MAX_CALL_BODY_BYTES = 256 * 1024;

const SessionPartSchema = z.record(z.string(), z.unknown());

function openaiError(c: Context, status: 400 | 403 | 404 | 413 | 415 | 501, message: string, code: string, type: ProtocolErrorType = 'invalid_request_error') {
  return c.json(restErrorBody(protocolError(code, message, { type })), status);
}

function reply(c: Context, result: CallsReply | CallControlReply): Response {
  if (result.status === 201) {
    return c.body(result.sdp, 201, { 'Content-Type': 'application/sdp', Location: result.location });
  }
  if (result.status === 200) return c.body(null, 200);
  return c.json({ error: result.error }, result.status);
}

async function partText(value: FormDataEntryValue | null): Promise<string | undefined> {
  if (value === null) return undefined;
  return typeof value === 'string' ? value : await value.text();
}

/**
 * Routes of the emulator's WebRTC calls endpoint, to mount at `/v1/realtime/calls`: `POST /` takes a raw
 * `application/sdp` offer (what the Agents SDK sends with an `ek_` key) or the unified `multipart/form-data` (`sdp` +
 * `session` parts, what `openai.realtime.calls.create` sends); `POST /{id}/hangup` ends a call. CORS lets browsers
 * send `Authorization`, `Content-Type` and `X-OpenAI-Agents-SDK` and read `Location` — from the origins `origins`
 * allows only (others get no CORS headers and a 403). `calls()` returns undefined when the emulator is not running
 * (openai mode): the routes then answer 501.
 */
export function callsRoutes(calls: () => RealtimeCalls | undefined, origins?: OriginPolicy, sip: () => SipEndpoint | undefined = () => undefined): Hono {
  const app = new Hono();
  app.use(
    '*',
    cors({
      // Echo an allowed origin, never `*`: a page elsewhere must not be able to start calls with a player's key.
      origin: (origin) => (origins === undefined || origins.allows(origin) ? origin : null),
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'X-OpenAI-Agents-SDK'],
      exposeHeaders: ['Location'],
      maxAge: 600,
    }),
  );
  app.use('*', async (c, next) => {
    const origin = c.req.header('origin');
    if (origins && !origins.allows(origin)) {
      return openaiError(c, 403, `Origin ${origin ?? ''} may not start calls. Add it to NPC_VOICE_ALLOWED_ORIGINS.`, 'origin_not_allowed');
    }
    await next();
  });

  const unavailable = (c: Context) =>
    openaiError(c, 501, 'The WebRTC calls endpoint is only served by the local emulator (NPC_VOICE mode "emulator").', 'webrtc_unavailable', 'server_error');

  app.post(
    '/',
    bodyLimit({
      maxSize: MAX_CALL_BODY_BYTES,
      onError: (c) => openaiError(c, 413, `Request body over ${MAX_CALL_BODY_BYTES} bytes.`, 'body_too_large'),
    }),
    async (c) => {
      const handler = calls();
      if (!handler) return unavailable(c);
      const ownNetem = netemParam(c.req.query('netem'));
      if (!ownNetem.ok) return c.json(restErrorBody(ownNetem.error), 400);
      const netem = ownNetem.netem;
      const contentType = (c.req.header('content-type') ?? '').toLowerCase();
      let offerSdp: string | undefined;
      let session: Record<string, unknown> | undefined;
      if (contentType.startsWith('multipart/form-data')) {
        let form: FormData;
        try {
          form = await c.req.raw.formData();
        } catch {
          return openaiError(c, 400, 'Could not parse the multipart body.', 'invalid_body');
        }
        offerSdp = await partText(form.get('sdp'));
        const sessionText = await partText(form.get('session'));
        if (sessionText !== undefined) {
          let json: unknown;
          try {
            json = JSON.parse(sessionText);
          } catch {
            return openaiError(c, 400, "The 'session' part is not valid JSON.", 'invalid_json');
          }
          const parsed = SessionPartSchema.safeParse(json);
          if (!parsed.success) return openaiError(c, 400, "The 'session' part must be a JSON object.", 'invalid_value');
          session = parsed.data;
        }
        if (offerSdp === undefined) return openaiError(c, 400, "Missing required parameter: 'sdp'.", 'missing_required_parameter');
      } else if (contentType.startsWith('application/sdp') || contentType.startsWith('text/plain') || contentType === '') {
        offerSdp = await c.req.text();
      } else {
        return openaiError(c, 415, `Unsupported Content-Type ${contentType}: send application/sdp or multipart/form-data.`, 'unsupported_media_type');
      }
      const result = await handler.create({
        authorization: c.req.header('authorization'),
        remoteAddress: clientAddress(c),
        offerSdp,
        ...(session ? { session } : {}),
        ...(netem ? { netem } : {}),
      });
      return reply(c, result);
    },
  );

  app.post('/:id/hangup', (c) => {
    const id = c.req.param('id');
    const handler = calls();
    const phone = sip();
    // A call that is no WebRTC call is the SIP interface's to answer for (404 with a standard key), when it listens.
    if (phone && !handler?.get(id)) return reply(c, phone.hangup(id, c.req.header('authorization')));
    if (!handler) return unavailable(c);
    return reply(c, handler.hangup(id, c.req.header('authorization')));
  });

  // SIP call control (the developer's server answering `realtime.call.incoming`): JSON bodies, standard keys.
  const sipControl =
    (run: (phone: SipEndpoint, id: string, authorization: string | undefined, body: unknown) => CallControlReply | Promise<CallControlReply>) =>
    async (c: Context) => {
      const phone = sip();
      if (!phone) {
        return openaiError(c, 404, 'No SIP calls here: the emulator listens for SIP only with NPC_VOICE_SIP_PORT set.', 'call_id_not_found');
      }
      const text = await c.req.text();
      let body: unknown;
      try {
        body = text.trim() === '' ? undefined : JSON.parse(text);
      } catch {
        return openaiError(c, 400, 'We could not parse the JSON body of your request.', 'invalid_json');
      }
      return reply(c, await run(phone, c.req.param('id') ?? '', c.req.header('authorization'), body));
    };
  const limit = bodyLimit({
    maxSize: MAX_CALL_BODY_BYTES,
    onError: (c) => openaiError(c, 413, `Request body over ${MAX_CALL_BODY_BYTES} bytes.`, 'body_too_large'),
  });
  app.post('/:id/accept', limit, sipControl((phone, id, auth, body) => phone.accept(id, auth, body)));
  app.post('/:id/reject', limit, sipControl((phone, id, auth, body) => phone.reject(id, auth, body)));
  app.post('/:id/refer', limit, sipControl((phone, id, auth, body) => phone.refer(id, auth, body)));
  return app;
}
