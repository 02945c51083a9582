import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { NpcVoiceStore } from '../store/Store.js';

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

const StoredGrantSchema = z.object({ playerId: z.string(), personaId: z.string(), expiresAtMs: z.number() });

/** How long a redeemed or expired token is remembered past its lifetime, so it is refused as such. */
const GRACE_MS = 60_000;

/**
 * One-time, short-lived tokens for the unified interface and the relay: the mint issues one per session (after its
 * origin check, rate limit and `authorize`), the channel redeems it once. Kept in the server's store when it has one
 * (`NPC_VOICE_STORE`: with Redis, a token minted by one instance opens a session on another), else in memory.
 */
export class ControlTokens {
  private readonly grants = new Map<string, ControlGrant & { expiresAtMs: number }>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
    private readonly store?: NpcVoiceStore | null,
  ) {}

  /** A fresh token for `grant`, and its expiry (Unix seconds). */
  async issue(grant: ControlGrant): Promise<{ value: string; expiresAt: number }> {
    const value = `${CONTROL_TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
    const expiresAtMs = this.now() + this.ttlSeconds * 1000;
    const stored = { playerId: grant.playerId, personaId: grant.personaId, expiresAtMs };
    if (this.store) {
      await this.store.set(`control-token:${value}`, stored, this.ttlSeconds * 1000 + GRACE_MS);
    } else {
      this.sweep();
      this.grants.set(value, stored);
    }
    return { value, expiresAt: Math.floor(expiresAtMs / 1000) };
  }

  /** Redeems a token (it is spent either way): its grant, or why it is refused. */
  async redeem(token: string | undefined): Promise<{ ok: true; grant: ControlGrant } | { ok: false; reason: TokenRefusal }> {
    if (!token) return { ok: false, reason: 'missing' };
    const found = await this.take(token);
    if (!found) return { ok: false, reason: 'unknown' };
    if (found.expiresAtMs <= this.now()) return { ok: false, reason: 'expired' };
    return { ok: true, grant: { playerId: found.playerId, personaId: found.personaId } };
  }

  /** The token's grant, spent at once; undefined when unknown or spent before. */
  private async take(token: string): Promise<(ControlGrant & { expiresAtMs: number }) | undefined> {
    if (!this.store) {
      const found = this.grants.get(token);
      this.grants.delete(token);
      return found;
    }
    // The counter is the atomic part (Redis INCR): of two instances redeeming one token at once, one sees 1.
    const uses = await this.store.increment(`control-token-used:${token}`, 1, this.ttlSeconds * 1000 + GRACE_MS);
    if (uses.total > 1) return undefined;
    const key = `control-token:${token}`;
    const parsed = StoredGrantSchema.safeParse(await this.store.get(key));
    await this.store.delete(key);
    return parsed.success ? parsed.data : undefined;
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
