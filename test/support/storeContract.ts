import { describe, expect, it } from 'vitest';
import type { NpcVoiceStore } from '../../server/store/index.js';

/**
 * What every store must do, run against each implementation (memory, file, Redis). `open` gives a fresh store
 * (each call a new key namespace); `reopen` gives a new store over the same data (a restart, or a second
 * instance), or null where the data does not outlive the store.
 */
export function storeContract(name: string, open: () => Promise<NpcVoiceStore>, reopen: (store: NpcVoiceStore) => Promise<NpcVoiceStore | null>): void {
  describe(`${name}: the store contract`, () => {
    it('counts within a window that opens with the first increment', async () => {
      const store = await open();
      try {
        const before = Date.now();
        const a = await store.increment('mints:p1', 1, 60_000);
        const b = await store.increment('mints:p1', 2.5, 60_000);
        expect([a.total, b.total]).toEqual([1, 3.5]);
        expect(b.resetAtMs).toBeGreaterThanOrEqual(before + 59_000);
        expect(b.resetAtMs).toBeLessThanOrEqual(Date.now() + 60_000);
        expect(await store.count('mints:p1')).toMatchObject({ total: 3.5 });
        expect(await store.count('mints:p2')).toBeNull();
        await expect(store.increment('mints:p1', Number.NaN, 1000)).rejects.toThrow(RangeError);
      } finally {
        await store.close();
      }
    });

    it('keeps JSON documents, by value, deletes one or a whole prefix', async () => {
      const store = await open();
      try {
        const doc = { lines: ['hello'], facts: { name: 'Ada' } };
        await store.set('memory:p1:smith', doc);
        doc.lines.push('mutated after set');
        await store.set('memory:p1:guard', { lines: [] });
        await store.set('memory:p2:smith', { lines: ['other player'] });
        expect(await store.get('memory:p1:smith')).toEqual({ lines: ['hello'], facts: { name: 'Ada' } });
        expect(await store.get('memory:nobody')).toBeUndefined();
        expect(await store.deletePrefix('memory:p1:')).toBe(2);
        expect(await store.get('memory:p1:guard')).toBeUndefined();
        expect(await store.get('memory:p2:smith')).toEqual({ lines: ['other player'] });
        await store.delete('memory:p2:smith');
        expect(await store.get('memory:p2:smith')).toBeUndefined();
        await expect(store.set('x', undefined)).rejects.toThrow(/undefined is not JSON/);
      } finally {
        await store.close();
      }
    });

    it('keeps counters and documents for the next store over the same data (a restart, another instance)', async () => {
      const store = await open();
      await store.increment('dollars:p1', 0.25, 86_400_000);
      await store.set('memory:p1:smith', { lines: ['remember me'] });
      await store.set('short', 1, 60_000);
      const next = await reopen(store);
      await store.close();
      if (!next) return;
      try {
        expect(await next.count('dollars:p1')).toMatchObject({ total: 0.25 });
        expect(await next.get('memory:p1:smith')).toEqual({ lines: ['remember me'] });
        expect(await next.increment('dollars:p1', 0.5, 86_400_000)).toMatchObject({ total: 0.75 });
      } finally {
        await next.close();
      }
    });
  });
}
