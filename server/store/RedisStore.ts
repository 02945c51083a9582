import type { Redis } from 'ioredis';
import type { NpcVoiceStore, WindowCount } from './Store.js';

/** Adds to a counter and opens its window on the first increment, atomically (one round trip). */
const INCREMENT = `
local total = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return { total, ttl }
`;

/** Thrown when ioredis is not installed (it is an optional peer dependency). */
export class RedisMissingError extends Error {
  override readonly name = 'RedisMissingError';
}

/**
 * The store for several server instances: counters and documents in Redis, so one player's budget is the same
 * whichever instance answers. Keys are prefixed (default `npc-voice:`). Needs the optional peer `ioredis`.
 *
 * @example
 * const store = await RedisStore.connect('redis://127.0.0.1:6379');
 */
export class RedisStore implements NpcVoiceStore {
  private closed = false;

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /**
   * Connects and waits until Redis answers.
   * @throws RedisMissingError without ioredis; the connection error when Redis cannot be reached.
   */
  static async connect(url: string, options: { prefix?: string; redis?: Record<string, unknown>; onError?: (err: Error) => void } = {}): Promise<RedisStore> {
    let Ctor: typeof import('ioredis').Redis;
    try {
      ({ Redis: Ctor } = await import('ioredis'));
    } catch (err) {
      throw new RedisMissingError('a redis:// store needs the ioredis package: npm install ioredis', { cause: err });
    }
    const redis = new Ctor(url, { lazyConnect: true, maxRetriesPerRequest: 2, ...options.redis });
    // ioredis reconnects by itself; meanwhile each command fails with the error. Without a listener it would also
    // print every connection error to the console.
    redis.on('error', (err: Error) => options.onError?.(err));
    try {
      await redis.connect();
      await redis.ping();
    } catch (err) {
      redis.disconnect();
      throw new Error(`cannot reach Redis at ${redactUrl(url)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    return new RedisStore(redis, options.prefix ?? 'npc-voice:');
  }

  async increment(key: string, by: number, windowMs: number): Promise<WindowCount> {
    if (!Number.isFinite(by)) throw new RangeError(`increment by a finite number (got ${by})`);
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive (got ${windowMs})`);
    const [total, ttl] = (await this.redis.eval(INCREMENT, 1, this.prefix + key, String(by), String(Math.ceil(windowMs)))) as [string, number];
    return { total: Number(total), resetAtMs: Date.now() + Number(ttl) };
  }

  async count(key: string): Promise<WindowCount | null> {
    const k = this.prefix + key;
    const [[, value], [, ttl]] = (await this.redis.multi().get(k).pttl(k).exec()) as [[null, string | null], [null, number]];
    if (value === null || ttl < 0 || !Number.isFinite(Number(value))) return null;
    return { total: Number(value), resetAtMs: Date.now() + ttl };
  }

  async get<T>(key: string): Promise<T | undefined> {
    const raw = await this.redis.get(this.prefix + key);
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    if (value === undefined) throw new TypeError(`store.set("${key}"): undefined is not JSON; use delete()`);
    const json = JSON.stringify(value);
    if (ttlMs === undefined) await this.redis.set(this.prefix + key, json);
    else await this.redis.set(this.prefix + key, json, 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }

  async deletePrefix(prefix: string): Promise<number> {
    let removed = 0;
    // SCAN, not KEYS: it does not block a Redis other services share.
    for await (const keys of this.redis.scanStream({ match: `${escapeGlob(this.prefix + prefix)}*`, count: 200 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) removed += await this.redis.unlink(...keys);
    }
    return removed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

/** The URL without its password, for error messages. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured URL';
  }
}
