import { RealtimeAgent } from '@openai/agents-realtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { buildInstructions } from '../../../plugin/shared/sessionConfig.js';
import type { ObservedServerEvent } from '../../../server/control/ControlledSession.js';
import { loadPersonas } from '../../../server/personas/loadPersonas.js';
import { mintGrant, startControlServer, type ControlTestServer } from '../../support/controlServer.js';
import { refusedUpgrade } from '../emulator/helpers.js';
import { connectWebrtc, installWrtc, uninstallWrtc, type WebrtcClient } from '../webrtc/webrtcClient.js';

// The unified interface (relay mode): the browser (here the real SDK over wrtc) posts its SDP offer to the game's
// server with the mint's one-time token; the server starts the call upstream (this server's emulator) and watches and
// steers it over the call's sideband, with the policies of `control.policies`.

let server: ControlTestServer;
let smith: Persona;
const clients: WebrtcClient[] = [];

beforeAll(async () => {
  await installWrtc();
  server = await startControlServer({ NPC_VOICE_ALLOWED_ORIGINS: 'https://game.example' });
  smith = (await loadPersonas()).get('blacksmith') as Persona;
});

afterAll(async () => {
  for (const client of clients) client.close();
  await server?.close();
  uninstallWrtc();
});

async function call(): Promise<WebrtcClient> {
  const grant = await mintGrant(server.url, 'blacksmith');
  const client = await connectWebrtc({ agent: new RealtimeAgent({ name: smith.displayName, instructions: buildInstructions(smith) }), apiKey: grant.value, callsUrl: grant.callsUrl });
  clients.push(client);
  return client;
}

const forgeAnswer = (): string => smith.knowledge.find((k) => k.topic === 'forge')?.answer ?? '';

describe('the unified interface', () => {
  it('mints a one-time token pointing at this server, and /healthz says WebRTC goes through it', async () => {
    const grant = await mintGrant(server.url, 'blacksmith');
    expect(grant).toMatchObject({ channel: 'relay', mode: 'emulator', callsUrl: `${server.url}/api/npc-voice/calls` });
    expect(grant.value).toMatch(/^ek_npcv_/);
    expect(grant.url).toBe(`${server.url.replace('http', 'ws')}/api/npc-voice/realtime?model=gpt-realtime`);
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { channels: unknown };
    expect(health.channels).toEqual({ websocket: 'relay', webrtc: 'unified' });
  });

  it("answers the SDK's offer, and a policy sees the call's events and is heard by the player", async () => {
    const opened = server.nextSession();
    const client = await call();
    const session = await opened;
    expect(session).toMatchObject({ channel: 'sideband', personaId: 'blacksmith', playerId: '127.0.0.1' });
    expect(session.sessionId).toBe(client.transport.callId);
    const serverSaw = new Promise<ObservedServerEvent>((resolve) =>
      session.onServerEvent((event) => {
        if (event.type === 'response.output_audio_transcript.done') resolve(event);
      }),
    );

    // The player says hello: the NPC greets them, and the server saw it all.
    client.session.sendMessage('hello');
    const greeting = await client.next((e) => e.type === 'response.output_audio_transcript.done');
    expect(greeting).toMatchObject({ transcript: smith.greeting });
    await client.remote.waitForSpeech();
    expect(await serverSaw).toMatchObject({ transcript: smith.greeting });

    // The server steers the same session: what it asks for is what the player hears.
    const heard = client.next((e) => e.type === 'response.output_audio_transcript.done');
    session.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'tell me about the forge' }] } });
    session.send({ type: 'response.create' });
    expect(await heard).toMatchObject({ transcript: forgeAnswer() });
    expect(server.logs.some((l) => l.includes(`control: sideband session ${session.sessionId} opened (persona blacksmith`))).toBe(true);
  });

  it('hangs the call up when the server closes the session, and logs the close', async () => {
    const opened = server.nextSession();
    const client = await call();
    const session = await opened;
    const ended = new Promise<string>((resolve) => session.onClose(resolve));
    session.close('time is up');
    expect(await ended).toBe('time is up');
    // The call itself is gone upstream: its sideband can no longer be opened.
    await expect
      .poll(async () => (await refusedUpgrade(`${server.wsUrl}?call_id=${client.transport.callId}`, { headers: { Authorization: 'Bearer sk-server-side' } })).status)
      .toBe(404);
    expect(server.logs.some((l) => l === `control: sideband session ${session.sessionId} closed: time is up`)).toBe(true);
  });

  it('refuses a used or made-up token, a foreign page and a body that is no offer, with clear errors', async () => {
    const grant = await mintGrant(server.url, 'blacksmith');
    const offer = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';
    const post = (token: string, headers: Record<string, string> = {}, body = offer) =>
      fetch(grant.callsUrl, { method: 'POST', headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}`, ...headers }, body });

    const foreign = await post(grant.value, { Origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ error: { code: 'origin_not_allowed' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();

    const notAnOffer = await post(grant.value, {}, 'hello');
    expect(notAnOffer.status).toBe(400);
    expect(await notAnOffer.json()).toMatchObject({ error: { code: 'invalid_offer' } });
    // The token was spent by that request: a second use is refused.
    const reused = await post(grant.value);
    expect(reused.status).toBe(401);
    expect(await reused.json()).toMatchObject({ error: { code: 'invalid_token', message: expect.stringContaining('unknown') } });
    const madeUp = await post('ek_npcv_not-a-token');
    expect(madeUp.status).toBe(401);
    const none = await fetch(grant.callsUrl, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: offer });
    expect(await none.json()).toMatchObject({ error: { code: 'invalid_token', message: expect.stringContaining('missing') } });

    const unknownPersona = await fetch(`${server.url}/api/npc-voice/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"persona":"nobody"}' });
    expect(unknownPersona.status).toBe(404);
    expect(await unknownPersona.json()).toMatchObject({ error: { code: 'unknown_persona' } });
  });
});
