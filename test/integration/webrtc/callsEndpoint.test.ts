import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyStore } from '../../../server/emulator/keyStore.js';
import type { WrtcModule } from '../../../server/emulator/webrtc/loadWrtc.js';
import { RealtimeCalls } from '../../../server/emulator/webrtc/RealtimeCalls.js';
import { pcm16Bytes } from '../../../plugin/shared/pcm16.js';
import { disposePlayerSpeech, synthesizePlayerSpeech, withSilence } from '../../support/speechFixtures.js';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { installWrtc, mintKey, uninstallWrtc } from './webrtcClient.js';

let server: TestServer;
let wrtc: WrtcModule;
const peers: RTCPeerConnection[] = [];

beforeAll(async () => {
  wrtc = await installWrtc();
  server = await startTestServer();
});

afterAll(async () => {
  for (const pc of peers) pc.close();
  await server?.close();
  uninstallWrtc();
  await disposePlayerSpeech();
});

/** A raw client peer (data channel + audio) and its offer, without candidates, as the SDK posts it. */
async function offerPeer(): Promise<{ pc: RTCPeerConnection; channel: RTCDataChannel; sdp: string }> {
  const pc = new wrtc.RTCPeerConnection();
  peers.push(pc);
  const channel = pc.createDataChannel('oai-events');
  pc.addTransceiver('audio', { direction: 'sendrecv' });
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  return { pc, channel, sdp: offer.sdp ?? '' };
}

function waitForChannel(channel: RTCDataChannel, state: 'open' | 'close', timeoutMs = 10_000): Promise<void> {
  if (channel.readyState === (state === 'open' ? 'open' : 'closed')) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`data channel did not ${state} within ${timeoutMs} ms`)), timeoutMs);
    channel.addEventListener(state, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function nextMessage(channel: RTCDataChannel, type: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} within ${timeoutMs} ms`)), timeoutMs);
    const listener = (message: MessageEvent): void => {
      const event = JSON.parse(String(message.data)) as Record<string, unknown>;
      if (event.type !== type) return;
      clearTimeout(timer);
      channel.removeEventListener('message', listener);
      resolve(event);
    };
    channel.addEventListener('message', listener);
  });
}

const candidateAddresses = (sdp: string): string[] =>
  sdp
    .split(/\r?\n/)
    .filter((l) => l.startsWith('a=candidate:'))
    .map((l) => l.split(' ')[4] ?? '');

describe('POST /v1/realtime/calls', () => {
  it('answers the multipart form of openai.realtime.calls.create with 201, an SDP answer on loopback and a Location', async () => {
    const { pc, channel, sdp } = await offerPeer();
    const apiKey = server.mintKey();
    const openai = new OpenAI({ apiKey, baseURL: `${server.url}/v1` });
    const created = nextMessage(channel, 'session.created');
    const response = await openai.realtime.calls.create({
      sdp,
      session: { type: 'realtime', model: 'gpt-realtime', instructions: 'You are Captain Hale, the gate guard.' },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/sdp/);
    const location = response.headers.get('location') ?? '';
    expect(location).toMatch(/^\/v1\/realtime\/calls\/rtc_[0-9a-f]+$/);
    const answer = await response.text();
    expect(answer).toMatch(/^v=0\r\n/);
    expect(answer).toContain('m=application');
    const addresses = candidateAddresses(answer);
    expect(addresses.length).toBeGreaterThan(0);
    expect(new Set(addresses)).toEqual(new Set(['127.0.0.1']));
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    await waitForChannel(channel, 'open');
    // The session part configured the engine behind the call.
    const session = (await created).session as Record<string, unknown>;
    expect(session.instructions).toBe('You are Captain Hale, the gate guard.');
    expect(session.model).toBe('gpt-realtime');

    // Hang up: 200 and the server's peer goes away, closing the client's data channel.
    const closed = waitForChannel(channel, 'close');
    const hangup = await fetch(`${server.url}${location}/hangup`, { method: 'POST', headers: { Authorization: `Bearer ${apiKey}` } });
    expect(hangup.status).toBe(200);
    await closed;
    const again = await fetch(`${server.url}${location}/hangup`, { method: 'POST', headers: { Authorization: `Bearer ${apiKey}` } });
    expect(again.status).toBe(404);
  });

  it('answers a raw application/sdp offer with a minted ek_ key, and the call speaks that persona', async () => {
    const { pc, channel, sdp } = await offerPeer();
    const key = await mintKey(server.url, 'guard');
    const response = await fetch(key.callsUrl, {
      method: 'POST',
      body: sdp,
      headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${key.value}`, 'X-OpenAI-Agents-SDK': 'openai-agents-sdk.0.20.0' },
    });
    expect(response.status).toBe(201);
    const created = nextMessage(channel, 'session.created');
    await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });
    await waitForChannel(channel, 'open');
    const session = (await created).session as { audio: { input: { turn_detection: { type: string } | null } } };
    // The guard's minted config (server VAD) is the call's starting point.
    expect(session.audio.input.turn_detection?.type).toBe('server_vad');
    const transcript = nextMessage(channel, 'response.output_audio_transcript.done');
    channel.send(JSON.stringify({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } }));
    channel.send(JSON.stringify({ type: 'response.create' }));
    expect((await transcript).transcript).toBe('Halt. State your business at the gate.');
    const closed = waitForChannel(channel, 'close');
    pc.close();
    await closed;
  });

  it('opens a transcription session for a key minted with session.type transcription, and transcribes audio sent on the data channel', async () => {
    const { pc, channel, sdp } = await offerPeer();
    const openai = new OpenAI({ apiKey: 'sk-local-anything', baseURL: `${server.url}/v1` });
    const secret = await openai.realtime.clientSecrets.create({ session: { type: 'transcription', audio: { input: { turn_detection: null } } } });
    const created = nextMessage(channel, 'session.created');
    const response = await fetch(`${server.url}/v1/realtime/calls`, { method: 'POST', body: sdp, headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${secret.value}` } });
    expect(response.status).toBe(201);
    await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });
    await waitForChannel(channel, 'open');
    expect((await created).session).toMatchObject({ type: 'transcription', object: 'realtime.transcription_session', audio: { input: { turn_detection: null } } });
    const completed = nextMessage(channel, 'conversation.item.input_audio_transcription.completed');
    const bytes = Buffer.from(pcm16Bytes(withSilence(await synthesizePlayerSpeech('thank you'), 300, 300)));
    for (let i = 0; i < bytes.length; i += 4800) channel.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: bytes.subarray(i, i + 4800).toString('base64') }));
    channel.send(JSON.stringify({ type: 'input_audio_buffer.commit' }));
    expect((await completed).transcript).toBe('thank you');
    const closed = waitForChannel(channel, 'close');
    pc.close();
    await closed;
  });

  it('refuses unknown and missing keys with 401 and an OpenAI error body', async () => {
    const { sdp } = await offerPeer();
    const unknown = await fetch(`${server.url}/v1/realtime/calls`, {
      method: 'POST',
      body: sdp,
      headers: { 'Content-Type': 'application/sdp', Authorization: 'Bearer ek_0000000000000000' },
    });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key' } });
    const missing = await fetch(`${server.url}/v1/realtime/calls`, { method: 'POST', body: sdp, headers: { 'Content-Type': 'application/sdp' } });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: 'missing_api_key' } });
  });

  it('refuses an expired ek_ key with 401', async () => {
    let now = Date.now();
    const clocked = await startTestServer({}, { now: () => now });
    try {
      const key = await mintKey(clocked.url, 'guard');
      now += 3_600_000;
      const { sdp } = await offerPeer();
      const response = await fetch(key.callsUrl, { method: 'POST', body: sdp, headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${key.value}` } });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { message: expect.stringMatching(/^Ephemeral key has expired\./), code: 'invalid_api_key' } });
    } finally {
      await clocked.close();
    }
  });

  it('rejects a body that is not an SDP offer with 400', async () => {
    const response = await fetch(`${server.url}/v1/realtime/calls`, {
      method: 'POST',
      body: 'hello',
      headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${server.mintKey()}` },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_offer' } });
  });

  it('answers the CORS preflight a browser sends before the SDK POST, and exposes Location', async () => {
    const preflight = await fetch(`${server.url}/v1/realtime/calls`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:5173',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type,x-openai-agents-sdk',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-openai-agents-sdk']));

    const { sdp } = await offerPeer();
    const key = server.mintKey();
    const response = await fetch(`${server.url}/v1/realtime/calls`, {
      method: 'POST',
      body: sdp,
      headers: { Origin: 'http://localhost:5173', 'Content-Type': 'application/sdp', Authorization: `Bearer ${key}` },
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect((response.headers.get('access-control-expose-headers') ?? '').toLowerCase()).toContain('location');
    const location = response.headers.get('location') ?? '';
    await fetch(`${server.url}${location}/hangup`, { method: 'POST', headers: { Authorization: `Bearer ${key}` } });
  });

  it('answers 501 with a clear error when @roamhq/wrtc cannot be loaded', async () => {
    const calls = new RealtimeCalls({
      keyStore: new KeyStore(),
      personas: () => new Map(),
      tts: { synthesize: () => Promise.reject(new Error('unused')) },
      stt: { start: () => ({ write: () => '', end: () => ({ text: null }) }) },
      acceptAnyBearer: true,
      loadWrtc: async () => ({ ok: false, reason: '@roamhq/wrtc could not be loaded (Cannot find package).' }),
    });
    const { sdp } = await offerPeer();
    const reply = await calls.create({ authorization: 'Bearer sk-test', offerSdp: sdp });
    expect(reply).toMatchObject({ status: 501, error: { code: 'webrtc_unavailable', message: expect.stringContaining('@roamhq/wrtc') } });
    // …and says so up front, so /healthz (and the demo) offer the WebSocket transport only.
    expect(await calls.available()).toBe(false);
    await calls.close();
  });
});
