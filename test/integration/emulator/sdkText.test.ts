import { RealtimeAgent, RealtimeSession, type RealtimeItem } from '@openai/agents-realtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { buildInstructions } from '../../../plugin/shared/sessionConfig.js';
import { loadPersonas } from '../../../server/personas/loadPersonas.js';
import { AUDIO_CONTENT_END } from '../../support/gaEventOrder.js';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { giveItemTool, nextSessionEvent } from './helpers.js';

const MODEL = 'gpt-realtime';
let server: TestServer;
let blacksmith: Persona;

beforeAll(async () => {
  server = await startTestServer();
  const personas = await loadPersonas();
  blacksmith = personas.get('blacksmith') as Persona;
});

afterAll(async () => {
  await server?.close();
});

type TransportEvent = Record<string, unknown> & { type: string };

function assistantTranscript(history: RealtimeItem[]): string[] {
  const out: string[] = [];
  for (const item of history) {
    if (item.type === 'message' && item.role === 'assistant') {
      for (const part of item.content) if (part.type === 'output_audio' && part.transcript) out.push(part.transcript);
    }
  }
  return out;
}

async function connect(agent: RealtimeAgent, config: ConstructorParameters<typeof RealtimeSession>[1] = {}): Promise<{ session: RealtimeSession; events: TransportEvent[] }> {
  const session = new RealtimeSession(agent, { transport: 'websocket', model: MODEL, ...config });
  const events: TransportEvent[] = [];
  session.on('transport_event', (event) => events.push(event as TransportEvent));
  await session.connect({ apiKey: server.mintKey('blacksmith'), url: `${server.wsUrl}?model=${MODEL}` });
  return { session, events };
}

describe('emulator with the real Agents SDK (WebSocket)', () => {
  it('answers a typed greeting with the persona greeting as audio, transcript and history', async () => {
    const agent = new RealtimeAgent({ name: 'Brom', instructions: buildInstructions(blacksmith) });
    const { session, events } = await connect(agent, { config: { audio: { input: { turnDetection: null } } } });
    const audio: ArrayBuffer[] = [];
    session.on('audio', (event) => audio.push(event.data));
    const ended = nextSessionEvent(session, 'agent_end');
    session.sendMessage('Hello there!');
    const [, , text] = await ended;
    expect(text).toBe(blacksmith.greeting);
    const bytes = audio.reduce((n, a) => n + a.byteLength, 0);
    // Flite speaks the greeting in well over a second: 24 kHz PCM16 is 48 bytes per ms.
    expect(bytes / 48).toBeGreaterThan(1000);
    const deltas = events.filter((e) => e.type === 'response.output_audio_transcript.delta').map((e) => e.delta).join('');
    expect(deltas).toBe(blacksmith.greeting);
    expect(assistantTranscript(session.history)).toEqual([blacksmith.greeting]);
    const user = session.history.find((i) => i.type === 'message' && i.role === 'user');
    expect(user).toBeDefined();
    // Every event carries a unique event_id.
    const ids = events.map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    session.close();
  });

  it('emits the GA event sequence of an audio response with all ids and indices', async () => {
    const agent = new RealtimeAgent({ name: 'Brom', instructions: buildInstructions(blacksmith) });
    const { session, events } = await connect(agent, { config: { audio: { input: { turnDetection: null } } } });
    const ended = nextSessionEvent(session, 'agent_end');
    session.sendMessage('tell me about the forge');
    const [, , text] = await ended;
    expect(text).toBe(blacksmith.knowledge[0]?.answer);
    const start = events.findIndex((e) => e.type === 'response.created');
    // Synthesis runs in a worker, so the answer to the SDK's own session.update may land between response events.
    const order = events
      .slice(start)
      .map((e) => e.type)
      .filter((t) => !t.startsWith('session.'))
      .filter((t, i, all) => t !== all[i - 1]);
    expect(order.slice(0, 5)).toEqual(['response.created', 'response.output_item.added', 'conversation.item.added', 'response.content_part.added', 'response.output_audio_transcript.delta']);
    expect(order.slice(-6)).toEqual(AUDIO_CONTENT_END);
    // Transcript and audio deltas are interleaved, not one block after the other.
    expect(order.filter((t) => t === 'response.output_audio_transcript.delta').length).toBeGreaterThan(1);
    for (const e of events.filter((ev) => ev.type.startsWith('response.output_audio'))) {
      expect(e).toMatchObject({ response_id: expect.any(String), item_id: expect.any(String), output_index: 0, content_index: 0 });
    }
    const done = events.find((e) => e.type === 'response.done') as unknown as { response: { status: string; output: unknown[]; usage: Record<string, unknown> } };
    expect(done.response.status).toBe('completed');
    expect(done.response.output).toHaveLength(1);
    expect(done.response.usage).toMatchObject({ input_token_details: { cached_tokens: 0 }, output_token_details: { audio_tokens: expect.any(Number) } });
    expect(session.usage.outputTokens).toBeGreaterThan(0);
    session.close();
  });

  it('runs a tool round trip: the blacksmith calls give_item and speaks the result template', async () => {
    const calls: unknown[] = [];
    const giveItem = giveItemTool(calls);
    const agent = new RealtimeAgent({ name: 'Brom', instructions: buildInstructions(blacksmith), tools: [giveItem] });
    const { session } = await connect(agent, { config: { audio: { input: { turnDetection: null } } } });
    const spoken: string[] = [];
    session.on('agent_end', (_ctx, _agent, text) => spoken.push(text));
    const toolEnd = nextSessionEvent(session, 'agent_tool_end');
    const answered = nextSessionEvent(session, 'agent_end', (args) => String(args[2]).includes('yours'));
    session.sendMessage('give me a sword');
    const [, , , result] = await toolEnd;
    expect(calls).toEqual([{ item: 'sword' }]);
    expect(JSON.parse(String(result))).toEqual({ item: 'sword', ok: true });
    const [, , text] = await answered;
    expect(text).toBe('There. The sword is yours. Swing it true.');
    // First response: the intent's line plus the call; second: the result template.
    expect(spoken[0]).toBe('A traveler should not walk unarmed.');
    const types = session.history.map((i) => i.type);
    expect(types).toEqual(['message', 'message', 'function_call', 'message']);
    session.close();
  });

  it('answers in text with output_text events when output_modalities is text', async () => {
    const agent = new RealtimeAgent({ name: 'Brom', instructions: buildInstructions(blacksmith) });
    const { session, events } = await connect(agent, { config: { outputModalities: ['text'], audio: { input: { turnDetection: null } } } });
    const audio: ArrayBuffer[] = [];
    session.on('audio', (event) => audio.push(event.data));
    const ended = nextSessionEvent(session, 'agent_end');
    session.sendMessage('goodbye');
    const [, , text] = await ended;
    expect(text).toBe(blacksmith.farewell);
    expect(audio).toEqual([]);
    expect(events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('')).toBe(blacksmith.farewell);
    expect(events.find((e) => e.type === 'response.content_part.added')).toMatchObject({ part: { type: 'text' } });
    session.close();
  });
});
