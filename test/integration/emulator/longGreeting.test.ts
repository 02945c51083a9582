import { RealtimeAgent, RealtimeSession } from '@openai/agents-realtime';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { buildInstructions } from '../../../plugin/shared/sessionConfig.js';
import { nextSessionEvent, RawClient, useEmulatorFixture, type WireEvent } from './helpers.js';

// The server runs in this process, so the event-loop delay seen here is the one every session, /healthz and
// minting would see. Before flite moved to a worker, a 1,000-word greeting stalled this loop for ~10–27 s.

const emu = useEmulatorFixture();

const VOCABULARY = ['iron', 'anvil', 'forge', 'hammer', 'steel', 'bellows', 'tongs', 'ember', 'quench', 'temper'];
/** One "sentence" of `count` words with no punctuation: the worst case, one flite run for all of it unless split. */
const words = (count: number): string => Array.from({ length: count }, (_, i) => VOCABULARY[i % VOCABULARY.length]).join(' ');

async function openRaw(instructions: string): Promise<RawClient> {
  const client = await RawClient.connect(`${emu.server.wsUrl}?model=gpt-realtime`, { headers: { Authorization: `Bearer ${emu.server.mintKey()}` } });
  await client.nextOfType('session.created');
  client.send({ type: 'session.update', session: { type: 'realtime', instructions, audio: { input: { turn_detection: null } } } });
  await client.nextOfType('session.updated');
  return client;
}

function sayHello(client: RawClient): void {
  client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } });
  client.send({ type: 'response.create' });
}

describe('a long greeting does not stall the server', () => {
  it("lets a second session's turn complete and /healthz answer while a 1,000-word greeting is being synthesized", async () => {
    const greeting = words(1000);
    const long = await openRaw(buildInstructions({ ...emu.blacksmith, greeting }));
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    sayHello(long);
    await long.nextOfType('response.output_audio.delta', 15_000);

    // A second player talks to the blacksmith through the real SDK meanwhile.
    const session = new RealtimeSession(new RealtimeAgent({ name: 'Brom', instructions: buildInstructions(emu.blacksmith) }), {
      transport: 'websocket',
      model: 'gpt-realtime',
      config: { audio: { input: { turnDetection: null } } },
    });
    const startedAt = performance.now();
    await session.connect({ apiKey: emu.server.mintKey(), url: `${emu.server.wsUrl}?model=gpt-realtime` });
    const ended = nextSessionEvent(session, 'agent_end', () => true, 15_000);
    session.sendMessage('Hello there!');

    const healthStartedAt = performance.now();
    const health = await fetch(`${emu.server.url}/healthz`);
    const healthMs = performance.now() - healthStartedAt;
    expect(health.status).toBe(200);

    const [, , text] = await ended;
    const secondTurnMs = performance.now() - startedAt;
    delay.disable();
    expect(text).toBe(emu.blacksmith.greeting);

    // The long greeting is still being synthesized and spoken: it has neither finished nor been cut short.
    const spoken = long.events.filter((e: WireEvent) => e.type === 'response.output_audio_transcript.delta').map((e) => String(e.delta)).join('');
    expect(long.events.some((e) => e.type === 'response.done')).toBe(false);
    expect(spoken.split(' ').length).toBeLessThan(1000);
    expect(greeting.startsWith(spoken)).toBe(true);

    expect(healthMs).toBeLessThan(1000);
    expect(secondTurnMs).toBeLessThan(8000);
    // Milliseconds; the fix keeps the longest stall to a few hundred at most (a 1,000-word flite run took > 10 s).
    expect(delay.max / 1e6).toBeLessThan(1000);

    session.close();
    await long.close();
  });

  it('refuses over-long instructions with an error event, keeps the session open and its previous instructions', async () => {
    const client = await openRaw(buildInstructions(emu.blacksmith));
    const tooLong = 'x'.repeat(40_000);
    client.send({ type: 'session.update', event_id: 'evt_long', session: { type: 'realtime', instructions: tooLong } });
    const error = await client.nextOfType('error');
    expect(error.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'string_above_max_length',
      param: 'session.instructions',
      event_id: 'evt_long',
      message: expect.stringContaining('maximum length 32768'),
    });
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    // The session still speaks with the instructions it had.
    sayHello(client);
    const done = await client.nextOfType('response.output_audio_transcript.done');
    expect(done.transcript).toBe(emu.blacksmith.greeting);
    await client.close();
  });
});
