// The Phaser adapter (NpcVoicePlugin) as a game uses it: installed with createNpcVoicePlugin() into a real Phaser 4
// game (headless renderer) in real headless Chromium, talking text-only over WebSocket to the real server and its
// Realtime emulator. Assertions are on what a game developer relies on: `this.npcVoice`, events in the scene,
// sessions following sprites and the scene lifecycle, push-to-talk, hot reload, and errors that never throw.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { closed, openGame, startRig, waitForEvent, WAIT, type GamePage, type Rig } from './rig.js';

/** The parts of a persona file these tests read or change. */
interface PersonaFile {
  id: string;
  voice: string;
  knowledge: { topic: string; keywords: string[]; answer: string }[];
  [field: string]: unknown;
}

/** Reads a real persona file from assets/personas. */
function readPersona(id: string): PersonaFile {
  return JSON.parse(readFileSync(new URL(`../../../assets/personas/${id}.json`, import.meta.url), 'utf8')) as PersonaFile;
}

/** The authored answer of a persona's knowledge topic. */
function answerOf(persona: PersonaFile, topic: string): string {
  const entry = persona.knowledge.find((k) => k.topic === topic);
  if (!entry) throw new Error(`persona ${persona.id} has no knowledge topic "${topic}"`);
  return entry.answer;
}

/** The persona with the answer of `topic` replaced, as a designer's edit would. */
function withAnswer(persona: PersonaFile, topic: string, answer: string): PersonaFile {
  return { ...persona, knowledge: persona.knowledge.map((k) => (k.topic === topic ? { ...k, answer } : k)) };
}

const BLACKSMITH = readPersona('blacksmith');
const FORGE_QUESTION = 'tell me about the forge';

let rig: Rig;
const pages: GamePage[] = [];

beforeAll(async () => {
  rig = await startRig();
});

// Each test's page closes with it: a game left running would take CPU from the next test.
afterEach(async () => {
  for (const game of pages.splice(0)) await game.close();
});

afterAll(async () => {
  await rig?.close();
});

/** Opens a fresh test page (own browser context) with the game booted and its scene not yet started. */
async function open(query = ''): Promise<GamePage> {
  const game = await openGame(rig, query);
  pages.push(game);
  return game;
}

/** Opens a page and starts its scene. */
async function openStarted(query = ''): Promise<GamePage> {
  const game = await open(query);
  await game.page.evaluate(() => window.pluginHarness.startScene());
  return game;
}

/** The player types `text` to the NPC `name`; resolves with the NPC's next full line. */
async function ask(game: GamePage, name: string, text: string): Promise<string> {
  const after = await game.page.evaluate(() => window.pluginHarness.events().length);
  const npc = await game.page.evaluate((n) => window.pluginHarness.binding(n).id, name);
  await game.page.evaluate(([n, t]) => window.pluginHarness.say(n, t), [name, text] as const);
  const line = await waitForEvent(game.page, 'npc-transcript', { npc, after });
  return line.text ?? '';
}

/** Waits until the NPC `name` reaches `state`. */
async function waitForState(game: GamePage, name: string, state: string): Promise<void> {
  await game.page.waitForFunction(([n, s]) => window.pluginHarness.binding(n).state === s, [name, state] as const, WAIT);
}

describe('NpcVoicePlugin in a Phaser game', () => {
  test('createNpcVoicePlugin() gives the scene this.npcVoice, and booting and binding far away open nothing', async () => {
    const game = await open();
    expect(await game.page.evaluate(() => window.pluginHarness.pluginInstalled())).toEqual({ isNpcVoicePlugin: true, hasCore: true });

    await game.page.evaluate(() => window.pluginHarness.startScene());
    // A second of game loop: the plugin's update ran every frame and its idle-time SDK prefetch had its chance.
    await game.page.waitForFunction(() => window.pluginHarness.frames() >= 60, undefined, WAIT);
    expect(game.mintRequests).toEqual([]);
    expect(game.sockets.all).toEqual([]);

    // An NPC nobody is near nor talks to costs nothing either.
    await game.page.evaluate(() => window.pluginHarness.bind('smith', 'blacksmith', 'far'));
    const frames = await game.page.evaluate(() => window.pluginHarness.frames());
    await game.page.waitForFunction((f) => window.pluginHarness.frames() >= f + 60, frames, WAIT);
    expect(game.mintRequests).toEqual([]);
    expect(game.sockets.all).toEqual([]);
    expect(await game.page.evaluate(() => window.pluginHarness.binding('smith').state)).toBe('idle');
    expect(await game.page.evaluate(() => window.pluginHarness.sensors())).toEqual({ audioContexts: 0, micRequests: 0 });
    // The only event: the blacksmith's persona lists a game tool this page did not register.
    const events = await game.page.evaluate(() => window.pluginHarness.events());
    expect(events.map((e) => [e.event, e.text])).toEqual([['warning', 'unknown_tool']]);
    expect(game.pageErrors).toEqual([]);
  });

  test("binding.say() from afar opens a real Realtime WebSocket and the scene hears the persona's authored answer", async () => {
    const game = await openStarted();
    const id = await game.page.evaluate(() => window.pluginHarness.bind('smith', 'blacksmith', 'far'));
    expect(id).toMatch(/^blacksmith#\d+$/);

    const answer = await ask(game, 'smith', FORGE_QUESTION);

    expect(answer).toBe(answerOf(BLACKSMITH, 'forge'));
    const binding = await game.page.evaluate(() => window.pluginHarness.binding('smith'));
    expect(binding.history).toEqual([
      { role: 'player', text: FORGE_QUESTION },
      { role: 'npc', text: answerOf(BLACKSMITH, 'forge') },
    ]);
    expect(game.mintRequests.map((url) => new URL(url).pathname)).toEqual(['/api/npc-voice/session']);
    const socket = await game.sockets.nth(1);
    expect(new URL(socket.url()).origin).toBe(rig.server.url.replace(/^http/, 'ws'));
    expect(new URL(socket.url()).pathname).toBe('/v1/realtime');
    expect(game.pageErrors).toEqual([]);
  });

  test('destroying the sprite destroys its binding, unlists it and closes its WebSocket', async () => {
    const game = await openStarted();
    // Next to the camera (the default listener): the session opens by proximity, without a word.
    await game.page.evaluate(() => window.pluginHarness.bind('smith', 'blacksmith', 'near'));
    const socket = await game.sockets.nth(1);
    await waitForState(game, 'smith', 'listening');
    expect(await game.page.evaluate(() => window.pluginHarness.binding('smith').listed)).toBe(true);

    await game.page.evaluate(() => window.pluginHarness.destroySprite('smith'));

    const binding = await game.page.evaluate(() => window.pluginHarness.binding('smith'));
    expect(binding).toMatchObject({ destroyed: true, listed: false, state: 'closed' });
    expect(await game.page.evaluate(() => window.pluginHarness.npcIds())).toEqual([]);
    await closed(socket);
    // A late call on the dead binding is a no-op, not a crash or a new connection.
    await game.page.evaluate(() => window.pluginHarness.say('smith', 'are you still there?'));
    expect(game.mintRequests).toHaveLength(1);
    expect(game.pageErrors).toEqual([]);
  });

  test('scene stop removes the plugin listeners and closes sessions; a restart works; game.destroy is clean and idempotent', async () => {
    const game = await open();
    const beforeStart = await game.page.evaluate(() => window.pluginHarness.sceneListeners());
    await game.page.evaluate(() => window.pluginHarness.startScene());
    const running = await game.page.evaluate(() => window.pluginHarness.sceneListeners());
    expect(running.update?.plugin).toBe(1);
    expect(running.shutdown?.plugin).toBe(1);

    await game.page.evaluate(() => window.pluginHarness.bind('smith', 'blacksmith', 'near'));
    expect(await ask(game, 'smith', FORGE_QUESTION)).toBe(answerOf(BLACKSMITH, 'forge'));
    const firstSocket = await game.sockets.nth(1);

    await game.page.evaluate(() => window.pluginHarness.stopScene());
    expect(await game.page.evaluate(() => window.pluginHarness.sceneListeners())).toEqual(beforeStart);
    await closed(firstSocket);
    // The scene destroyed its sprites, and with them their bindings.
    expect(await game.page.evaluate(() => window.pluginHarness.npcIds())).toEqual([]);

    await game.page.evaluate(() => window.pluginHarness.startScene());
    const restarted = await game.page.evaluate(() => window.pluginHarness.sceneListeners());
    expect(restarted.update?.plugin).toBe(1);
    await game.page.evaluate(() => window.pluginHarness.bind('smith2', 'blacksmith', 'near'));
    expect(await ask(game, 'smith2', FORGE_QUESTION)).toBe(answerOf(BLACKSMITH, 'forge'));
    const secondSocket = await game.sockets.nth(2);

    await game.page.evaluate(() => window.pluginHarness.destroyGame());
    await closed(secondSocket);
    expect(await game.page.evaluate(() => window.pluginHarness.bindAfterDestroy())).toBe('destroyed');
    expect(await game.page.evaluate(() => window.pluginHarness.tearDownAgain())).toEqual([]);
    expect(game.pageErrors).toEqual([]);
  });

  test('holding SPACE (the default push-to-talk key) makes the plugin talk; text-only it reports the mic unavailable once', async () => {
    const game = await openStarted();
    expect(await game.page.evaluate(() => window.pluginHarness.microphone())).toEqual({ talking: false, textOnly: true });

    await game.page.keyboard.down('Space');
    await game.page.waitForFunction(() => window.pluginHarness.microphone().talking, undefined, WAIT);
    const unavailable = await waitForEvent(game.page, 'mic-unavailable');
    expect(unavailable.text).toBe('unsupported');
    await game.page.keyboard.up('Space');
    await game.page.waitForFunction(() => !window.pluginHarness.microphone().talking, undefined, WAIT);

    // A second press: talking again, but the player was already told the mic is unavailable.
    await game.page.keyboard.down('Space');
    await game.page.waitForFunction(() => window.pluginHarness.microphone().talking, undefined, WAIT);
    await game.page.keyboard.up('Space');
    await game.page.waitForFunction(() => !window.pluginHarness.microphone().talking, undefined, WAIT);
    const events = await game.page.evaluate(() => window.pluginHarness.events());
    expect(events.filter((e) => e.event === 'mic-unavailable')).toHaveLength(1);
    expect(events.filter((e) => e.event === 'error')).toEqual([]);
    expect(await game.page.evaluate(() => window.pluginHarness.sensors())).toEqual({ audioContexts: 0, micRequests: 0 });

    // The key is not captured: a space typed in the game's chat field still lands there.
    await game.page.focus('#chat');
    await game.page.keyboard.type('hi there');
    expect(await game.page.inputValue('#chat')).toBe('hi there');
    expect(game.pageErrors).toEqual([]);
  });

  test('updatePersona() on a live session changes the next answer; an invalid persona throws naming the field and changes nothing', async () => {
    const game = await openStarted();
    await game.page.evaluate(() => window.pluginHarness.bind('smith', 'blacksmith', 'near'));
    expect(await ask(game, 'smith', FORGE_QUESTION)).toBe(answerOf(BLACKSMITH, 'forge'));
    await waitForState(game, 'smith', 'listening');
    const id = await game.page.evaluate(() => window.pluginHarness.binding('smith').id);

    const newAnswer = 'The forge is new. I lit it this morning.';
    const edited = withAnswer(BLACKSMITH, 'forge', newAnswer);
    const after = await game.page.evaluate(() => window.pluginHarness.events().length);
    expect(await game.page.evaluate(([p]) => window.pluginHarness.updatePersona('blacksmith', p), [edited] as const)).toEqual({ ok: true, id: 'blacksmith' });
    const updated = await waitForEvent(game.page, 'persona-updated', { after });
    expect(updated.npcs).toEqual([id]);
    expect(await ask(game, 'smith', FORGE_QUESTION)).toBe(newAnswer);

    const broken = { ...edited, voice: 'robot', knowledge: withAnswer(BLACKSMITH, 'forge', 'This line must never be heard.').knowledge };
    const rejected = await game.page.evaluate(([p]) => window.pluginHarness.updatePersona('blacksmith', p), [broken] as const);
    expect(rejected).toMatchObject({ ok: false, name: 'NpcVoiceConfigError', field: 'personas.blacksmith.voice' });
    expect(await ask(game, 'smith', FORGE_QUESTION)).toBe(newAnswer);

    // All of it on the one live connection: the update was applied in place, not by reconnecting.
    expect(game.sockets.all).toHaveLength(1);
    expect(game.pageErrors).toEqual([]);
  });

  test('setListener(player) after the player sprite exists: the far NPC it stands next to connects; a persona edit event from the Vite plugin applies', async () => {
    const game = await openStarted();
    await game.page.evaluate(() => window.pluginHarness.bind('smith', 'blacksmith', 'far'));
    expect(await game.page.evaluate(() => window.pluginHarness.binding('smith').state)).toBe('idle');
    await game.page.evaluate(() => window.pluginHarness.setListenerNextTo('smith'));
    await waitForState(game, 'smith', 'listening');
    expect(game.mintRequests).toHaveLength(1);

    const newAnswer = 'Forty years and one morning, this forge.';
    const after = await game.page.evaluate(() => window.pluginHarness.events().length);
    await game.page.evaluate(([p]) => window.pluginHarness.dispatchPersonaEdit('blacksmith', p), [withAnswer(BLACKSMITH, 'forge', newAnswer)] as const);
    await waitForEvent(game.page, 'persona-updated', { after });
    expect(await ask(game, 'smith', FORGE_QUESTION)).toBe(newAnswer);
    expect(game.pageErrors).toEqual([]);
  });

  test('a failing mint endpoint becomes an ERROR event; say() does not throw and the game loop keeps running', async () => {
    const game = await openStarted('?mint=/api/npc-voice/no-such-route');
    await game.page.evaluate(() => window.pluginHarness.bind('smith', 'blacksmith', 'far'));
    const id = await game.page.evaluate(() => window.pluginHarness.binding('smith').id);

    await game.page.evaluate((text) => window.pluginHarness.say('smith', text), FORGE_QUESTION);

    const failure = await waitForEvent(game.page, 'error', { npc: id });
    expect(failure.error).toMatchObject({ name: 'MintError', status: 404 });
    await game.page.waitForFunction((f) => window.pluginHarness.frames() >= f + 60, failure.frame, WAIT);
    expect(await game.page.evaluate(() => window.pluginHarness.binding('smith').state)).toMatch(/^(connecting|error)$/);
    // The player keeps typing: still no throw.
    await game.page.evaluate(() => window.pluginHarness.say('smith', 'hello?'));
    expect(game.sockets.all).toEqual([]);
    expect(game.pageErrors).toEqual([]);
  });
});
