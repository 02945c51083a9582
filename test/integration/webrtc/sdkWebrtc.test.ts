import { RealtimeAgent, tool } from '@openai/agents-realtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { buildInstructions } from '../../../plugin/shared/sessionConfig.js';
import { loadPersonas } from '../../../server/personas/loadPersonas.js';
import { disposePlayerSpeech, synthesizePlayerSpeech, withSilence } from '../../support/speechFixtures.js';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { connectWebrtc, installWrtc, mintKey, uninstallWrtc, type TransportEvent, type WebrtcClient } from './webrtcClient.js';

let server: TestServer;
let personas: Map<string, Persona>;
const clients: WebrtcClient[] = [];

beforeAll(async () => {
  await installWrtc();
  server = await startTestServer();
  personas = (await loadPersonas()) as Map<string, Persona>;
});

afterAll(async () => {
  for (const client of clients) client.close();
  await server?.close();
  await disposePlayerSpeech();
  uninstallWrtc();
});

function persona(id: string): Persona {
  const p = personas.get(id);
  if (!p) throw new Error(`no persona ${id}`);
  return p;
}

async function connect(personaId: string, tools: ReturnType<typeof tool>[] = [], turnDetection: 'server_vad' | null = null): Promise<WebrtcClient> {
  const p = persona(personaId);
  const key = await mintKey(server.url, personaId);
  const agent = new RealtimeAgent({ name: p.displayName, instructions: buildInstructions(p), tools });
  const client = await connectWebrtc({
    agent,
    apiKey: key.value,
    callsUrl: key.callsUrl,
    config: {
      audio: {
        input: {
          transcription: { model: 'gpt-4o-mini-transcribe' },
          turnDetection: turnDetection ? { type: 'server_vad', silenceDurationMs: 500, createResponse: true, interruptResponse: true } : null,
        },
      },
    },
  } as Parameters<typeof connectWebrtc>[0]);
  clients.push(client);
  return client;
}

const ofType = (type: string) => (e: TransportEvent) => e.type === type;

describe('WebRTC calls with the real Agents SDK', () => {
  it('connects with a minted key, greets over the data channel and speaks on the media track', async () => {
    const client = await connect('blacksmith');
    expect(client.transport.status).toBe('connected');
    expect(client.transport.callId).toMatch(/^rtc_/);
    expect(client.events.some((e) => e.type === 'session.created')).toBe(true);
    const started = client.next(ofType('output_audio_buffer.started'));
    const stopped = client.next(ofType('output_audio_buffer.stopped'));
    const transcript = client.next(ofType('response.output_audio_transcript.done'));
    const sentAt = performance.now();
    client.session.sendMessage('hello');
    const heard = await client.remote.waitForSpeech(sentAt);
    expect((await transcript).transcript).toBe(persona('blacksmith').greeting);
    const startEvent = await started;
    const stopEvent = await stopped;
    expect(stopEvent.response_id).toBe(startEvent.response_id);
    expect(client.remote.lastSpeechAt).toBeGreaterThan(heard + 1000);
    const types = client.events.map((e) => e.type);
    expect(types).not.toContain('response.output_audio.delta');
    // Generation runs ahead of real time; the buffer stops only when the last frame went out.
    expect(types.indexOf('response.created')).toBeLessThan(types.indexOf('output_audio_buffer.started'));
    expect(types.indexOf('response.done')).toBeLessThan(types.indexOf('output_audio_buffer.stopped'));
  });
});

describe('WebRTC tools, speech and interruptions', () => {
  it('runs a tool round trip over the data channel and speaks the result', async () => {
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
    const client = await connect('blacksmith', [giveItem]);
    const result = client.next((e) => e.type === 'response.output_audio_transcript.done' && String(e.transcript).includes('yours'), 20_000);
    client.session.sendMessage('give me a sword');
    const done = await result;
    expect(calls).toEqual([{ item: 'sword' }]);
    expect(done.transcript).toBe('There. The sword is yours. Swing it true.');
    // The spoken result is heard: a started/stopped pair for its response.
    await client.next((e) => e.type === 'output_audio_buffer.stopped' && e.response_id === done.response_id, 20_000);
    expect(client.events.some((e) => e.type === 'output_audio_buffer.started' && e.response_id === done.response_id)).toBe(true);
  });

  // Real-time audio over a real peer: on 2 busy cores the speech engines can stall the loop and garble frames,
  // so this one test may retry (it passed 5/5 alone, 4/5 beside the other WebRTC file).
  it('hears the player over the mic track: server VAD, transcription, tool and a spoken answer', { retry: 2 }, async () => {
    const opened: unknown[] = [];
    const openGate = tool({
      name: 'open_gate',
      description: 'Open a gate',
      parameters: z.object({ gate: z.string() }),
      execute: async (args) => {
        opened.push(args);
        return { gate: args.gate };
      },
    });
    const client = await connect('guard', [openGate], 'server_vad');
    const speech = withSilence(await synthesizePlayerSpeech('open the gate', 'awb'), 600, 900);
    const transcribed = client.next(ofType('conversation.item.input_audio_transcription.completed'), 20_000);
    const answered = client.next((e) => e.type === 'response.output_audio_transcript.done' && String(e.transcript).includes('gate is open'), 30_000);
    const spokenAt = client.mic.say(speech);
    expect((await transcribed).transcript).toBe('open the gate');
    const answer = await answered;
    expect(answer.transcript).toBe('The north gate is open. Mind the wolves.');
    expect(opened).toEqual([{ gate: 'north' }]);
    const types = client.events.map((e) => e.type);
    expect(types.indexOf('input_audio_buffer.speech_started')).toBeLessThan(types.indexOf('input_audio_buffer.speech_stopped'));
    expect(types.indexOf('input_audio_buffer.speech_stopped')).toBeLessThan(types.indexOf('input_audio_buffer.committed'));
    // The NPC's answer is heard after the player finished speaking.
    const heardAt = await client.remote.waitForSpeech(await spokenAt);
    expect(heardAt).toBeGreaterThan(0);
  });

  // A push-to-talk turn keeps every sample the player held the key for; 6 s of it is ~380 KB as base64, over the
  // data channel's 256 KiB. The SDK asks for each transcribed item back, so the answer must still arrive.
  it('answers a retrieve of a long push-to-talk turn in an event that fits the data channel, without the audio bytes', async () => {
    const client = await connect('blacksmith');
    const speech = withSilence(await synthesizePlayerSpeech('give me a sword', 'awb'), 600, 4000);
    await client.mic.say(speech);
    const committed = client.next(ofType('input_audio_buffer.committed'), 20_000);
    client.transport.sendEvent({ type: 'input_audio_buffer.commit' });
    const itemId = String((await committed).item_id);
    const retrieved = client.next((e) => e.type === 'conversation.item.retrieved' && (e.item as { id?: string }).id === itemId, 20_000);
    client.transport.sendEvent({ type: 'conversation.item.retrieve', item_id: itemId });
    const item = (await retrieved).item as { role: string; content: { type: string; audio?: string }[] };
    expect(item.role).toBe('user');
    expect(item.content.map((part) => part.type)).toEqual(['input_audio']);
    expect(item.content[0]?.audio).toBeUndefined();
  });

  it('interrupt() during speech clears the output buffer and truncates the item at what was played', async () => {
    const client = await connect('blacksmith');
    const started = client.next(ofType('output_audio_buffer.started'));
    const sentAt = performance.now();
    client.session.sendMessage('tell me about the forge');
    const startEvent = await started;
    await client.remote.waitForSpeech(sentAt);
    const cleared = client.next(ofType('output_audio_buffer.cleared'));
    const truncated = client.next(ofType('conversation.item.truncated'));
    client.session.interrupt();
    expect((await cleared).response_id).toBe(startEvent.response_id);
    const truncatedEvent = await truncated;
    // Cut early in a ~5 s answer: at least one frame was played, far less than the whole.
    expect(Number(truncatedEvent.audio_end_ms)).toBeGreaterThan(0);
    expect(Number(truncatedEvent.audio_end_ms)).toBeLessThan(3000);
    expect(client.events.some((e) => e.type === 'output_audio_buffer.stopped' && e.response_id === startEvent.response_id)).toBe(false);
  });

  it('lets the player barge in over the mic: the server cancels, truncates and clears by itself', async () => {
    const client = await connect('guard', [], 'server_vad');
    const started = client.next(ofType('output_audio_buffer.started'));
    const sentAt = performance.now();
    client.session.sendMessage('tell me about the wolves');
    const startEvent = await started;
    await client.remote.waitForSpeech(sentAt);
    const speechStarted = client.next(ofType('input_audio_buffer.speech_started'), 20_000);
    const cleared = client.next(ofType('output_audio_buffer.cleared'), 20_000);
    const truncated = client.next(ofType('conversation.item.truncated'), 20_000);
    const nextTurn = client.next((e) => e.type === 'response.done' && (e.response as { id: string }).id !== startEvent.response_id, 20_000);
    void client.mic.say(withSilence(await synthesizePlayerSpeech('hello', 'awb'), 300, 900));
    await speechStarted;
    expect((await cleared).response_id).toBe(startEvent.response_id);
    const truncatedEvent = await truncated;
    expect(Number(truncatedEvent.audio_end_ms)).toBeGreaterThan(0);
    expect(Number(truncatedEvent.audio_end_ms)).toBeLessThan(4000);
    // Generation runs ahead of playback: if it had not finished when the player spoke, the player's turn cancelled it.
    const done = client.events.findIndex((e) => e.type === 'response.done' && (e.response as { id: string }).id === startEvent.response_id);
    const bargeIn = client.events.findIndex((e) => e.type === 'input_audio_buffer.speech_started');
    expect((client.events[done] as TransportEvent).response).toMatchObject(
      done < bargeIn ? { status: 'completed' } : { status: 'cancelled', status_details: { reason: 'turn_detected' } },
    );
    expect((await nextTurn).response).toMatchObject({ status: 'completed' });
    expect(client.events.some((e) => e.type === 'output_audio_buffer.stopped' && e.response_id === startEvent.response_id)).toBe(false);
  });
});
