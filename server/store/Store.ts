/** A counter in its window: what was added since the window opened, and when it closes. */
export interface WindowCount {
  total: number;
  /** Unix ms at which the window closes and the count starts again from zero. */
  resetAtMs: number;
}

/**
 * Where the server keeps what must outlive a request and may be shared by several server instances: per-player
 * budgets and rate limits (windowed counters), and documents such as what an NPC remembers of a player.
 * Implementations: {@link MemoryStore} (one process, tests), `FileStore` (the default: a JSON file that survives
 * restarts with no setup) and `RedisStore` (several instances behind one address).
 *
 * Keys are plain strings; callers namespace them (`budget:…`, `memory:…`). Values are JSON.
 */
export interface NpcVoiceStore {
  /**
   * Adds `by` to the counter `key`. The window opens with the first increment and lasts `windowMs`; after it the
   * count starts again. Returns the count after the increment.
   */
  increment(key: string, by: number, windowMs: number): Promise<WindowCount>;
  /** The counter `key` in its current window, or null when it has none. */
  count(key: string): Promise<WindowCount | null>;
  /** The document `key`, or undefined (never set, deleted, or expired). */
  get<T>(key: string): Promise<T | undefined>;
  /** Stores a JSON document, for `ttlMs` when given (else until deleted). */
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  /** Deletes a document or counter. */
  delete(key: string): Promise<void>;
  /** Deletes every key that starts with `prefix` (a player asking to be forgotten); returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  /** Writes out what is pending and releases connections. Idempotent. */
  close(): Promise<void>;
}

/** One entry as the in-process stores keep it. */
export interface StoredEntry {
  /** A counter's total, or a document's JSON value. */
  value: unknown;
  /** Unix ms after which the entry is gone; null for never. */
  expiresAtMs: number | null;
}

/**
 * The in-process store logic over a plain record, shared by {@link MemoryStore} and `FileStore` (which persists the
 * record after each change). Expired entries are dropped as they are met and by `sweep()`.
 */
export class EntryTable {
  constructor(
    readonly entries: Record<string, StoredEntry>,
    private readonly now: () => number,
  ) {}

  private live(key: string): StoredEntry | undefined {
    const e = this.entries[key];
    if (!e) return undefined;
    if (e.expiresAtMs !== null && e.expiresAtMs <= this.now()) {
      delete this.entries[key];
      return undefined;
    }
    return e;
  }

  increment(key: string, by: number, windowMs: number): WindowCount {
    if (!Number.isFinite(by)) throw new RangeError(`increment by a finite number (got ${by})`);
    if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive (got ${windowMs})`);
    const e = this.live(key);
    const current = e && typeof e.value === 'number' && e.expiresAtMs !== null ? e : null;
    const total = (current ? (current.value as number) : 0) + by;
    const resetAtMs = current?.expiresAtMs ?? this.now() + windowMs;
    this.entries[key] = { value: total, expiresAtMs: resetAtMs };
    return { total, resetAtMs };
  }

  count(key: string): WindowCount | null {
    const e = this.live(key);
    return e && typeof e.value === 'number' && e.expiresAtMs !== null ? { total: e.value, resetAtMs: e.expiresAtMs } : null;
  }

  get<T>(key: string): T | undefined {
    return this.live(key)?.value as T | undefined;
  }

  set(key: string, value: unknown, ttlMs?: number): void {
    if (value === undefined) throw new TypeError(`store.set("${key}"): undefined is not JSON; use delete()`);
    // A copy through JSON: what is stored is what a restart (or Redis) gives back, not a live object.
    this.entries[key] = { value: JSON.parse(JSON.stringify(value)), expiresAtMs: ttlMs === undefined ? null : this.now() + ttlMs };
  }

  delete(key: string): boolean {
    const had = key in this.entries;
    delete this.entries[key];
    return had;
  }

  deletePrefix(prefix: string): number {
    let n = 0;
    for (const key of Object.keys(this.entries)) {
      if (!key.startsWith(prefix)) continue;
      if (this.live(key)) n++;
      delete this.entries[key];
    }
    return n;
  }

  /** Drops expired entries; returns how many. */
  sweep(): number {
    let n = 0;
    for (const key of Object.keys(this.entries)) if (!this.live(key)) n++;
    return n;
  }
}

/**
 * A store in this process's memory: for tests, and for a server that needs nothing to survive a restart. `FileStore`
 * extends it and writes the entries out after each change ({@link changed}).
 */
export class MemoryStore implements NpcVoiceStore {
  protected readonly table: EntryTable;

  constructor(now: () => number = Date.now, entries: Record<string, StoredEntry> = {}) {
    this.table = new EntryTable(entries, now);
  }

  async increment(key: string, by: number, windowMs: number): Promise<WindowCount> {
    const result = this.table.increment(key, by, windowMs);
    await this.changed();
    return result;
  }

  async count(key: string): Promise<WindowCount | null> {
    return this.table.count(key);
  }

  async get<T>(key: string): Promise<T | undefined> {
    return this.table.get<T>(key);
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    this.table.set(key, value, ttlMs);
    await this.changed();
  }

  async delete(key: string): Promise<void> {
    if (this.table.delete(key)) await this.changed();
  }

  async deletePrefix(prefix: string): Promise<number> {
    const n = this.table.deletePrefix(prefix);
    if (n > 0) await this.changed();
    return n;
  }

  async close(): Promise<void> {}

  /** Called after every change to the entries (nothing to do in memory). */
  protected async changed(): Promise<void> {}
}
