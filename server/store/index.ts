import { resolve } from 'node:path';
import { FileStore } from './FileStore.js';
import { RedisStore } from './RedisStore.js';
import { MemoryStore, type NpcVoiceStore } from './Store.js';

export { FileStore, StoreFileError } from './FileStore.js';
export { RedisStore, RedisMissingError } from './RedisStore.js';
export { MemoryStore, type NpcVoiceStore, type WindowCount } from './Store.js';

/** The default store file, relative to the server's working directory. */
export const DEFAULT_STORE_FILE = '.npc-voice/state.json';

/**
 * Opens the store a server is configured with (`NPC_VOICE_STORE`): `memory`, `redis://…` / `rediss://…`, or a file
 * path (default {@link DEFAULT_STORE_FILE}; `file:` prefix optional).
 * @throws StoreFileError, RedisMissingError, or the Redis connection error, each saying what to fix.
 */
export async function openStore(spec: string | undefined, cwd: string = process.cwd()): Promise<NpcVoiceStore> {
  const value = spec?.trim() || DEFAULT_STORE_FILE;
  if (value === 'memory') return new MemoryStore();
  if (/^rediss?:\/\//.test(value)) return RedisStore.connect(value);
  return FileStore.open(resolve(cwd, value.replace(/^file:/, '')));
}
