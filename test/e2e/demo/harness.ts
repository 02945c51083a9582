// Shared setup of the demo browser tests and the demo benchmark: the real server (emulator + Vite demo on one
// origin, port 0) and real headless Chromium (flags from shared/reference/browser-testing.md), with an optional fake
// microphone fed from a WAV file.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { readConfig } from '../../../server/config.js';
import { createNpcVoiceServer, type NpcVoiceServer } from '../../../server/createServer.js';

/** Where tests write screenshots and debug WAVs (git-ignored). */
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
/** The real persona folder the server and the game both read. */
export const PERSONA_DIR = fileURLToPath(new URL('../../../assets/personas/', import.meta.url));

/**
 * Starts the server with the demo (Vite middleware) in-process; logs are kept, not printed. Then plays one typed
 * turn in a throwaway page, so Vite has discovered and pre-bundled every dependency (the Realtime SDK is imported
 * lazily; discovering it later makes Vite reload the page in the middle of a test) and the emulator's speech engines
 * are warm.
 */
export async function startDemoServer(): Promise<{ server: NpcVoiceServer; logs: string[] }> {
  const logs: string[] = [];
  const server = await createNpcVoiceServer({
    config: readConfig({ NPC_VOICE_PERSONA_DIR: PERSONA_DIR }, { port: 0, host: '127.0.0.1' }),
    log: (line) => logs.push(line),
    demo: true,
  });
  try {
    await warmUp(server.url);
  } catch (err) {
    await server.close();
    throw err;
  }
  return { server, logs };
}

async function warmUp(origin: string): Promise<void> {
  const browser = await launchBrowser();
  try {
    let lastError: unknown;
    // A dependency discovered during an attempt reloads the page; the next attempt then finds everything bundled.
    for (let attempt = 0; attempt < 3; attempt++) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${origin}/?e2e=1`);
        await page.waitForFunction(() => window.npcVoiceDemo !== undefined, undefined, { timeout: 60_000 });
        await page.evaluate(() => window.npcVoiceDemo.ready);
        await page.evaluate(() => window.npcVoiceDemo.say('blacksmith', 'hello'));
        await page.waitForFunction(() => window.npcVoiceDemo.subtitles().some((s) => s.speaker === 'blacksmith' && s.final), undefined, {
          timeout: 60_000,
        });
        return;
      } catch (err) {
        lastError = err;
      } finally {
        await context.close();
      }
    }
    throw new Error(`the demo never answered during warm-up: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  } finally {
    await browser.close();
  }
}

/** Options of {@link launchBrowser}. */
export interface LaunchOptions {
  /** Absolute path of the WAV the fake microphone plays (once, with %noloop, unless `loopMic`). */
  micWav?: string;
  loopMic?: boolean;
  /** Launch without the fake-UI flag and deny the permission: getUserMedia fails as for a player who said no. */
  denyMic?: boolean;
}

/** Launches headless Chromium with the flags that make audio, the fake mic and autoplay work. */
export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  const args = ['--no-sandbox', '--disable-quic', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'];
  if (!options.denyMic) {
    args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream');
    if (options.micWav) args.push(`--use-file-for-fake-audio-capture=${options.micWav}${options.loopMic ? '' : '%noloop'}`);
  } else {
    args.push('--use-fake-device-for-media-stream', '--deny-permission-prompts');
  }
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args });
}

/** Console lines that are expected noise (browser-testing.md pitfalls), not failures. */
const BENIGN = [/GPU stall due to ReadPixels/, /favicon/, /\[vite\] connect/, /\[vite\] connected/, /\[vite\] hot updated/, /Automatic fallback to software WebGL/];

/** A page of the demo, with the console errors it logged. */
export interface DemoPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors (minus known noise). */
  errors: string[];
}

/** Opens the demo at `url` (e.g. `${server.url}/?e2e=1`) and waits for `window.npcVoiceDemo.ready`. */
export async function openDemo(browser: Browser, url: string, options: { denyMic?: boolean } = {}): Promise<DemoPage> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 720 } });
  if (!options.denyMic) await context.grantPermissions(['microphone'], { origin: new URL(url).origin });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    if ((msg.type() === 'error' || msg.type() === 'warning') && !BENIGN.some((re) => re.test(msg.text()))) errors.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  await page.goto(url);
  try {
    await page.waitForFunction(() => window.npcVoiceDemo !== undefined, undefined, { timeout: 30_000 });
    await page.evaluate(() => window.npcVoiceDemo.ready);
  } catch (err) {
    throw new Error(`the demo did not become ready: ${err instanceof Error ? err.message : String(err)}\npage errors:\n${errors.join('\n')}`);
  }
  return { context, page, errors };
}

/** Makes sure the artifacts folder exists and returns it. */
export function artifactsDir(): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return ARTIFACTS;
}
