import type { Page } from 'playwright-core';
import { readImage } from '../../server/emulator/realtime/images.js';
import { launchBrowser, openDemo, startDemoServer } from '../e2e/demo/harness.js';
import { jpegDataUrl } from '../support/images.js';

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

const fmt = (ms: number): string => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(1)} ms`);

/** The emulator's cost of taking one picture: base64 decode, header read, token estimate (`readImage`). */
function readImageRows(): string[] {
  const rows: string[] = [];
  for (const [width, height] of [
    [512, 341],
    [2048, 1536],
  ] as const) {
    const url = jpegDataUrl(width, height);
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      const read = readImage(url, undefined, 'bench');
      times.push(performance.now() - t0);
      if (!read.ok) throw new Error(read.error.message);
    }
    rows.push(`| ${width}×${height} JPEG (${Math.round((url.length * 3) / 4 / 1024)} KiB) | ${fmt(percentile(times, 50))} | ${fmt(percentile(times, 95))} |`);
  }
  return rows;
}

/** Final lines the blacksmith has said so far. */
const smithLines = (page: Page): Promise<number> =>
  page.evaluate(() => window.npcVoiceDemo.subtitles().filter((s) => s.speaker === 'blacksmith' && s.final).length);

/**
 * `npcVoiceDemo.show('blacksmith')` in the page: ms until sent (page clock), ms until his line is final (seen from
 * here, polled each frame), and the size of the picture the page sent.
 */
async function showOnce(page: Page, sent: string[]): Promise<{ sentMs: number; answeredMs: number; bytes: number }> {
  const before = sent.length;
  const lines = await smithLines(page);
  const t0 = performance.now();
  const sentMs = await page.evaluate(() => {
    const t = performance.now();
    return window.npcVoiceDemo.show('blacksmith').then(() => performance.now() - t);
  });
  await page.waitForFunction((n) => window.npcVoiceDemo.subtitles().filter((s) => s.speaker === 'blacksmith' && s.final).length > n, lines, { timeout: 45_000 });
  const image = sent.slice(before).at(-1) ?? '';
  return { sentMs, answeredMs: performance.now() - t0, bytes: Math.round((image.length * 3) / 4) };
}

/**
 * Pictures: what the emulator spends reading one, and `binding.show()` in the demo village (960×640 → a 512×341 JPEG)
 * in headless Chromium over WebSocket, WebGL and Canvas renderers: until the picture is sent (snapshot after the
 * next frame, downscale, JPEG, send) and until the blacksmith's image line is complete.
 */
export async function runImagesBench(): Promise<string> {
  const out = ['## Images', '', '### Emulator: reading one `input_image` (decode, header, token estimate; 200 runs)', '', '| picture | p50 | p95 |', '|---|---|---|', ...readImageRows()];
  const { server } = await startDemoServer();
  const browser = await launchBrowser();
  try {
    out.push('', '### `binding.show()` in the demo (10 pictures per renderer, WebSocket)', '', '| renderer | sent p50 | sent p95 | line done p50 | JPEG size p50 |', '|---|---|---|---|---|');
    for (const renderer of ['webgl', 'canvas'] as const) {
      const { page, context } = await openDemo(browser, `${server.url}/?e2e=1&transport=websocket&renderer=${renderer}`);
      const sent: string[] = [];
      page.on('websocket', (socket) =>
        socket.on('framesent', ({ payload }) => {
          if (typeof payload !== 'string' || !payload.includes('input_image')) return;
          const match = /"image_url":"([^"]+)"/.exec(payload);
          if (match?.[1]) sent.push(match[1]);
        }),
      );
      const runs = [];
      for (let i = 0; i < 10; i++) runs.push(await showOnce(page, sent));
      out.push(
        `| ${renderer} | ${fmt(percentile(runs.map((r) => r.sentMs), 50))} | ${fmt(percentile(runs.map((r) => r.sentMs), 95))} | ${fmt(percentile(runs.map((r) => r.answeredMs), 50))} | ${(percentile(runs.map((r) => r.bytes), 50) / 1024).toFixed(1)} KiB |`,
      );
      await context.close();
    }
    out.push('', 'The first picture of a page also opens the NPC session (mint + connect), so its "sent" is the slowest.');
  } finally {
    await browser.close();
    await server.close();
  }
  return out.join('\n');
}
