import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { SessionUpdateConfigSchema, type ResponseParams } from '../../../plugin/shared/protocol/clientEvents.js';
import type { ServerEventBody } from '../../../plugin/shared/protocol/serverEvents.js';
import { PersonaBrain } from '../../../server/emulator/brain/PersonaBrain.js';
import { Conversation } from '../../../server/emulator/realtime/Conversation.js';
import { ResponseRunner } from '../../../server/emulator/realtime/ResponseRunner.js';
import { SessionState } from '../../../server/emulator/realtime/SessionState.js';
import { websocketAudioOutput } from '../../../server/emulator/realtime/websocketAudioOutput.js';
import { createFliteTts, type FliteTts } from '../../../server/emulator/speech/fliteTts.js';
import { loadPersonas } from '../../../server/personas/loadPersonas.js';
import { AUDIO_CONTENT_END } from '../../support/gaEventOrder.js';

let tts: FliteTts;
let blacksmith: Persona;

beforeAll(async () => {
  tts = await createFliteTts();
  blacksmith = (await loadPersonas()).get('blacksmith') as Persona;
});

afterAll(() => tts?.dispose());

/** A runner over a real conversation, flite and the blacksmith's brain, streaming audio at real time. */
function setup(session?: Record<string, unknown>) {
  const events: ServerEventBody[] = [];
  const waiters: { match: (e: ServerEventBody) => boolean; resolve: (e: ServerEventBody) => void }[] = [];
  const emit = (event: ServerEventBody): void => {
    events.push(event);
    for (const w of [...waiters]) {
      if (w.match(event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  };
  const next = (type: ServerEventBody['type']): Promise<ServerEventBody> =>
    new Promise((resolve) => {
      const found = events.find((e) => e.type === type);
      if (found) resolve(found);
      else waiters.push({ match: (e) => e.type === type, resolve });
    });
  const state = new SessionState({ model: 'gpt-realtime' });
  if (session) {
    const refused = state.update(SessionUpdateConfigSchema.parse({ type: 'realtime', ...session }), false);
    if (refused) throw new Error(refused.message);
  }
  const brain = new PersonaBrain(blacksmith);
  const conversation: Conversation = new Conversation({ emit, generating: () => runner.generating });
  const runner: ResponseRunner = new ResponseRunner({
    emit,
    conversation,
    session: () => state.view,
    persona: () => ({ persona: blacksmith, brain }),
    tts,
    output: websocketAudioOutput,
    burstMs: 0,
    speedFactor: 1,
  });
  return { runner, conversation, events, next };
}

describe('ResponseRunner', () => {
  it('cancels the active response: the content ends incomplete, response.done says cancelled, and nothing follows', async () => {
    const { runner, conversation, events, next } = setup();
    const created = runner.create(undefined);
    if (!created.ok) throw new Error(created.error.message);
    const handle = created.response;
    expect(runner.active?.id).toBe(handle.id);
    await next('response.output_audio.delta');
    const before = events.length;
    handle.cancel('client_cancelled');
    expect(runner.active).toBeNull();
    expect(events.slice(before).map((e) => e.type)).toEqual(AUDIO_CONTENT_END);
    const done = await handle.done;
    expect(done).toMatchObject({ id: handle.id, status: 'cancelled', status_details: { type: 'cancelled', reason: 'client_cancelled' } });
    expect(done.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'incomplete' });
    expect(done.usage?.output_token_details.audio_tokens).toBeGreaterThan(0);
    // The greeting's item stays in the conversation with the part of the transcript that was sent.
    const [entry] = conversation.entries;
    expect(entry?.item).toMatchObject({ status: 'incomplete', content: [{ type: 'output_audio' }] });
    const part = entry?.item.type === 'message' ? entry.item.content[0] : undefined;
    const sent = part?.type === 'output_audio' ? part.transcript : undefined;
    expect(sent).toMatch(/^Welcome/);
    expect(blacksmith.greeting.startsWith(sent ?? '-')).toBe(true);

    // A new response starts at once, and the cancelled one sends nothing more while the new one speaks.
    const second = runner.create(undefined);
    if (!second.ok) throw new Error(second.error.message);
    const secondDone = await second.response.done;
    expect(secondDone.status).toBe('completed');
    const cancelledDoneAt = events.findIndex((e) => e.type === 'response.done');
    const late = events.slice(cancelledDoneAt + 1).filter((e) => 'response_id' in e && e.response_id === handle.id);
    expect(late).toEqual([]);
  });

  it('allows one active response: a second is refused naming the first, and cancel with none active does nothing', async () => {
    const { runner, events } = setup();
    const first = runner.create(undefined);
    if (!first.ok) throw new Error(first.error.message);
    const second = runner.create(undefined);
    expect(second).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'conversation_already_has_active_response', message: expect.stringContaining(first.response.id) }),
    });
    expect(events.filter((e) => e.type === 'response.created')).toHaveLength(1);
    expect(runner.cancel('turn_detected')).toBe(first.response.id);
    expect((await first.response.done).status_details).toEqual({ type: 'cancelled', reason: 'turn_detected' });
    expect(runner.cancel('client_cancelled')).toBeNull();
    expect(events.filter((e) => e.type === 'response.done')).toHaveLength(1);
  });

  it('runs a text response through the GA event sequence and completes it', async () => {
    const { runner, events } = setup();
    const created = runner.create({ output_modalities: ['text'] });
    if (!created.ok) throw new Error(created.error.message);
    const done = await created.response.done;
    const deltas = events.filter((e) => e.type === 'response.output_text.delta').length;
    expect(deltas).toBe(blacksmith.greeting.split(/\s+/).length);
    expect(events.map((e) => e.type).filter((t) => t !== 'response.output_text.delta')).toEqual([
      'response.created',
      'response.output_item.added',
      'conversation.item.added',
      'response.content_part.added',
      'response.output_text.done',
      'response.content_part.done',
      'conversation.item.done',
      'response.output_item.done',
      'response.done',
    ]);
    expect(done).toMatchObject({ status: 'completed', output: [{ content: [{ type: 'output_text', text: blacksmith.greeting }] }] });
  });
});

const GIVE_ITEM = { type: 'function', name: 'give_item', parameters: { type: 'object', properties: { item: { type: 'string' } } } };
const userText = (text: string) => ({ type: 'message' as const, role: 'user' as const, content: [{ type: 'input_text' as const, text }] });

/** Runs one response to its end; returns its final object and the events it sent. */
async function runToEnd(runner: ResponseRunner, events: ServerEventBody[], params: ResponseParams | undefined) {
  const from = events.length;
  const created = runner.create(params);
  if (!created.ok) throw new Error(created.error.message);
  const done = await created.response.done;
  return { done, events: events.slice(from).filter((e) => !('response_id' in e) || e.response_id === done.id || e.type.startsWith('conversation.')) };
}

describe('ResponseRunner out-of-band responses', () => {
  it('runs beside the conversation response, answers its own input, carries its metadata and adds nothing to the conversation', async () => {
    const { runner, conversation, events } = setup({ tools: [GIVE_ITEM] });
    const inBand = runner.create(undefined);
    if (!inBand.ok) throw new Error(inBand.error.message);
    const oob = runner.create({ conversation: 'none', metadata: { purpose: 'classify' }, output_modalities: ['text'], input: [userText('who are you')] });
    if (!oob.ok) throw new Error(oob.error.message);
    expect(runner.active?.id).toBe(inBand.response.id);
    const done = await oob.response.done;
    expect(done).toMatchObject({ status: 'completed', conversation_id: null, metadata: { purpose: 'classify' } });
    expect(done.output).toMatchObject([{ type: 'message', content: [{ type: 'output_text', text: 'Brom. I make the steel this village fights with.' }] }]);
    const created = events.find((e) => e.type === 'response.created' && e.response.id === done.id);
    expect(created).toMatchObject({ response: { metadata: { purpose: 'classify' }, conversation_id: null } });
    const oobItemId = done.output[0]?.id;
    expect(events.filter((e) => (e.type === 'conversation.item.added' || e.type === 'conversation.item.done') && e.item.id === oobItemId)).toEqual([]);
    expect(conversation.entries.some((e) => e.item.id === oobItemId)).toBe(false);
    // The conversation's own response went on and answered the (empty) conversation with the greeting.
    const inBandDone = await inBand.response.done;
    expect(inBandDone).toMatchObject({ status: 'completed', conversation_id: conversation.id, metadata: null });
    expect(conversation.entries.map((e) => e.item.id)).toEqual([inBandDone.output[0]?.id]);
  });

  it('resolves item references in input, and refuses an unknown one naming its index', async () => {
    const { runner, conversation, events } = setup({ tools: [GIVE_ITEM] });
    conversation.create({ ...userText('who are you'), id: 'item_q' }, undefined);
    const { done } = await runToEnd(runner, events, { conversation: 'none', output_modalities: ['text'], input: [{ type: 'item_reference', id: 'item_q' }] });
    expect(done.output).toMatchObject([{ content: [{ type: 'output_text', text: expect.stringMatching(/^Brom\./) }] }]);
    const refused = runner.create({ conversation: 'none', input: [userText('hi'), { type: 'item_reference', id: 'item_missing' }] });
    expect(refused).toEqual({ ok: false, error: expect.objectContaining({ code: 'item_not_found', param: 'response.input.1.id' }) });
    expect(runner.busy).toBe(false);
  });
});

describe('ResponseRunner tool_choice', () => {
  const functionCalls = (done: { output: { type: string }[] }) => done.output.filter((item) => item.type === 'function_call');

  it("'auto' calls the intent's tool; 'none' never calls it and speaks the intent's line instead", async () => {
    const { runner, events } = setup({ tools: [GIVE_ITEM] });
    const auto = await runToEnd(runner, events, { conversation: 'none', output_modalities: ['text'], input: [userText('give me a sword')] });
    expect(functionCalls(auto.done)).toMatchObject([{ name: 'give_item', arguments: '{"item":"sword"}' }]);
    const none = await runToEnd(runner, events, { conversation: 'none', output_modalities: ['text'], tool_choice: 'none', input: [userText('give me a sword')] });
    expect(functionCalls(none.done)).toEqual([]);
    expect(none.events.some((e) => e.type.startsWith('response.function_call_arguments'))).toBe(false);
    expect(none.done.output).toMatchObject([{ content: [{ type: 'output_text', text: 'A traveler should not walk unarmed.' }] }]);
  });

  it("'none' from the session applies to every response", async () => {
    const { runner, events } = setup({ tools: [GIVE_ITEM], tool_choice: 'none' });
    const { done } = await runToEnd(runner, events, { conversation: 'none', output_modalities: ['text'], input: [userText('give me a sword')] });
    expect(functionCalls(done)).toEqual([]);
  });

  it("'required' and a named function make a call even when the player only greets", async () => {
    const { runner, events } = setup({ tools: [GIVE_ITEM] });
    const required = await runToEnd(runner, events, { conversation: 'none', output_modalities: ['text'], tool_choice: 'required', input: [userText('hello')] });
    expect(required.done.output).toMatchObject([{ type: 'function_call', name: 'give_item', status: 'completed' }]);
    const named = await runToEnd(runner, events, {
      conversation: 'none',
      output_modalities: ['text'],
      tool_choice: { type: 'function', name: 'give_item' },
      input: [userText('hello')],
    });
    expect(named.done.output).toMatchObject([{ type: 'function_call', name: 'give_item', arguments: '{"item":"sword"}' }]);
    expect(named.events.map((e) => e.type)).toContain('response.function_call_arguments.done');
  });

  it('refuses a named function the tools do not declare, naming where it was given', () => {
    const { runner } = setup({ tools: [GIVE_ITEM] });
    const refused = runner.create({ tool_choice: { type: 'function', name: 'open_gate' } });
    expect(refused).toEqual({
      ok: false,
      error: expect.objectContaining({ type: 'invalid_request_error', code: 'invalid_value', param: 'response.tool_choice', message: expect.stringContaining("'open_gate'") }),
    });
    expect(runner.busy).toBe(false);
  });
});

describe('ResponseRunner max_output_tokens', () => {
  it('cuts an audio response at the limit: incomplete with max_output_tokens, usage within it, a transcript prefix', async () => {
    const { runner, conversation, events } = setup();
    const { done } = await runToEnd(runner, events, { max_output_tokens: 20 });
    expect(done).toMatchObject({ status: 'incomplete', status_details: { type: 'incomplete', reason: 'max_output_tokens' }, max_output_tokens: 20 });
    expect(done.usage?.output_tokens).toBeLessThanOrEqual(20);
    expect(done.usage?.output_token_details.audio_tokens).toBeGreaterThan(0);
    const item = done.output[0];
    const part = item?.type === 'message' ? item.content[0] : undefined;
    const transcript = part?.type === 'output_audio' ? part.transcript : '';
    expect(item?.type === 'message' ? item.status : null).toBe('incomplete');
    expect(transcript.length).toBeGreaterThan(0);
    expect(transcript.length).toBeLessThan(blacksmith.greeting.length);
    expect(blacksmith.greeting.startsWith(transcript)).toBe(true);
    expect(conversation.entries[0]?.item).toMatchObject({ status: 'incomplete' });
  });

  it('cuts a text response and skips a tool call that no longer fits', async () => {
    const { runner, events } = setup({ tools: [GIVE_ITEM] });
    const text = await runToEnd(runner, events, { output_modalities: ['text'], max_output_tokens: 3, conversation: 'none', input: [userText('who are you')] });
    expect(text.done).toMatchObject({ status: 'incomplete', output: [{ content: [{ type: 'output_text', text: 'Brom. I make' }] }] }); // 12 characters: 3 tokens; ' the' would make 4
    const call = await runToEnd(runner, events, { output_modalities: ['text'], max_output_tokens: 10, conversation: 'none', input: [userText('give me a sword')] });
    expect(call.done.status).toBe('incomplete');
    expect(call.done.output.map((item) => item.type)).toEqual(['message']);
    expect(call.events.some((e) => e.type.startsWith('response.function_call_arguments'))).toBe(false);
  });
});

