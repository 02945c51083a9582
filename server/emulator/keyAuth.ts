import type { KeyStore } from './keyStore.js';

/** The outcome of checking the key a client opened an emulator session with. */
export type KeyCheck =
  | { ok: true; key: string; session?: Record<string, unknown>; personaId?: string }
  | { ok: false; reason: 'missing' | 'expired' | 'unknown' | 'not_issued'; code: 'missing_api_key' | 'invalid_api_key'; message: string };

/**
 * Checks a session's key, for the WebSocket and WebRTC endpoints alike: an `ek_` key must be one this emulator issued
 * and not expired; any other key is refused unless `acceptAnyBearer` (benchmarks that drive the endpoint directly).
 * Messages say how to get a good key and never repeat the key.
 */
export function checkKey(key: string | undefined, keyStore: KeyStore, acceptAnyBearer: boolean): KeyCheck {
  if (!key) {
    return { ok: false, reason: 'missing', code: 'missing_api_key', message: "You didn't provide an API key. Provide it in the Authorization header (Bearer auth)." };
  }
  if (key.startsWith('ek_')) {
    const found = keyStore.lookup(key);
    if (found.status === 'expired') {
      return { ok: false, reason: 'expired', code: 'invalid_api_key', message: 'Ephemeral key has expired. Mint a new one (POST /api/npc-voice/session).' };
    }
    if (found.status === 'unknown') {
      return {
        ok: false,
        reason: 'unknown',
        code: 'invalid_api_key',
        message: 'Incorrect API key provided: this emulator did not issue that ephemeral key. Mint one (POST /api/npc-voice/session).',
      };
    }
    return { ok: true, key, session: found.key.session, ...(found.key.personaId !== undefined ? { personaId: found.key.personaId } : {}) };
  }
  if (acceptAnyBearer) return { ok: true, key };
  return {
    ok: false,
    reason: 'not_issued',
    code: 'invalid_api_key',
    message: 'Incorrect API key provided: the local emulator accepts only the ek_ keys it minted (POST /api/npc-voice/session or /v1/realtime/client_secrets).',
  };
}
