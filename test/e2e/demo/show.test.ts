// binding.show() in the demo village, in real headless Chromium against the real server: the game's canvas (WebGL
// and Canvas renderers) goes to the emulator as a real JPEG, and the blacksmith answers with his `onImage` line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, WebSocket } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { NpcVoiceServer } from '../../../server/createServer.js';
import { jpegLuma, jpegSize } from '../../support/images.js';
import { launchBrowser, openDemo, PERSONA_DIR, SMITH, startDemoServer, waitForNpcLine } from './harness.js';

let server: NpcVoiceServer;
let serverLogs: string[] = [];
const browsers: Browser[] = [];
const smithLines = (JSON.parse(readFileSync(join(PERSONA_DIR, 'blacksmith.json'), 'utf8')) as { onImage: string[] }).onImage;

beforeAll(async () => {
  ({ server, logs: serverLogs } = await startDemoServer());
});

afterEach(async () => {
  for (const b of browsers.splice(0)) await b.close();
});

afterAll(async () => {
  await server?.close();
});

/** The `input_image` parts the emulator echoed in `conversation.item.added` on the page's Realtime sockets. */
function echoedImages(socket: WebSocket, into: string[]): void {
  socket.on('framereceived', ({ payload }) => {
    if (typeof payload !== 'string' || !payload.includes('"conversation.item.added"') || !payload.includes('input_image')) return;
    const event = JSON.parse(payload) as { item: { content: { type: string; image_url?: string }[] } };
    for (const part of event.item.content) if (part.type === 'input_image' && part.image_url) into.push(part.image_url);
  });
}

describe('showing an NPC the scene (binding.show)', () => {
  for (const renderer of ['webgl', 'canvas'] as const) {
    test(`sends a downscaled JPEG of the ${renderer} canvas and the NPC speaks its image line`, async () => {
      const browser = await launchBrowser();
      browsers.push(browser);
      const { page, errors } = await openDemo(browser, `${server.url}/?e2e=1&transport=websocket&renderer=${renderer}`);
      expect(await page.evaluate(() => window.npcVoiceDemo.renderer())).toBe(renderer);
      const images: string[] = [];
      page.on('websocket', (socket) => echoedImages(socket, images));
      await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [SMITH.x + 60, SMITH.y] as const);
      await page.click('canvas');
      // The L key shows the villager in range: the same binding.show() the hook calls.
      await page.keyboard.press('l');
      await waitForNpcLine(page, 'blacksmith', smithLines[0] as string);
      expect(images).toHaveLength(1);
      const image = images[0] as string;
      expect(image.startsWith('data:image/jpeg;base64,')).toBe(true);
      // The 960×640 village scaled to 512 px on its longest side.
      expect(jpegSize(image)).toEqual({ width: 512, height: 341 });
      // Not a blank frame (a WebGL drawing buffer read outside its frame is all zeros): the village's grass and roofs.
      const luma = jpegLuma(image);
      expect(luma.mean).toBeGreaterThan(40);
      expect(luma.stdDev).toBeGreaterThan(15);
      // Again, through the automation hook, resolving once sent: the second line of the list.
      await page.evaluate(() => window.npcVoiceDemo.show('blacksmith'));
      await waitForNpcLine(page, 'blacksmith', smithLines[1] as string);
      expect(images).toHaveLength(2);
      expect(errors).toEqual([]);
    });
  }

  test('shows the scene over WebRTC (the demo default): the picture crosses the data channel and the NPC answers it', async () => {
    const browser = await launchBrowser();
    browsers.push(browser);
    const { page, errors } = await openDemo(browser, `${server.url}/?e2e=1&transport=webrtc&renderer=webgl`);
    expect(await page.evaluate(() => window.npcVoiceDemo.transport())).toBe('webrtc');
    const answeredBefore = serverLogs.filter((l) => / \(blacksmith\): image$/.test(l)).length;
    await page.evaluate(() => window.npcVoiceDemo.show('blacksmith'));
    await waitForNpcLine(page, 'blacksmith', smithLines[0] as string);
    // The emulator answered a picture (its brain's reason), not a greeting or a fallback.
    expect(serverLogs.filter((l) => / \(blacksmith\): image$/.test(l)).length).toBe(answeredBefore + 1);
    expect(errors).toEqual([]);
  });
});
