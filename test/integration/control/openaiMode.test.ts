import { RealtimeAgent } from '@openai/agents-realtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { buildInstructions } from '../../../plugin/shared/sessionConfig.js';
import { loadPersonas } from '../../../server/personas/loadPersonas.js';
import { mintGrant, startControlServer, type ControlTestServer } from '../../support/controlServer.js';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { RawClient } from '../emulator/helpers.js';
import { connectWebrtc, installWrtc, uninstallWrtc, type WebrtcClient } from '../webrtc/webrtcClient.js';

// Relay mode in openai mode, with no internet: an emulator-mode server plays OpenAI (OPENAI_BASE_URL points at it),
// and the game's server, holding a standard key, relays to it. The key must never reach the browser.

const API_KEY = 'sk-test-standin-0123456789abcdef';
let openai: TestServer;
let game: ControlTestServer;
let smith: Persona;
const clients: WebrtcClient[] = [];

beforeAll(async () => {
  await installWrtc();
  openai = await startTestServer();
  game = await startControlServer({ OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: `${openai.url}/v1` });
  smith = (await loadPersonas()).get('blacksmith') as Persona;
});

afterAll(async () => {
  for (const client of clients) client.close();
  await game?.close();
  await openai?.close();
  uninstallWrtc();
});

/** Everything either server logged: the key may appear in neither. */
const allLogs = (): string => [...game.logs, ...openai.logs].join('\n');

describe('relay mode against OpenAI (a stand-in)', () => {
  it('relays a WebSocket session to upstream, and the browser never sees the key', async () => {
    const mintAnswer = await (
      await fetch(`${game.url}/api/npc-voice/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"persona":"blacksmith"}' })
    ).text();
    const grant = JSON.parse(mintAnswer) as { value: string; url: string; mode: string };
    expect(grant).toMatchObject({ mode: 'openai', url: expect.stringContaining(`${game.url.replace('http', 'ws')}/api/npc-voice/realtime`) });
    const opened = game.nextSession();
    const client = await RawClient.connect(grant.url, { protocols: ['realtime', `openai-insecure-api-key.${grant.value}`] });
    const controlled = await opened;
    await client.nextOfType('session.created');
    client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } });
    client.send({ type: 'response.create' });
    expect(await client.nextOfType('response.output_audio_transcript.done')).toMatchObject({ transcript: smith.greeting });
    expect(controlled.channel).toBe('relay');

    // Upstream drops: the browser's socket closes too (the plugin reconnects with a fresh token).
    const closed = new Promise<number>((resolve) => client.ws.once('close', resolve));
    expect(openai.server.dropRealtimeConnections()).toBeGreaterThan(0);
    expect(await closed).not.toBe(1000);

    const seen = [mintAnswer, ...client.events.map((e) => JSON.stringify(e))].join('\n');
    expect(seen).not.toContain(API_KEY);
    expect(seen).not.toMatch(/sk-/);
    expect(allLogs()).not.toContain(API_KEY);
  });

  it('relays a WebRTC call through the unified interface, steered over the sideband with the key', async () => {
    const grant = await mintGrant(game.url, 'blacksmith');
    const opened = game.nextSession();
    const client = await connectWebrtc({ agent: new RealtimeAgent({ name: smith.displayName, instructions: buildInstructions(smith) }), apiKey: grant.value, callsUrl: grant.callsUrl });
    clients.push(client);
    const controlled = await opened;
    expect(controlled).toMatchObject({ channel: 'sideband', sessionId: client.transport.callId });
    const heard = client.next((e) => e.type === 'response.output_audio_transcript.done');
    // Upstream knows the persona only from the session config the server minted its key with (as OpenAI would).
    controlled.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } });
    controlled.send({ type: 'response.create' });
    expect(await heard).toMatchObject({ transcript: smith.greeting });
    expect(client.events.map((e) => JSON.stringify(e)).join('\n')).not.toContain(API_KEY);
    expect(allLogs()).not.toContain(API_KEY);
  });
});
