import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { rateLimiter, type RateLimitInfo } from 'hono-rate-limiter';
import { rateLimitStore } from '../store/rateLimitStore.js';
import type { NpcVoiceStore } from '../store/Store.js';
import { z } from 'zod';
import { DEFAULT_REALTIME_MODEL, personaSessionConfig } from '../../plugin/shared/sessionConfig.js';
import { ConfigError, type ServerMode } from '../config.js';
import type { KeyStore } from '../emulator/keyStore.js';
import { createOriginPolicy, type OriginPolicy } from '../originPolicy.js';
import { PersonaRegistry } from '../personas/PersonaRegistry.js';
import { redactingLogger, type LogFn } from '../redact.js';
import { emulatorUpstream, OPENAI_BASE_URL, openaiUpstream, UpstreamError, type HttpUpstreamOptions, type Upstream } from './upstream.js';

/** Largest mint request body accepted. */
export const MAX_MINT_BODY_BYTES = 16 * 1024;
/** Where the mint route answers unless told otherwise. */
export const DEFAULT_MINT_PATH = '/api/npc-voice/session';

/** What the host knows about a request that the `Request` itself does not carry. */
export interface MintContext {
  /** The TCP peer's address (the rate-limit key unless `trustProxy` or `rateLimit.key` say otherwise). */
  clientAddress?: string;
}

/** A web-standard mint route: `Request` in, `Response` out (Hono, Next.js route handlers, workers, Node via {@link toNodeListener}). */
export type MintHandler = (request: Request, context?: MintContext) => Promise<Response>;

/**
 * Where keys come from: an HTTP `client_secrets` endpoint (OpenAI, or a running emulator, which accepts any bearer
 * there: `{ baseUrl: 'http://127.0.0.1:8787/v1', apiKey: 'emulator', mode: 'emulator' }`), or the in-process
 * emulator's key store (the all-in-one server; answer URLs then point at this server).
 */
export type MintUpstream = (HttpUpstreamOptions & { /** Reported in the answer's `mode`. Default `openai`. */ mode?: ServerMode }) | { emulator: KeyStore };

/** What `authorize` decides: the player's id, a `Response` to refuse with, or nothing (refused with 401). */
export type AuthorizeResult = string | Response | undefined | null;

/** Options of {@link createMintHandler}. */
export interface MintHandlerOptions {
  /** A persona folder (loaded once, at construction), persona objects (validated at construction), or a registry. */
  personas: string | readonly unknown[] | PersonaRegistry;
  upstream: MintUpstream;
  /**
   * Browser origins allowed to mint (exact, like `https://game.example`), or a policy. Requests without `Origin`
   * (server-to-server: browsers always send one cross-origin) are allowed. Default: none besides those.
   */
  origins?: readonly string[] | OriginPolicy;
  /**
   * Mints per minute per key (then 429 with `Retry-After`), or `false` when the host limits already. The key is
   * `context.clientAddress`, or X-Forwarded-For's first address with `trustProxy`; hosts without a client address
   * (workers) should pass `key`, else every client shares one budget. Default `{ perMinute: 30 }`.
   */
  rateLimit?: { perMinute: number; key?: (request: Request, context: MintContext) => string | Promise<string> } | false;
  /**
   * Where the rate limit is counted: a store shared by every server instance (`RedisStore`) or one that survives a
   * restart (`FileStore`). Default: this process's memory.
   */
  store?: NpcVoiceStore;
  /** Lifetime of minted keys, seconds (10–600). Default 60. */
  keyTtlSeconds?: number;
  /** Realtime model of minted sessions. Default `gpt-realtime`. */
  model?: string;
  /**
   * The game's own login: who may mint. Returns the player's id (logged, and answered as `player`), a `Response`
   * to refuse with, or null/undefined to refuse with 401. Runs after the origin check and the rate limit.
   */
  authorize?: (request: Request) => AuthorizeResult | Promise<AuthorizeResult>;
  /**
   * The browser-facing base URL (`https://game.example`), for the answer's `url`/`callsUrl` with the in-process
   * emulator behind a proxy. Default: the request URL's scheme and host (`https:` gives `wss://`).
   */
  publicUrl?: string;
  /** Behind a proxy: take the rate-limit key from X-Forwarded-For and the scheme/host from X-Forwarded-Proto/-Host. */
  trustProxy?: boolean;
  /** Where log lines go (redacted of the API key). Default: none. */
  log?: LogFn;
  /**
   * The route's path. The handler answers a pathname equal to it or ending with it, so it also works mounted under a
   * prefix (`/game/api/npc-voice/session`); other paths get 404. Default `/api/npc-voice/session`.
   */
  path?: string;
  /**
   * Relay mode: the server is in the path of every session, so the answer is a one-time token for its own channels
   * (see `ControlTokens`) with `url`/`callsUrl` pointing at them, and no upstream key is minted.
   */
  channels?: MintChannels;
}

/** This server's own channels (relay, unified interface), as the mint hands them out in relay mode. */
export interface MintChannels {
  /** A one-time token for `grant`. */
  issue(grant: { playerId: string; personaId: string }): Promise<{ value: string; expiresAt: number }>;
  /** The channels' browser-facing URLs under `base` (`https://game.example`). */
  urls(base: string): { url: string; callsUrl: string };
}

type MintEnv = { Bindings: { context: MintContext }; Variables: { player: string | undefined; rateLimit: RateLimitInfo | undefined } };

const MintRequestSchema = z.strictObject({ persona: z.string().min(1).max(64) });

/** Our JSON error shape: `{"error":{"type","code","message"}}`. */
export function apiError(status: ContentfulStatusCode, type: string, code: string, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error: { type, code, message } }, { status, headers });
}

function firstListed(value: string | null): string | undefined {
  const first = value?.split(',')[0]?.trim();
  return first ? first : undefined;
}

function checkOptions(options: MintHandlerOptions): void {
  const ttl = options.keyTtlSeconds;
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl >= 10 && ttl <= 600)) {
    throw new ConfigError(`keyTtlSeconds must be a whole number from 10 to 600 (got ${ttl})`);
  }
  const limit = options.rateLimit;
  if (limit && !(Number.isInteger(limit.perMinute) && limit.perMinute >= 1)) {
    throw new ConfigError(`rateLimit.perMinute must be a whole number of at least 1 (got ${limit.perMinute}); pass rateLimit: false for none`);
  }
  if (options.path !== undefined && !options.path.startsWith('/')) throw new ConfigError(`path must start with "/" (got "${options.path}")`);
  if (options.publicUrl !== undefined && !/^https?:\/\/[^/]/.test(options.publicUrl)) {
    throw new ConfigError(`publicUrl must be an http:// or https:// URL (got "${options.publicUrl}")`);
  }
  if ('apiKey' in options.upstream && !options.upstream.apiKey) throw new ConfigError('upstream.apiKey is empty: set OPENAI_API_KEY');
}

/**
 * The key-minting route as a web-standard handler: `POST {path}` with `{"persona":"<id>"}` answers
 * `{value, expires_at, model, persona, mode, url, callsUrl}` (plus `player` with `authorize`; with `channels`, a one-time
 * token for the server's own channels and `channel: 'relay'`), and it answers the
 * CORS preflight. Refusals are `{"error":{"type","code","message"}}`: 403 origin, 429 rate limit (`Retry-After`),
 * 401 `authorize`, 413 body over 16 KiB, 400 bad JSON/body, 404 unknown persona, 502 upstream (a generic message:
 * upstream bodies and the API key never reach a client or a log line).
 * @throws ConfigError for a bad option; AggregateError of PersonaError for invalid persona objects.
 * @example
 * const handler = createMintHandler({ personas: './personas', upstream: { apiKey: process.env.OPENAI_API_KEY! }, origins: ['https://game.example'] });
 * app.all('/api/npc-voice/*', (c) => handler(c.req.raw)); // Hono
 */
export function createMintHandler(options: MintHandlerOptions): MintHandler {
  checkOptions(options);
  const upstreamOption = options.upstream;
  const apiKey = 'apiKey' in upstreamOption ? upstreamOption.apiKey : undefined;
  const log = redactingLogger(options.log ?? (() => {}), [apiKey]);
  const model = options.model ?? DEFAULT_REALTIME_MODEL;
  const ttlSeconds = options.keyTtlSeconds ?? 60;
  const path = options.path ?? DEFAULT_MINT_PATH;
  const trustProxy = options.trustProxy === true;
  const publicUrl = options.publicUrl?.replace(/\/+$/, '');
  const origins: OriginPolicy = Array.isArray(options.origins)
    ? createOriginPolicy(() => [], options.origins)
    : ((options.origins as OriginPolicy | undefined) ?? createOriginPolicy(() => [], []));

  const personaSource = options.personas;
  const personas: Promise<PersonaRegistry> =
    personaSource instanceof PersonaRegistry
      ? Promise.resolve(personaSource)
      : typeof personaSource === 'string'
        ? PersonaRegistry.load(personaSource, log)
        : Promise.resolve(PersonaRegistry.of(personaSource));
  // A bad folder is reported on each request (and logged); it must not crash the host as an unhandled rejection.
  personas.catch((err: unknown) => log(`mint: personas could not be loaded: ${err instanceof Error ? err.message : String(err)}`));

  let upstream: Upstream;
  let mode: ServerMode;
  let urls: (request: Request) => { url: string; callsUrl: string };
  if ('emulator' in upstreamOption) {
    upstream = emulatorUpstream(upstreamOption.emulator, model);
    mode = 'emulator';
    urls = (request) => {
      const base = publicUrl ?? requestBase(request, trustProxy);
      return { url: `${base.replace(/^http/, 'ws')}/v1/realtime?model=${encodeURIComponent(model)}`, callsUrl: `${base}/v1/realtime/calls` };
    };
  } else {
    upstream = openaiUpstream(upstreamOption);
    mode = upstreamOption.mode ?? 'openai';
    const base = (upstreamOption.baseUrl ?? OPENAI_BASE_URL).replace(/\/+$/, '');
    urls = () => ({ url: `${base.replace(/^http/, 'ws')}/realtime?model=${encodeURIComponent(model)}`, callsUrl: `${base}/realtime/calls` });
  }

  const rateKey = (request: Request, context: MintContext): string | Promise<string> => {
    const limit = options.rateLimit;
    if (limit && limit.key) return limit.key(request, context);
    if (trustProxy) {
      const forwarded = firstListed(request.headers.get('x-forwarded-for'));
      if (forwarded) return forwarded;
    }
    return context.clientAddress ?? 'unknown';
  };

  const app = new Hono<MintEnv>();
  app.use('*', async (c, next) => {
    const origin = c.req.header('origin');
    if (!origins.allows(origin)) {
      log(`mint refused: origin ${JSON.stringify(origin)} not allowed`);
      return apiError(403, 'forbidden', 'origin_not_allowed', `Origin ${origin} may not mint keys. Add it to NPC_VOICE_ALLOWED_ORIGINS (or the mint handler's origins).`);
    }
    await next();
  });
  // A game served from another allowed origin calls this route cross-origin: answer the preflight (before the rate
  // limit, so it costs no mint), reflect the headers its fetch sends (Authorization for `authorize`, custom ones),
  // allow credentials (a login cookie), and let it read the JSON and `Retry-After`. Only allowed origins get here.
  app.use('*', cors({ origin: (origin) => origin, allowMethods: ['POST'], credentials: true, exposeHeaders: ['Retry-After'], maxAge: 600 }));
  const limit = options.rateLimit ?? { perMinute: 30 };
  if (limit) {
    app.use(
      '*',
      rateLimiter<MintEnv>({
        windowMs: 60_000,
        limit: limit.perMinute,
        ...(options.store ? { store: rateLimitStore<MintEnv>(options.store, 'mint', 60_000) } : {}),
        standardHeaders: 'draft-6',
        keyGenerator: (c) => rateKey(c.req.raw, c.env.context),
        handler: (c) => {
          const info = c.get('rateLimit');
          const retryAfter = Math.max(1, Math.ceil(((info?.resetTime?.getTime() ?? Date.now() + 60_000) - Date.now()) / 1000));
          c.header('Retry-After', String(retryAfter));
          return c.json({ error: { type: 'rate_limited', code: 'too_many_requests', message: `Too many key requests; retry in ${retryAfter} s.` } }, 429);
        },
      }),
    );
  }
  const { authorize } = options;
  if (authorize) {
    app.use('*', async (c, next) => {
      const decision = await authorize(c.req.raw);
      if (decision instanceof Response) return new Response(decision.body, decision);
      if (typeof decision !== 'string' || decision === '') {
        return apiError(401, 'unauthorized', 'not_authorized', 'Sign in to talk to NPCs.');
      }
      c.set('player', decision);
      await next();
    });
  }

  app.post(
    '*',
    bodyLimit({
      maxSize: MAX_MINT_BODY_BYTES,
      onError: () => apiError(413, 'invalid_request', 'body_too_large', `Request body over ${MAX_MINT_BODY_BYTES} bytes.`),
    }),
    async (c) => mint(c),
  );
  app.all('*', (c) => apiError(405, 'invalid_request', 'method_not_allowed', `Use POST for ${c.req.path}.`, { Allow: 'POST, OPTIONS' }));
  app.onError((err, c) => {
    log(`mint: internal error on ${c.req.method} ${c.req.path}: ${err.name}`);
    return apiError(500, 'server_error', 'internal', 'Internal server error.');
  });

  async function mint(c: Context<MintEnv>): Promise<Response> {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return apiError(400, 'invalid_request', 'invalid_json', 'Body must be JSON like {"persona":"blacksmith"}.');
    }
    const parsed = MintRequestSchema.safeParse(body);
    if (!parsed.success) return apiError(400, 'invalid_request', 'invalid_body', 'Body must be exactly {"persona":"<persona id>"}.');
    let registry: PersonaRegistry;
    try {
      registry = await personas;
    } catch {
      return apiError(500, 'server_error', 'personas_unavailable', 'The server could not load its personas.');
    }
    const persona = registry.get(parsed.data.persona);
    if (!persona) {
      return apiError(404, 'not_found', 'unknown_persona', `No persona "${parsed.data.persona}". Known: ${[...registry.all().keys()].join(', ')}.`);
    }
    const player = c.get('player');
    const forPlayer = player === undefined ? '' : ` for player ${JSON.stringify(player)}`;
    const { channels } = options;
    if (channels) {
      const token = await channels.issue({ playerId: player ?? (await rateKey(c.req.raw, c.env.context)), personaId: persona.id });
      log(`issued a ${ttlSeconds} s relay token for persona ${persona.id} (${mode})${forPlayer}`);
      return Response.json({
        value: token.value,
        expires_at: token.expiresAt,
        model,
        persona: persona.id,
        mode,
        channel: 'relay',
        ...channels.urls(publicUrl ?? requestBase(c.req.raw, trustProxy)),
        ...(player === undefined ? {} : { player }),
      });
    }
    try {
      const key = await upstream(personaSessionConfig(persona, model), ttlSeconds, persona.id);
      log(`minted a ${ttlSeconds} s key for persona ${persona.id} (${mode})${forPlayer}`);
      return Response.json({
        value: key.value,
        expires_at: key.expiresAt,
        model,
        persona: persona.id,
        mode,
        ...urls(c.req.raw),
        ...(player === undefined ? {} : { player }),
      });
    } catch (err) {
      const code = err instanceof UpstreamError ? err.code : 'upstream_failed';
      log(`mint failed for persona ${persona.id}${forPlayer}: ${err instanceof UpstreamError ? err.message : 'unexpected error'}`);
      return apiError(502, 'upstream_error', code, 'The voice service could not issue a key right now. Try again shortly.');
    }
  }

  return async (request, context = {}) => {
    const { pathname } = new URL(request.url);
    if (pathname !== path && !pathname.endsWith(path)) {
      return apiError(404, 'not_found', 'no_route', `No route for ${request.method} ${pathname}.`);
    }
    return app.fetch(request, { context });
  };
}

/** The browser-facing `scheme://host` of a request: its own URL, or the proxy's forwarded ones when trusted. */
function requestBase(request: Request, trustProxy: boolean): string {
  const url = new URL(request.url);
  let scheme = url.protocol.slice(0, -1);
  let host = url.host;
  if (trustProxy) {
    const proto = firstListed(request.headers.get('x-forwarded-proto'))?.toLowerCase();
    if (proto === 'http' || proto === 'https') scheme = proto;
    const forwardedHost = firstListed(request.headers.get('x-forwarded-host'));
    // Only a plain host[:port]: the value ends up in a URL the browser connects to.
    if (forwardedHost && /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(forwardedHost)) host = forwardedHost;
  }
  return `${scheme}://${host}`;
}
