import { randomBytes } from 'node:crypto';

/** An ephemeral client key issued by the emulator's `client_secrets` endpoint. */
export interface IssuedKey {
  value: string;
  /** Unix seconds after which the key can no longer start a session. */
  expiresAt: number;
  /** The full effective session config it was minted with. */
  session: Record<string, unknown>;
  /** Persona bound at mint time, when the key was minted by our own mint route. */
  personaId?: string;
}

/** Result of looking a key up. */
export type KeyLookup = { status: 'valid'; key: IssuedKey } | { status: 'expired'; key: IssuedKey } | { status: 'unknown' };

/**
 * Remembers the `ek_…` keys the emulator issued, with their session config and expiry, so the Realtime endpoints can
 * accept them. Expired keys are forgotten lazily after a grace period so the store cannot grow without bound.
 */
export class KeyStore {
  private readonly keys = new Map<string, IssuedKey>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Issues a new key valid for `ttlSeconds`. */
  issue(session: Record<string, unknown>, ttlSeconds: number, personaId?: string): IssuedKey {
    this.sweep();
    const key: IssuedKey = {
      value: `ek_${randomBytes(16).toString('hex')}`,
      expiresAt: Math.floor(this.now() / 1000) + ttlSeconds,
      session,
      ...(personaId === undefined ? {} : { personaId }),
    };
    this.keys.set(key.value, key);
    return key;
  }

  /** Looks up a key: valid, expired (known but past `expiresAt`) or unknown. */
  lookup(value: string): KeyLookup {
    const key = this.keys.get(value);
    if (!key) return { status: 'unknown' };
    return this.now() / 1000 >= key.expiresAt ? { status: 'expired', key } : { status: 'valid', key };
  }

  /** Number of keys held (for tests and health output). */
  get size(): number {
    return this.keys.size;
  }

  private sweep(): void {
    // Keep expired keys for an hour so their use is reported as "expired" rather than "unknown".
    const cutoff = this.now() / 1000 - 3600;
    for (const [value, key] of this.keys) if (key.expiresAt < cutoff) this.keys.delete(value);
  }
}
