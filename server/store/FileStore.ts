import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { MemoryStore, type StoredEntry } from './Store.js';

interface FileData {
  version: 1;
  entries: Record<string, StoredEntry>;
}

/** A stored file that cannot be read back: the message names the file and what to do. */
export class StoreFileError extends Error {
  override readonly name = 'StoreFileError';
}

/**
 * The default store: a JSON file (written atomically with lowdb, so a crash leaves the old or the new file, never half
 * of one) that keeps budgets and NPC memory across server restarts with no setup. One server process per file; use
 * `RedisStore` for several instances.
 *
 * @example
 * const store = await FileStore.open('.npc-voice/state.json');
 * await store.increment('budget:mints:player-1', 1, 3_600_000);
 */
export class FileStore extends MemoryStore {
  private closed = false;

  private constructor(
    private readonly db: Low<FileData>,
    now: () => number,
    readonly path: string,
  ) {
    super(now, db.data.entries);
  }

  /**
   * Opens (or creates) the store file.
   * @throws StoreFileError when the file exists but is not a store this package wrote.
   */
  static async open(path: string, now: () => number = Date.now): Promise<FileStore> {
    await mkdir(dirname(path), { recursive: true });
    const db = new Low<FileData>(new JSONFile<FileData>(path), { version: 1, entries: {} });
    try {
      await db.read();
    } catch (err) {
      throw new StoreFileError(`${path} is not a readable store file (${err instanceof Error ? err.message : String(err)}); move it away and the server starts a fresh one`, { cause: err });
    }
    const data: unknown = db.data;
    const entries = typeof data === 'object' && data !== null ? (data as Partial<FileData>).entries : undefined;
    if ((data as Partial<FileData> | null)?.version !== 1 || typeof entries !== 'object' || entries === null) {
      throw new StoreFileError(`${path} is not a store file of phaser-npc-voice (expected {"version":1,"entries":{…}}); move it away and the server starts a fresh one`);
    }
    const store = new FileStore(db, now, path);
    store.table.sweep();
    return store;
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.table.sweep();
    await this.db.write();
  }

  protected override async changed(): Promise<void> {
    if (this.closed) throw new Error(`the store ${this.path} is closed`);
    // lowdb's writer coalesces writes that overlap: a burst of increments costs one or two file writes.
    await this.db.write();
  }
}
