import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { buildInstructions } from '../../../plugin/shared/sessionConfig.js';
import { loadPersonas } from '../../../server/personas/loadPersonas.js';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { RawClient, type WireEvent } from '../emulator/helpers.js';

let clock = Date.now();
let server: TestServer;
let blacksmith: Persona;

// Short timeouts, so each limit is reached in well under a second; the test awaits the
// server's own close or error rather than sleeping.
beforeAll(async () => {
  server = await startTestServer(
    {
      NPC_VOICE_HEADERS_TIMEOUT_MS: '200',
      NPC_VOICE_REQUEST_TIMEOUT_MS: '400',
      NPC_VOICE_KEEP_ALIVE_TIMEOUT_MS: '150',
      NPC_VOICE_WS_IDLE_TIMEOUT_MS: '300',
      NPC_VOICE_KEY_SWEEP_MS: '25',
    },
    { now: () => clock },
  );
  blacksmith = (await loadPersonas()).get('blacksmith') as Persona;
});

afterAll(async () => {
  await server?.close();
});

/** Opens a raw TCP connection, writes `text`, and resolves with everything the server sent before it closed. */
async function rawHttp(text: string): Promise<{ received: string; closedAfterMs: number }> {
  const socket = net.connect(server.server.port, '127.0.0.1');
  await once(socket, 'connect');
  const startedAt = performance.now();
  let received = '';
  socket.on('data', (chunk) => (received += String(chunk)));
  if (text !== '') socket.write(text);
  await once(socket, 'close');
  return { received, closedAfterMs: performance.now() - startedAt };
}

describe('HTTP limits', () => {
  it('answers a client_secrets body over 64 KiB with 413 and a JSON error', async () => {
    const response = await fetch(`${server.url}/v1/realtime/client_secrets`, {
      method: 'POST',
      headers: { Authorization: 'Bearer ek_any', 'Content-Type': 'application/json' },
      body: JSON.stringify({ session: { type: 'realtime', instructions: 'x'.repeat(70 * 1024) } }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'body_too_large', message: expect.stringContaining('65536') } });
  });

  it('refuses a client secret whose instructions are over the cap with 400 string_above_max_length', async () => {
    const response = await fetch(`${server.url}/v1/realtime/client_secrets`, {
      method: 'POST',
      headers: { Authorization: 'Bearer ek_any', 'Content-Type': 'application/json' },
      body: JSON.stringify({ session: { type: 'realtime', instructions: 'x'.repeat(40_000) } }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'string_above_max_length', param: 'session.instructions' } });
  });

  it('closes a connection that never finishes its headers with 408 after the headers timeout', async () => {
    const { received, closedAfterMs } = await rawHttp('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeLessThan(5000);
  });

  it('closes a connection that sends nothing at all', async () => {
    const { received } = await rawHttp('');
    expect(received === '' || /^HTTP\/1\.1 408/.test(received)).toBe(true);
  });

  it('closes an idle keep-alive connection after the keep-alive timeout', async () => {
    const { received, closedAfterMs } = await rawHttp('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(received).toMatch(/keep-alive/i);
    // Node adds a second of grace to keepAliveTimeout; the default (5 s) would take over 5 s.
    expect(closedAfterMs).toBeLessThan(3000);
  });
});

describe('emulator limits', () => {
  it('closes a WebSocket with no session traffic within the idle timeout, with an error event first', async () => {
    const client = await RawClient.connect(server.wsUrl, { headers: { Authorization: `Bearer ${server.mintKey()}` } });
    const closed = once(client.ws, 'close') as Promise<[number, Buffer]>;
    await client.nextOfType('session.created');
    const error = await client.nextOfType('error', 5000);
    expect(error.error).toMatchObject({ code: 'session_idle_timeout', message: expect.stringContaining('NPC_VOICE_WS_IDLE_TIMEOUT_MS') });
    const [code, reason] = await closed;
    expect(code).toBe(1008);
    expect(String(reason)).toBe('idle timeout');
    await expect.poll(() => server.logs.some((line) => /idle for 300 ms/.test(line))).toBe(true);
  });

  it('keeps a session that answers pings and drops one that stops answering them', async () => {
    const pinged = await startTestServer({ NPC_VOICE_WS_PING_INTERVAL_MS: '250' });
    onTestFinished(() => pinged.close());
    const live = await RawClient.connect(pinged.wsUrl, { headers: { Authorization: `Bearer ${pinged.mintKey()}` } });
    const silent = await RawClient.connect(pinged.wsUrl, { headers: { Authorization: `Bearer ${pinged.mintKey()}` }, autoPong: false });
    await Promise.all([live.nextOfType('session.created'), silent.nextOfType('session.created')]);
    const [code] = (await once(silent.ws, 'close')) as [number];
    // Terminated without a close frame: the client sees an abnormal closure.
    expect(code).toBe(1006);
    expect(pinged.logs.some((line) => /answered no ping/.test(line))).toBe(true);
    // The live one has answered several pings by now and is still served.
    live.send({ type: 'input_audio_buffer.clear' });
    expect((await live.nextOfType('input_audio_buffer.cleared')).type).toBe('input_audio_buffer.cleared');
    await live.close();
  });

  it('forgets expired keys on a periodic sweep (reported as expired until then, unknown after)', async () => {
    const key = server.server.keyStore.issue({ type: 'realtime' }, 10);
    clock += 11_000;
    expect(server.server.keyStore.lookup(key.value).status).toBe('expired');
    clock += 120_000;
    const before = server.server.keyStore.size;
    const [removed] = (await once(server.server.keyStore, 'sweep')) as [number];
    expect(removed).toBeGreaterThanOrEqual(1);
    expect(server.server.keyStore.size).toBeLessThan(before);
    expect(server.server.keyStore.lookup(key.value).status).toBe('unknown');
  });

  it("drops the audio bytes of a session's oldest items over the audio cap, keeping their transcripts", async () => {
    // Its own server: the short idle timeout above must not close this session between turns on a busy machine.
    const capped = await startTestServer({ NPC_VOICE_MAX_SESSION_AUDIO_BYTES: '150000' });
    onTestFinished(() => capped.close());
    const client = await RawClient.connect(capped.wsUrl, { headers: { Authorization: `Bearer ${capped.mintKey()}` } });
    await client.nextOfType('session.created');
    client.send({ type: 'session.update', session: { type: 'realtime', instructions: buildInstructions(blacksmith), audio: { input: { turn_detection: null } } } });
    await client.nextOfType('session.updated');
    const itemIds: string[] = [];
    // Each greeting is ~2.5 s of 24 kHz PCM16 (~120 KB): the third turn puts the session over its 150,000 bytes.
    for (let turn = 0; turn < 3; turn++) {
      client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } });
      client.send({ type: 'response.create' });
      const done = await client.nextOfType('response.done');
      const output = (done.response as { output: { id: string }[] }).output;
      itemIds.push(output[0]?.id ?? '');
    }
    const retrieve = async (id: string): Promise<Record<string, unknown>> => {
      client.send({ type: 'conversation.item.retrieve', item_id: id });
      const retrieved: WireEvent = await client.next((e) => e.type === 'conversation.item.retrieved' && (e.item as { id: string }).id === id);
      return ((retrieved.item as { content: Record<string, unknown>[] }).content[0] ?? {}) as Record<string, unknown>;
    };
    const oldest = await retrieve(itemIds[0] as string);
    expect(oldest.transcript).toBe(blacksmith.greeting);
    expect(oldest.audio).toBeUndefined();
    const newest = await retrieve(itemIds[2] as string);
    expect(Buffer.from(String(newest.audio), 'base64').length).toBeGreaterThan(48_000);

    client.send({ type: 'conversation.item.truncate', event_id: 'evt_trunc', item_id: itemIds[0], content_index: 0, audio_end_ms: 100 });
    const error = await client.nextOfType('error');
    expect(error.error).toMatchObject({ event_id: 'evt_trunc', message: expect.stringContaining('no longer stored: a session keeps at most 150000 bytes') });
    await client.close();
  });
});
