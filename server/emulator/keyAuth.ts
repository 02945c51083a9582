import type { KeyStore } from './keyStore.js';
import { PROTOCOL_ERRORS, type RealtimeError } from './realtime/protocolErrors.js';

/** What a client presented to open an emulator session, whatever the transport. */
export interface Credentials {
  /** The `Authorization` header (`Bearer <key>`). */
  authorization?: string | undefined;
  /** WebSocket subprotocols offered; a browser sends its key as `openai-insecure-api-key.<key>`. */
  protocols?: readonly string[];
}

/** The outcome of {@link authenticate}: the key with what it was minted with, or why it was refused. */
export type Authentication =
  | { ok: true; key: string; session?: Record<string, unknown>; personaId?: string }
  | { ok: false; reason: 'missing' | 'expired' | 'unknown' | 'not_issued'; error: RealtimeError };

/** Prefix of the subprotocol that carries a browser's key. */
export const KEY_PROTOCOL_PREFIX = 'openai-insecure-api-key.';

const BEARER_RE = /^Bearer\s+(\S.*)$/i;

/** The key a client presented: the bearer token, else the key subprotocol. */
function presentedKey(credentials: Credentials): string | undefined {
  const header = credentials.authorization;
  const bearer = typeof header === 'string' ? BEARER_RE.exec(header)?.[1]?.trim() : undefined;
  if (bearer) return bearer;
  return credentials.protocols?.find((p) => p.startsWith(KEY_PROTOCOL_PREFIX))?.slice(KEY_PROTOCOL_PREFIX.length) || undefined;
}

/**
 * Authenticates a sideband (`?call_id=`): the developer's server with its standard key, as the service requires;
 * an ephemeral `ek_` key (what a browser holds) is refused. The call id itself is the capability: unguessable, and
 * known only to whoever created the call.
 */
export function authenticateSideband(credentials: Credentials): { ok: true } | { ok: false; error: RealtimeError } {
  return authenticateServerKey(credentials, PROTOCOL_ERRORS.sidebandNeedsStandardKey);
}

/**
 * Authenticates the developer's server controlling a call (sideband, `calls/{id}/accept|reject|refer|hangup` of a
 * SIP call): any standard key; an ephemeral `ek_` key gets `refused()`. The call id is the capability.
 */
export function authenticateServerKey(
  credentials: Credentials,
  refused: () => RealtimeError = PROTOCOL_ERRORS.callControlNeedsStandardKey,
): { ok: true } | { ok: false; error: RealtimeError } {
  const key = presentedKey(credentials);
  if (!key) return { ok: false, error: PROTOCOL_ERRORS.missingApiKey() };
  if (key.startsWith('ek_')) return { ok: false, error: refused() };
  return { ok: true };
}

/**
 * Authenticates a session request, for every transport (WebSocket upgrade, WebRTC calls): an `ek_` key must be one
 * this emulator issued and not expired; any other key is refused unless `acceptAnyBearer` (benchmarks that drive the
 * endpoint directly). The errors say how to get a good key and never repeat the key.
 */
export function authenticate(credentials: Credentials, keyStore: KeyStore, acceptAnyBearer: boolean): Authentication {
  const key = presentedKey(credentials);
  if (!key) return { ok: false, reason: 'missing', error: PROTOCOL_ERRORS.missingApiKey() };
  if (key.startsWith('ek_')) {
    const found = keyStore.lookup(key);
    if (found.status === 'expired') return { ok: false, reason: 'expired', error: PROTOCOL_ERRORS.expiredKey() };
    if (found.status === 'unknown') return { ok: false, reason: 'unknown', error: PROTOCOL_ERRORS.unknownKey() };
    return { ok: true, key, session: found.key.session, ...(found.key.personaId !== undefined ? { personaId: found.key.personaId } : {}) };
  }
  if (acceptAnyBearer) return { ok: true, key };
  return { ok: false, reason: 'not_issued', error: PROTOCOL_ERRORS.keyNotIssued() };
}
