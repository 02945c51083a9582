import { randomBytes } from 'node:crypto';

/**
 * Prefix of the tokens the mint hands a browser for this server's own channels. It starts with `ek_` because the
 * Agents SDK refuses, in a browser, any key that is not an ephemeral client key; the rest tells them apart from keys
 * the API or the emulator issue.
 */
export const CONTROL_TOKEN_PREFIX = 'ek_npcv_';

/** Who a token was minted for: the player (the mint's `authorize` hook, else the client address) and the persona. */
export interface ControlGrant {
  readonly playerId: string;
  readonly personaId: string;
}

/** Why a token was refused. */
export type TokenRefusal = 'missing' | 'unknown' | 'expired';

/**
 * One-time, short-lived tokens for the unified interface and the relay: the mint issues one per session (after its
 * origin check, rate limit and `authorize`), the channel redeems it once. Kept in this process's memory (a token is
 * redeemed seconds after it is minted, on the instance that minted it).
 */
export class ControlTokens {
  private readonly grants = new Map<string, ControlGrant & { expiresAtMs: number }>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fresh token for `grant`, and its expiry (Unix seconds). */
  issue(grant: ControlGrant): { value: string; expiresAt: number } {
    this.sweep();
    const value = `${CONTROL_TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
    const expiresAtMs = this.now() + this.ttlSeconds * 1000;
    this.grants.set(value, { ...grant, expiresAtMs });
    return { value, expiresAt: Math.floor(expiresAtMs / 1000) };
  }

  /** Redeems a token (it is forgotten either way): its grant, or why it is refused. */
  redeem(token: string | undefined): { ok: true; grant: ControlGrant } | { ok: false; reason: TokenRefusal } {
    if (!token) return { ok: false, reason: 'missing' };
    const found = this.grants.get(token);
    if (!found) return { ok: false, reason: 'unknown' };
    this.grants.delete(token);
    if (found.expiresAtMs <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, grant: { playerId: found.playerId, personaId: found.personaId } };
  }

  /** Whether `key` looks like one of these tokens (as opposed to an upstream key). */
  static isToken(key: string | undefined): boolean {
    return key?.startsWith(CONTROL_TOKEN_PREFIX) === true;
  }

  private sweep(): void {
    const now = this.now();
    for (const [value, grant] of this.grants) if (grant.expiresAtMs <= now) this.grants.delete(value);
  }
}

/** The bearer token of an `Authorization` header, else the key a browser WebSocket offers as a subprotocol. */
export function presentedToken(authorization: string | undefined, protocols: readonly string[] = []): string | undefined {
  const bearer = authorization === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  if (bearer) return bearer;
  const prefix = 'openai-insecure-api-key.';
  return protocols.find((p) => p.startsWith(prefix))?.slice(prefix.length) || undefined;
}
