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
