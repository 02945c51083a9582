// What the player is told, in real headless Chromium against the real server: what the NPC heard, who is
// listening, subtitles on screen, answers that match what happened, a server that goes away, focus after typing,
// the map's edges, and a scene that survives restarts. Assertions read what the page shows (the automation hook's
// read-only accessors and the DOM).
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { NpcVoiceServer } from '../../../server/createServer.js';
import { writeWav } from '../../support/speechFixtures.js';
import { artifactsDir, launchBrowser, openDemo, SMITH, startDemoServer, WAIT, waitForNpcLine, type DemoPage } from './harness.js';

let server: NpcVoiceServer;
/** Silence for the fake microphone of tests that don't speak (Chrome's default fake device beeps). */
let silentWav: string;
const browsers: Browser[] = [];

beforeAll(async () => {
  silentWav = join(artifactsDir(), 'silence.wav');
  writeWav(silentWav, new Int16Array(24_000));
  ({ server } = await startDemoServer());
});

afterEach(async () => {
  for (const b of browsers.splice(0)) await b.close();
});

afterAll(async () => {
  await server?.close();
});

async function browser(options: Parameters<typeof launchBrowser>[0] = {}): Promise<Browser> {
  const b = await launchBrowser(options.micWav || options.denyMic ? options : { micWav: silentWav, loopMic: true });
  browsers.push(b);
  return b;
}

async function open(b: Browser, origin = server.url): Promise<DemoPage> {
  return openDemo(b, `${origin}/?e2e=1&transport=websocket`);
}

/** Frames Phaser really stepped per second over a 2 s window (a frozen loop counts 0, unlike its running average). */
function measureFps(page: DemoPage['page']): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const f0 = window.npcVoiceDemo.frames();
        const t0 = performance.now();
        setTimeout(() => resolve(((window.npcVoiceDemo.frames() - f0) * 1000) / (performance.now() - t0)), 2000);
      }),
  );
}

describe('the scene', () => {
  test('survives 20 restarts: the frame rate stays near full and the NPCs still answer a typed line', async () => {
    const { page, errors } = await open(await browser());
    const before = await measureFps(page);
    for (let i = 0; i < 20; i++) {
      // page.evaluate has no timeout of its own: a frozen game never finishes a restart.
      const restarted = await page.evaluate(() =>
        Promise.race([window.npcVoiceDemo.restartScene().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]),
      );
      expect(restarted, `restart ${i + 1} finished (page errors: ${errors.join('; ')})`).toBe(true);
    }
    const after = await measureFps(page);
    console.info(`fps before 20 restarts ${before.toFixed(1)}, after ${after.toFixed(1)}`);
    // ~60 fps headless on an idle machine, ~50 on a busy 2-core one; a frozen or leaking scene drops far below.
    expect(after).toBeGreaterThanOrEqual(45);
    expect(after).toBeGreaterThanOrEqual(before * 0.85);
    expect(await page.evaluate(() => window.npcVoiceDemo.npcs().map((n) => n.id))).toEqual(['blacksmith', 'guard', 'herbalist']);
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [SMITH.x + 60, SMITH.y] as const);
    await page.evaluate(() => window.npcVoiceDemo.say('blacksmith', 'tell me about the forge'));
    await waitForNpcLine(page, 'blacksmith', 'forty years');
    expect(errors).toEqual([]);
  });
});
