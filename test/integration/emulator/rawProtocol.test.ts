import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { buildInstructions } from '../../../plugin/shared/sessionConfig.js';
import { loadPersonas } from '../../../server/personas/loadPersonas.js';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { RawClient, refusedUpgrade, type WireEvent } from './helpers.js';

let server: TestServer;
let clock = Date.now();
let blacksmith: Persona;

beforeAll(async () => {
  server = await startTestServer({}, { now: () => clock });
  blacksmith = (await loadPersonas()).get('blacksmith') as Persona;
});

afterAll(async () => {
  await server?.close();
});

/** Headers with a fresh key minted by `on` (the emulator accepts only keys it issued). */
const auth = (on: TestServer = server) => ({ Authorization: `Bearer ${on.mintKey()}` });

async function openSession(session: Record<string, unknown> = {}): Promise<RawClient> {
  const client = await RawClient.connect(`${server.wsUrl}?model=gpt-realtime`, { headers: auth() });
  await client.nextOfType('session.created');
  client.send({
    type: 'session.update',
    session: { type: 'realtime', instructions: buildInstructions(blacksmith), audio: { input: { turn_detection: null } }, ...session },
  });
  await client.nextOfType('session.updated');
  return client;
}

function errorOf(event: WireEvent): Record<string, unknown> {
  return event.error as Record<string, unknown>;
}

describe('emulator wire protocol (raw WebSocket client)', () => {
  it('sends session.created and a full merged session.updated, keeping the model fixed', async () => {
    const client = await RawClient.connect(`${server.wsUrl}?model=gpt-realtime`, { headers: auth() });
    const created = await client.nextOfType('session.created');
    expect(created.session).toMatchObject({ type: 'realtime', object: 'realtime.session', model: 'gpt-realtime', tool_choice: 'auto', max_output_tokens: 'inf' });
    client.send({ type: 'session.update', session: { type: 'realtime', model: 'other-model', audio: { input: { turn_detection: { type: 'server_vad' } } } } });
    const updated = await client.nextOfType('session.updated');
    expect(updated.session).toMatchObject({
      model: 'gpt-realtime',
      audio: {
        input: { turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, create_response: true, interrupt_response: true } },
        output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' },
      },
    });
    client.send({ type: 'session.update', event_id: 'no_type', session: { instructions: 'x' } });
    const missing = await client.nextOfType('error');
    expect(errorOf(missing)).toMatchObject({ code: 'missing_required_parameter', param: 'session.type', event_id: 'no_type' });
    await client.close();
  });

  it('rejects a second response.create while one is active with an error linked to its event_id, then continues', async () => {
    const client = await openSession();
    client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } });
    client.send({ type: 'response.create', event_id: 'agents_js_response_create_1' });
    client.send({ type: 'response.create', event_id: 'agents_js_response_create_2' });
    const created = await client.nextOfType('response.created');
    const error = await client.nextOfType('error');
    expect(errorOf(error)).toMatchObject({
      type: 'invalid_request_error',
      code: 'conversation_already_has_active_response',
      event_id: 'agents_js_response_create_2',
    });
    expect(String(errorOf(error).message)).toContain(String((created.response as { id: string }).id));
    const done = await client.nextOfType('response.done');
    expect((done.response as { status: string }).status).toBe('completed');
    client.send({ type: 'response.create', event_id: 'agents_js_response_create_3' });
    await client.nextOfType('response.created');
    await client.nextOfType('response.done');
    await client.close();
  });

  it('cancels an active response (client_cancelled) and reports response_cancel_not_active when idle', async () => {
    const client = await openSession();
    client.send({ type: 'response.cancel', event_id: 'cancel_idle' });
    expect(errorOf(await client.nextOfType('error'))).toMatchObject({ code: 'response_cancel_not_active', event_id: 'cancel_idle' });
    client.send({ type: 'response.create' });
    await client.nextOfType('response.output_audio.delta');
    client.send({ type: 'response.cancel' });
    const done = await client.nextOfType('response.done');
    expect(done.response).toMatchObject({ status: 'cancelled', status_details: { type: 'cancelled', reason: 'client_cancelled' } });
    const item = (done.response as { output: { id: string; status: string }[] }).output[0];
    expect(item?.status).toBe('incomplete');
    // Truncation: beyond the produced audio is an error, within it succeeds and clears the transcript.
    client.send({ type: 'conversation.item.truncate', event_id: 'trunc_far', item_id: item?.id, content_index: 0, audio_end_ms: 600_000 });
    expect(errorOf(await client.nextOfType('error'))).toMatchObject({ code: 'invalid_value', param: 'audio_end_ms', event_id: 'trunc_far' });
    client.send({ type: 'conversation.item.truncate', item_id: item?.id, content_index: 0, audio_end_ms: 100 });
    expect(await client.nextOfType('conversation.item.truncated')).toMatchObject({ item_id: item?.id, audio_end_ms: 100 });
    client.send({ type: 'conversation.item.retrieve', item_id: item?.id });
    const retrieved = await client.nextOfType('conversation.item.retrieved');
    const part = (retrieved.item as { content: { transcript: string; audio: string }[] }).content[0];
    expect(part?.transcript).toBe('');
    expect(Buffer.from(part?.audio ?? '', 'base64').length).toBe(100 * 48);
    await client.close();
  });

  it('manages items: client ids, root insertion, previous_item_id chain, retrieve, delete and their errors', async () => {
    const client = await openSession();
    const text = (t: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text: t }] });
    client.send({ type: 'conversation.item.create', item: { id: 'item_a', ...text('a') } });
    expect(await client.nextOfType('conversation.item.added')).toMatchObject({ previous_item_id: null, item: { id: 'item_a', status: 'completed' } });
    client.send({ type: 'conversation.item.create', item: text('b') });
    const b = await client.nextOfType('conversation.item.added');
    expect(b.previous_item_id).toBe('item_a');
    expect(String((b.item as { id: string }).id)).toMatch(/^item_/);
    client.send({ type: 'conversation.item.create', previous_item_id: 'root', item: { id: 'item_root', ...text('c') } });
    expect(await client.nextOfType('conversation.item.added')).toMatchObject({ previous_item_id: null, item: { id: 'item_root' } });
    client.send({ type: 'conversation.item.create', previous_item_id: 'nope', event_id: 'bad_prev', item: text('d') });
    expect(errorOf(await client.nextOfType('error'))).toMatchObject({ param: 'previous_item_id', event_id: 'bad_prev' });
    client.send({ type: 'conversation.item.retrieve', item_id: 'item_a' });
    expect(await client.nextOfType('conversation.item.retrieved')).toMatchObject({ item: { id: 'item_a', content: [{ type: 'input_text', text: 'a' }] } });
    client.send({ type: 'conversation.item.delete', item_id: 'item_a' });
    expect(await client.nextOfType('conversation.item.deleted')).toMatchObject({ item_id: 'item_a' });
    client.send({ type: 'conversation.item.delete', item_id: 'item_a', event_id: 'gone' });
    expect(errorOf(await client.nextOfType('error'))).toMatchObject({ code: 'item_not_found', event_id: 'gone' });
    client.send({ type: 'conversation.item.truncate', item_id: 'item_root', content_index: 0, audio_end_ms: 0 });
    expect(errorOf(await client.nextOfType('error'))).toMatchObject({ code: 'invalid_value' });
    await client.close();
  });

  it('answers malformed frames with error events and keeps the connection open', async () => {
    const client = await openSession();
    client.send('{not json');
    expect(errorOf(await client.nextOfType('error'))).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
    client.send({ type: 'response.audio.delta', event_id: 'beta_name' });
    expect(errorOf(await client.nextOfType('error'))).toMatchObject({ code: 'invalid_event', param: 'type', event_id: 'beta_name' });
    client.send({ type: 'conversation.item.truncate', item_id: 'x', content_index: 0, audio_end_ms: 'soon' });
    expect(errorOf(await client.nextOfType('error'))).toMatchObject({ code: 'invalid_type', param: 'audio_end_ms' });
    client.send({ type: 'session.update', session: { type: 'realtime', instructions: 42 } });
    expect(errorOf(await client.nextOfType('error'))).toMatchObject({ code: 'invalid_type', param: 'session.instructions' });
    client.send('[1,2,3]');
    expect(errorOf(await client.nextOfType('error'))).toMatchObject({ code: 'invalid_event' });
    client.send({ type: 'input_audio_buffer.append', audio: '***' });
    expect(errorOf(await client.nextOfType('error'))).toMatchObject({ code: 'invalid_value', param: 'audio' });
    client.send({ type: 'input_audio_buffer.commit', event_id: 'empty' });
    expect(errorOf(await client.nextOfType('error'))).toMatchObject({ code: 'input_audio_buffer_commit_empty', event_id: 'empty' });
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await client.nextOfType('error')).type).toBe('error');
    // An oversized message (over 16 MiB) is answered, not dropped silently.
    client.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: 'A'.repeat(17 * 1024 * 1024) }));
    expect(String(errorOf(await client.nextOfType('error', 20_000)).message)).toMatch(/too large/i);
    client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } });
    await client.nextOfType('conversation.item.added');
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    await client.close();
  });

  it('authenticates browsers through subprotocols and selects "realtime"', async () => {
    const minted = server.server.keyStore.issue({ type: 'realtime', model: 'gpt-realtime', instructions: buildInstructions(blacksmith) }, 60, 'blacksmith');
    const client = await RawClient.connect(`${server.wsUrl}`, {
      protocols: ['realtime', `openai-insecure-api-key.${minted.value}`, 'openai-agents-sdk.0.20.0'],
    });
    expect(client.ws.protocol).toBe('realtime');
    const created = await client.nextOfType('session.created');
    expect(created.session).toMatchObject({ model: 'gpt-realtime', instructions: buildInstructions(blacksmith) });
    await client.close();
  });

  it('refuses unknown and expired ephemeral keys with HTTP 401 before the upgrade', async () => {
    const minted = server.server.keyStore.issue({ type: 'realtime' }, 10);
    clock += 11_000;
    for (const key of [minted.value, 'ek_unknown']) {
      const refused = await refusedUpgrade(server.wsUrl, { headers: { Authorization: `Bearer ${key}` } });
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ error: { code: 'invalid_api_key' } });
    }
  });

  it('refuses the beta interface with beta_api_shape_disabled and close code 4000', async () => {
    const client = await RawClient.connect(server.wsUrl, { headers: { ...auth(), 'OpenAI-Beta': 'realtime=v1' } });
    const closed = once(client.ws, 'close') as Promise<[number, Buffer]>;
    const error = await client.nextOfType('error');
    expect(errorOf(error)).toMatchObject({ code: 'beta_api_shape_disabled', event_id: null });
    const [code] = await closed;
    expect(code).toBe(4000);
  });

  it('streams G.711 μ-law at 8 kHz when the output format is audio/pcmu', async () => {
    const client = await openSession({ audio: { input: { turn_detection: null }, output: { format: { type: 'audio/pcmu' } } } });
    client.send({ type: 'response.create' });
    const created = await client.nextOfType('response.created');
    expect(created.response).toMatchObject({ audio: { output: { format: { type: 'audio/pcmu' } } } });
    await client.nextOfType('response.done');
    const deltas = client.events.filter((e) => e.type === 'response.output_audio.delta').map((e) => Buffer.from(String(e.delta), 'base64'));
    // 50 ms chunks of 8-bit 8 kHz audio.
    expect(deltas[0]?.length).toBe(400);
    const total = deltas.reduce((n, d) => n + d.length, 0);
    expect(total / 8).toBeGreaterThan(1000); // ms of greeting
    await client.close();
  });
});

describe('emulator session limit', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ NPC_VOICE_MAX_SESSIONS: '2' });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('refuses a session over NPC_VOICE_MAX_SESSIONS with 429 in OpenAI\'s error shape, and takes one again when a slot frees', async () => {
    const open = async () => {
      const client = await RawClient.connect(`${limited.wsUrl}?model=gpt-realtime`, { headers: auth(limited) });
      await client.nextOfType('session.created');
      return client;
    };
    const first = await open();
    const second = await open();
    const refused = await refusedUpgrade(`${limited.wsUrl}?model=gpt-realtime`, { headers: auth(limited) });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { type: 'requests', code: 'rate_limit_exceeded', message: expect.stringContaining('limit 2') } });
    // The live sessions are untouched by the refusal.
    second.send({ type: 'input_audio_buffer.clear', event_id: 'still-there' });
    expect((await second.nextOfType('input_audio_buffer.cleared')).type).toBe('input_audio_buffer.cleared');
    const closed = once(first.ws, 'close');
    first.ws.close();
    await closed;
    await expect.poll(async () => {
      const ws = new WebSocket(`${limited.wsUrl}?model=gpt-realtime`, { headers: auth(limited) });
      ws.on('error', () => undefined);
      const opened = await Promise.race([once(ws, 'open').then(() => true), once(ws, 'unexpected-response').then(() => false)]);
      ws.terminate();
      return opened;
    }).toBe(true);
    second.ws.close();
  });
});
