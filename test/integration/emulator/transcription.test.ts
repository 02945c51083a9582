import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { pcm16Bytes } from '../../../plugin/shared/pcm16.js';
import { disposePlayerSpeech, synthesizePlayerSpeech, withSilence } from '../../support/speechFixtures.js';
import { RawClient, refusedUpgrade, useEmulatorFixture, type WireEvent } from './helpers.js';

const emu = useEmulatorFixture();
const CHUNK_BYTES = 4800; // 100 ms of PCM16 24 kHz

afterAll(() => disposePlayerSpeech());

/** Streams PCM16 24 kHz as `input_audio_buffer.append` events, 100 ms each, as a capture loop would. */
function stream(client: RawClient, pcm: Int16Array): void {
  const bytes = Buffer.from(pcm16Bytes(pcm));
  for (let i = 0; i < bytes.length; i += CHUNK_BYTES) {
    client.send({ type: 'input_audio_buffer.append', audio: bytes.subarray(i, i + CHUNK_BYTES).toString('base64') });
  }
}

async function spoken(text: string): Promise<Int16Array> {
  return withSilence(await synthesizePlayerSpeech(text, 'awb'), 400, 1000);
}

/**
 * Proves nothing else follows the events so far: a session.update round trip is answered after anything the engine
 * emits synchronously for the turn (a response would be created in the same tick as the transcript).
 */
async function settled(client: RawClient): Promise<WireEvent[]> {
  client.send({ type: 'session.update', session: { type: 'transcription' } });
  await client.nextOfType('session.updated');
  return client.events;
}

const transcriptionEvents = (events: WireEvent[]) => events.filter((e) => e.type.startsWith('conversation.item.input_audio_transcription.'));

describe('emulator transcription sessions (raw WebSocket client)', () => {
  it('?intent=transcription: audio in, committed item and transcript deltas out, never a response', async () => {
    const client = await RawClient.connect(`${emu.server.wsUrl}?intent=transcription`, { headers: { Authorization: `Bearer ${emu.server.mintKey('blacksmith')}` } });
    const created = await client.nextOfType('session.created');
    expect(created.session).toMatchObject({
      type: 'transcription',
      object: 'realtime.transcription_session',
      include: null,
      audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, transcription: { model: 'gpt-4o-mini-transcribe' }, turn_detection: { type: 'server_vad' } } },
    });
    expect(created.session).not.toHaveProperty('instructions');
    expect(created.session).not.toHaveProperty('model');
    stream(client, await spoken('give me a sword'));
    const committed = await client.nextOfType('input_audio_buffer.committed');
    const completed = await client.nextOfType('conversation.item.input_audio_transcription.completed');
    expect(completed).toMatchObject({ item_id: committed.item_id, content_index: 0, transcript: 'give me a sword', usage: { type: 'duration' } });
    const events = await settled(client);
    const deltas = transcriptionEvents(events).filter((e) => e.type.endsWith('.delta'));
    expect(deltas.map((e) => e.delta).join('')).toBe('give me a sword');
    expect(events.filter((e) => e.type.startsWith('response.') || e.type === 'error')).toEqual([]);
    await client.close();
  });

  it('include logprobs: every delta and the completed transcript carry the logprobs shape', async () => {
    const client = await RawClient.connect(`${emu.server.wsUrl}?intent=transcription`, { headers: { Authorization: `Bearer ${emu.server.mintKey('blacksmith')}` } });
    await client.nextOfType('session.created');
    client.send({ type: 'session.update', session: { type: 'transcription', include: ['item.input_audio_transcription.logprobs'] } });
    const updated = await client.nextOfType('session.updated');
    expect(updated.session).toMatchObject({ type: 'transcription', include: ['item.input_audio_transcription.logprobs'] });
    stream(client, await spoken('give me a sword'));
    const completed = await client.nextOfType('conversation.item.input_audio_transcription.completed');
    const logprobs = completed.logprobs as { token: string; bytes: number[]; logprob: number }[];
    expect(logprobs.map((p) => p.token).join('')).toBe('give me a sword');
    expect(logprobs[0]).toEqual({ token: 'give', bytes: [...Buffer.from('give')], logprob: 0 });
    const deltas = transcriptionEvents(client.events).filter((e) => e.type.endsWith('.delta'));
    expect(deltas.map((e) => (e.logprobs as { token: string }[])[0]?.token)).toEqual(['give', ' me', ' a', ' sword']);
    await client.close();
  });

  it('a key minted by the official openai client with session.type transcription opens a transcription session', async () => {
    const openai = new OpenAI({ apiKey: 'sk-local-anything', baseURL: `${emu.server.url}/v1` });
    const secret = await openai.realtime.clientSecrets.create({
      session: { type: 'transcription', audio: { input: { transcription: { model: 'whisper-1', language: 'en' }, turn_detection: null } } },
    });
    expect(secret.session).toMatchObject({ type: 'transcription', object: 'realtime.transcription_session', audio: { input: { transcription: { model: 'whisper-1' } } } });
    const client = await RawClient.connect(emu.server.wsUrl, { headers: { Authorization: `Bearer ${secret.value}` } });
    const created = await client.nextOfType('session.created');
    expect(created.session).toMatchObject({ type: 'transcription', audio: { input: { transcription: { model: 'whisper-1', language: 'en' }, turn_detection: null } } });
    // No turn detection: the client commits; a common phrase is understood without a persona.
    stream(client, await spoken('thank you'));
    client.send({ type: 'input_audio_buffer.commit' });
    const completed = await client.nextOfType('conversation.item.input_audio_transcription.completed');
    expect(completed.transcript).toBe('thank you');
    await client.close();
  });

  it('refuses what a transcription session does not have with errors in the API shape, and stays open', async () => {
    const client = await RawClient.connect(`${emu.server.wsUrl}?intent=transcription`, { headers: { Authorization: `Bearer ${emu.server.mintKey('blacksmith')}` } });
    await client.nextOfType('session.created');
    client.send({ type: 'response.create', event_id: 'evt_resp' });
    expect((await client.nextOfType('error')).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_event', param: 'type', event_id: 'evt_resp' });
    client.send({ type: 'session.update', event_id: 'evt_tools', session: { type: 'transcription', instructions: 'Be Brom.' } });
    expect((await client.nextOfType('error')).error).toMatchObject({ code: 'unknown_parameter', param: 'session.instructions', event_id: 'evt_tools' });
    client.send({ type: 'session.update', event_id: 'evt_type', session: { type: 'realtime' } });
    expect((await client.nextOfType('error')).error).toMatchObject({ code: 'invalid_value', param: 'session.type', event_id: 'evt_type' });
    stream(client, await spoken('give me a sword'));
    expect((await client.nextOfType('conversation.item.input_audio_transcription.completed')).transcript).toBe('give me a sword');
    await client.close();
  });

  it('a realtime session refuses to become a transcription session; an unknown intent is refused before the upgrade', async () => {
    const client = await RawClient.connect(emu.server.wsUrl, { headers: { Authorization: `Bearer ${emu.server.mintKey('blacksmith')}` } });
    await client.nextOfType('session.created');
    client.send({ type: 'session.update', event_id: 'evt_switch', session: { type: 'transcription' } });
    const refused = await client.nextOfType('error');
    expect(refused.error).toMatchObject({ code: 'invalid_value', param: 'session.type', event_id: 'evt_switch' });
    expect(String((refused.error as { message: string }).message)).toContain('?intent=transcription');
    client.send({ type: 'session.update', session: { type: 'realtime', instructions: 'still here' } });
    expect((await client.nextOfType('session.updated')).session).toMatchObject({ type: 'realtime', instructions: 'still here' });
    await client.close();
    const bad = await refusedUpgrade(`${emu.server.wsUrl}?intent=translate`, { headers: { Authorization: `Bearer ${emu.server.mintKey()}` } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'invalid_value', param: 'intent' } });
  });
});
