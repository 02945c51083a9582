import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStore, MemoryStore, StoreFileError, openStore } from '../../../server/store/index.js';
import { storeContract } from '../../support/storeContract.js';

const dir = mkdtempSync(join(tmpdir(), 'npc-voice-store-'));
let n = 0;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

storeContract(
  'MemoryStore',
  async () => new MemoryStore(),
  async () => null,
);

storeContract(
  'FileStore',
  () => FileStore.open(join(dir, `contract-${++n}.json`)),
  async (store) => {
    await store.close();
    return FileStore.open((store as FileStore).path);
  },
);

describe('stores on their own clock', () => {
  it('forgets a counter when its window ends and a document when its ttl does', async () => {
    let now = 1_000_000;
    const store = new MemoryStore(() => now);
    await store.increment('mints:p1', 5, 1000);
    await store.set('key', { v: 1 }, 500);
    now += 499;
    expect(await store.get('key')).toEqual({ v: 1 });
    now += 1;
    expect(await store.get('key')).toBeUndefined();
    expect(await store.count('mints:p1')).toEqual({ total: 5, resetAtMs: 1_001_000 });
    now += 500;
    expect(await store.count('mints:p1')).toBeNull();
    expect(await store.increment('mints:p1', 1, 1000)).toEqual({ total: 1, resetAtMs: 1_002_000 });
  });

  it('drops what expired while the server was down when the file is opened again', async () => {
    let now = 5_000;
    const path = join(dir, 'expiry.json');
    const a = await FileStore.open(path, () => now);
    await a.set('gone', 1, 100);
    await a.set('kept', 2);
    await a.close();
    now += 1000;
    const b = await FileStore.open(path, () => now);
    await b.close();
    expect(Object.keys(JSON.parse(readFileSync(path, 'utf8')).entries)).toEqual(['kept']);
  });

  it('refuses a file that is not a store, naming it, and changes nothing', async () => {
    const path = join(dir, 'not-a-store.json');
    writeFileSync(path, '{"players": [1, 2]}');
    await expect(FileStore.open(path)).rejects.toThrow(StoreFileError);
    await expect(FileStore.open(path)).rejects.toThrow(`${path} is not a store file of phaser-npc-voice`);
    writeFileSync(path, '{"version": 1, "entr');
    await expect(FileStore.open(path)).rejects.toThrow(/is not a readable store file/);
    expect(readFileSync(path, 'utf8')).toBe('{"version": 1, "entr');
  });

  it('opens the store a server is configured with: memory, a file (the default), or Redis', async () => {
    const memory = await openStore('memory');
    expect(memory).toBeInstanceOf(MemoryStore);
    const file = await openStore(undefined, dir);
    expect(file).toBeInstanceOf(FileStore);
    expect((file as FileStore).path).toBe(join(dir, '.npc-voice/state.json'));
    await Promise.all([memory.close(), file.close()]);
    await expect(openStore('redis://127.0.0.1:1')).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });
});
