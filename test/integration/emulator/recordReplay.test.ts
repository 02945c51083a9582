// Record and replay (issue 12 item 8) over real sockets: the real Agents SDK talks to the emulator with
// NPC_VOICE_RECORD set, and the same SDK script against a server with NPC_VOICE_REPLAY set gets the recorded server
// events, byte for byte, with no speech engine involved.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RealtimeAgent, RealtimeSession } from '@openai/agents-realtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { buildInstructions } from '../../../plugin/shared/sessionConfig.js';
import { loadPersonas } from '../../../server/personas/loadPersonas.js';
import { clientEvents, readCassette, serverEvents, type Cassette } from '../../../server/index.js';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { nextSessionEvent, RawClient, refusedUpgrade } from './helpers.js';

const MODEL = 'gpt-realtime';
/** A standard key a careless client puts in a message: it must not reach the cassette. */
const LEAKED_API_KEY = 'sk-proj-Recorded0123456789abcdef';

let dir: string;
let blacksmith: Persona;
let replayer: TestServer;
/** The server events the SDK received while the session was recorded, each as JSON text. */
let recordedLog: string[];
/** The cassettes the recording server wrote, by name. */
let sdkCassette: { name: string; cassette: Cassette; text: string };
let leakCassette: { name: string; text: string; key: string };

/** One typed turn with the SDK: connect, say hello, wait for the NPC's answer. Returns the server events it got. */
async function sdkTurn(server: TestServer, query = ''): Promise<string[]> {
  const agent = new RealtimeAgent({ name: 'Brom', instructions: buildInstructions(blacksmith) });
  const session = new RealtimeSession(agent, { transport: 'websocket', model: MODEL, config: { audio: { input: { turnDetection: null } } } });
  const log: string[] = [];
  session.on('transport_event', (event) => log.push(JSON.stringify(event)));
  await session.connect({ apiKey: server.mintKey('blacksmith'), url: `${server.wsUrl}?model=${MODEL}${query}` });
  const ended = nextSessionEvent(session, 'agent_end');
  // The last event of a turn: the rate limits after response.done.
  const settled = nextSessionEvent(session, 'transport_event', (args) => (args[0] as { type?: string }).type === 'rate_limits.updated');
  session.sendMessage('Hello there!');
  const [, , text] = await ended;
  expect(text).toBe(blacksmith.greeting);
  await settled;
  session.close();
  return log;
}

/** A raw session whose client puts its own key and a standard key in a message the server echoes back. */
async function leakyTurn(server: TestServer): Promise<string> {
  const key = server.mintKey('blacksmith');
  const client = await RawClient.connect(server.wsUrl, { headers: { Authorization: `Bearer ${key}` } });
  await client.nextOfType('session.created');
  client.send({
    type: 'conversation.item.create',
    item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: `my keys: ${key} and ${LEAKED_API_KEY}` }] },
    authorization: `Bearer ${key}`,
  });
  const added = await client.nextOfType('conversation.item.added');
  // The live session echoes the text as sent: the redaction is the cassette's, not the protocol's.
  expect(JSON.stringify(added)).toContain(LEAKED_API_KEY);
  await client.close();
  return key;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'npc-voice-cassettes-'));
  blacksmith = (await loadPersonas()).get('blacksmith') as Persona;
  const recorder = await startTestServer({ NPC_VOICE_RECORD: dir });
  let key: string;
  try {
    recordedLog = await sdkTurn(recorder);
    key = await leakyTurn(recorder);
  } finally {
    // Closing waits for every cassette to be written out.
    await recorder.close();
  }
  const names = (await readdir(dir)).sort();
  expect(names).toHaveLength(2);
  const [sdkName, leakName] = names as [string, string];
  sdkCassette = { name: sdkName, cassette: await readCassette(path.join(dir, sdkName)), text: await readFile(path.join(dir, sdkName), 'utf8') };
  leakCassette = { name: leakName, text: await readFile(path.join(dir, leakName), 'utf8'), key };
  replayer = await startTestServer({ NPC_VOICE_REPLAY: dir });
});

afterAll(async () => {
  await replayer?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('NPC_VOICE_RECORD', () => {
  it('writes one cassette per session: a header, then every event both ways with its offset from the start', () => {
    const { cassette, name } = sdkCassette;
    expect(name).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z-blacksmith-\d{4}\.jsonl$/);
    expect(cassette.header).toMatchObject({ cassette: 1, model: MODEL, personaId: 'blacksmith', transport: 'websocket' });
    expect(Date.parse(cassette.header.startedAt)).toBeLessThanOrEqual(Date.now());
    // Every server event the SDK got is in the cassette, in order, as sent (audio deltas included).
    expect(serverEvents(cassette).map((event) => JSON.stringify(event))).toEqual(recordedLog);
    expect(recordedLog.filter((line) => line.includes('"response.output_audio.delta"')).length).toBeGreaterThan(3);
    // The SDK's own events: its session config, the typed message and the response it asked for.
    const sent = clientEvents(cassette).map((event) => event.type);
    expect(sent).toEqual(expect.arrayContaining(['session.update', 'conversation.item.create', 'response.create']));
    const offsets = cassette.entries.map((entry) => entry.ms);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(offsets.at(-1)).toBeGreaterThan(0);
  });

  it('never writes a key into a cassette: the session key, an sk- key and an authorization field are redacted', () => {
    const { text, key } = leakCassette;
    expect(text).not.toContain(key);
    expect(text).not.toContain(LEAKED_API_KEY);
    expect(text).not.toMatch(/ek_[0-9a-f]{8}/);
    expect(text).not.toMatch(/sk-[A-Za-z0-9]{8}/);
    expect(text).toContain('my keys: [redacted] and sk-[redacted]');
    expect(text).toContain('"authorization":"[redacted]"');
    expect(sdkCassette.text).not.toMatch(/ek_[0-9a-f]{8}/);
  });
});

describe('NPC_VOICE_REPLAY', () => {
  it('replays the cassette to the same SDK script with a byte-identical server event log', async () => {
    const replayedLog = await sdkTurn(replayer, `&cassette=${sdkCassette.name}`);
    expect(replayedLog).toEqual(recordedLog);
    expect(replayer.logs).toContain(`emulator: replaying cassette ${sdkCassette.name}`);
  });

  it("answers the cassette's own client events with its server events, frame for frame (name without .jsonl)", async () => {
    const { cassette, name } = sdkCassette;
    const client = await RawClient.connect(`${replayer.wsUrl}?cassette=${name.replace(/\.jsonl$/, '')}`, {
      headers: { Authorization: `Bearer ${replayer.mintKey('blacksmith')}` },
    });
    const frames: string[] = [];
    client.ws.on('message', (data) => frames.push(String(data)));
    for (const event of clientEvents(cassette)) client.send(event);
    const expected = serverEvents(cassette).map((event) => JSON.stringify(event));
    await client.next(() => client.events.length >= expected.length);
    expect(frames).toEqual(expected);
    await client.close();
  });

  it('answers a client event the recording does not have next with replay_mismatch, and the session goes on', async () => {
    const client = await RawClient.connect(`${replayer.wsUrl}?cassette=${sdkCassette.name}`, {
      headers: { Authorization: `Bearer ${replayer.mintKey('blacksmith')}` },
    });
    await client.nextOfType('session.created');
    const expectedFirst = clientEvents(sdkCassette.cassette)[0]?.type;
    expect(expectedFirst).toBe('session.update');
    client.send({ type: 'response.cancel', event_id: 'evt_wrong' });
    const error = await client.nextOfType('error');
    expect(error).toMatchObject({
      error: {
        type: 'invalid_request_error',
        code: 'replay_mismatch',
        param: 'type',
        event_id: 'evt_wrong',
        message: `Replay of cassette '${sdkCassette.name}': expected client event 1 of type 'session.update', received 'response.cancel'.`,
      },
    });
    // The mismatch consumed nothing: the expected event still gets its recorded answer on the same socket.
    client.send({ type: 'session.update', session: { type: 'realtime' } });
    const updated = await client.nextOfType('session.updated');
    expect(JSON.stringify(updated)).toBe(JSON.stringify(serverEvents(sdkCassette.cassette).find((e) => e.type === 'session.updated')));
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    await client.close();
  });

  it('refuses a session naming no cassette of the directory with 404 cassette_not_found', async () => {
    const refused = await refusedUpgrade(`${replayer.wsUrl}?cassette=../${sdkCassette.name}`, {
      headers: { Authorization: `Bearer ${replayer.mintKey('blacksmith')}` },
    });
    expect(refused.status).toBe(404);
    expect(refused.body).toMatchObject({ error: { code: 'cassette_not_found', param: 'cassette', message: expect.stringContaining(`'../${sdkCassette.name}'`) } });
  });
});
