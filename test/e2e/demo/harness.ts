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
export async function startDemoServer(env: Record<string, string> = {}): Promise<{ server: NpcVoiceServer; logs: string[] }> {
  const logs: string[] = [];
  const server = await createNpcVoiceServer({
    // Every page of every test mints from 127.0.0.1; at the default 30 keys a minute a full run would be throttled.
    config: readConfig({ NPC_VOICE_PERSONA_DIR: PERSONA_DIR, NPC_VOICE_RATE_LIMIT: '10000', ...env }, { port: 0, host: '127.0.0.1' }),
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
        await page.goto(`${origin}/?e2e=1&transport=websocket`);
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
  // --allow-loopback-in-peer-connection: WebRTC to the emulator on 127.0.0.1 (browser-testing.md §4).
  const args = ['--no-sandbox', '--disable-quic', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required', '--allow-loopback-in-peer-connection'];
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

/**
 * Opens the demo at `url` (e.g. `${server.url}/?e2e=1`) and waits for `window.npcVoiceDemo.ready`. `initScript` runs in
 * the page before the game's own scripts.
 */
export async function openDemo(browser: Browser, url: string, options: { denyMic?: boolean; initScript?: () => void } = {}): Promise<DemoPage> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 720 } });
  if (!options.denyMic) await context.grantPermissions(['microphone'], { origin: new URL(url).origin });
  if (options.initScript) await context.addInitScript(options.initScript);
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

/** How long a test waits for a page state (an answer takes a few seconds; CI machines are slow). */
export const WAIT = { timeout: 45_000 };

/** Waits until `npcId` has a final subtitle containing `text` (case-insensitive). */
export async function waitForNpcLine(page: Page, npcId: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([id, t]) => window.npcVoiceDemo.subtitles().some((s) => s.speaker === id && s.final && s.text.toLowerCase().includes(t.toLowerCase())),
    [npcId, text] as const,
    WAIT,
  );
}

/** Waits until the output has a finished sound segment that started after context time `after`; returns it. */
export async function waitForOutputSegment(page: Page, after: number): Promise<{ start: number; end: number }> {
  const handle = await page.waitForFunction(
    (t) => window.npcVoiceDemo.probe?.output().find((s) => s.start >= t && s.end !== null) ?? null,
    after,
    WAIT,
  );
  return (await handle.jsonValue()) as { start: number; end: number };
}

/** Where the blacksmith stands (his hearing radius is 160 px; his persona pans with `equalpower`). */
export const SMITH = { x: 176, y: 248 };

/**
 * Barge-in scenario: next to the smith, asks about his forge (a ~3.5 s answer) and, half a second into his voice at
 * the output, presses push-to-talk. Returns his output segment (context seconds), the key-down time and, before the
 * press, a hook for checks (`beforePress`).
 */
export async function bargeInOnTheSmith(page: Page, beforePress: () => Promise<void> = async () => {}): Promise<{ segment: { start: number; end: number }; press: number }> {
  await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [SMITH.x + 60, SMITH.y] as const);
  await page.click('canvas');
  const t0 = await page.evaluate(() => window.npcVoiceDemo.probe?.now() ?? 0);
  await page.evaluate(() => window.npcVoiceDemo.say('blacksmith', 'tell me about the forge'));
  // Wait until he has been audible for half a second: mid-sentence.
  await page.waitForFunction(
    (t) => {
      const p = window.npcVoiceDemo.probe;
      const seg = p?.output().find((s) => s.start >= t);
      return p && seg && seg.end === null && p.now() - seg.start > 0.5;
    },
    t0,
    WAIT,
  );
  await beforePress();
  await page.keyboard.down('Space');
  const segment = await waitForOutputSegment(page, t0);
  const press = await page.evaluate(() => window.npcVoiceDemo.probe?.keys().find((k) => k.key === 'Space' && k.down)?.t ?? 0);
  await page.keyboard.up('Space');
  return { segment, press };
}

/**
 * Push-to-talk with the fake microphone: holds SPACE while the WAV's utterance plays, releases when the mic meter saw
 * it end, then waits for the player's final transcript matching `heard`. Returns the release time (context seconds);
 * the output energy is reset at the release, so `outputRms()` afterwards measures the answer only.
 */
export async function holdToTalk(page: Page, heard: RegExp): Promise<number> {
  await page.click('canvas');
  await page.keyboard.down('Space');
  await page.waitForFunction(() => window.npcVoiceDemo.probe?.mic().some((s) => s.end !== null && s.end - s.start > 0.5) ?? false, undefined, WAIT);
  const released = await page.evaluate(() => {
    window.npcVoiceDemo.probe?.resetEnergy();
    return window.npcVoiceDemo.probe?.now() ?? 0;
  });
  await page.keyboard.up('Space');
  await page.waitForFunction(
    ([source, flags]) => window.npcVoiceDemo.subtitles().some((s) => s.speaker === 'player' && s.final && new RegExp(source, flags).test(s.text)),
    [heard.source, heard.flags] as const,
    WAIT,
  );
  return released;
}
