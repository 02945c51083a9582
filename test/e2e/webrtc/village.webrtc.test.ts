// The demo village over WebRTC in real headless Chromium: the SDK's OpenAIRealtimeWebRTC in the page, the emulator's
// /v1/realtime/calls peer (@roamhq/wrtc) in the server, audio both ways on the media track over loopback, events on the
// `oai-events` data channel. The NPC's remote stream goes through the plugin's per-NPC chain (muted element →
// MediaStreamAudioSourceNode → gain → panner), so the assertions are on the game's master output, as for WebSocket.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { NpcVoiceServer } from '../../../server/createServer.js';
import { disposePlayerSpeech, synthesizePlayerSpeech, withSilence, writeWav } from '../../support/speechFixtures.js';
import {
  artifactsDir,
  bargeInOnTheSmith,
  holdToTalk,
  launchBrowser,
  openDemo,
  SMITH,
  startDemoServer,
  WAIT,
  waitForNpcLine,
  waitForOutputSegment,
  type DemoPage,
} from '../demo/harness.js';

/** One event seen on the page's `oai-events` data channel. */
interface WireEvent {
  dir: 'in' | 'out';
  type: string;
}

declare global {
  interface Window {
    oaiEvents?: WireEvent[];
  }
}

/**
 * Runs in the page before the game: records the type of every event on the Realtime data channel, both ways. It
 * observes the real wire; nothing is replaced.
 */
function recordDataChannel(): void {
  const events: WireEvent[] = [];
  window.oaiEvents = events;
  const typeOf = (data: unknown): string => {
    try {
      const parsed = JSON.parse(String(data)) as { type?: unknown };
      return typeof parsed.type === 'string' ? parsed.type : '?';
    } catch {
      return '?';
    }
  };
  const create = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (this: RTCPeerConnection, label: string, init?: RTCDataChannelInit) {
    const channel = create.call(this, label, init);
    if (label === 'oai-events') {
      channel.addEventListener('message', (e: MessageEvent) => events.push({ dir: 'in', type: typeOf(e.data) }));
      const send = channel.send.bind(channel);
      channel.send = ((data: string) => {
        events.push({ dir: 'out', type: typeOf(data) });
        send(data);
      }) as typeof channel.send;
    }
    return channel;
  };
}


let server: NpcVoiceServer;
let swordWav: string;
const browsers: Browser[] = [];

beforeAll(async () => {
  swordWav = join(artifactsDir(), 'player-give-me-a-sword.wav');
  writeWav(swordWav, withSilence(await synthesizePlayerSpeech('give me a sword', 'awb'), 600, 1500));
  ({ server } = await startDemoServer());
});

afterEach(async () => {
  for (const b of browsers.splice(0)) await b.close();
});

afterAll(async () => {
  await server?.close();
  await disposePlayerSpeech();
});

/** Opens the village over WebRTC with the fake microphone playing `micWav`; fails if any Realtime WebSocket opens. */
async function openOverWebRtc(micWav: string): Promise<DemoPage & { realtimeSockets: string[] }> {
  const browser = await launchBrowser({ micWav });
  browsers.push(browser);
  const demo = await openDemo(browser, `${server.url}/?e2e=1&transport=webrtc`, { initScript: recordDataChannel });
  const realtimeSockets: string[] = [];
  demo.page.on('websocket', (ws) => {
    if (ws.url().includes('/v1/realtime')) realtimeSockets.push(ws.url());
  });
  expect(await demo.page.evaluate(() => window.npcVoiceDemo.transport())).toBe('webrtc');
  return { ...demo, realtimeSockets };
}

function wireEvents(page: Page): Promise<WireEvent[]> {
  return page.evaluate(() => window.oaiEvents ?? []);
}

describe('the demo village over WebRTC', () => {
  test('push-to-talk over the media track: the smith hears "give me a sword", gives it and answers aloud from his side', async () => {
    const { page, errors, realtimeSockets } = await openOverWebRtc(swordWav);
    // The player stands 120 px right of the smith: his voice must come from the left.
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [SMITH.x + 120, SMITH.y] as const);
    const released = await holdToTalk(page, /sword/i);
    await page.waitForFunction(() => window.npcVoiceDemo.inventory().includes('sword'), undefined, WAIT);
    await waitForNpcLine(page, 'blacksmith', 'sword is yours');
    const segment = await waitForOutputSegment(page, released);
    expect(segment.end - segment.start).toBeGreaterThan(0.5);
    const rms = await page.evaluate(() => window.npcVoiceDemo.probe?.outputRms() ?? { left: 0, right: 0 });
    expect(rms.left).toBeGreaterThan(0.005);
    expect(rms.left / Math.max(rms.right, 1e-9)).toBeGreaterThanOrEqual(1.5);

    const wire = await wireEvents(page);
    // The turn went over WebRTC: committed on release, audio on the media track (no audio deltas on the channel).
    expect(wire).toContainEqual({ dir: 'out', type: 'input_audio_buffer.commit' });
    expect(wire).toContainEqual({ dir: 'in', type: 'output_audio_buffer.started' });
    expect(wire.filter((e) => e.type === 'response.output_audio.delta')).toEqual([]);
    expect(realtimeSockets).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('a call that drops mid-answer is noticed within 2 s and the question in flight is answered after the reconnect', async () => {
    const { page } = await openOverWebRtc(swordWav);
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [SMITH.x + 60, SMITH.y] as const);
    await page.evaluate(() => window.npcVoiceDemo.say('blacksmith', 'tell me about the forge'));
    // His answer has begun: words of it are on screen.
    await page.waitForFunction(() => window.npcVoiceDemo.subtitles().some((s) => s.speaker === 'blacksmith' && s.text.length > 0), undefined, WAIT);
    const dropped = Date.now();
    // The smith's call, and any other villager's the demo opened meanwhile.
    expect(server.dropRealtimeConnections()).toBeGreaterThanOrEqual(1);
    await page.waitForFunction(() => window.npcVoiceDemo.npcs().find((n) => n.id === 'blacksmith')?.state === 'connecting', undefined, WAIT);
    const noticedMs = Date.now() - dropped;
    // The SDK alone waits for ICE to give up and then 5 s more (12.9 s measured).
    expect(noticedMs).toBeLessThan(2000);
    await waitForNpcLine(page, 'blacksmith', 'This forge has burned for forty years');
    const asked = await page.evaluate(() => window.npcVoiceDemo.subtitles().filter((s) => s.speaker === 'player').map((s) => s.text));
    expect(asked).toEqual(['tell me about the forge']);
  });

  test('barge-in: pressing push-to-talk while the smith speaks clears the output buffer and silences him within 300 ms', async () => {
    const { page, errors } = await openOverWebRtc(swordWav);
    const { segment, press } = await bargeInOnTheSmith(page, async () => {
      expect((await wireEvents(page)).filter((e) => e.type === 'output_audio_buffer.cleared')).toEqual([]);
    });
    expect(press).toBeGreaterThan(0);
    // The forge answer is ~3.5 s long; it must stop right after the press.
    expect(segment.end - press).toBeLessThanOrEqual(0.3);
    expect(segment.end - segment.start).toBeLessThan(2.5);
    await page.waitForFunction(() => (window.oaiEvents ?? []).some((e) => e.dir === 'in' && e.type === 'output_audio_buffer.cleared'), undefined, WAIT);
    const wire = await wireEvents(page);
    expect(wire).toContainEqual({ dir: 'out', type: 'output_audio_buffer.clear' });
    expect(errors).toEqual([]);
  });
});
