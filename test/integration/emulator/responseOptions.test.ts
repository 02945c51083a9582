import { RealtimeAgent, RealtimeSession } from '@openai/agents-realtime';
import { describe, expect, it } from 'vitest';
import { buildInstructions } from '../../../plugin/shared/sessionConfig.js';
import { RawClient, giveItemTool, nextSessionEvent, useEmulatorFixture, type WireEvent } from './helpers.js';

const MODEL = 'gpt-realtime';
const emu = useEmulatorFixture();
const GIVE_ITEM = { type: 'function', name: 'give_item', description: 'Give an item to the player', parameters: { type: 'object', properties: { item: { type: 'string' } } } };
const userText = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });

/** A blacksmith session with the give_item tool and manual turns. */
async function openSession(session: Record<string, unknown> = {}): Promise<RawClient> {
  const client = await RawClient.connect(`${emu.server.wsUrl}?model=${MODEL}`, { headers: { Authorization: `Bearer ${emu.server.mintKey('blacksmith')}` } });
  await client.nextOfType('session.created');
  client.send({
    type: 'session.update',
    session: { type: 'realtime', instructions: buildInstructions(emu.blacksmith), tools: [GIVE_ITEM], audio: { input: { turn_detection: null } }, ...session },
  });
  await client.nextOfType('session.updated');
  return client;
}

const doneOf = (client: RawClient, id: unknown) => client.next((e) => e.type === 'response.done' && (e.response as { id: string }).id === id, 20_000);
const responseOf = (event: WireEvent) => event.response as { id: string; status: string; output: Record<string, unknown>[]; metadata: unknown; conversation_id: unknown };

describe('emulator out-of-band responses (raw WebSocket client)', () => {
  it('runs a conversation: none response beside the conversation response, on its own input, with its metadata, outside the conversation', async () => {
    const client = await openSession();
    client.send({ type: 'response.create', event_id: 'evt_main' });
    const main = responseOf(await client.nextOfType('response.created'));
    client.send({
      type: 'response.create',
      event_id: 'evt_oob',
      response: { conversation: 'none', metadata: { purpose: 'moderation' }, output_modalities: ['text'], input: [userText('who are you')] },
    });
    const oobCreated = await client.next((e) => e.type === 'response.created' && responseOf(e).id !== main.id);
    expect(responseOf(oobCreated)).toMatchObject({ metadata: { purpose: 'moderation' }, conversation_id: null, status: 'in_progress' });
    const oob = responseOf(await doneOf(client, responseOf(oobCreated).id));
    expect(oob).toMatchObject({ status: 'completed', metadata: { purpose: 'moderation' } });
    expect(oob.output).toMatchObject([{ type: 'message', content: [{ type: 'output_text', text: 'Brom. I make the steel this village fights with.' }] }]);
    const mainDone = responseOf(await doneOf(client, main.id));
    expect(mainDone.status).toBe('completed');
    const oobItemId = oob.output[0]?.id;
    expect(client.events.filter((e) => e.type.startsWith('conversation.item.') && (e.item as { id?: string } | undefined)?.id === oobItemId)).toEqual([]);
    expect(client.events.filter((e) => e.type === 'error')).toEqual([]);
    // The conversation has the main response's item only: retrieving the out-of-band one fails.
    client.send({ type: 'conversation.item.retrieve', event_id: 'evt_get', item_id: oobItemId });
    expect((await client.nextOfType('error')).error).toMatchObject({ code: 'item_not_found', event_id: 'evt_get' });
    await client.close();
  });

  it('answers an item reference from the conversation, and refuses an unknown reference or a bad tool_choice in the API shape', async () => {
    const client = await openSession();
    client.send({ type: 'conversation.item.create', item: { ...userText('give me a sword'), id: 'item_ask' } });
    await client.nextOfType('conversation.item.done');
    client.send({ type: 'response.create', response: { conversation: 'none', output_modalities: ['text'], input: [{ type: 'item_reference', id: 'item_ask' }] } });
    const created = await client.nextOfType('response.created');
    const done = responseOf(await doneOf(client, responseOf(created).id));
    expect(done.output.map((item) => item.type)).toEqual(['message', 'function_call']);
    client.send({ type: 'response.create', event_id: 'evt_ref', response: { conversation: 'none', input: [{ type: 'item_reference', id: 'item_gone' }] } });
    expect((await client.nextOfType('error')).error).toMatchObject({ type: 'invalid_request_error', code: 'item_not_found', param: 'response.input.0.id', event_id: 'evt_ref' });
    client.send({ type: 'response.create', event_id: 'evt_tc', response: { tool_choice: 'sometimes' } });
    const badValue = (await client.nextOfType('error')).error as Record<string, unknown>;
    expect(badValue).toMatchObject({ code: 'invalid_value', param: 'response.tool_choice', event_id: 'evt_tc' });
    expect(badValue.message).toContain("'required'");
    client.send({ type: 'session.update', event_id: 'evt_named', session: { type: 'realtime', tool_choice: { type: 'function', name: 'open_gate' } } });
    expect((await client.nextOfType('error')).error).toMatchObject({ code: 'invalid_value', param: 'session.tool_choice', event_id: 'evt_named' });
    await client.close();
  });
});

describe('emulator tool_choice (raw WebSocket client)', () => {
  const calls = (response: ReturnType<typeof responseOf>) => response.output.filter((item) => item.type === 'function_call');

  it("'none' never calls a tool, 'required' and a named function always call one", async () => {
    const client = await openSession({ tool_choice: 'none' });
    client.send({ type: 'conversation.item.create', item: userText('give me a sword') });
    client.send({ type: 'response.create', response: { output_modalities: ['text'] } });
    const none = responseOf(await client.nextOfType('response.done'));
    expect(calls(none)).toEqual([]);
    expect(none.output).toMatchObject([{ content: [{ type: 'output_text', text: 'A traveler should not walk unarmed.' }] }]);
    client.send({ type: 'conversation.item.create', item: userText('hello') });
    client.send({ type: 'response.create', response: { output_modalities: ['text'], tool_choice: 'required' } });
    const required = responseOf(await client.nextOfType('response.done'));
    expect(calls(required)).toMatchObject([{ name: 'give_item', status: 'completed' }]);
    client.send({ type: 'conversation.item.create', item: userText('hello') });
    client.send({ type: 'response.create', response: { output_modalities: ['text'], tool_choice: { type: 'function', name: 'give_item' } } });
    const named = responseOf(await client.nextOfType('response.done'));
    expect(calls(named)).toMatchObject([{ name: 'give_item', arguments: '{"item":"sword"}' }]);
    await client.close();
  });
});

describe('tool_choice and out-of-band responses with the real Agents SDK', () => {
  async function connect(calls: unknown[], toolChoice: 'auto' | 'none' | 'required') {
    const agent = new RealtimeAgent({ name: 'Brom', instructions: buildInstructions(emu.blacksmith), tools: [giveItemTool(calls)] });
    const session = new RealtimeSession(agent, { transport: 'websocket', model: MODEL, config: { toolChoice, outputModalities: ['text'], audio: { input: { turnDetection: null } } } });
    const events: WireEvent[] = [];
    session.on('transport_event', (event) => events.push(event as WireEvent));
    const configured = nextSessionEvent(session, 'transport_event', ([e]) => (e as WireEvent).type === 'session.updated' && (e as { session: { tool_choice: unknown } }).session.tool_choice === toolChoice);
    await session.connect({ apiKey: emu.server.mintKey('blacksmith'), url: `${emu.server.wsUrl}?model=${MODEL}` });
    await configured;
    return { session, events };
  }

  it("toolChoice 'none': the agent's tool is never called, the NPC says its line", async () => {
    const calls: unknown[] = [];
    const { session, events } = await connect(calls, 'none');
    const ended = nextSessionEvent(session, 'agent_end');
    session.sendMessage('give me a sword');
    const [, , text] = await ended;
    expect(text).toBe('A traveler should not walk unarmed.');
    expect(calls).toEqual([]);
    expect(events.some((e) => e.type === 'response.function_call_arguments.done')).toBe(false);
    session.close();
  });

  it("toolChoice 'required': a greeting still makes the agent's tool run", async () => {
    const calls: unknown[] = [];
    const { session } = await connect(calls, 'required');
    const toolEnd = nextSessionEvent(session, 'agent_tool_end');
    session.sendMessage('hello');
    await toolEnd;
    expect(calls).toEqual([{ item: 'sword' }]);
    session.close();
  });

  it('an out-of-band response.create sent through the SDK transport carries its metadata and leaves the conversation alone', async () => {
    const { session, events } = await connect([], 'auto');
    const done = nextSessionEvent(session, 'transport_event', ([e]) => (e as WireEvent).type === 'response.done');
    session.transport.sendEvent({ type: 'response.create', response: { conversation: 'none', metadata: { topic: 'recap' }, output_modalities: ['text'], input: [userText('goodbye')] } });
    const [event] = (await done) as [WireEvent];
    expect(responseOf(event)).toMatchObject({ status: 'completed', conversation_id: null, metadata: { topic: 'recap' }, output: [{ content: [{ type: 'output_text', text: emu.blacksmith.farewell }] }] });
    expect(events.filter((e) => e.type === 'conversation.item.added')).toEqual([]);
    session.close();
  });
});

describe('emulator idle timeout, max_output_tokens, truncation and rate limits (raw WebSocket client)', () => {
  it('idle_timeout_ms: after the greeting has played and that much silence, timeout_triggered, the silent item and a prompt', async () => {
    const client = await openSession({ audio: { input: { turn_detection: { type: 'server_vad', idle_timeout_ms: 300 } } } });
    client.send({ type: 'response.create' });
    const firstAudio = await client.nextOfType('response.output_audio.delta');
    const firstAudioAt = performance.now();
    const greeting = responseOf(await client.nextOfType('response.done'));
    const audioMs = client.events
      .filter((e) => e.type === 'response.output_audio.delta' && e.response_id === greeting.id)
      .reduce((ms, e) => ms + Buffer.from(String(e.delta), 'base64').length / 48, 0);
    expect(firstAudio.response_id).toBe(greeting.id);
    const triggered = await client.nextOfType('input_audio_buffer.timeout_triggered', 20_000);
    // The wait starts when the greeting has finished playing, not when it finished generating.
    expect(performance.now() - firstAudioAt).toBeGreaterThanOrEqual(audioMs + 300 - 20);
    expect(triggered).toMatchObject({ item_id: expect.stringMatching(/^item_/), audio_start_ms: expect.any(Number), audio_end_ms: expect.any(Number) });
    expect(Number(triggered.audio_end_ms)).toBeGreaterThanOrEqual(Number(triggered.audio_start_ms));
    expect(await client.nextOfType('input_audio_buffer.committed')).toMatchObject({ item_id: triggered.item_id });
    const prompt = await client.nextOfType('response.output_audio_transcript.done');
    expect(prompt.transcript).toBe('Are you still there?');
    await client.close();
  });

  it('max_output_tokens: the response stops there, incomplete with status_details, usage within the limit', async () => {
    const client = await openSession();
    client.send({ type: 'response.create', response: { max_output_tokens: 15 } });
    const done = responseOf(await client.nextOfType('response.done'));
    expect(done).toMatchObject({ status: 'incomplete', status_details: { type: 'incomplete', reason: 'max_output_tokens' }, max_output_tokens: 15 });
    expect((done as unknown as { usage: { output_tokens: number } }).usage.output_tokens).toBeLessThanOrEqual(15);
    const transcript = String(client.events.find((e) => e.type === 'response.output_audio_transcript.done' && e.response_id === done.id)?.transcript);
    expect(emu.blacksmith.greeting.startsWith(transcript)).toBe(true);
    expect(transcript.length).toBeLessThan(emu.blacksmith.greeting.length);
    await client.close();
  });

  it('echoes truncation, noise_reduction and max_output_tokens, and refuses bad values naming the field', async () => {
    const client = await openSession();
    const truncation = { type: 'retention_ratio', retention_ratio: 0.8, token_limits: { post_instructions: 5000 } };
    client.send({ type: 'session.update', session: { type: 'realtime', truncation, max_output_tokens: 200, audio: { input: { noise_reduction: { type: 'far_field' } } } } });
    const updated = await client.nextOfType('session.updated');
    expect(updated.session).toMatchObject({ truncation, max_output_tokens: 200, audio: { input: { noise_reduction: { type: 'far_field' } } } });
    const refusals: [Record<string, unknown>, string][] = [
      [{ truncation: 'sometimes' }, 'session.truncation'],
      [{ max_output_tokens: 0 }, 'session.max_output_tokens'],
      [{ audio: { input: { noise_reduction: { type: 'loud' } } } }, 'session.audio.input.noise_reduction.type'],
      [{ audio: { input: { turn_detection: { type: 'server_vad', idle_timeout_ms: -1 } } } }, 'session.audio.input.turn_detection.idle_timeout_ms'],
    ];
    for (const [session, param] of refusals) {
      client.send({ type: 'session.update', event_id: `evt_${param}`, session: { type: 'realtime', ...session } });
      const error = (await client.nextOfType('error')).error as Record<string, unknown>;
      expect(error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_value', param, event_id: `evt_${param}` });
    }
    client.send({ type: 'response.create', event_id: 'evt_max', response: { max_output_tokens: 5000 } });
    expect((await client.nextOfType('error')).error).toMatchObject({ code: 'invalid_value', param: 'response.max_output_tokens', message: expect.stringContaining('4096') });
    // The refusals left the session as it was.
    client.send({ type: 'session.update', session: { type: 'realtime' } });
    expect((await client.nextOfType('session.updated')).session).toMatchObject({ truncation, max_output_tokens: 200 });
    await client.close();
  });

  it('sends rate_limits.updated after each response.done, the response\'s tokens taken off what remains', async () => {
    const client = await openSession();
    const remaining: number[] = [];
    const totals: number[] = [];
    for (let i = 0; i < 2; i++) {
      client.send({ type: 'response.create', response: { output_modalities: ['text'] } });
      const done = await client.nextOfType('response.done');
      const limits = await client.nextOfType('rate_limits.updated');
      expect(client.events.indexOf(limits)).toBe(client.events.indexOf(done) + 1);
      totals.push((done.response as { usage: { total_tokens: number } }).usage.total_tokens);
      const tokens = (limits.rate_limits as { name: string; limit: number; remaining: number; reset_seconds: number }[]).find((l) => l.name === 'tokens');
      expect(tokens).toMatchObject({ limit: 40000, reset_seconds: expect.any(Number) });
      remaining.push(tokens?.remaining ?? -1);
    }
    expect(remaining).toEqual([40000 - (totals[0] ?? 0), 40000 - (totals[0] ?? 0) - (totals[1] ?? 0)]);
    await client.close();
  });
});

describe('idle timeout and max_output_tokens with the real Agents SDK', () => {
  it('idleTimeoutMs: after the NPC answers and the player stays silent, the NPC asks whether the player is still there', async () => {
    const agent = new RealtimeAgent({ name: 'Brom', instructions: buildInstructions(emu.blacksmith) });
    const session = new RealtimeSession(agent, {
      transport: 'websocket',
      model: MODEL,
      config: { outputModalities: ['text'], audio: { input: { turnDetection: { type: 'server_vad', idleTimeoutMs: 250 } } } },
    });
    const events: WireEvent[] = [];
    session.on('transport_event', (event) => events.push(event as WireEvent));
    await session.connect({ apiKey: emu.server.mintKey('blacksmith'), url: `${emu.server.wsUrl}?model=${MODEL}` });
    const greeted = nextSessionEvent(session, 'agent_end', (args) => args[2] === emu.blacksmith.greeting);
    const prompted = nextSessionEvent(session, 'agent_end', (args) => args[2] === 'Are you still there?', 15_000);
    session.sendMessage('hello');
    await greeted;
    await prompted;
    expect(events.some((e) => e.type === 'input_audio_buffer.timeout_triggered')).toBe(true);
    session.close();
  });

  it('max_output_tokens through providerData: the answer is cut and response.done says why', async () => {
    const agent = new RealtimeAgent({ name: 'Brom', instructions: buildInstructions(emu.blacksmith) });
    const session = new RealtimeSession(agent, {
      transport: 'websocket',
      model: MODEL,
      config: { outputModalities: ['text'], providerData: { max_output_tokens: 4 }, audio: { input: { turnDetection: null } } },
    });
    const done = nextSessionEvent(session, 'transport_event', ([e]) => (e as WireEvent).type === 'response.done');
    await session.connect({ apiKey: emu.server.mintKey('blacksmith'), url: `${emu.server.wsUrl}?model=${MODEL}` });
    session.sendMessage('hello');
    const [event] = (await done) as [WireEvent];
    expect(responseOf(event)).toMatchObject({ status: 'incomplete', status_details: { type: 'incomplete', reason: 'max_output_tokens' } });
    const text = (responseOf(event).output[0] as { content: { text: string }[] }).content[0]?.text ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(emu.blacksmith.greeting.startsWith(text)).toBe(true);
    session.close();
  });
});

