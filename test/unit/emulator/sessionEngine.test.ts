import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerEvent } from '../../../plugin/shared/protocol/serverEvents.js';
import { SessionEngine } from '../../../server/emulator/realtime/SessionEngine.js';
import { websocketAudioOutput } from '../../../server/emulator/realtime/websocketAudioOutput.js';
import { createSphinxStt, type SphinxStt } from '../../../server/emulator/speech/sphinxStt.js';
import type { TextToSpeech } from '../../../server/emulator/speech/types.js';
import { loadPersonas, type PersonaMap } from '../../../server/personas/loadPersonas.js';
import { disposePlayerSpeech, synthesizePlayerSpeech, withSilence } from '../../support/speechFixtures.js';

let stt: SphinxStt;
let personas: PersonaMap;
let speech: Int16Array;

/** A transcription session never speaks: any synthesis is a defect. */
const silentTts: TextToSpeech = {
  synthesize: () => Promise.reject(new Error('a transcription session synthesized speech')),
};

beforeAll(async () => {
  stt = await createSphinxStt();
  personas = await loadPersonas();
  speech = withSilence(await synthesizePlayerSpeech('give me a sword', 'awb'), 400, 1000);
});

afterAll(async () => {
  stt?.dispose();
  await disposePlayerSpeech();
});

function transcriptionEngine(initialSession?: Record<string, unknown>) {
  const events: ServerEvent[] = [];
  const engine = new SessionEngine({
    send: (event) => events.push(event),
    audioOutput: websocketAudioOutput,
    tts: silentTts,
    stt,
    personas: () => personas,
    personaId: 'blacksmith',
    model: 'gpt-realtime',
    kind: 'transcription',
    ...(initialSession ? { initialSession } : {}),
  });
  engine.start();
  return { engine, events, types: () => events.map((e) => e.type) };
}

/** Feeds PCM in 50 ms chunks, as a capture loop would. */
function feed(engine: SessionEngine, pcm: Int16Array): void {
  for (let i = 0; i < pcm.length; i += 1200) engine.appendAudio(pcm.subarray(i, i + 1200));
}

describe('SessionEngine as a transcription session', () => {
  it('opens with the transcription session object and turns speech into committed, transcribed items, never a response', () => {
    const { engine, events, types } = transcriptionEngine();
    expect(events[0]).toMatchObject({ type: 'session.created', session: { type: 'transcription', object: 'realtime.transcription_session' } });
    feed(engine, speech);
    expect(types()).toEqual([
      'session.created',
      'input_audio_buffer.speech_started',
      'input_audio_buffer.speech_stopped',
      'input_audio_buffer.committed',
      'conversation.item.added',
      'conversation.item.done',
      'conversation.item.input_audio_transcription.delta',
      'conversation.item.input_audio_transcription.delta',
      'conversation.item.input_audio_transcription.delta',
      'conversation.item.input_audio_transcription.delta',
      'conversation.item.input_audio_transcription.completed',
    ]);
    const committed = events.find((e) => e.type === 'input_audio_buffer.committed');
    expect(events.at(-1)).toMatchObject({ transcript: 'give me a sword', item_id: committed && 'item_id' in committed ? committed.item_id : 'none' });
    expect(events.at(-1)).not.toHaveProperty('logprobs');
    engine.close();
  });

  it('gives logprobs when include asks for them, and transcribes a manual commit', () => {
    const { engine, events } = transcriptionEngine({ type: 'transcription', include: ['item.input_audio_transcription.logprobs'], audio: { input: { turn_detection: null } } });
    feed(engine, speech);
    expect(events.map((e) => e.type)).toEqual(['session.created']);
    engine.receive(JSON.stringify({ type: 'input_audio_buffer.commit' }));
    const completed = events.at(-1);
    if (completed?.type !== 'conversation.item.input_audio_transcription.completed') throw new Error(`last event ${completed?.type}`);
    expect(completed.transcript).toBe('give me a sword');
    expect(completed.logprobs?.map((p) => p.token)).toEqual(['give', ' me', ' a', ' sword']);
    expect(events.filter((e) => e.type === 'conversation.item.input_audio_transcription.delta').every((e) => 'logprobs' in e && e.logprobs?.length === 1)).toBe(true);
    engine.close();
  });

  it('refuses response.create and item creation with an error linked to the event, and keeps transcribing', () => {
    const { engine, events } = transcriptionEngine();
    engine.receive(JSON.stringify({ type: 'response.create', event_id: 'evt_r' }));
    engine.receive(JSON.stringify({ type: 'conversation.item.create', event_id: 'evt_i', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } }));
    const errors = events.filter((e) => e.type === 'error');
    expect(errors.map((e) => (e.type === 'error' ? [e.error.code, e.error.param, e.error.event_id] : []))).toEqual([
      ['invalid_event', 'type', 'evt_r'],
      ['invalid_event', 'type', 'evt_i'],
    ]);
    expect(errors[0]).toMatchObject({ error: { message: expect.stringContaining("'response.create' is not supported in a transcription session") } });
    feed(engine, speech);
    expect(events.at(-1)).toMatchObject({ type: 'conversation.item.input_audio_transcription.completed', transcript: 'give me a sword' });
    expect(events.some((e) => e.type.startsWith('response.'))).toBe(false);
    engine.close();
  });
});
