import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { RawClient, refusedUpgrade } from './helpers.js';

async function open(url: string, key: string, extra: { origin?: string; localAddress?: string } = {}): Promise<RawClient> {
  const client = await RawClient.connect(url, {
    headers: { Authorization: `Bearer ${key}`, ...(extra.origin ? { Origin: extra.origin } : {}) },
    ...(extra.localAddress ? { localAddress: extra.localAddress } : {}),
  });
  await client.nextOfType('session.created');
  return client;
}

const FOREIGN = 'https://evil.example';

describe('who may open emulator sessions', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ NPC_VOICE_MAX_SESSIONS: '2', NPC_VOICE_ALLOWED_ORIGINS: 'https://game.example' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses keys it did not mint with 401 before taking a slot, so a flood of them leaves room for real players', async () => {
    for (let i = 0; i < 5; i++) {
      const refused = await refusedUpgrade(server.wsUrl, { headers: { Authorization: 'Bearer not-a-key' } });
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ error: { code: 'invalid_api_key', message: expect.stringContaining('accepts only the ek_ keys it minted') } });
    }
    const unknown = await refusedUpgrade(server.wsUrl, { headers: { Authorization: 'Bearer ek_not_minted_here' } });
    expect(unknown.status).toBe(401);
    // Both slots of NPC_VOICE_MAX_SESSIONS=2 are still free for real players.
    const first = await open(server.wsUrl, server.mintKey(), { origin: server.url });
    const second = await open(server.wsUrl, server.mintKey(), { origin: 'https://game.example' });
    expect([first.ws.readyState, second.ws.readyState]).toEqual([WebSocket.OPEN, WebSocket.OPEN]);
    await first.close();
    await second.close();
  });

  it('refuses a WebSocket from a foreign origin with 403 even with a valid key, and admits the game origin', async () => {
    const key = server.mintKey();
    const refused = await refusedUpgrade(server.wsUrl, { headers: { Authorization: `Bearer ${key}`, Origin: FOREIGN } });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'origin_not_allowed', message: expect.stringContaining('NPC_VOICE_ALLOWED_ORIGINS') } });
    const player = await open(server.wsUrl, key, { origin: 'http://localhost:5173' });
    expect(player.ws.readyState).toBe(WebSocket.OPEN);
    await player.close();
  });

  it('answers /v1/realtime/calls from a foreign origin with 403 and no CORS grant, never *', async () => {
    const preflight = await fetch(`${server.url}/v1/realtime/calls`, {
      method: 'OPTIONS',
      headers: { Origin: FOREIGN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const post = await fetch(`${server.url}/v1/realtime/calls`, {
      method: 'POST',
      body: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n',
      headers: { Origin: FOREIGN, 'Content-Type': 'application/sdp', Authorization: `Bearer ${server.mintKey()}` },
    });
    expect(post.status).toBe(403);
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
    expect(await post.json()).toMatchObject({ error: { code: 'origin_not_allowed' } });
    const allowed = await fetch(`${server.url}/v1/realtime/calls`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://game.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://game.example');
  });
});

describe('per-client session caps', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ NPC_VOICE_MAX_SESSIONS_PER_KEY: '2', NPC_VOICE_MAX_SESSIONS_PER_CLIENT: '3' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses a third session with one key (429, clear message) while other keys still get in', async () => {
    const key = server.mintKey();
    const a = await open(server.wsUrl, key);
    const b = await open(server.wsUrl, key);
    const refused = await refusedUpgrade(server.wsUrl, { headers: { Authorization: `Bearer ${key}` } });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      error: { type: 'requests', code: 'rate_limit_exceeded', message: expect.stringContaining('with this key (limit 2, NPC_VOICE_MAX_SESSIONS_PER_KEY)') },
    });
    const other = await open(server.wsUrl, server.mintKey());
    await Promise.all([a.close(), b.close(), other.close()]);
    // Closed sessions give their slots back.
    const again = await open(server.wsUrl, key);
    await again.close();
  });

  it('refuses a fourth session from one address while another address is unaffected', async () => {
    const held = [await open(server.wsUrl, server.mintKey()), await open(server.wsUrl, server.mintKey()), await open(server.wsUrl, server.mintKey())];
    const refused = await refusedUpgrade(server.wsUrl, { headers: { Authorization: `Bearer ${server.mintKey()}` } });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { code: 'rate_limit_exceeded', message: expect.stringContaining('from this client (limit 3') } });
    // Another player, from another address (all of 127.0.0.0/8 is loopback).
    const neighbour = await open(server.wsUrl, server.mintKey(), { localAddress: '127.0.0.2' });
    expect(neighbour.ws.readyState).toBe(WebSocket.OPEN);
    await Promise.all([...held, neighbour].map((c) => c.close()));
  });
});
