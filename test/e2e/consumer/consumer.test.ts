// The product as a stranger gets it: `npm pack` → a fresh Vite + TypeScript + Phaser game (the shape of Phaser's
// official template) with a persona and a tool of its own → `npm install` of the tarball → type-check, `vite build`,
// the CLI's `validate`, and the game's own dev server with `phaser-npc-voice/vite` → real Chromium: a typed line and
// a push-to-talk line (fake microphone) answered aloud, the tool run, a persona edit applied live. Once with
// Phaser 4 on Vite 8, once with Phaser 3 on Vite 6 (what Phaser's template ships).
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposePlayerSpeech } from '../../support/speechFixtures.js';
import { launchBrowser, WAIT } from '../demo/harness.js';
import { writePlayerPhrase, type PlayerPhrase } from '../demo/spokenTurns.js';
import { createConsumerProject, packThisPackage, run, startDevServer, type ConsumerProject, type DevServer, type Flavour } from './consumerProject.js';

const installed = JSON.parse(readFileSync(new URL('../../../node_modules/phaser/package.json', import.meta.url), 'utf8')) as { version: string };
const viteInstalled = JSON.parse(readFileSync(new URL('../../../node_modules/vite/package.json', import.meta.url), 'utf8')) as { version: string };

const FLAVOURS: (Flavour & { name: string })[] = [
  { name: 'Phaser 4 + Vite 8', phaser: `^${installed.version}`, vite: `^${viteInstalled.version}` },
  { name: 'Phaser 3.90 + Vite 6', phaser: '3.90.0', vite: '^6.4.0' },
];

/** What the game's test hook (src/game/scenes/Harbor.ts) exposes. */
interface FerryHook {
  seen: { events: string[]; maxLevel: number; states: string[] };
  state(): string;
  say(text: string): void;
  voicesInPhaserContext(): boolean;
}
declare global {
  interface Window {
    ferry: FerryHook;
  }
}

let tarball: string;
let phrase: PlayerPhrase;

beforeAll(async () => {
  tarball = await packThisPackage();
  // The player's words with a realistic noise floor, lead and tail (the first SPACE press opens the microphone and
  // the file starts playing then).
  phrase = await writePlayerPhrase('consumer-ticket', 'i need a ticket', { leadMs: 700, tailMs: 700, noiseDbfs: -60 });
}, 300_000);

afterAll(async () => {
  await disposePlayerSpeech();
  if (tarball) rmSync(path.dirname(tarball), { recursive: true, force: true });
});

async function eventsMatching(page: Page, pattern: RegExp): Promise<string[]> {
  const handle = await page.waitForFunction(
    ([source, flags]) => {
      const re = new RegExp(source, flags);
      const hits = window.ferry.seen.events.filter((e) => re.test(e));
      return hits.length > 0 ? hits : null;
    },
    [pattern.source, pattern.flags] as const,
    WAIT,
  );
  return (await handle.jsonValue()) as string[];
}

async function countOf(page: Page, pattern: RegExp): Promise<number> {
  return page.evaluate(([source, flags]) => window.ferry.seen.events.filter((e) => new RegExp(source, flags).test(e)).length, [pattern.source, pattern.flags] as const);
}

describe.each(FLAVOURS)('a new game with the packed tarball: $name', (flavour) => {
  let project: ConsumerProject;
  let dev: DevServer | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    project = await createConsumerProject(tarball, flavour);
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await dev?.stop();
    project?.remove();
  });

  it('type-checks, validates its persona with the CLI and builds with `vite build` (worklets and persona in the bundle)', async () => {
    const tsc = await run(process.execPath, [path.join(project.dir, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', '.'], project.dir);
    expect(tsc.stdout + tsc.stderr, 'tsc').toBe('');
    expect(tsc.code).toBe(0);

    const validate = await run(process.execPath, [path.join(project.dir, 'node_modules/.bin/phaser-npc-voice'), 'validate', 'personas'], project.dir);
    expect(validate.stdout).toMatch(/ok: 1 persona valid in personas \(ferryman\)/);
    expect(validate.code).toBe(0);

    // The Node entries load in plain Node (no Phaser, no bundler): a backend validates personas and mints keys.
    const node = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { readFileSync } from 'node:fs';
         import { parsePersonaJson, personaSessionConfig } from 'phaser-npc-voice/personas';
         import { createMintHandler, toNodeListener } from 'phaser-npc-voice/server';
         const parsed = parsePersonaJson(readFileSync('personas/ferryman.json', 'utf8'), 'ferryman.json');
         const session = personaSessionConfig(parsed.persona);
         const handler = createMintHandler({ personas: 'personas', upstream: { apiKey: 'sk-test-not-used' } });
         const refused = await handler(new Request('http://game.test/api/npc-voice/session', { method: 'POST', body: '{"persona":"nobody"}' }));
         console.log(JSON.stringify({ voice: session.audio.output.voice, tools: session.tools.map((t) => t.name), status: refused.status, listener: typeof toNodeListener(handler) }));`,
      ],
      project.dir,
    );
    expect(node.stderr).toBe('');
    expect(JSON.parse(node.stdout)).toEqual({ voice: 'verse', tools: ['sell_ticket'], status: 404, listener: 'function' });

    const build = await run('npm', ['run', 'build', '--silent'], project.dir);
    expect(build.code, build.stdout + build.stderr).toBe(0);
    const assets = readdirSync(path.join(project.dir, 'dist', 'assets'));
    expect(assets.some((f) => /streamPlayer\.worklet.*\.js$/.test(f)), assets.join(', ')).toBe(true);
    const bundle = assets.filter((f) => f.endsWith('.js')).map((f) => readFileSync(path.join(project.dir, 'dist', 'assets', f), 'utf8')).join('\n');
    expect(bundle).toContain('Odo the Ferryman');
    // Server-only code stays out of the browser bundle.
    expect(bundle).not.toMatch(/soundswallower|node:http|hono-rate-limiter/);
  }, 300_000);

  it('its dev server answers a typed line and a push-to-talk line aloud, runs the tool and applies a persona edit live', async () => {
    dev = await startDevServer(project.dir);
    expect(dev.output()).toMatch(/\[npc-voice\] mint route and the local Realtime emulator on this dev server; personas: ferryman/);
    browser = await launchBrowser({ micWav: phrase.wav });
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    await context.grantPermissions(['microphone'], { origin: dev.url });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      const line = `${msg.text()} (${msg.location().url})`;
      if (msg.type() === 'error' && !/favicon|GPU stall|software WebGL/.test(line)) errors.push(line);
    });
    await page.goto(dev.url);
    await page.waitForFunction(() => window.ferry !== undefined, undefined, WAIT);

    // Typed.
    await page.evaluate(() => window.ferry.say('i need a ticket'));
    await eventsMatching(page, /^tool sell_ticket: .*"destination":"east bank"/);
    await eventsMatching(page, /^npc: Here is your ticket to the east bank\./);
    // The transcript can arrive before the first sample plays: wait for the voice itself.
    await eventsMatching(page, /^speaking-start$/);
    await page.waitForFunction(() => window.ferry.seen.maxLevel > 0.02, undefined, WAIT);
    expect(await page.evaluate(() => window.ferry.voicesInPhaserContext()), "voices in Phaser's AudioContext").toBe(true);

    // Push-to-talk: SPACE held while the fake microphone plays the words, released after them.
    await page.waitForFunction(() => window.ferry.state() === 'listening', undefined, WAIT);
    await page.click('canvas');
    const pressedAt = await page.evaluate(() => performance.now());
    await page.keyboard.down('Space');
    // The microphone opens on the first press and its file starts then; getUserMedia takes up to ~0.5 s here.
    await page.waitForFunction((until) => performance.now() >= until, pressedAt + phrase.periodS * 1000 + 500, WAIT);
    await page.keyboard.up('Space');
    await eventsMatching(page, /^player: i need a ticket$/);
    await page.waitForFunction(() => window.ferry.seen.events.filter((e) => e.startsWith('tool sell_ticket')).length >= 2, undefined, WAIT);
    expect(await countOf(page, /"ticketsHeld":2/)).toBe(1);

    // A designer edits the persona while the game runs: the dev server pushes it, the NPC uses it, no reload.
    const file = path.join(project.dir, 'personas', 'ferryman.json');
    const persona = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, `${JSON.stringify({ ...persona, greeting: 'Ho there, the tide is with us.' }, null, 2)}\n`);
    await eventsMatching(page, /^persona-updated: ferryman Ho there, the tide is with us\.$/);
    expect(await page.evaluate(() => window.ferry.seen.events.filter((e) => e.startsWith('tool')).length), 'no reload: the same page').toBe(2);

    expect(errors).toEqual([]);
    expect(existsSync(path.join(project.dir, 'node_modules', 'tsx')), 'no tsx at run time').toBe(false);
  }, 300_000);
});
