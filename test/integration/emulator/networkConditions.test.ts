// Rehearsed network conditions on the emulator's WebSocket sessions (issue 12 item 9), over real sockets: the delays
// are lower bounds (a loaded machine only adds to them), the order of events is the protocol's, and a scheduled
// disconnect cuts the socket without a close handshake, as a lost connection does.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { buildInstructions } from '../../../plugin/shared/sessionConfig.js';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { RawClient, refusedUpgrade, useEmulatorFixture } from './helpers.js';

const emu = useEmulatorFixture();

const auth = (on: TestServer = emu.server) => ({ Authorization: `Bearer ${on.mintKey()}` });

describe('network conditions (?netem= and NPC_VOICE_NETEM)', () => {
  it('delays both directions by latency ± jitter and keeps the protocol order of a whole turn', async () => {
    const client = await RawClient.connect(`${emu.server.wsUrl}?netem=latency=150,jitter=30,seed=4`, { headers: auth() });
    await client.nextOfType('session.created');
    client.send({ type: 'session.update', session: { type: 'realtime', instructions: buildInstructions(emu.blacksmith), audio: { input: { turn_detection: null } } } });
    await client.nextOfType('session.updated');
    const first = client.events.length;
    const sentAt = performance.now();
    client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } });
    client.send({ type: 'response.create' });
    await client.nextOfType('response.created');
    // Up and back down: at least twice the latency minus the jitter.
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(2 * (150 - 30));
    await client.nextOfType('response.done', 20_000);
    const types = client.events.slice(first).map((e) => e.type);
    const at = (type: string) => types.indexOf(type);
    expect(at('conversation.item.added')).toBeLessThan(at('response.created'));
    expect(at('response.created')).toBeLessThan(at('response.output_audio.delta'));
    expect(types.lastIndexOf('response.output_audio.delta')).toBeLessThan(at('response.done'));
    expect(types.filter((t) => t === 'response.output_audio.delta').length).toBeGreaterThan(3);
    await client.close();
  });

  it('drops the connection abruptly after disconnect=… ms and logs why', async () => {
    const openedAt = performance.now();
    const client = await RawClient.connect(`${emu.server.wsUrl}?netem=disconnect=600`, { headers: auth() });
    await client.nextOfType('session.created');
    const [code] = (await once(client.ws, 'close')) as [number];
    expect(code).toBe(1006);
    expect(performance.now() - openedAt).toBeGreaterThanOrEqual(600);
    expect(emu.server.logs.some((line) => /dropped by netem after 600 ms/.test(line))).toBe(true);
  });

  it('refuses a bad spec before the upgrade, naming the field', async () => {
    const refused = await refusedUpgrade(`${emu.server.wsUrl}?netem=latency=20,jitter=50`, { headers: auth() });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'invalid_netem', param: 'netem.jitter', message: expect.stringContaining('must not exceed "latency"') } });
  });

  it('applies NPC_VOICE_NETEM to every session of the server', async () => {
    const slow = await startTestServer({ NPC_VOICE_NETEM: 'latency=250' });
    try {
      const openedAt = performance.now();
      const client = await RawClient.connect(slow.wsUrl, { headers: auth(slow) });
      await client.nextOfType('session.created');
      expect(performance.now() - openedAt).toBeGreaterThanOrEqual(250);
      await client.close();
    } finally {
      await slow.close();
    }
  });
});
