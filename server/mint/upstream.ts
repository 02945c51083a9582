import { z } from 'zod';
import { issueClientSecret } from '../emulator/clientSecrets.js';
import type { KeyStore } from '../emulator/keyStore.js';

/** A minted key as the mint route needs it. */
export interface MintedKey {
  value: string;
  expiresAt: number;
}

/** Why upstream could not mint: the route answers 502 with a generic message for all of them. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly code: 'upstream_unreachable' | 'upstream_timeout' | 'upstream_failed' | 'upstream_bad_response',
    /** Safe detail for the server log: a status code or an error class, never a body. */
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
  }
}

/** Something that turns a session config into an ephemeral key: OpenAI or the local emulator. */
export type Upstream = (session: Record<string, unknown>, ttlSeconds: number, personaId: string) => Promise<MintedKey>;

const SecretResponseSchema = z.looseObject({
  value: z.string().startsWith('ek_'),
  expires_at: z.number(),
});

/** Where {@link openaiUpstream} mints. */
export interface HttpUpstreamOptions {
  apiKey: string;
  /** API base, with `/v1`. Default `https://api.openai.com/v1`. */
  baseUrl?: string;
  /** How long to wait before answering 502. Default 10 000. */
  timeoutMs?: number;
}

/** OpenAI's API base. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/**
 * Mints through `POST {baseUrl}/realtime/client_secrets` with the API key: OpenAI's, or an emulator's (which accepts
 * any bearer there).
 */
export function openaiUpstream(options: HttpUpstreamOptions): Upstream {
  const { apiKey } = options;
  if (!apiKey) throw new Error('openaiUpstream needs an API key (OPENAI_API_KEY)');
  const baseUrl = (options.baseUrl ?? OPENAI_BASE_URL).replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async (session, ttlSeconds) => {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}/realtime/client_secrets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ expires_after: { anchor: 'created_at', seconds: ttlSeconds }, session }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError');
      throw new UpstreamError(timedOut ? 'upstream_timeout' : 'upstream_unreachable', err instanceof Error ? err.name : 'error');
    }
    // The body is read but never forwarded or logged: upstream may echo request details.
    const text = await response.text().catch(() => '');
    if (!response.ok) throw new UpstreamError('upstream_failed', `status ${response.status}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UpstreamError('upstream_bad_response', 'not JSON');
    }
    const parsed = SecretResponseSchema.safeParse(json);
    if (!parsed.success) throw new UpstreamError('upstream_bad_response', 'unexpected shape');
    return { value: parsed.data.value, expiresAt: parsed.data.expires_at };
  };
}

/** Mints in-process through the emulator's client_secrets logic (the same code its HTTP endpoint runs). */
export function emulatorUpstream(keyStore: KeyStore, model: string): Upstream {
  return async (session, ttlSeconds, personaId) => {
    const result = issueClientSecret({ expires_after: { anchor: 'created_at', seconds: ttlSeconds }, session }, keyStore, {
      defaultModel: model,
      personaId,
    });
    if (result.status !== 200) throw new UpstreamError('upstream_failed', result.body.error.message);
    return { value: result.body.value, expiresAt: result.body.expires_at };
  };
}
