// Spoken turns in the demo as players make them: `?probe=1` only adds meters (the microphone keeps the browser's
// echo cancellation, noise suppression and gain control; the ambience plays), the fake microphone plays flite `awb`
// phrases written at 48 kHz, clean or over a −60 dBFS noise floor. Once over the transport the demo picks itself
// (WebRTC here) and once over WebSocket. The turns benchmark (test/bench/turnsBench.ts) runs the same turns ten
// times each and reports success rates.
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { NpcVoiceServer } from '../../../server/createServer.js';
import { disposePlayerSpeech } from '../../support/speechFixtures.js';
import { startDemoServer, WAIT } from './harness.js';
import { MIC_START_LEAD_MS, nextPlayerLine, npcAt, openWithPhrase, pushToTalkPhrase, waitForLive, writePlayerPhrase, type PlayerPhrase } from './spokenTurns.js';

let server: NpcVoiceServer;
const browsers: Browser[] = [];
const phrases = new Map<string, PlayerPhrase>();

const NOISE = [
  { label: 'clean', noiseDbfs: undefined },
  { label: 'a −60 dBFS noise floor', noiseDbfs: -60 },
] as const;

beforeAll(async () => {
  for (const { label, noiseDbfs } of NOISE) {
    const tag = noiseDbfs === undefined ? 'clean' : `noise${-noiseDbfs}`;
    phrases.set(`sword ${label}`, await writePlayerPhrase(`ptt-sword-${tag}`, 'give me a sword', { leadMs: 1000, tailMs: 3500, ...(noiseDbfs === undefined ? {} : { noiseDbfs }) }));
    phrases.set(`gate ${label}`, await writePlayerPhrase(`vad-gate-${tag}`, 'please open the gate', { leadMs: MIC_START_LEAD_MS, tailMs: 3000, ...(noiseDbfs === undefined ? {} : { noiseDbfs }) }));
  }
  ({ server } = await startDemoServer());
});

afterEach(async () => {
  for (const b of browsers.splice(0)) await b.close();
});

afterAll(async () => {
  await server?.close();
  await disposePlayerSpeech();
});

function phrase(key: string): PlayerPhrase {
  const p = phrases.get(key);
  if (!p) throw new Error(`no phrase ${key}`);
  return p;
}

describe.each(['default', 'websocket'] as const)('spoken turns over the %s transport', (transport) => {
  test.each(NOISE)('push-to-talk after the session is live ($label): held for the phrase, released as it ends, the smith gives the sword; again with the mic open', async ({ label }) => {
    const sword = phrase(`sword ${label}`);
    const demo = await openWithPhrase(sword, transport, server.url, { loop: true });
    browsers.push(demo.browser);
    const { page, errors } = demo;
    const smith = await npcAt(page, 'blacksmith');
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [smith.x + 60, smith.y] as const);
    await waitForLive(page, 'blacksmith');
    if (transport === 'default') expect(await page.evaluate(() => window.npcVoiceDemo.transport())).toBe('webrtc');

    // First turn: the press opens the microphone.
    const first = await pushToTalkPhrase(page, sword, false);
    expect(await nextPlayerLine(page, 0)).toMatch(/give me a sword/i);
    await page.waitForFunction(() => window.npcVoiceDemo.inventory().includes('sword'), undefined, WAIT);
    expect(first).toBeGreaterThan(0);

    // Second turn with the microphone already open: pressed half a second before the words.
    await pushToTalkPhrase(page, sword, true);
    expect(await nextPlayerLine(page, 1)).toMatch(/give me a sword/i);
    expect(errors).toEqual([]);
  });

  test.each(NOISE)('hands-free, speaking as the microphone opens ($label): the guard hears "please open the gate" from its first word', async ({ label }) => {
    const gate = phrase(`gate ${label}`);
    const demo = await openWithPhrase(gate, transport, server.url, { loop: false });
    browsers.push(demo.browser);
    const { page, errors } = demo;
    const guard = await npcAt(page, 'guard');
    // Walking up to the hands-free guard opens the microphone; the words start as soon as the page can hear (the
    // browser's own start-up, MIC_START_LEAD_MS), while the session is still connecting.
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [guard.x + 38, guard.y + 40] as const);
    expect(await nextPlayerLine(page, 0)).toMatch(/please open the gate/i);
    await page.waitForFunction(() => window.npcVoiceDemo.gateOpen(), undefined, WAIT);
    expect(errors).toEqual([]);
  });
});
