import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachNpcVoice, createMintHandler, DEFAULT_PERSONA_DIR, readConfig, type NpcVoiceAttachment } from '../../../server/index.js';
import { RawClient } from '../emulator/helpers.js';

describe('attachNpcVoice on a bare http.createServer()', () => {
  let server: http.Server;
  let voice: NpcVoiceAttachment;
  let url: string;
  const logs: string[] = [];

  beforeAll(async () => {
    server = http.createServer();
    voice = await attachNpcVoice(server, {
      config: readConfig({}, { port: 0 }),
      log: (line) => logs.push(line),
      ownOrigins: ['https://game.local'],
    });
    // The host's own route: whatever the attachment does not own reaches it.
    server.on('request', (req, res) =>
      voice.middleware(req, res, () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`host route ${req.url}`);
      }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await voice.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const mint = (headers: Record<string, string> = {}) =>
    fetch(`${url}/api/npc-voice/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"persona":"guard"}' });

  it("leaves the host's own routes to the host, and answers /healthz itself", async () => {
    const own = await fetch(`${url}/game/index.html?x=1`);
    expect(await own.text()).toBe('host route /game/index.html?x=1');
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toMatchObject({ ok: true, mode: 'emulator', personas: ['blacksmith', 'guard', 'herbalist'] });
  });

  it("mints for pages of the host server's own origin and ownOrigins, not for others", async () => {
    expect((await mint({ origin: url })).status).toBe(200);
    expect((await mint({ origin: url.replace('127.0.0.1', 'localhost') })).status).toBe(200);
    expect((await mint({ origin: 'https://game.local' })).status).toBe(200);
    const refused = await mint({ origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('origin_not_allowed');
  });

  it('runs a realtime WebSocket session with a key minted on the host server', async () => {
    const minted = (await (await mint({ origin: url })).json()) as { value: string; url: string };
    expect(minted.url).toBe(`${url.replace('http', 'ws')}/v1/realtime?model=gpt-realtime`);
    const client = await RawClient.connect(minted.url, { headers: { authorization: `Bearer ${minted.value}`, origin: url } });
    try {
      const created = await client.nextOfType('session.created');
      expect(created).toMatchObject({ session: { audio: { output: { voice: 'cedar' } } } });
      client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } });
      client.send({ type: 'response.create' });
      const done = await client.nextOfType('response.done');
      expect(done).toMatchObject({ response: { status: 'completed' } });
    } finally {
      await client.close();
    }
  });

  it("serves the emulator's client_secrets, so createMintHandler elsewhere can mint from it over HTTP", async () => {
    const handler = createMintHandler({
      personas: DEFAULT_PERSONA_DIR,
      upstream: { baseUrl: `${url}/v1`, apiKey: 'emulator', mode: 'emulator' },
    });
    const response = await handler(new Request('http://backend.local/api/npc-voice/session', { method: 'POST', body: '{"persona":"blacksmith"}' }));
    const json = (await response.json()) as Record<string, any>;
    expect(response.status).toBe(200);
    expect(json).toMatchObject({ mode: 'emulator', persona: 'blacksmith', url: `${url.replace('http', 'ws')}/v1/realtime?model=gpt-realtime` });
    expect(voice.keyStore.lookup(json.value).status).toBe('valid');
  });
});
