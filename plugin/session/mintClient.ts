import * as z from 'zod/mini';
import { MintError, messageOf } from '../errors.js';
import { zodEnglish } from '../shared/zodLocale.js';
import type { MintEndpointCode, MintErrorCode } from '../types.js';

/** An ephemeral key from the mint endpoint, valid for one connection. */
export interface EphemeralKey {
  /** The `ek_…` key. */
  readonly value: string;
  /** Expiry, Unix seconds. */
  readonly expiresAt: number;
  /** The model the key was minted for; the session's `model` option must equal it. */
  readonly model: string;
  /** The persona id the server configured the session for. */
  readonly persona: string;
  /** WebSocket URL of the Realtime endpoint to connect to (the server's relay in relay mode). */
  readonly url: string;
  /**
   * Where a WebRTC call posts its SDP offer, when the server names it: its unified interface in relay mode
   * (`…/api/npc-voice/calls`). Otherwise the calls endpoint next to {@link url}.
   */
  readonly callsUrl?: string;
}

const KeySchema = z.object({
  value: z.string().check(z.regex(/^ek_/, 'an ephemeral key starting with ek_')),
  expires_at: z.number(),
  model: z.string().check(z.minLength(1)),
  persona: z.string().check(z.minLength(1)),
  url: z.string().check(z.regex(/^(wss?|https?):\/\//, 'an absolute ws(s):// URL')),
  callsUrl: z.optional(z.string().check(z.regex(/^https?:\/\//, 'an absolute http(s):// URL'))),
});

const ErrorBodySchema = z.object({
  error: z.object({ type: z.optional(z.string()), code: z.nullish(z.string()), message: z.optional(z.string()) }),
});

/** The `fetch` signature the client needs (inject one in tests or for custom auth headers). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Options of a {@link MintClient}. */
export interface MintClientOptions {
  /** URL of the mint endpoint (`POST`, JSON `{persona}`). */
  endpoint: string;
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike;
}

/**
 * Parses a `Retry-After` header (seconds or an HTTP date) into milliseconds from `nowMs`; null when absent or
 * unreadable.
 */
export function parseRetryAfterMs(header: string | null, nowMs: number = Date.now()): number | null {
  if (header === null) return null;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (!Number.isFinite(at)) return null;
  return Math.max(0, at - nowMs);
}

/**
 * Asks the game's server for a fresh ephemeral key per connection. Every failure is a typed {@link MintError}
 * (`status` 0 for network failures, `retryAfterMs` from 429/503 answers).
 *
 * @example
 * const client = new MintClient({ endpoint: '/api/npc-voice/session' });
 * const key = await client.mint('blacksmith');
 * await session.connect({ apiKey: key.value, url: key.url });
 */
export class MintClient {
  private readonly endpoint: string;
  private readonly fetchImpl: FetchLike;

  constructor(options: MintClientOptions) {
    this.endpoint = options.endpoint;
    // Bind: calling the global fetch with another `this` throws "Illegal invocation" in browsers.
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /**
   * Mints a key for `personaId`.
   * @throws MintError on a network failure, an error status or a malformed answer.
   */
  async mint(personaId: string, signal?: AbortSignal): Promise<EphemeralKey> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ persona: personaId }),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      throw new MintError('network_error', `could not reach the mint endpoint ${this.endpoint}: ${messageOf(err)}`, 0, null, {
        cause: err,
      });
    }
    const text = await response.text().catch(() => '');
    const body = parseJson(text);
    if (!response.ok) {
      const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
      const parsed = ErrorBodySchema.safeParse(body);
      const own = parsed.success ? (parsed.data.error.code ?? parsed.data.error.type) : undefined;
      const code: MintErrorCode = own !== undefined ? endpointCode(own) : `http_${response.status}`;
      const detail = parsed.success && parsed.data.error.message ? parsed.data.error.message : response.statusText;
      throw new MintError(code, `mint endpoint answered ${response.status}: ${detail}`, response.status, retryAfterMs);
    }
    const parsed = KeySchema.safeParse(body, { error: zodEnglish });
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
      throw new MintError('invalid_response', `mint endpoint answered with an unexpected body: ${detail}`, response.status);
    }
    const k = parsed.data;
    return { value: k.value, expiresAt: k.expires_at, model: k.model, persona: k.persona, url: k.url, ...(k.callsUrl === undefined ? {} : { callsUrl: k.callsUrl }) };
  }
}

/** Marks a code the endpoint chose (the one place a `MintEndpointCode` is made). */
function endpointCode(code: string): MintEndpointCode {
  return code as MintEndpointCode;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
