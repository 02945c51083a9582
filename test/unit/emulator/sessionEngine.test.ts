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

/** An engine for the blacksmith over `initialSession`, recording what it sends; `next` awaits an event by type. */
function engineFor(initialSession: Record<string, unknown> | undefined, kind?: 'transcription') {
  const events: ServerEvent[] = [];
  const waiters: { type: string; resolve: (e: ServerEvent) => void }[] = [];
  const engine = new SessionEngine({
    send: (event) => {
      events.push(event);
      for (const w of waiters.filter((w) => w.type === event.type)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    },
    audioOutput: websocketAudioOutput,
    tts: silentTts,
    stt,
    personas: () => personas,
    personaId: 'blacksmith',
    model: 'gpt-realtime',
    ...(initialSession ? { initialSession } : {}),
    ...(kind ? { kind } : {}),
  });
  const next = (type: ServerEvent['type']): Promise<ServerEvent> => new Promise((resolve) => waiters.push({ type, resolve }));
  engine.start();
  return { engine, events, next };
}

/** A transcription session (`?intent=transcription`) for the blacksmith's grammar. */
function transcriptionEngine(initialSession?: Record<string, unknown>) {
  const { engine, events } = engineFor(initialSession, 'transcription');
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

describe('SessionEngine idle timeout and rate limits', () => {
  const TEXT_VAD = (idleMs: number | null) => ({
    type: 'realtime',
    output_modalities: ['text'],
    audio: { input: { turn_detection: { type: 'server_vad', idle_timeout_ms: idleMs } } },
  });

  it('after idle_timeout_ms of silence following a response: timeout_triggered, the silent item committed, and a prompt', async () => {
    const { engine, events, next } = engineFor(TEXT_VAD(150));
    engine.receive(JSON.stringify({ type: 'response.create' }));
    await next('response.done');
    const doneAt = performance.now();
    const triggered = await next('input_audio_buffer.timeout_triggered');
    expect(performance.now() - doneAt).toBeGreaterThanOrEqual(145);
    const prompt = await next('response.done');
    const from = events.indexOf(triggered);
    expect(events.slice(from, from + 5).map((e) => e.type)).toEqual([
      'input_audio_buffer.timeout_triggered',
      'input_audio_buffer.committed',
      'conversation.item.added',
      'conversation.item.done',
      'response.created',
    ]);
    expect(events[from + 1]).toMatchObject({ item_id: (triggered as { item_id: string }).item_id });
    expect(prompt).toMatchObject({ response: { status: 'completed', output: [{ content: [{ type: 'output_text', text: 'Are you still there?' }] }] } });
    engine.close();
  });

  it("sends rate_limits.updated after every response.done, with the response's tokens taken off", async () => {
    const { engine, events, next } = engineFor(TEXT_VAD(null));
    const doneSent = next('response.done');
    const limitsSent = next('rate_limits.updated');
    engine.receive(JSON.stringify({ type: 'response.create' }));
    const [done, limits] = await Promise.all([doneSent, limitsSent]);
    expect(events.indexOf(limits)).toBe(events.indexOf(done) + 1);
    const total = done.type === 'response.done' ? (done.response.usage?.total_tokens ?? 0) : 0;
    expect(total).toBeGreaterThan(0);
    expect(limits).toMatchObject({ rate_limits: [{ name: 'requests', remaining: 4999 }, { name: 'tokens', remaining: 40000 - total }] });
    // No idle timeout configured: nothing follows.
    engine.receive(JSON.stringify({ type: 'session.update', session: { type: 'realtime' } }));
    expect(events.at(-1)?.type).toBe('session.updated');
    engine.close();
  });
});

