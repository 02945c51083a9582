// Rehearsed network conditions on the emulator's WebRTC calls (issue 12 item 9), with the real Agents SDK over a
// real peer connection on loopback: the data channel is delayed both ways, the NPC's voice on the media track is
// delayed and may lose frames, and a scheduled disconnect ends the call as a lost network does. Delays are lower
// bounds (a loaded machine only adds to them).
import { RealtimeAgent } from '@openai/agents-realtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { buildInstructions } from '../../../plugin/shared/sessionConfig.js';
import { loadPersonas } from '../../../server/personas/loadPersonas.js';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { connectWebrtc, installWrtc, mintKey, uninstallWrtc, type WebrtcClient } from './webrtcClient.js';

let server: TestServer;
let blacksmith: Persona;
const clients: WebrtcClient[] = [];

beforeAll(async () => {
  await installWrtc();
  server = await startTestServer();
  blacksmith = (await loadPersonas()).get('blacksmith') as Persona;
});

afterAll(async () => {
  for (const client of clients) client.close();
  await server?.close();
  uninstallWrtc();
});

async function call(netem: string): Promise<WebrtcClient> {
  const key = await mintKey(server.url, 'blacksmith');
  const client = await connectWebrtc({
    agent: new RealtimeAgent({ name: blacksmith.displayName, instructions: buildInstructions(blacksmith) }),
    apiKey: key.value,
    callsUrl: `${key.callsUrl}?netem=${encodeURIComponent(netem)}`,
  });
  clients.push(client);
  return client;
}

describe('network conditions on WebRTC calls (?netem= on the calls URL)', () => {
  it('delays the data channel both ways and the voice on the media track, and still plays the whole greeting', async () => {
    const client = await call('latency=150,jitter=30,drop=2,seed=9');
    const created = client.next((e) => e.type === 'response.created');
    const transcript = client.next((e) => e.type === 'response.output_audio_transcript.done');
    const stopped = client.next((e) => e.type === 'output_audio_buffer.stopped', 30_000);
    const sentAt = performance.now();
    client.session.sendMessage('hello');
    await created;
    // The message reached the server ≥ 120 ms after it was sent and its answer came back ≥ 120 ms after that.
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(240);
    const heardAt = await client.remote.waitForSpeech(sentAt);
    // Up on the data channel, then down the media track: both delays.
    expect(heardAt - sentAt).toBeGreaterThanOrEqual(240);
    expect((await transcript).transcript).toBe(blacksmith.greeting);
    await stopped;
    // The greeting (several seconds) was heard through to the end despite 2 % of its frames lost.
    expect(client.remote.lastSpeechAt - heardAt).toBeGreaterThan(1000);
  });

  it('cuts the call after disconnect ms, as a lost network does, and reports the frames it lost', async () => {
    const client = await call('disconnect=1500,drop=10,seed=3');
    // The data channel closing is how a browser learns first (the SDK itself waits for ICE to give up).
    const channel = client.transport.connectionState.dataChannel;
    if (!channel) throw new Error('the SDK has no data channel');
    const disconnected = new Promise<void>((resolve) => channel.addEventListener('close', () => resolve()));
    const openedAt = performance.now();
    await disconnected;
    expect(performance.now() - openedAt).toBeGreaterThan(1000);
    const closedLine = server.logs.find((line) => /closed \(dropped by netem after 1500 ms\)/.test(line));
    expect(closedLine).toBeDefined();
    // The call sent silence frames all along; about a tenth of them were lost.
    const [, lost, sent] = /netem lost (\d+) of (\d+) media frames out/.exec(closedLine ?? '') ?? [];
    expect(Number(sent)).toBeGreaterThan(50);
    expect(Number(lost) / Number(sent)).toBeGreaterThan(0.03);
    expect(Number(lost) / Number(sent)).toBeLessThan(0.2);
  });

  it('refuses a bad spec with 400 naming the field', async () => {
    const key = await mintKey(server.url, 'blacksmith');
    const response = await fetch(`${key.callsUrl}?netem=drop=200`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key.value}`, 'Content-Type': 'application/sdp' },
      body: 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; param: string; message: string } };
    expect(body.error).toMatchObject({ code: 'invalid_netem', param: 'netem.drop' });
    expect(body.error.message).toMatch(/"drop" must be a number from 0 to 100/);
  });
});
