import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcm16Bytes } from '../../../plugin/shared/pcm16.js';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { isOpenVocabularyInstalled } from '../../../server/emulator/speech/openVocabularyStt.js';
import { loadPersonas } from '../../../server/personas/loadPersonas.js';
import { disposePlayerSpeech, synthesizePlayerSpeech, withSilence } from '../../support/speechFixtures.js';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { RawClient, type WireEvent } from './helpers.js';

const CHUNK_BYTES = 4800; // 100 ms of PCM16 24 kHz
const TRANSCRIPTION = 'conversation.item.input_audio_transcription.';

let server: TestServer;
let guard: Persona;
let blacksmith: Persona;

beforeAll(async () => {
  server = await startTestServer();
  const personas = await loadPersonas();
  guard = personas.get('guard') as Persona;
  blacksmith = personas.get('blacksmith') as Persona;
});

afterAll(async () => {
  await server?.close();
  await disposePlayerSpeech();
});

function stream(client: RawClient, pcm: Int16Array): void {
  const bytes = Buffer.from(pcm16Bytes(pcm));
  for (let i = 0; i < bytes.length; i += CHUNK_BYTES) {
    client.send({ type: 'input_audio_buffer.append', audio: bytes.subarray(i, i + CHUNK_BYTES).toString('base64') });
  }
}

const spoken = async (text: string): Promise<Int16Array> => withSilence(await synthesizePlayerSpeech(text, 'awb'), 400, 1000);

/** A realtime session for `personaId` that transcribes input; `vad` false: push-to-talk (the client commits). */
async function open(on: TestServer, personaId: string, vad: boolean): Promise<RawClient> {
  const client = await RawClient.connect(on.wsUrl, { headers: { Authorization: `Bearer ${on.mintKey(personaId)}` } });
  await client.nextOfType('session.created');
  client.send({
    type: 'session.update',
    session: {
      type: 'realtime',
      audio: {
        input: {
          transcription: { model: 'gpt-4o-mini-transcribe' },
          turn_detection: vad ? { type: 'server_vad', silence_duration_ms: 500, create_response: true } : null,
        },
      },
    },
  });
  await client.nextOfType('session.updated');
  return client;
}

const transcriptOf = (client: RawClient): Promise<WireEvent> => client.next((e) => e.type.startsWith(TRANSCRIPTION) && !e.type.endsWith('.delta'), 30_000);
const npcLine = async (client: RawClient): Promise<string> => String((await client.nextOfType('response.output_audio_transcript.done', 30_000)).transcript);

// The fallback needs Debian's pocketsphinx + pocketsphinx-en-us (.ci/run installs them); the last test runs without.
const installed = isOpenVocabularyInstalled();

describe('emulator open-vocabulary fallback (raw WebSocket client, real recognizers)', () => {
  it.skipIf(!installed)('transcribes off-script speech the guard has no phrase for, and the guard answers from the knowledge topic it mentions', async () => {
    const client = await open(server, 'guard', true);
    stream(client, await spoken('is it dangerous to walk in the forest at night'));
    const committed = await client.nextOfType('input_audio_buffer.committed', 30_000);
    const transcript = await transcriptOf(client);
    expect(transcript).toMatchObject({ type: `${TRANSCRIPTION}completed`, item_id: committed.item_id });
    expect(String(transcript.transcript)).toMatch(/\bforest\b/);
    expect(String(transcript.transcript)).toMatch(/\bnight\b/);
    // The deltas spell out the same transcript, word by word.
    const deltas = client.events.filter((e) => e.type === `${TRANSCRIPTION}delta` && e.item_id === committed.item_id);
    expect(deltas.map((e) => e.delta).join('')).toBe(transcript.transcript);
    expect(await npcLine(client)).toBe(guard.knowledge.find((k) => k.topic === 'wolves')?.answer);
    await client.close();
  });

  it.skipIf(!installed)('push-to-talk: a response.create sent right after the commit answers that off-script turn, in order', async () => {
    const client = await open(server, 'blacksmith', false);
    stream(client, await spoken('which road goes north'));
    client.send({ type: 'input_audio_buffer.commit' });
    // Answered before the turn is in the conversation, this would be the greeting (a response to nothing).
    client.send({ type: 'response.create' });
    const transcript = await transcriptOf(client);
    expect(transcript.type).toBe(`${TRANSCRIPTION}completed`);
    expect(String(transcript.transcript)).toMatch(/\broad\b.*\bnorth\b/);
    expect(await npcLine(client)).toBe(blacksmith.knowledge.find((k) => k.topic === 'road')?.answer);
    const types = client.events.map((e) => e.type);
    expect(types.indexOf('input_audio_buffer.committed')).toBeLessThan(types.indexOf('response.created'));
    expect(client.events.filter((e) => e.type === 'error')).toEqual([]);
    await client.close();
  });

  it.skipIf(!installed)('greets back an off-script greeting ("hello good morning" is no phrase of the grammar)', async () => {
    const client = await open(server, 'blacksmith', true);
    stream(client, await spoken('hello good morning'));
    const transcript = await transcriptOf(client);
    expect(transcript.type).toBe(`${TRANSCRIPTION}completed`);
    expect(String(transcript.transcript)).toMatch(/\bhello\b.*\bmorning\b/);
    expect(await npcLine(client)).toBe(blacksmith.greeting);
    await client.close();
  });

  it('in-grammar speech is still recognised by the persona grammar, word for word', async () => {
    const client = await open(server, 'blacksmith', true);
    stream(client, await spoken('tell me about the forge'));
    expect(await transcriptOf(client)).toMatchObject({ type: `${TRANSCRIPTION}completed`, transcript: 'tell me about the forge' });
    expect(await npcLine(client)).toBe(blacksmith.knowledge.find((k) => k.topic === 'forge')?.answer);
    await client.close();
  });

  it('without the English model: a log line names the packages, and off-script speech fails to transcribe as before', async () => {
    const bare = await startTestServer({ NPC_VOICE_OPEN_VOCABULARY: '/nonexistent/pocketsphinx/model/en-us' });
    try {
      expect(bare.logs.join('\n')).toMatch(/off-script speech will not be transcribed.*apt-get install pocketsphinx pocketsphinx-en-us/);
      const client = await open(bare, 'guard', true);
      stream(client, await spoken('is it dangerous to walk in the forest at night'));
      const transcript = await transcriptOf(client);
      expect(transcript).toMatchObject({ type: `${TRANSCRIPTION}failed`, error: { type: 'transcription_error', code: 'audio_unintelligible' } });
      expect(await npcLine(client)).toBe(guard.fallback);
      // The grammar still works.
      stream(client, await spoken('open the gate'));
      expect(await transcriptOf(client)).toMatchObject({ type: `${TRANSCRIPTION}completed`, transcript: 'open the gate' });
      await client.close();
    } finally {
      await bare.close();
    }
  });
});
