import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisStore } from '../../../server/store/index.js';
import { startRedis, type RedisServer } from '../../support/redisServer.js';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { storeContract } from '../../support/storeContract.js';

// The Redis store against a real redis-server on loopback, started for this file and ended after it.

let redis: RedisServer;
let n = 0;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

// Each store gets its own prefix, as two games sharing one Redis would; reopening is a second server instance.
const prefixes = new WeakMap<RedisStore, string>();
storeContract(
  'RedisStore',
  async () => {
    const prefix = `t${++n}:`;
    const store = await RedisStore.connect(redis.url, { prefix });
    prefixes.set(store, prefix);
    return store;
  },
  async (store) => RedisStore.connect(redis.url, { prefix: prefixes.get(store as RedisStore) ?? '' }),
);

it('two instances add to one counter at once without losing an increment', async () => {
  const [a, b] = await Promise.all([RedisStore.connect(redis.url, { prefix: 'race:' }), RedisStore.connect(redis.url, { prefix: 'race:' })]);
  try {
    await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).increment('dollars:p1', 0.01, 60_000)));
    const total = (await a.count('dollars:p1'))?.total ?? 0;
    expect(total).toBeCloseTo(0.5, 10);
    // The window opened once: the second instance sees the same reset time.
    expect(Math.abs(((await a.count('dollars:p1'))?.resetAtMs ?? 0) - ((await b.count('dollars:p1'))?.resetAtMs ?? 0))).toBeLessThan(50);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

it('two server instances on one Redis count one player against one mint limit', async () => {
  const env = { NPC_VOICE_STORE: redis.url, NPC_VOICE_RATE_LIMIT: '3' };
  const [a, b] = await Promise.all([startTestServer(env), startTestServer(env)]);
  try {
    const mint = (s: TestServer) =>
      fetch(`${s.url}/api/npc-voice/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ persona: 'blacksmith' }) });
    const statuses = [];
    for (const s of [a, b, a, b]) statuses.push((await mint(s)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await mint(a);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
