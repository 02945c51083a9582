import type { Env } from 'hono';
import type { ClientRateLimitInfo, Store } from 'hono-rate-limiter';
import type { NpcVoiceStore } from './Store.js';

/**
 * hono-rate-limiter's store over ours: the mint route's per-player limit is counted where budgets are (the file,
 * or Redis shared by every instance), under `rate:<name>:<key>`.
 */
export function rateLimitStore<E extends Env>(store: NpcVoiceStore, name: string, windowMs: number): Store<E> {
  const key = (k: string) => `rate:${name}:${k}`;
  return {
    localKeys: false,
    prefix: `rate:${name}:`,
    async get(k): Promise<ClientRateLimitInfo | undefined> {
      const c = await store.count(key(k));
      return c ? { totalHits: c.total, resetTime: new Date(c.resetAtMs) } : undefined;
    },
    async increment(k): Promise<ClientRateLimitInfo> {
      const c = await store.increment(key(k), 1, windowMs);
      return { totalHits: c.total, resetTime: new Date(c.resetAtMs) };
    },
    async decrement(k): Promise<void> {
      await store.increment(key(k), -1, windowMs);
    },
    async resetKey(k): Promise<void> {
      await store.delete(key(k));
    },
  };
}
