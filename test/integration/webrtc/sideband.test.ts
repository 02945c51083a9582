import { RealtimeAgent } from '@openai/agents-realtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { buildInstructions } from '../../../plugin/shared/sessionConfig.js';
import { loadPersonas } from '../../../server/personas/loadPersonas.js';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { RawClient, refusedUpgrade } from '../emulator/helpers.js';
import { connectWebrtc, installWrtc, mintKey, uninstallWrtc, type WebrtcClient } from './webrtcClient.js';

// The sideband of a WebRTC call (`GET /v1/realtime?call_id=…`): the developer's server attaches a WebSocket to a
// call the browser (here the real SDK over wrtc) opened, sees its events, and drives the same session.

let server: TestServer;
let smith: Persona;
const clients: WebrtcClient[] = [];

beforeAll(async () => {
  await installWrtc();
  server = await startTestServer({ NPC_VOICE_ALLOWED_ORIGINS: 'https://game.example' });
  smith = (await loadPersonas()).get('blacksmith') as Persona;
});

afterAll(async () => {
  for (const client of clients) client.close();
  await server?.close();
  uninstallWrtc();
});

async function call(): Promise<{ client: WebrtcClient; callId: string }> {
  const key = await mintKey(server.url, 'blacksmith');
  const client = await connectWebrtc({ agent: new RealtimeAgent({ name: smith.displayName, instructions: buildInstructions(smith) }), apiKey: key.value, callsUrl: key.callsUrl });
  clients.push(client);
  const callId = client.transport.callId;
  if (!callId) throw new Error('the SDK learned no call id');
  return { client, callId };
}

const forgeAnswer = (): string => smith.knowledge.find((k) => k.topic === 'forge')?.answer ?? '';

describe('the sideband of a WebRTC call', () => {
  it("sees the call's events and drives the same session: a response it asks for is heard by the browser", async () => {
    const { client, callId } = await call();
    const sideband = await RawClient.connect(`${server.wsUrl}?call_id=${callId}`, { headers: { Authorization: 'Bearer sk-server-side-key' } });
    try {
      const browserHears = client.next((e) => e.type === 'response.output_audio_transcript.done');
      sideband.ws.send(
        JSON.stringify({
          type: 'conversation.item.create',
          item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'tell me about the forge' }] },
        }),
      );
      sideband.ws.send(JSON.stringify({ type: 'response.create' }));
      const heard = (await browserHears) as { transcript?: string };
      expect(heard.transcript).toBe(forgeAnswer());
      // The sideband got the same answer, and the item the browser never sent.
      const done = await sideband.nextOfType('response.output_audio_transcript.done');
      expect(done).toMatchObject({ transcript: forgeAnswer() });
      expect(sideband.events.some((e) => e.type === 'conversation.item.added')).toBe(true);
      // What the browser says goes to the sideband as well.
      client.session.sendMessage('hello');
      await sideband.next((e) => e.type === 'response.output_audio_transcript.done' && (e as { transcript?: string }).transcript === smith.greeting);
      // A malformed event from the sideband gets an error, and the call goes on.
      sideband.ws.send('{"type": "no.such.event"}');
      expect(await sideband.nextOfType('error')).toMatchObject({ error: { type: 'invalid_request_error' } });
      // …that error is the sideband's own: the browser never sees it.
      expect(client.events.filter((e) => e.type === 'error')).toEqual([]);
      expect(client.transport.status).toBe('connected');
    } finally {
      await sideband.close();
    }
  });

  it('is closed when the call ends', async () => {
    const { client, callId } = await call();
    const sideband = await RawClient.connect(`${server.wsUrl}?call_id=${callId}`, { headers: { Authorization: 'Bearer sk-server-side-key' } });
    const closed = new Promise<number>((resolve) => sideband.ws.once('close', (code) => resolve(code)));
    client.close();
    expect(await closed).toBe(1000);
  });

  it('refuses an ephemeral key, an unknown call and a foreign page, as the service does', async () => {
    const { callId } = await call();
    const ephemeral = await refusedUpgrade(`${server.wsUrl}?call_id=${callId}`, { headers: { Authorization: `Bearer ${server.mintKey('blacksmith')}` } });
    expect(ephemeral).toMatchObject({ status: 401, body: { error: { code: 'invalid_api_key', message: expect.stringContaining('standard API key') } } });
    const unknown = await refusedUpgrade(`${server.wsUrl}?call_id=rtc_nope`, { headers: { Authorization: 'Bearer sk-server-side-key' } });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'call_id_not_found', param: 'call_id' } } });
    const foreign = await refusedUpgrade(`${server.wsUrl}?call_id=${callId}`, { headers: { Authorization: 'Bearer sk-server-side-key', Origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    const none = await refusedUpgrade(`${server.wsUrl}?call_id=${callId}`, {});
    expect(none.status).toBe(401);
  });
});
