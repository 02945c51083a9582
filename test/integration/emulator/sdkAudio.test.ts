import { RealtimeAgent, RealtimeSession, tool } from '@openai/agents-realtime';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildInstructions } from '../../../plugin/shared/sessionConfig.js';
import { isOpenVocabularyInstalled } from '../../../server/emulator/speech/openVocabularyStt.js';
import { synthesizePlayerSpeech, withSilence } from '../../support/speechFixtures.js';
import { nextSessionEvent, useEmulatorFixture } from './helpers.js';

const MODEL = 'gpt-realtime';
const CHUNK_SAMPLES = 1200; // 50 ms at 24 kHz
const emu = useEmulatorFixture();

type TransportEvent = Record<string, unknown> & { type: string };

/** Streams PCM16 24 kHz to the session in 50 ms chunks, as a mic capture loop would (but without real-time waits). */
function stream(session: RealtimeSession, pcm: Int16Array): void {
  for (let i = 0; i < pcm.length; i += CHUNK_SAMPLES) {
    const chunk = pcm.slice(i, i + CHUNK_SAMPLES);
    session.sendAudio(chunk.buffer);
  }
}

async function connect(tools: ReturnType<typeof tool>[] = []): Promise<{ session: RealtimeSession; events: TransportEvent[] }> {
  const agent = new RealtimeAgent({ name: 'Brom', instructions: buildInstructions(emu.blacksmith), tools });
  const session = new RealtimeSession(agent, {
    transport: 'websocket',
    model: MODEL,
    config: {
      audio: {
        input: {
          transcription: { model: 'gpt-4o-mini-transcribe' },
          turnDetection: { type: 'server_vad', silenceDurationMs: 500, createResponse: true, interruptResponse: true },
        },
      },
    },
  });
  const events: TransportEvent[] = [];
  session.on('transport_event', (event) => events.push(event as TransportEvent));
  const updated = nextSessionEvent(session, 'transport_event', ([e]) => (e as TransportEvent).type === 'session.updated' && (e as { session: { audio: { input: { turn_detection: { type?: string } | null } } } }).session.audio.input.turn_detection?.type === 'server_vad');
  await session.connect({ apiKey: emu.server.mintKey('blacksmith'), url: `${emu.server.wsUrl}?model=${MODEL}` });
  await updated;
  return { session, events };
}

describe('emulator audio input with the real Agents SDK', () => {
  it('detects a spoken request, transcribes it and answers it with a tool call', async () => {
    const calls: unknown[] = [];
    const giveItem = tool({
      name: 'give_item',
      description: 'Give an item to the player',
      parameters: z.object({ item: z.string() }),
      execute: async (args) => {
        calls.push(args);
        return { item: args.item };
      },
    });
    const { session, events } = await connect([giveItem]);
    const speech = withSilence(await synthesizePlayerSpeech('give me a sword', 'awb'), 400, 1000);
    const transcribed = nextSessionEvent(session, 'transport_event', ([e]) => (e as TransportEvent).type === 'conversation.item.input_audio_transcription.completed');
    const answered = nextSessionEvent(session, 'agent_end', (args) => String(args[2]).includes('yours'), 20_000);
    stream(session, speech);
    const [completed] = (await transcribed) as [TransportEvent];
    expect(completed.transcript).toBe('give me a sword');
    await answered;
    expect(calls).toEqual([{ item: 'sword' }]);
    const types = events.map((e) => e.type);
    const started = types.indexOf('input_audio_buffer.speech_started');
    const stopped = types.indexOf('input_audio_buffer.speech_stopped');
    const committed = types.indexOf('input_audio_buffer.committed');
    const responded = types.indexOf('response.created');
    expect(started).toBeGreaterThanOrEqual(0);
    expect(started).toBeLessThan(stopped);
    expect(stopped).toBeLessThan(committed);
    expect(committed).toBeLessThan(responded);
    const startEvent = events[started] as unknown as { audio_start_ms: number; item_id: string };
    const stopEvent = events[stopped] as unknown as { audio_end_ms: number; item_id: string };
    // The speech starts after the 400 ms of leading silence (minus 300 ms prefix padding) and ends before the trailing silence.
    expect(startEvent.audio_start_ms).toBeGreaterThanOrEqual(50);
    expect(startEvent.audio_start_ms).toBeLessThan(400);
    expect(stopEvent.audio_end_ms).toBeLessThanOrEqual(Math.ceil((speech.length / 24) - 900));
    expect(stopEvent.item_id).toBe(startEvent.item_id);
    // History: the user's audio item got its transcript.
    const user = session.history.find((i) => i.type === 'message' && i.role === 'user');
    expect(user && user.type === 'message' && user.content[0]).toMatchObject({ type: 'input_audio', transcript: 'give me a sword' });
    session.close();
  });

  it('transcribes off-script speech with the open-vocabulary pass and answers it with the persona fallback when no keyword matches', async () => {
    const { session } = await connect();
    const speech = withSilence(await synthesizePlayerSpeech('purple elephants juggle quietly on mondays', 'awb'), 400, 1000);
    const failedOrDone = nextSessionEvent(session, 'transport_event', ([e]) => /^conversation\.item\.input_audio_transcription\.(completed|failed)$/.test(String((e as TransportEvent).type)));
    const answered = nextSessionEvent(session, 'agent_end', () => true, 20_000);
    stream(session, speech);
    const [event] = (await failedOrDone) as [TransportEvent];
    // Off the grammar: general English is heard by the open-vocabulary pass (test/integration/emulator/openVocabulary.test.ts);
    // without Debian's pocketsphinx-en-us the turn fails to transcribe.
    if (isOpenVocabularyInstalled()) {
      expect(event).toMatchObject({ type: 'conversation.item.input_audio_transcription.completed' });
      expect(String(event.transcript)).toMatch(/\bquietly\b/);
    } else {
      expect(event).toMatchObject({ type: 'conversation.item.input_audio_transcription.failed', error: { type: 'transcription_error', code: 'audio_unintelligible' } });
    }
    const [, , text] = await answered;
    expect(text).toBe(emu.blacksmith.fallback);
    session.close();
  });

  it('lets the player barge in: the response is cancelled (turn_detected), the SDK truncates, a new turn follows', async () => {
    const { session, events } = await connect();
    const firstAudio = nextSessionEvent(session, 'audio');
    const interrupted = nextSessionEvent(session, 'audio_interrupted');
    session.sendMessage('tell me about the forge');
    await firstAudio;
    const truncated = nextSessionEvent(session, 'transport_event', ([e]) => (e as TransportEvent).type === 'conversation.item.truncated');
    const greeted = nextSessionEvent(session, 'agent_end', (args) => args[2] === emu.blacksmith.greeting, 20_000);
    stream(session, withSilence(await synthesizePlayerSpeech('hello', 'awb'), 200, 1000));
    await interrupted;
    const [truncatedEvent] = (await truncated) as [TransportEvent];
    expect(truncatedEvent).toMatchObject({ content_index: 0, audio_end_ms: expect.any(Number) });
    await greeted;
    const cancelled = events.find((e) => e.type === 'response.done' && (e.response as { status: string }).status === 'cancelled');
    expect(cancelled?.response).toMatchObject({ status_details: { type: 'cancelled', reason: 'turn_detected' } });
    // The cancel happened right after speech_started, before the player's turn was committed.
    const types = events.map((e) => e.type);
    expect(types.indexOf('input_audio_buffer.speech_started')).toBeLessThan(events.indexOf(cancelled as TransportEvent));
    expect(events.indexOf(cancelled as TransportEvent)).toBeLessThan(types.indexOf('input_audio_buffer.committed'));
    session.close();
  });
});
