// A session on a key bound to no persona, over a raw WebSocket: its own tools (session or response), its own
// instructions, tool_choice and out-of-band responses, as any client that is not this project's plugin would use them.
import { describe, expect, it } from 'vitest';
import { RawClient, useEmulatorFixture, type WireEvent } from './helpers.js';

const emu = useEmulatorFixture();

const weather = {
  type: 'function',
  name: 'get_weather',
  description: 'Get the current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
};
const clock = { type: 'function', name: 'get_time', description: 'Tell the time in a timezone', parameters: { type: 'object', properties: { zone: { type: 'string' } } } };

interface Response {
  id: string;
  output: { type: string; name?: string; arguments?: string; call_id?: string; content?: { text?: string }[] }[];
}
const responseOf = (event: WireEvent) => event.response as Response;
const userText = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const textOf = (response: Response) => response.output.flatMap((item) => item.content ?? []).map((part) => part.text).join('');

async function openSession(session: Record<string, unknown>): Promise<RawClient> {
  const client = await RawClient.connect(emu.server.wsUrl, { headers: { Authorization: `Bearer ${emu.server.mintKey()}` } });
  await client.nextOfType('session.created');
  client.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'], audio: { input: { turn_detection: null } }, ...session } });
  await client.nextOfType('session.updated');
  return client;
}

async function ask(client: RawClient, text: string, response: Record<string, unknown> = {}): Promise<Response> {
  client.send({ type: 'conversation.item.create', item: userText(text) });
  client.send({ type: 'response.create', response });
  return responseOf(await client.nextOfType('response.done'));
}

describe('a session bound to no persona', () => {
  it('calls its own tool with the arguments the words give, then speaks the output the client returns', async () => {
    const client = await openSession({ instructions: 'You are a helpful assistant.', tools: [clock, weather] });
    const called = await ask(client, "What's the weather in Paris, in celsius?");
    expect(called.output).toMatchObject([{ type: 'function_call', name: 'get_weather' }]);
    const call = called.output[0];
    expect(JSON.parse(call?.arguments ?? '')).toEqual({ city: 'Paris', unit: 'celsius' });
    client.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call?.call_id, output: JSON.stringify({ city: 'Paris', temperature: 18, sky: 'clear' }) } });
    client.send({ type: 'response.create' });
    expect(textOf(responseOf(await client.nextOfType('response.done')))).toBe('City Paris, temperature 18, sky clear.');
    await client.close();
  });

  it('obeys tool_choice: none answers in words, required picks the tool the words match, a named one is called with their arguments', async () => {
    const client = await openSession({ instructions: 'You are a pirate named Bob.', tools: [clock, weather], tool_choice: 'none' });
    const none = await ask(client, 'weather in Rome?');
    expect(none.output.map((item) => item.type)).toEqual(['message']);
    const required = await ask(client, 'the weather in Rome', { tool_choice: 'required' });
    expect(required.output).toMatchObject([{ type: 'function_call', name: 'get_weather', arguments: '{"city":"Rome"}' }]);
    const named = await ask(client, 'and what about Oslo', { tool_choice: { type: 'function', name: 'get_time' } });
    expect(named.output).toMatchObject([{ type: 'function_call', name: 'get_time', arguments: '{"zone":"Oslo"}' }]);
    await client.close();
  });

  it('an out-of-band response answers its own input with its own instructions and tools, leaving the conversation alone', async () => {
    const client = await openSession({ instructions: 'You are a helpful assistant.' });
    client.send({
      type: 'response.create',
      response: { conversation: 'none', instructions: 'You are a pirate named Bob.', input: [userText('who are you?')], output_modalities: ['text'] },
    });
    const identity = responseOf(await client.nextOfType('response.done'));
    expect(textOf(identity)).toBe('I am a pirate named Bob.');
    client.send({ type: 'response.create', response: { conversation: 'none', tools: [weather], input: [userText('weather in Lima')], output_modalities: ['text'] } });
    const call = responseOf(await client.nextOfType('response.done'));
    expect(call.output).toMatchObject([{ type: 'function_call', name: 'get_weather', arguments: '{"city":"Lima"}' }]);
    expect(client.events.filter((e) => e.type === 'conversation.item.added')).toEqual([]);
    await client.close();
  });
});
