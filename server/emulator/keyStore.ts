import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';

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

/** Options of {@link KeyStore}. */
export interface KeyStoreOptions {
  /** How long an expired key is still reported as "expired" rather than "unknown" (default 60 s). */
  graceSeconds?: number;
  /** How often expired keys are forgotten (default 60 s; 0 = only when a key is issued). */
  sweepIntervalMs?: number;
}

/** Events of {@link KeyStore}: `sweep` after every periodic sweep, with the number of keys forgotten. */
export interface KeyStoreEvents {
  sweep: [removed: number];
}

/**
 * Remembers the `ek_…` keys the emulator issued, with their session config and expiry, so the Realtime endpoints can
 * accept them. Expired keys are forgotten after a grace period, by a periodic sweep (an unref'd timer, so it never
 * keeps the process alive; {@link KeyStore.close} stops it) and on every issue, so the store cannot grow without bound.
 */
export class KeyStore extends EventEmitter<KeyStoreEvents> {
  private readonly keys = new Map<string, IssuedKey>();
  private readonly graceSeconds: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly now: () => number = () => Date.now(),
    options: KeyStoreOptions = {},
  ) {
    super();
    this.graceSeconds = options.graceSeconds ?? 60;
    const interval = options.sweepIntervalMs ?? 60_000;
    if (interval > 0) {
      this.timer = setInterval(() => this.emit('sweep', this.sweep()), interval);
      this.timer.unref();
    }
  }

  /** Stops the periodic sweep. Safe to call twice. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

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

  /** Forgets keys expired for longer than the grace period; returns how many. */
  sweep(): number {
    // Expired keys stay a little so their use is reported as "expired" rather than "unknown".
    const cutoff = this.now() / 1000 - this.graceSeconds;
    let removed = 0;
    for (const [value, key] of this.keys) {
      if (key.expiresAt < cutoff) {
        this.keys.delete(value);
        removed++;
      }
    }
    return removed;
  }
}
