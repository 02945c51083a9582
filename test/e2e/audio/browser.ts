import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { workletSource } from '../../../build/workletSource.js';

// Shared by the audio e2e test and the player benchmark: the harness page served by an in-process Vite dev server,
// in real headless Chromium (shared/reference/browser-testing.md).

const PAGE_ROOT = fileURLToPath(new URL('./page/', import.meta.url));

/** A running harness page. */
export interface HarnessPage {
  page: Page;
  close(): Promise<void>;
}

/** Starts Vite on 127.0.0.1:0 with the harness page as root and opens it in headless Chromium (with `csp` as the page's Content-Security-Policy). */
export async function openHarness(options: { csp?: string } = {}): Promise<HarnessPage> {
  const server: ViteDevServer = await createServer({
    configFile: false,
    root: PAGE_ROOT,
    plugins: [workletSource()],
    logLevel: 'silent',
    server: { host: '127.0.0.1', port: 0, strictPort: false },
  });
  let browser: Browser | null = null;
  try {
    await server.listen();
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('vite did not report a URL');
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-dev-shm-usage',
        '--autoplay-policy=no-user-gesture-required',
        // A fake microphone (Chromium's built-in beep) granted without a prompt.
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
      ],
    });
    const page = await browser.newPage();
    if (options.csp) {
      // The page document only: the policy a strict game would send.
      const csp = options.csp;
      await page.route(url, async (route) => {
        const response = await route.fetch();
        await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': csp } });
      });
    }
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(url);
    await page.waitForFunction(() => document.title === 'ready', null, { timeout: 30_000 }).catch((err: unknown) => {
      throw new Error(`harness page did not load: ${errors.join('; ') || String(err)}`);
    });
    const b = browser;
    return {
      page,
      close: async () => {
        await b.close();
        await server.close();
      },
    };
  } catch (err) {
    await browser?.close();
    await server.close();
    throw err;
  }
}
