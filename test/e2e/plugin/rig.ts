// Setup of the Phaser-plugin browser tests: the real server (key minting + Realtime emulator, no demo), a Vite dev
// server for the test page, and headless Chromium (flags from shared/reference/browser-testing.md).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page, type WebSocket } from 'playwright-core';
import { createServer as createViteServer, type ViteDevServer } from 'vite';
import { workletSource } from '../../../build/workletSource.js';
import { readConfig } from '../../../server/config.js';
import { createNpcVoiceServer, type NpcVoiceServer } from '../../../server/createServer.js';
import type { LoggedEvent } from './page/main.js';

const PAGE_ROOT = fileURLToPath(new URL('./page/', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PERSONA_DIR = fileURLToPath(new URL('../../../assets/personas/', import.meta.url));

/** How long a test waits for a page state (answers take seconds; other browser tests may share the 2 cores). */
export const WAIT = { timeout: 45_000 };

/** The servers and browser shared by the tests of a file. */
export interface Rig {
  server: NpcVoiceServer;
  /** The test page's URL (`http://127.0.0.1:<port>/`). */
  pageUrl: string;
  browser: Browser;
  /** Server log lines (kept, not printed). */
  logs: string[];
  close(): Promise<void>;
}

/**
 * Starts Vite (page root, own dependency cache so concurrent suites don't re-optimise each other's), then the real
 * server allowing the page's origin to mint, then Chromium; finally plays one typed turn so every lazily imported
 * dependency is pre-bundled and the emulator's speech engine is warm before the first test.
 */
export async function startRig(): Promise<Rig> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'npc-voice-plugin-e2e-'));
  const vite: ViteDevServer = await createViteServer({
    configFile: false,
    root: PAGE_ROOT,
    cacheDir,
    plugins: [workletSource()],
    logLevel: 'silent',
    // No HMR: nothing may reload the page in the middle of a test.
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, fs: { allow: [REPO_ROOT] } },
    optimizeDeps: { include: ['phaser', '@openai/agents-realtime', 'zod', 'zod/mini'] },
  });
  const closers: (() => Promise<void>)[] = [async () => rmSync(cacheDir, { recursive: true, force: true }), () => vite.close()];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  };
  try {
    await vite.listen();
    const pageUrl = vite.resolvedUrls?.local[0];
    if (!pageUrl) throw new Error('vite did not report a URL');
    const logs: string[] = [];
    const server = await createNpcVoiceServer({
      config: readConfig(
        { NPC_VOICE_PERSONA_DIR: PERSONA_DIR, NPC_VOICE_ALLOWED_ORIGINS: new URL(pageUrl).origin, NPC_VOICE_RATE_LIMIT: '1000' },
        { port: 0, host: '127.0.0.1' },
      ),
      log: (line) => logs.push(line),
      demo: false,
    });
    closers.push(() => server.close());
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      // Loopback peer connections: the WebRTC tests call the emulator on 127.0.0.1 (browser-testing.md §4).
      args: ['--no-sandbox', '--disable-quic', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required', '--allow-loopback-in-peer-connection'],
    });
    closers.push(() => browser.close());
    const rig: Rig = { server, pageUrl, browser, logs, close: closeAll };
    await warmUp(rig);
    return rig;
  } catch (err) {
    await closeAll();
    throw err;
  }
}

async function warmUp(rig: Rig): Promise<void> {
  const game = await openGame(rig);
  try {
    await game.page.evaluate(() => window.pluginHarness.startScene());
    await game.page.evaluate(() => window.pluginHarness.bind('smith', 'blacksmith', 'far'));
    await game.page.evaluate(() => window.pluginHarness.say('smith', 'hello'));
    await waitForEvent(game.page, 'npc-transcript', { npc: 'blacksmith#1' });
  } catch (err) {
    throw new Error(`warm-up failed: ${err instanceof Error ? err.message : String(err)}\n${[...game.pageErrors, ...game.consoleErrors].join('\n')}\nserver:\n${rig.logs.join('\n')}`);
  } finally {
    await game.close();
  }
}

/** A test page with the game booted (scene not started) and what the page did on the network. */
export interface GamePage {
  page: Page;
  /** Uncaught exceptions in the page (a plugin error must never become one). */
  pageErrors: string[];
  /** Console errors (failed requests log here too). */
  consoleErrors: string[];
  /** Requests to the mint route (any path under `/api/npc-voice/`). */
  mintRequests: string[];
  /** WebSockets opened to the Realtime endpoint. */
  sockets: RealtimeSockets;
  close(): Promise<void>;
}

/**
 * Opens the test page in a fresh browser context and waits until the game has booted. The page mints from the real
 * server cross-origin (its origin is allowed; the route answers the CORS preflight) unless `query` names a `mint`.
 */
export async function openGame(rig: Rig, query = ''): Promise<GamePage> {
  const context: BrowserContext = await rig.browser.newContext();
  const page = await context.newPage();
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const mintRequests: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('request', (request) => {
    if (request.url().includes('/api/npc-voice/')) mintRequests.push(request.url());
  });
  const sockets = new RealtimeSockets(page);
  const url = new URL(`${rig.pageUrl}${query}`);
  if (!url.searchParams.has('mint')) url.searchParams.set('mint', `${rig.server.url}/api/npc-voice/session`);
  await page.goto(url.href);
  try {
    await page.waitForFunction(() => window.pluginHarness !== undefined, undefined, WAIT);
    await page.evaluate(() => window.pluginHarness.ready);
  } catch (err) {
    await context.close();
    throw new Error(`the test page did not boot: ${err instanceof Error ? err.message : String(err)}\n${[...pageErrors, ...consoleErrors].join('\n')}`);
  }
  return { page, pageErrors, consoleErrors, mintRequests, sockets, close: () => context.close() };
}

/** Records the page's WebSockets to `/v1/realtime` and lets a test await their opening and closing. */
export class RealtimeSockets {
  readonly all: WebSocket[] = [];
  private readonly waiters: (() => void)[] = [];

  constructor(page: Page) {
    page.on('websocket', (ws) => {
      if (!new URL(ws.url()).pathname.startsWith('/v1/realtime')) return;
      this.all.push(ws);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Resolves with the `n`-th (1-based) Realtime socket once the page opened it. */
  async nth(n: number, timeoutMs = WAIT.timeout): Promise<WebSocket> {
    const deadline = Date.now() + timeoutMs;
    while (this.all.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${this.all.length} Realtime socket(s) opened, expected ${n}`);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${this.all.length} Realtime socket(s) opened, expected ${n}`)), left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.all[n - 1] as WebSocket;
  }
}

/** Resolves when `ws` has closed (immediately if it already has). */
export async function closed(ws: WebSocket): Promise<void> {
  if (ws.isClosed()) return;
  await ws.waitForEvent('close', WAIT);
}

/** What a logged plugin event must match. */
export interface EventMatch {
  npc?: string;
  /** Text the event's text argument contains. */
  includes?: string;
  /** Only events logged after the first `after` entries. */
  after?: number;
}

/** Waits for a plugin event in the page's log and returns it. */
export async function waitForEvent(page: Page, event: string, match: EventMatch = {}): Promise<LoggedEvent> {
  const handle = await page.waitForFunction(
    ([name, m]) =>
      window.pluginHarness
        .events()
        .slice(m.after ?? 0)
        .find((e) => e.event === name && (m.npc === undefined || e.npc === m.npc) && (m.includes === undefined || (e.text ?? '').includes(m.includes))) ??
      null,
    [event, match] as const,
    WAIT,
  );
  return (await handle.jsonValue()) as LoggedEvent;
}
