import { RealtimeAgent } from '@openai/agents-realtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { buildInstructions } from '../../../plugin/shared/sessionConfig.js';
import { loadPersonas } from '../../../server/personas/loadPersonas.js';
import { jpegDataUrl, jpegSize } from '../../support/images.js';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { connectWebrtc, installWrtc, mintKey, uninstallWrtc, type TransportEvent, type WebrtcClient } from './webrtcClient.js';

let server: TestServer;
let blacksmith: Persona;
let client: WebrtcClient | null = null;

beforeAll(async () => {
  await installWrtc();
  server = await startTestServer();
  blacksmith = (await loadPersonas()).get('blacksmith') as Persona;
});

afterAll(async () => {
  client?.close();
  await server?.close();
  uninstallWrtc();
});

const ofType = (type: string) => (e: TransportEvent) => e.type === type;

describe('images over WebRTC with the real Agents SDK', () => {
  it('session.addImage goes over the data channel; the NPC speaks its image line on the media track', async () => {
    const key = await mintKey(server.url, 'blacksmith');
    const agent = new RealtimeAgent({ name: blacksmith.displayName, instructions: buildInstructions(blacksmith) });
    client = await connectWebrtc({ agent, apiKey: key.value, callsUrl: key.callsUrl, config: { audio: { input: { turnDetection: null } } } });
    const added = client.next((e) => e.type === 'conversation.item.added' && JSON.stringify(e.item).includes('input_image'));
    const transcript = client.next(ofType('response.output_audio_transcript.done'));
    const done = client.next(ofType('response.done'));
    const sentAt = performance.now();
    client.session.addImage(jpegDataUrl(512, 288));
    const part = ((await added).item as { content: { image_url?: string }[] }).content[0];
    expect(jpegSize(part?.image_url ?? '')).toEqual({ width: 512, height: 288 });
    expect((await transcript).transcript).toBe((blacksmith.onImage as string[])[0]);
    await client.remote.waitForSpeech(sentAt);
    const usage = ((await done).response as { usage: { input_token_details: { image_tokens: number } } }).usage;
    expect(usage.input_token_details.image_tokens).toBe(255);
  });
});
