import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { rateLimiter } from 'hono-rate-limiter';
import { z } from 'zod';
import { personaSessionConfig } from '../plugin/shared/sessionConfig.js';
import { clientAddress } from './clientAddress.js';
import type { ServerConfig } from './config.js';
import { issueClientSecret } from './emulator/clientSecrets.js';
import type { KeyStore } from './emulator/keyStore.js';
import { callsRoutes } from './emulator/webrtc/callsRoutes.js';
import type { RealtimeCalls } from './emulator/webrtc/RealtimeCalls.js';
import { UpstreamError, type Upstream } from './mint/upstream.js';
import type { OriginPolicy } from './originPolicy.js';
import type { PersonaRegistry } from './personas/PersonaRegistry.js';
import type { LogFn } from './redact.js';

/** Largest mint request body accepted. */
export const MAX_MINT_BODY_BYTES = 16 * 1024;
/** Largest `POST /v1/realtime/client_secrets` body accepted (a session config with long instructions fits). */
export const MAX_CLIENT_SECRET_BODY_BYTES = 64 * 1024;

/** Everything the HTTP routes need. */
export interface AppDeps {
  config: ServerConfig;
  personas: PersonaRegistry;
  keyStore: KeyStore;
  upstream: Upstream;
  log: LogFn;
  /** Browser origins that may mint keys and start emulator calls. */
  origins: OriginPolicy;
  /** The emulator's WebRTC calls, once it runs (undefined in openai mode: the calls routes answer 501). */
  realtimeCalls?: () => RealtimeCalls | undefined;
}

/** Our JSON error shape: `{"error":{"type","code","message"}}`. */
function apiError(c: Context, status: ContentfulStatusCode, type: string, code: string, message: string) {
  return c.json({ error: { type, code, message } }, status);
}

const MintRequestSchema = z.strictObject({ persona: z.string().min(1).max(64) });


/** Builds the HTTP app: health, key minting and the emulator's REST endpoints (client secrets, WebRTC calls). */
export function createApp(deps: AppDeps): Hono {
  const { config, personas, keyStore, upstream, log } = deps;
  const app = new Hono();

  app.get('/healthz', async (c) => {
    // The transports a browser can use here: the real API has both; the emulator has WebRTC when @roamhq/wrtc loads.
    const calls = deps.realtimeCalls?.();
    const webrtc = config.mode === 'openai' || (calls !== undefined && (await calls.available()));
    const transports = webrtc ? ['websocket', 'webrtc'] : ['websocket'];
    return c.json({ ok: true, mode: config.mode, model: config.model, personas: [...personas.all().keys()], transports });
  });

  app.use('/api/npc-voice/session', async (c, next) => {
    const origin = c.req.header('origin');
    // No Origin header: a server-to-server call, which browsers cannot forge for a cross-site POST.
    if (!deps.origins.allows(origin)) {
      log(`mint refused: origin ${JSON.stringify(origin)} not allowed`);
      return apiError(c, 403, 'forbidden', 'origin_not_allowed', `Origin ${origin} may not mint keys. Add it to NPC_VOICE_ALLOWED_ORIGINS.`);
    }
    await next();
  });

  // A game served from another allowed origin (a dev server, a CDN) calls this route cross-origin: answer the
  // preflight (before the rate limit, so it costs no mint) and let it read the JSON and `Retry-After`.
  app.use(
    '/api/npc-voice/session',
    cors({ origin: (origin) => origin, allowMethods: ['POST'], allowHeaders: ['Content-Type'], exposeHeaders: ['Retry-After'], maxAge: 600 }),
  );

  app.use(
    '/api/npc-voice/session',
    rateLimiter({
      windowMs: 60_000,
      limit: config.rateLimitPerMinute,
      standardHeaders: 'draft-6',
      keyGenerator: clientAddress,
      handler: (c) => {
        const info = c.get('rateLimit');
        const retryAfter = Math.max(1, Math.ceil(((info?.resetTime?.getTime() ?? Date.now() + 60_000) - Date.now()) / 1000));
        c.header('Retry-After', String(retryAfter));
        return apiError(c, 429, 'rate_limited', 'too_many_requests', `Too many key requests; retry in ${retryAfter} s.`);
      },
    }),
  );

  app.post(
    '/api/npc-voice/session',
    bodyLimit({
      maxSize: MAX_MINT_BODY_BYTES,
      onError: (c) => apiError(c, 413, 'invalid_request', 'body_too_large', `Request body over ${MAX_MINT_BODY_BYTES} bytes.`),
    }),
    async (c) => {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        return apiError(c, 400, 'invalid_request', 'invalid_json', 'Body must be JSON like {"persona":"blacksmith"}.');
      }
      const parsed = MintRequestSchema.safeParse(body);
      if (!parsed.success) {
        return apiError(c, 400, 'invalid_request', 'invalid_body', 'Body must be exactly {"persona":"<persona id>"}.');
      }
      const persona = personas.get(parsed.data.persona);
      if (!persona) {
        return apiError(c, 404, 'not_found', 'unknown_persona', `No persona "${parsed.data.persona}". Known: ${[...personas.all().keys()].join(', ')}.`);
      }
      const session = personaSessionConfig(persona, config.model);
      try {
        const key = await upstream(session, config.keyTtlSeconds, persona.id);
        log(`minted a ${config.keyTtlSeconds} s key for persona ${persona.id} (${config.mode})`);
        return c.json({
          value: key.value,
          expires_at: key.expiresAt,
          model: config.model,
          persona: persona.id,
          mode: config.mode,
          url: realtimeUrl(c, config),
          callsUrl: callsUrl(c, config),
        });
      } catch (err) {
        const code = err instanceof UpstreamError ? err.code : 'upstream_failed';
        log(`mint failed for persona ${persona.id}: ${err instanceof UpstreamError ? err.message : 'unexpected error'}`);
        return apiError(c, 502, 'upstream_error', code, 'The voice service could not issue a key right now. Try again shortly.');
      }
    },
  );

  app.post(
    '/v1/realtime/client_secrets',
    bodyLimit({
      maxSize: MAX_CLIENT_SECRET_BODY_BYTES,
      onError: (c) =>
        c.json(
          {
            error: {
              message: `Request body too large: the maximum is ${MAX_CLIENT_SECRET_BODY_BYTES} bytes.`,
              type: 'invalid_request_error',
              param: null,
              code: 'body_too_large',
            },
          },
          413,
        ),
    }),
    async (c) => {
    if (!deps.origins.allows(c.req.header('origin'))) {
      return c.json(
        { error: { message: 'This origin may not request client secrets.', type: 'invalid_request_error', param: null, code: 'origin_not_allowed' } },
        403,
      );
    }
    const auth = c.req.header('authorization') ?? '';
    if (!/^Bearer\s+\S+/i.test(auth)) {
      return c.json(
        { error: { message: 'Missing bearer authentication in header', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
        401,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return c.json(
        { error: { message: 'We could not parse the JSON body of your request.', type: 'invalid_request_error', param: null, code: 'invalid_json' } },
        400,
      );
    }
    const result = issueClientSecret(body, keyStore, { defaultModel: config.model, maxInstructionsChars: config.maxInstructionsChars });
    return c.json(result.body, result.status);
    },
  );

  app.route('/v1/realtime/calls', callsRoutes(() => deps.realtimeCalls?.(), deps.origins));

  app.notFound((c) => apiError(c, 404, 'not_found', 'no_route', `No route for ${c.req.method} ${c.req.path}.`));
  app.onError((err, c) => {
    log(`internal error on ${c.req.method} ${c.req.path}: ${err.name}`);
    return apiError(c, 500, 'server_error', 'internal', 'Internal server error.');
  });
  return app;
}

function requestHost(c: Context, config: ServerConfig): string {
  return c.req.header('host') ?? `${config.host}:${config.port}`;
}

/** The Realtime WebSocket URL the browser should connect to. */
function realtimeUrl(c: Context, config: ServerConfig): string {
  const base = config.mode === 'openai' ? config.openaiBaseUrl.replace(/^http/, 'ws') : `ws://${requestHost(c, config)}/v1`;
  return `${base}/realtime?model=${encodeURIComponent(config.model)}`;
}

/** The WebRTC SDP endpoint for the same upstream. */
function callsUrl(c: Context, config: ServerConfig): string {
  const base = config.mode === 'openai' ? config.openaiBaseUrl : `http://${requestHost(c, config)}/v1`;
  return `${base}/realtime/calls`;
}
