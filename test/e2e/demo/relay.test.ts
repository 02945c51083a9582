// The demo village in relay mode, in real headless Chromium: the page's sessions go through the game's server (the
// relay for WebSocket, the unified interface for WebRTC), which logs each controlled session it opens. The page
// never connects to the emulator's own Realtime endpoints.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { NpcVoiceServer } from '../../../server/createServer.js';
import { launchBrowser, openDemo, SMITH, startDemoServer, waitForNpcLine } from './harness.js';

const GREETING = 'Welcome to my forge';
let server: NpcVoiceServer;
let logs: string[];
let browser: Browser;

beforeAll(async () => {
  ({ server, logs } = await startDemoServer({ NPC_VOICE_RELAY: '1' }));
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the demo village in relay mode', () => {
  test.each([
    ['websocket', 'relay'],
    ['webrtc', 'sideband'],
  ] as const)('greets over %s through the server, which sees the session (%s)', async (transport, channel) => {
    const before = logs.filter((l) => l.startsWith(`control: ${channel} session`) && l.includes('opened (persona blacksmith')).length;
    const { page, context, errors } = await openDemo(browser, `${server.url}/?e2e=1&transport=${transport}`);
    try {
      const direct: string[] = [];
      page.on('websocket', (ws) => {
        if (ws.url().includes('/v1/realtime')) direct.push(ws.url());
      });
      page.on('request', (request) => {
        if (request.url().includes('/v1/realtime')) direct.push(request.url());
      });
      expect(await page.evaluate(() => window.npcVoiceDemo.transport())).toBe(transport);
      await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [SMITH.x + 60, SMITH.y] as const);
      await page.evaluate(() => window.npcVoiceDemo.say('blacksmith', 'hello'));
      await waitForNpcLine(page, 'blacksmith', GREETING);
      const opened = logs.filter((l) => l.startsWith(`control: ${channel} session`) && l.includes('opened (persona blacksmith')).length;
      expect(opened).toBeGreaterThan(before);
      expect(direct).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
