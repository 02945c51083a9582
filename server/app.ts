import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { clientAddress } from './clientAddress.js';
import type { ServerConfig } from './config.js';
import { issueClientSecret } from './emulator/clientSecrets.js';
import type { KeyStore } from './emulator/keyStore.js';
import { callsRoutes } from './emulator/webrtc/callsRoutes.js';
import type { SipEndpoint } from './emulator/sip/SipEndpoint.js';
import { EMULATOR_CONTROL_KEY, PHONE_WEBHOOK_PATH, phoneRoute } from './phone/phoneRoute.js';
import type { RealtimeCalls } from './emulator/webrtc/RealtimeCalls.js';
import { createMintHandler, DEFAULT_MINT_PATH } from './mint/createMintHandler.js';
import type { NpcVoiceStore } from './store/Store.js';
import type { OriginPolicy } from './originPolicy.js';
import type { PersonaRegistry } from './personas/PersonaRegistry.js';
import type { LogFn } from './redact.js';
import type { ControlHub } from './control/ControlHub.js';
import type { ControlTokens } from './control/ControlTokens.js';
import type { ControlUpstream } from './control/controlUpstream.js';
import { RELAY_PATH } from './control/relayEndpoint.js';
import { UNIFIED_CALLS_PATH, unifiedCallsRoute } from './control/unifiedCallsRoute.js';

/** Where the all-in-one server mints. */
export const MINT_PATH = DEFAULT_MINT_PATH;
/** Largest `POST /v1/realtime/client_secrets` body accepted (a session config with long instructions fits). */
export const MAX_CLIENT_SECRET_BODY_BYTES = 64 * 1024;

/** Everything the HTTP routes need. */
export interface AppDeps {
  config: ServerConfig;
  personas: PersonaRegistry;
  keyStore: KeyStore;
  log: LogFn;
  /** Browser origins that may mint keys and start emulator calls. */
  origins: OriginPolicy;
  /** The emulator's WebRTC calls, once it runs (undefined in openai mode: the calls routes answer 501). */
  realtimeCalls?: () => RealtimeCalls | undefined;
  /** The emulator's SIP calls, when it listens for SIP (`NPC_VOICE_SIP_PORT`). */
  sipCalls?: () => SipEndpoint | undefined;
  /** The secret `realtime.call.incoming` webhooks to the phone route are signed with. */
  webhookSecret?: string;
  /** Where per-player counts are kept when they must be shared (NPC_VOICE_STORE); null: this process's memory. */
  store?: NpcVoiceStore | null;
  /** Relay mode: this server's own channels (the mint answers tokens for them; the unified interface is mounted). */
  control?: ControlChannels;
}

/** What the routes of relay mode need. */
export interface ControlChannels {
  tokens: ControlTokens;
  upstream: ControlUpstream;
  hub: ControlHub;
}

/** Our JSON error shape: `{"error":{"type","code","message"}}`. */
function apiError(c: Context, status: ContentfulStatusCode, type: string, code: string, message: string) {
  return c.json({ error: { type, code, message } }, status);
}


/** The mint's answer in relay mode: a token, and this server's relay and unified-interface URLs. */
function mintChannels(tokens: ControlTokens, model: string) {
  return {
    issue: (grant: { playerId: string; personaId: string }) => tokens.issue(grant),
    urls: (base: string) => ({
      url: `${base.replace(/^http/, 'ws')}${RELAY_PATH}?model=${encodeURIComponent(model)}`,
      callsUrl: `${base}${UNIFIED_CALLS_PATH}`,
    }),
  };
}

/** Builds the HTTP app: health, key minting and the emulator's REST endpoints (client secrets, WebRTC calls). */
export function createApp(deps: AppDeps): Hono {
  const { config, personas, keyStore, log } = deps;
  const app = new Hono();

  app.get('/healthz', async (c) => {
    // The transports a browser can use here: the real API has both; the emulator has WebRTC when @roamhq/wrtc loads.
    const calls = deps.realtimeCalls?.();
    const webrtc = config.mode === 'openai' || (calls !== undefined && (await calls.available()));
    const transports = webrtc ? ['websocket', 'webrtc'] : ['websocket'];
    // How a browser reaches a session: directly with an upstream key, or through this server (relay mode).
    const channels = deps.control ? { websocket: 'relay', webrtc: 'unified' } : { websocket: 'direct', webrtc: 'direct' };
    return c.json({ ok: true, mode: config.mode, model: config.model, personas: [...personas.all().keys()], transports, channels });
  });

  // The one mint implementation; this app only tells it the TCP peer (the rate-limit key unless a proxy is trusted).
  const mint = createMintHandler({
    personas,
    upstream:
      config.mode === 'openai' && config.openaiApiKey
        ? { apiKey: config.openaiApiKey, baseUrl: config.openaiBaseUrl, timeoutMs: config.upstreamTimeoutMs, mode: 'openai' }
        : { emulator: keyStore },
    origins: deps.origins,
    rateLimit: { perMinute: config.rateLimitPerMinute },
    ...(deps.store ? { store: deps.store } : {}),
    keyTtlSeconds: config.keyTtlSeconds,
    model: config.model,
    ...(config.publicUrl === undefined ? {} : { publicUrl: config.publicUrl }),
    trustProxy: config.trustProxy,
    path: MINT_PATH,
    log,
    ...(deps.control ? { channels: mintChannels(deps.control.tokens, config.model) } : {}),
  });
  app.all(MINT_PATH, (c) => mint(c.req.raw, { clientAddress: clientAddress(c) }));

  // The emulator's own REST routes exist only while it runs: in openai mode nothing here may issue emulator keys or
  // start calls (the plugin mints at the mint route, and talks to OpenAI directly).
  if (config.mode === 'openai') {
    app.all('/v1/realtime/*', (c) =>
      c.json(
        {
          error: {
            message: `${c.req.path} is a route of the local emulator, which is off: this server runs in openai mode (keys come from ${MINT_PATH}).`,
            type: 'invalid_request_error',
            param: null,
            code: 'emulator_off',
          },
        },
        404,
      ),
    );
  }

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

  // "Phone an NPC": calls to sip:<persona id>@… are accepted as that persona (emulator calls, or a SIP trunk's via OpenAI).
  if (deps.webhookSecret !== undefined) {
    app.route(
      PHONE_WEBHOOK_PATH,
      phoneRoute({
        secret: deps.webhookSecret,
        personas: () => personas.all(),
        model: config.model,
        api:
          config.mode === 'openai' && config.openaiApiKey
            ? { baseUrl: config.openaiBaseUrl, apiKey: config.openaiApiKey }
            : { apiKey: EMULATOR_CONTROL_KEY },
        log,
      }),
    );
  }

  if (deps.control) {
    app.route(UNIFIED_CALLS_PATH, unifiedCallsRoute({ ...deps.control, personas, origins: deps.origins, log }));
  }

  app.route('/v1/realtime/calls', callsRoutes(() => deps.realtimeCalls?.(), deps.origins, () => deps.sipCalls?.()));

  app.notFound((c) => apiError(c, 404, 'not_found', 'no_route', `No route for ${c.req.method} ${c.req.path}.`));
  app.onError((err, c) => {
    log(`internal error on ${c.req.method} ${c.req.path}: ${err.name}`);
    return apiError(c, 500, 'server_error', 'internal', 'Internal server error.');
  });
  return app;
}
