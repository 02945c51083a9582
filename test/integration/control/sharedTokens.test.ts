import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintGrant, startControlServer, type ControlTestServer } from '../../support/controlServer.js';
import { startRedis, type RedisServer } from '../../support/redisServer.js';
import { RawClient, refusedUpgrade } from '../emulator/helpers.js';

// Two instances in relay mode behind one address share a Redis store (NPC_VOICE_STORE): a token the mint of one
// hands out opens a session on the other, once.

let redis: RedisServer;
let a: ControlTestServer;
let b: ControlTestServer;

beforeAll(async () => {
  redis = await startRedis();
  [a, b] = await Promise.all([startControlServer({ NPC_VOICE_STORE: redis.url }), startControlServer({ NPC_VOICE_STORE: redis.url })]);
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.stop();
});

describe('relay tokens shared through Redis', () => {
  it('opens a session on the instance the mint did not run on, and only once across both', async () => {
    const grant = await mintGrant(a.url, 'blacksmith');
    const onB = grant.url.replace(a.url.replace('http', 'ws'), b.url.replace('http', 'ws'));
    const opened = b.nextSession();
    const client = await RawClient.connect(onB, { headers: { Authorization: `Bearer ${grant.value}` } });
    expect(await client.nextOfType('session.created')).toMatchObject({ type: 'session.created' });
    expect((await opened).playerId).toBe('127.0.0.1');
    await client.close();
    expect(await refusedUpgrade(grant.url, { headers: { Authorization: `Bearer ${grant.value}` } })).toMatchObject({
      status: 401,
      body: { error: { code: 'invalid_token' } },
    });
    expect(a.sessions).toHaveLength(0);
  });
});
