import { RealtimeAgent } from '@openai/agents-realtime';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Persona } from '../../plugin/shared/personaSchema.js';
import { buildInstructions } from '../../plugin/shared/sessionConfig.js';
import { loadPersonas } from '../../server/personas/loadPersonas.js';
import { RawClient } from '../integration/emulator/helpers.js';
import { connectWebrtc, installWrtc, mintKey, uninstallWrtc, type WebrtcClient } from '../integration/webrtc/webrtcClient.js';
import { mintGrant, startControlServer } from '../support/controlServer.js';
import { startTestServer } from '../support/testServer.js';

const TURNS = 30;
const SETUPS = 10;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
const ms = (v: number): string => `${v.toFixed(1)} ms`;
const hello = { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } };

/** One text turn over a raw socket: `response.create` → first `response.output_audio.delta`; then cancelled. */
async function wsTurn(client: RawClient): Promise<number> {
  client.send(hello);
  const t0 = performance.now();
  client.send({ type: 'response.create' });
  await client.nextOfType('response.output_audio.delta', 30_000);
  const dt = performance.now() - t0;
  client.send({ type: 'response.cancel' });
  await client.nextOfType('response.done', 30_000);
  return dt;
}

/** One text turn over a WebRTC call: `response.create` → first NPC audio with energy on the remote track; then cut. */
async function rtcTurn(client: WebrtcClient): Promise<number> {
  const done = client.next((e) => e.type === 'response.done', 30_000);
  const t0 = performance.now();
  client.session.sendMessage('hello');
  const heard = await client.remote.waitForSpeech(t0, 30_000);
  client.session.interrupt();
  await done;
  // What the jitter buffer still holds of the cut answer plays out before the next turn starts its clock.
  await sleep(300);
  return heard - t0;
}

/**
 * The added latency of the game's server in the path (relay mode) vs direct, same run, same machine: two servers
 * in emulator mode, one direct (the browser holds an `ek_` key for the emulator), one in relay mode (the browser's
 * socket goes through the relay; its WebRTC offer through the unified interface, while the media stays peer to
 * peer). Turns of the two paths alternate. Returns markdown.
 */
export async function runControlBench(): Promise<string> {
  await installWrtc();
  const direct = await startTestServer();
  const relay = await startControlServer();
  try {
    const guard = (await loadPersonas()).get('guard') as Persona;
    const agent = (): RealtimeAgent => new RealtimeAgent({ name: guard.displayName, instructions: buildInstructions(guard) });

    // Session setup: mint + WebSocket open + session.created; mint + SDP exchange + connected call.
    const setup = { ws: [] as number[], relay: [] as number[], rtc: [] as number[], unified: [] as number[] };
    for (let i = 0; i < SETUPS; i++) {
      let t0 = performance.now();
      const key = await mintKey(direct.url, 'guard');
      const a = await RawClient.connect(`${direct.wsUrl}?model=gpt-realtime`, { headers: { Authorization: `Bearer ${key.value}` } });
      await a.nextOfType('session.created');
      setup.ws.push(performance.now() - t0);
      await a.close();
      t0 = performance.now();
      const grant = await mintGrant(relay.url, 'guard');
      const b = await RawClient.connect(grant.url, { headers: { Authorization: `Bearer ${grant.value}` } });
      await b.nextOfType('session.created');
      setup.relay.push(performance.now() - t0);
      await b.close();
      t0 = performance.now();
      const rtcKey = await mintKey(direct.url, 'guard');
      const c = await connectWebrtc({ agent: agent(), apiKey: rtcKey.value, callsUrl: rtcKey.callsUrl });
      setup.rtc.push(performance.now() - t0);
      c.close();
      t0 = performance.now();
      const rtcGrant = await mintGrant(relay.url, 'guard');
      const d = await connectWebrtc({ agent: agent(), apiKey: rtcGrant.value, callsUrl: rtcGrant.callsUrl });
      setup.unified.push(performance.now() - t0);
      d.close();
    }

    // Turns, alternating direct and controlled.
    const turns = { ws: [] as number[], relay: [] as number[], rtc: [] as number[], unified: [] as number[] };
    const key = await mintKey(direct.url, 'guard');
    const ws = await RawClient.connect(`${direct.wsUrl}?model=gpt-realtime`, { headers: { Authorization: `Bearer ${key.value}` } });
    const grant = await mintGrant(relay.url, 'guard');
    const relayed = await RawClient.connect(grant.url, { headers: { Authorization: `Bearer ${grant.value}` } });
    await Promise.all([ws.nextOfType('session.created'), relayed.nextOfType('session.created')]);
    const rtcKey = await mintKey(direct.url, 'guard');
    const rtc = await connectWebrtc({ agent: agent(), apiKey: rtcKey.value, callsUrl: rtcKey.callsUrl });
    const rtcGrant = await mintGrant(relay.url, 'guard');
    const unified = await connectWebrtc({ agent: agent(), apiKey: rtcGrant.value, callsUrl: rtcGrant.callsUrl });
    try {
      for (let i = 0; i < TURNS; i++) {
        turns.ws.push(await wsTurn(ws));
        turns.relay.push(await wsTurn(relayed));
        turns.rtc.push(await rtcTurn(rtc));
        turns.unified.push(await rtcTurn(unified));
      }
    } finally {
      await ws.close();
      await relayed.close();
      rtc.close();
      unified.close();
    }

    const row = (name: string, v: number[], base: number[]): string =>
      `| ${name} | ${v.length} | ${ms(percentile(v, 50))} | ${ms(percentile(v, 95))} | ${base === v ? '—' : `${(percentile(v, 50) - percentile(base, 50)).toFixed(1)} ms`} |`;
    return [
      '## Server in the path: relay and unified interface vs direct',
      '',
      'Two servers in emulator mode in one process, one direct and one in relay mode (`NPC_VOICE_RELAY=1`, one',
      'recording policy applied). **Turn**: `response.create` → first answer audio at the client, the answer then',
      `cancelled (WebSocket: first \`response.output_audio.delta\` on a raw socket; WebRTC: first remote-track frame with energy, the real SDK on @roamhq/wrtc); ${TURNS} turns per path, paths alternating. ` +
        `**Setup**: mint + connect until \`session.created\` (WebSocket) or the SDK's connected call (WebRTC), ${SETUPS} per path.`,
      '',
      '| path | n | p50 | p95 | added p50 |',
      '| --- | --- | --- | --- | --- |',
      row('turn, WebSocket direct', turns.ws, turns.ws),
      row('turn, WebSocket through the relay', turns.relay, turns.ws),
      row('turn, WebRTC direct', turns.rtc, turns.rtc),
      row('turn, WebRTC through the unified interface', turns.unified, turns.rtc),
      row('setup, WebSocket direct', setup.ws, setup.ws),
      row('setup, WebSocket through the relay', setup.relay, setup.ws),
      row('setup, WebRTC direct', setup.rtc, setup.rtc),
      row('setup, WebRTC through the unified interface (+ sideband)', setup.unified, setup.rtc),
      '',
      'With the unified interface only the SDP exchange passes through the server; the media stays peer to peer, so a',
      "turn's latency does not change and the cost is paid once, at setup (the session key mint and the sideband).",
      '',
    ].join('\n');
  } finally {
    await relay.close();
    await direct.close();
    uninstallWrtc();
  }
}
