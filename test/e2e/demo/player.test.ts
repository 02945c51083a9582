// What the player is told, in real headless Chromium against the real server: what the NPC heard, who is
// listening, subtitles on screen, answers that match what happened, a server that goes away, focus after typing,
// the map's edges, and a scene that survives restarts. Assertions read what the page shows (the automation hook's
// read-only accessors and the DOM).
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { DemoLabel } from '../../../demo-game/src/automation.js';
import type { NpcVoiceServer } from '../../../server/createServer.js';
import { isOpenVocabularyInstalled } from '../../../server/emulator/speech/openVocabularyStt.js';
import { disposePlayerSpeech, synthesizePlayerSpeech, withSilence, writeWav } from '../../support/speechFixtures.js';
import { artifactsDir, holdToTalk, launchBrowser, openDemo, SMITH, startDemoServer, WAIT, waitForNpcLine, type DemoPage } from './harness.js';

let server: NpcVoiceServer;
/** Silence for the fake microphone of tests that don't speak (Chrome's default fake device beeps). */
let silentWav: string;
let swordWav: string;
/** Words outside every persona's grammar: the recognizer rejects them. */
let mumbleWav: string;
const browsers: Browser[] = [];

beforeAll(async () => {
  const dir = artifactsDir();
  silentWav = join(dir, 'silence.wav');
  writeWav(silentWav, new Int16Array(24_000));
  swordWav = join(dir, 'player-give-me-a-sword.wav');
  writeWav(swordWav, withSilence(await synthesizePlayerSpeech('give me a sword', 'awb'), 600, 1500));
  mumbleWav = join(dir, 'player-purple-elephants.wav');
  writeWav(mumbleWav, withSilence(await synthesizePlayerSpeech('purple elephants juggle quietly on mondays', 'awb'), 600, 1500));
  ({ server } = await startDemoServer());
});

afterEach(async () => {
  for (const b of browsers.splice(0)) await b.close();
});

afterAll(async () => {
  await server?.close();
  await disposePlayerSpeech();
});

async function browser(options: Parameters<typeof launchBrowser>[0] = {}): Promise<Browser> {
  const b = await launchBrowser(options.micWav || options.denyMic ? options : { micWav: silentWav, loopMic: true });
  browsers.push(b);
  return b;
}

async function open(b: Browser, initScript?: () => void): Promise<DemoPage> {
  return openDemo(b, `${server.url}/?e2e=1&transport=websocket`, initScript ? { initScript } : {});
}

type Label = DemoLabel;

function overlap(a: Label, b: Label): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Whether a label lies wholly on the 960 × 640 canvas. */
function onCanvas(l: Label): boolean {
  return l.x >= 0 && l.y >= 0 && l.x + l.w <= 960 && l.y + l.h <= 640;
}

/** Waits for an NPC's badge (what the player reads over its head) to say `badge`. */
async function waitForBadge(page: DemoPage['page'], npcId: string, badge: string): Promise<void> {
  await page.waitForFunction(([id, b]) => window.npcVoiceDemo.npcs().find((n) => n.id === id)?.badge === b, [npcId, badge] as const, WAIT);
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

/** Where Captain Hale stands, by the north gate (hearing radius 140 px). */
const GUARD = { x: 432, y: 80 };

/** Follows the player frame by frame until they have not moved for `frames` frames; returns where they stopped. */
function untilStill(page: DemoPage['page'], frames = 30): Promise<{ x: number; y: number }> {
  return page.evaluate(
    (n) =>
      new Promise<{ x: number; y: number }>((resolve, reject) => {
        let last = window.npcVoiceDemo.player();
        let still = 0;
        const t0 = performance.now();
        const tick = () => {
          const p = window.npcVoiceDemo.player();
          still = p.x === last.x && p.y === last.y ? still + 1 : 0;
          last = p;
          if (still >= n) resolve(p);
          else if (performance.now() - t0 > 20_000) reject(new Error(`the player never stopped (at ${p.x}, ${p.y})`));
          else requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
    frames,
  );
}

/** Lines an NPC said, in order. */
function linesOf(page: DemoPage['page'], npcId: string): Promise<string[]> {
  return page.evaluate((id) => window.npcVoiceDemo.subtitles().filter((s) => s.speaker === id && s.final).map((s) => s.text), npcId);
}

describe('what was heard', () => {
  test("the player's bubble shows what the smith heard, and that he didn't catch it when recognition failed (or, with the open-vocabulary pass, the off-script words)", async () => {
    const heard = await open(await browser({ micWav: swordWav }));
    await heard.page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [SMITH.x + 60, SMITH.y] as const);
    await holdToTalk(heard.page, /sword/i);
    expect(await heard.page.evaluate(() => window.npcVoiceDemo.playerBubble())).toEqual({ text: 'give me a sword', missed: false });
    expect(heard.errors).toEqual([]);

    const missed = await open(await browser({ micWav: mumbleWav }));
    const { page } = missed;
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [SMITH.x + 60, SMITH.y] as const);
    await page.click('canvas');
    await page.keyboard.down('Space');
    await page.waitForFunction(() => window.npcVoiceDemo.probe?.mic().some((s) => s.end !== null && s.end - s.start > 0.5) ?? false, undefined, WAIT);
    await page.keyboard.up('Space');
    await waitForNpcLine(page, 'blacksmith', 'Speak plainly');
    if (isOpenVocabularyInstalled()) {
      // The open-vocabulary pass transcribes the off-script mumble: the bubble shows what the smith heard, which he
      // did not understand (his fallback line).
      await page.waitForFunction(() => (window.npcVoiceDemo.playerBubble()?.text ?? '') !== '', undefined, WAIT);
      expect(await page.evaluate(() => window.npcVoiceDemo.playerBubble()?.missed)).toBe(false);
    } else {
      await page.waitForFunction(() => window.npcVoiceDemo.playerBubble()?.missed === true, undefined, WAIT);
      expect(await page.evaluate(() => window.npcVoiceDemo.playerBubble()?.text)).toMatch(/Brom didn't catch that/);
      expect(await page.evaluate(() => window.npcVoiceDemo.subtitles().filter((s) => s.speaker === 'player'))).toEqual([]);
    }
    expect(missed.errors).toEqual([]);
  });

  test('near each villager a hint says what they can be asked, from their persona', async () => {
    const { page, errors } = await open(await browser());
    const hintsNow = () => page.evaluate(() => window.npcVoiceDemo.labels().filter((l) => l.kind === 'hint').map((l) => ({ owner: l.owner, text: l.text })));
    await page.evaluate(() => window.npcVoiceDemo.teleportPlayer(496, 400));
    await page.waitForFunction(() => window.npcVoiceDemo.labels().every((l) => l.kind !== 'hint'), undefined, WAIT);
    for (const [id, x, y, asks] of [
      ['blacksmith', SMITH.x + 60, SMITH.y, 'Ask Brom: "give me a sword"'],
      ['guard', GUARD.x + 40, GUARD.y + 40, 'Ask Captain Hale: "open the gate"'],
      ['herbalist', 752, 440, 'Ask Mira: "what do i have"'],
    ] as const) {
      await page.evaluate(([px, py]) => window.npcVoiceDemo.teleportPlayer(px, py), [x, y] as const);
      await page.waitForFunction((who) => window.npcVoiceDemo.labels().some((l) => l.kind === 'hint' && l.owner === who), id, WAIT);
      const hint = (await hintsNow()).find((h) => h.owner === id);
      expect(hint?.text).toContain(asks);
    }
    expect(errors).toEqual([]);
  });
});

describe('who is listening', () => {
  test('a hands-free villager hears the player without SPACE; a push-to-talk one only while SPACE is held', async () => {
    const { page, errors } = await open(await browser());
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [GUARD.x + 40, GUARD.y + 30] as const);
    await waitForBadge(page, 'guard', 'listening');
    expect(await page.evaluate(() => window.npcVoiceDemo.micIndicator())).toBe('live');
    expect(await page.textContent('button.mic')).toContain('Captain Hale');
    await page.waitForFunction(() => document.querySelector('.ptt')?.textContent === 'Captain Hale hears you: just talk', undefined, WAIT);

    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [SMITH.x + 60, SMITH.y] as const);
    await page.waitForFunction(() => window.npcVoiceDemo.npcs().find((n) => n.id === 'blacksmith')?.state === 'listening', undefined, WAIT);
    // Connected and waiting, but not hearing the player: the badge must not claim otherwise.
    await waitForBadge(page, 'blacksmith', 'ready');
    await page.waitForFunction(() => window.npcVoiceDemo.micIndicator() === 'off', undefined, WAIT);
    expect(await page.textContent('.ptt')).toBe('Hold SPACE to talk to Brom the Blacksmith');
    await page.click('canvas');
    await page.keyboard.down('Space');
    await waitForBadge(page, 'blacksmith', 'listening');
    expect(await page.evaluate(() => window.npcVoiceDemo.micIndicator())).toBe('live');
    await page.keyboard.up('Space');
    await page.waitForFunction(() => window.npcVoiceDemo.micIndicator() === 'off' && window.npcVoiceDemo.npcs().every((n) => n.badge !== 'listening'), undefined, WAIT);
    expect(errors).toEqual([]);
  });

  test('typing only: nobody listens, not even a hands-free villager', async () => {
    const { page, errors } = await open(await browser());
    await page.click('button.mic');
    await page.waitForFunction(() => window.npcVoiceDemo.textOnly(), undefined, WAIT);
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [GUARD.x + 40, GUARD.y + 30] as const);
    await page.waitForFunction(() => window.npcVoiceDemo.npcs().find((n) => n.id === 'guard')?.state === 'listening', undefined, WAIT);
    await waitForBadge(page, 'guard', 'ready');
    expect(await page.evaluate(() => window.npcVoiceDemo.micIndicator())).toBe('off');
    expect(await page.textContent('button.mic')).toContain('typing only');
    expect(errors).toEqual([]);
  });

  test('the microphone indicator says "waiting" while the browser asks for permission, then "live"', async () => {
    const { page, errors } = await open(await browser(), () => {
      // The permission prompt, held open until the test answers it.
      const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = (constraints) =>
        new Promise((resolve, reject) => {
          (window as unknown as { grantMic: () => void }).grantMic = () => void real(constraints).then(resolve, reject);
        });
    });
    expect(await page.evaluate(() => window.npcVoiceDemo.micIndicator())).toBe('off');
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [GUARD.x + 40, GUARD.y + 30] as const);
    await page.waitForFunction(() => window.npcVoiceDemo.micIndicator() === 'waiting', undefined, WAIT);
    expect(await page.textContent('button.mic')).toMatch(/waiting for microphone permission/);
    expect(await page.evaluate(() => window.npcVoiceDemo.npcs().find((n) => n.id === 'guard')?.badge)).not.toBe('listening');
    await page.evaluate(() => (window as unknown as { grantMic: () => void }).grantMic());
    await page.waitForFunction(() => window.npcVoiceDemo.micIndicator() === 'live', undefined, WAIT);
    await waitForBadge(page, 'guard', 'listening');
    expect(errors).toEqual([]);
  });
});

describe('subtitles on screen', () => {
  test("Captain Hale's subtitle at the north gate stays on the canvas", async () => {
    const { page, errors } = await open(await browser());
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [GUARD.x + 60, GUARD.y + 60] as const);
    await page.evaluate(() => window.npcVoiceDemo.say('guard', 'tell me about the watch'));
    const handle = await page.waitForFunction(
      () => window.npcVoiceDemo.labels().find((l) => l.owner === 'guard' && l.kind === 'subtitle' && l.text.includes('Six of us')) ?? null,
      undefined,
      WAIT,
    );
    const subtitle = (await handle.jsonValue()) as Label;
    expect(onCanvas(subtitle), JSON.stringify(subtitle)).toBe(true);
    await page.locator('#app').screenshot({ path: join(artifactsDir(), 'guard-subtitle.png') });
    expect(errors).toEqual([]);
  });

  test("no villager's name, badge, subtitle or hint covers the player's bubble", async () => {
    const { page, errors } = await open(await browser());
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [SMITH.x + 50, SMITH.y] as const);
    await page.evaluate(() => window.npcVoiceDemo.say('blacksmith', 'tell me about the forge'));
    const handle = await page.waitForFunction(
      () => {
        const labels = window.npcVoiceDemo.labels();
        const both = labels.some((l) => l.kind === 'bubble') && labels.some((l) => l.owner === 'blacksmith' && l.kind === 'subtitle' && l.text.includes('forty years'));
        return both ? labels : null;
      },
      undefined,
      WAIT,
    );
    const labels = (await handle.jsonValue()) as Label[];
    const bubble = labels.find((l) => l.kind === 'bubble');
    expect(bubble?.text).toBe('tell me about the forge');
    if (!bubble) return;
    expect(onCanvas(bubble)).toBe(true);
    const covering = labels.filter((l) => l.owner !== 'player' && overlap(l, bubble));
    expect(covering).toEqual([]);
    await page.locator('#app').screenshot({ path: join(artifactsDir(), 'player-bubble.png') });
    expect(errors).toEqual([]);
  });
});

describe('when the server goes away', () => {
  test('the player is told in their words, sees an offline badge and a Retry button, and keeps the typed line', async () => {
    const { page, errors } = await open(await browser());
    // The server stops answering (mint and health check), before any villager connected.
    await page.route(/\/(api\/npc-voice|healthz)/, (route) => route.abort('connectionrefused'));
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [SMITH.x + 60, SMITH.y] as const);
    await page.waitForFunction(() => document.querySelector<HTMLInputElement>('input.say')?.placeholder.includes('Brom'), undefined, WAIT);
    await page.fill('input.say', 'tell me about the forge');
    await page.press('input.say', 'Enter');
    await page.waitForFunction(() => window.npcVoiceDemo.offline(), undefined, WAIT);
    expect(await page.textContent('.badge.mode')).toBe('Offline');
    const banner = (await page.textContent('.banner.offline')) ?? '';
    expect(banner).toMatch(/can't be reached/);
    expect(banner).not.toMatch(/connect\(\)|mint|Realtime|endpoint/);
    expect(await page.locator('.banner.offline button.retry').isVisible()).toBe(true);
    expect(await page.inputValue('input.say')).toBe('tell me about the forge');
    const notice = (await page.textContent('.banner.notice')) ?? '';
    expect(notice).not.toMatch(/connect\(\)|mint endpoint|Realtime/);
    expect(await page.evaluate(() => window.npcVoiceDemo.npcs().map((n) => n.badge))).not.toContain('thinking');

    // Still gone: Retry says so. Back: Retry clears the badge and Enter sends the kept line.
    await page.click('button.retry');
    await page.waitForFunction(() => /Still can't reach/.test(document.querySelector('.banner.offline')?.textContent ?? ''), undefined, WAIT);
    await page.unroute(/\/(api\/npc-voice|healthz)/);
    await page.click('button.retry');
    await page.waitForFunction(() => !window.npcVoiceDemo.offline(), undefined, WAIT);
    expect(await page.textContent('.badge.mode')).toMatch(/Local emulator/);
    await page.press('input.say', 'Enter');
    await waitForNpcLine(page, 'blacksmith', 'forty years');
    // Answered once: the line sent before the server went away is not answered a second time.
    await page.evaluate(() => window.npcVoiceDemo.say('blacksmith', 'goodbye'));
    await waitForNpcLine(page, 'blacksmith', 'Safe roads');
    expect((await linesOf(page, 'blacksmith')).filter((l) => /forty years/.test(l))).toHaveLength(1);
    // The failures were logged for developers (console) and nothing else went wrong.
    expect(errors.filter((e) => !/\[npc-voice\]|Failed to load resource/.test(e))).toEqual([]);
  });
});

describe('when the server process stops mid-conversation', () => {
  test('the live villager is not left thinking and the player gets words, not developer text', async () => {
    // A server of its own, so stopping it does not affect the other tests.
    const own = await startDemoServer();
    try {
      const { page, errors } = await openDemo(await browser(), `${own.server.url}/?e2e=1&transport=websocket`);
      await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [SMITH.x + 60, SMITH.y] as const);
      await page.evaluate(() => window.npcVoiceDemo.say('blacksmith', 'hello'));
      await waitForNpcLine(page, 'blacksmith', 'Welcome to my forge');
      await own.server.close();
      await page.waitForFunction(() => document.querySelector<HTMLInputElement>('input.say')?.placeholder.includes('Brom'), undefined, WAIT);
      await page.fill('input.say', 'tell me about the forge');
      await page.press('input.say', 'Enter');
      await page.waitForFunction(() => window.npcVoiceDemo.offline(), undefined, WAIT);
      expect(await page.textContent('.badge.mode')).toBe('Offline');
      expect(await page.inputValue('input.say')).toBe('tell me about the forge');
      const shown = `${(await page.textContent('.banner.offline')) ?? ''} ${(await page.textContent('.banner.notice')) ?? ''}`;
      expect(shown).not.toMatch(/connect\(\)|mint|Realtime|endpoint/);
      await page.waitForFunction(() => window.npcVoiceDemo.npcs().every((n) => n.badge !== 'thinking' && n.badge !== 'connecting'), undefined, WAIT);
      expect(errors.filter((e) => !/\[npc-voice\]|Failed to load resource|WebSocket/.test(e))).toEqual([]);
    } finally {
      await own.server.close();
    }
  });
});

describe('answers that match what happened', () => {
  test('a typed "thanks" gets a thank-you reply, not the "did not understand" line', async () => {
    const { page, errors } = await open(await browser());
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [GUARD.x + 40, GUARD.y + 30] as const);
    await page.waitForFunction(() => document.querySelector<HTMLInputElement>('input.say')?.placeholder.includes('Captain Hale'), undefined, WAIT);
    await page.fill('input.say', 'thanks');
    await page.press('input.say', 'Enter');
    await waitForNpcLine(page, 'guard', 'You are welcome');
    await page.evaluate(() => window.npcVoiceDemo.say('guard', 'goodbye'));
    await waitForNpcLine(page, 'guard', 'Move along');
    expect((await linesOf(page, 'guard')).some((l) => /did not understand/i.test(l))).toBe(false);
    expect(errors).toEqual([]);
  });

  test('asking twice for the sword: the second answer says so truthfully and the bag keeps one sword', async () => {
    const { page, errors } = await open(await browser());
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [SMITH.x + 60, SMITH.y] as const);
    await page.evaluate(() => window.npcVoiceDemo.say('blacksmith', 'give me a sword'));
    await waitForNpcLine(page, 'blacksmith', 'sword is yours');
    await page.evaluate(() => window.npcVoiceDemo.say('blacksmith', 'give me a sword'));
    await waitForNpcLine(page, 'blacksmith', 'already have the sword');
    expect(await page.evaluate(() => window.npcVoiceDemo.inventory())).toEqual(['sword']);
    expect((await linesOf(page, 'blacksmith')).filter((l) => /is yours/.test(l))).toHaveLength(1);
    expect(errors).toEqual([]);
  });
});

describe('typing', () => {
  test('reaches only a villager in hearing range, like the voice; out of range the line stays in the box', async () => {
    const { page, errors } = await open(await browser());
    // The spawn point, in the middle of the square: nobody is within hearing range.
    await page.evaluate(() => window.npcVoiceDemo.teleportPlayer(496, 400));
    await page.waitForFunction(() => document.querySelector<HTMLInputElement>('input.say')?.placeholder.startsWith('Nobody'), undefined, WAIT);
    await page.fill('input.say', 'tell me about the forge');
    await page.press('input.say', 'Enter');
    await page.waitForFunction(() => /Nobody is near enough/.test(document.querySelector('.banner.notice')?.textContent ?? ''), undefined, WAIT);
    expect(await page.inputValue('input.say')).toBe('tell me about the forge');
    expect(await page.evaluate(() => window.npcVoiceDemo.subtitles())).toEqual([]);
    // Walk up to the smith and press Enter again: the kept line goes to him.
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [SMITH.x + 60, SMITH.y] as const);
    await page.waitForFunction(() => document.querySelector<HTMLInputElement>('input.say')?.placeholder.includes('Brom'), undefined, WAIT);
    await page.press('input.say', 'Enter');
    await waitForNpcLine(page, 'blacksmith', 'forty years');
    expect(await page.inputValue('input.say')).toBe('');
    expect(errors).toEqual([]);
  });

  test('after sending a typed line the arrow keys walk the player again', async () => {
    const { page, errors } = await open(await browser());
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [SMITH.x + 60, SMITH.y] as const);
    await page.waitForFunction(() => document.querySelector<HTMLInputElement>('input.say')?.placeholder.includes('Brom'), undefined, WAIT);
    await page.fill('input.say', 'hello');
    await page.press('input.say', 'Enter');
    const x0 = await page.evaluate(() => window.npcVoiceDemo.player().x);
    await page.keyboard.down('ArrowRight');
    await page.waitForFunction((x) => window.npcVoiceDemo.player().x > x + 20, x0, { timeout: 10_000 });
    await page.keyboard.up('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe('INPUT');
    await waitForNpcLine(page, 'blacksmith', 'Welcome to my forge');
    expect(errors).toEqual([]);
  });
});

describe('the map', () => {
  test('the open north gate lets the player into the gateway but not off the map', async () => {
    const { page, errors } = await open(await browser());
    await page.evaluate(() => window.npcVoiceDemo.say('guard', 'please open the gate'));
    await page.waitForFunction(() => window.npcVoiceDemo.gateOpen(), undefined, WAIT);
    await page.evaluate(() => window.npcVoiceDemo.teleportPlayer(480, 60));
    await page.click('canvas');
    await page.keyboard.down('ArrowUp');
    const stopped = await untilStill(page);
    await page.keyboard.up('ArrowUp');
    // Into the gate's tile row (0–32 px), the feet box (10 px tall) still inside the map.
    expect(stopped.y).toBeLessThan(32);
    expect(stopped.y).toBeGreaterThanOrEqual(10);
    expect(errors).toEqual([]);
  });
});

describe('the scene', () => {
  test('survives 20 restarts: the frame rate stays near full and the NPCs still answer a typed line', async () => {
    const { page, errors } = await open(await browser());
    // Two cores shared with other work: take the best of a few windows, so a busy moment is not read as a leak.
    const before = Math.max(await measureFps(page), await measureFps(page));
    const held = await page.evaluate(() => window.npcVoiceDemo.sceneStats());
    for (let i = 0; i < 20; i++) {
      // page.evaluate has no timeout of its own: a frozen game never finishes a restart.
      const restarted = await page.evaluate(() =>
        Promise.race([window.npcVoiceDemo.restartScene().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]),
      );
      expect(restarted, `restart ${i + 1} finished (page errors: ${errors.join('; ')})`).toBe(true);
    }
    // Nothing accumulates: the same villagers, bindings, objects and listeners as before the restarts.
    expect(await page.evaluate(() => window.npcVoiceDemo.sceneStats())).toEqual(held);
    expect(held).toMatchObject({ actors: 3, bindings: 3, gateListeners: 1 });
    // Near full speed: ≥ 45 fps (60 headless on an idle machine); on a loaded one (other work on the same two
    // cores moves the fps by ±20 between windows) at least 70 % of before.
    const wanted = Math.min(45, before * 0.7);
    let after = 0;
    for (let attempt = 0; attempt < 3 && after < wanted; attempt++) after = Math.max(after, await measureFps(page));
    console.info(`fps before 20 restarts ${before.toFixed(1)}, after ${after.toFixed(1)}`);
    expect(after).toBeGreaterThanOrEqual(wanted);
    expect(await page.evaluate(() => window.npcVoiceDemo.npcs().map((n) => n.id))).toEqual(['blacksmith', 'guard', 'herbalist']);
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [SMITH.x + 60, SMITH.y] as const);
    await page.evaluate(() => window.npcVoiceDemo.say('blacksmith', 'tell me about the forge'));
    await waitForNpcLine(page, 'blacksmith', 'forty years');
    expect(errors).toEqual([]);
  });
});
