import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { NpcBinding } from '../../../plugin/core/NpcBinding.js';
import { NpcVoiceController } from '../../../plugin/core/NpcVoiceController.js';
import type { NpcVoiceError } from '../../../plugin/errors.js';
import { NpcVoiceEvents, type NpcVoiceEventMap } from '../../../plugin/core/events.js';
import { createFakeHost, createFakeSprite } from '../../../plugin/testing/index.js';
import { defineGameTool } from '../../../plugin/tools/defineGameTool.js';
import { jpegDataUrl } from '../../support/images.js';
import { startControlServer } from '../../support/controlServer.js';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { waitFor, type EventSource } from '../emulator/helpers.js';
import { recordingAudio, type RecordingVoice } from './recordingAudio.js';

// The plugin's real session layer (controller → binding → NpcSession → the real Agents SDK over a real WebSocket)
// against the real server on a free port: real mint route, real emulator, flite TTS. Only audio output is faked.

interface Game {
  inventory: string[];
}

const BLACKSMITH_GREETING = 'Welcome to my forge, traveler. Mind the sparks.';
const SWORD_LINE = 'There. The sword is yours. Swing it true.';
const PLAYER = { x: 100, y: 100 };

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

function personaJson(id: string): Record<string, unknown> {
  const file = fileURLToPath(new URL(`../../../assets/personas/${id}.json`, import.meta.url));
  const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${id}.json is not an object`);
  return { ...value };
}

type Recorded = { [K in keyof NpcVoiceEventMap & string]: [K, ...NpcVoiceEventMap[K]] }[keyof NpcVoiceEventMap & string];

interface Harness {
  controller: NpcVoiceController<Game>;
  game: Game;
  events: Recorded[];
  voices: Map<string, RecordingVoice>;
  /** Frames run so far (the Phaser plugin calls `update` on every scene UPDATE). */
  frames: () => number;
  /** Waits for the next plugin event `name` whose arguments match. */
  next<K extends keyof NpcVoiceEventMap & string>(name: K, match?: (...args: NpcVoiceEventMap[K]) => boolean, timeoutMs?: number): Promise<NpcVoiceEventMap[K]>;
  of<K extends keyof NpcVoiceEventMap & string>(name: K): NpcVoiceEventMap[K][];
  voiceOf(binding: NpcBinding): RecordingVoice;
  dispose(): void;
}

let current: Harness | null = null;

afterEach(() => {
  current?.dispose();
  current = null;
});

function setup(options: { giveItemThrows?: boolean; serverUrl?: string } = {}): Harness {
  const game: Game = { inventory: [] };
  const giveItem = defineGameTool({
    name: 'give_item',
    description: 'Give the player a sword or a shield',
    parameters: z.object({ item: z.enum(['sword', 'shield']) }),
    execute: async ({ item }, ctx) => {
      if (options.giveItemThrows) throw new Error('the forge is cold');
      await ctx.act(() => game.inventory.push(item));
      return { item };
    },
  });
  const audio = recordingAudio();
  const controller = new NpcVoiceController<Game>(
    {
      mintEndpoint: `${options.serverUrl ?? server.url}/api/npc-voice/session`,
      fetch: (input, init) => fetch(input, init),
      personas: { blacksmith: personaJson('blacksmith') },
      tools: [giveItem],
      gameView: () => game,
      audio: audio.backend,
      audioContext: () => audio.context,
      backoff: { baseMs: 20, maxMs: 200, maxAttempts: 5 },
    },
    createFakeHost(),
    { gestureTarget: null },
  );
  const events: Recorded[] = [];
  const emitter = controller.events as unknown as EventSource<unknown> & { on(n: string, l: (...a: unknown[]) => void): unknown };
  for (const name of Object.values(NpcVoiceEvents)) emitter.on(name, (...args: unknown[]) => events.push([name, ...args] as Recorded));
  controller.start();
  // The frame loop of a running scene: tool mutations are applied here, never in socket callbacks.
  let frames = 0;
  const loop = setInterval(() => {
    frames++;
    controller.update(Date.now(), PLAYER);
  }, 16);
  const harness: Harness = {
    controller,
    game,
    events,
    voices: audio.voices,
    frames: () => frames,
    next(name, match = () => true, timeoutMs = 20_000) {
      const source: EventSource<readonly unknown[]> = {
        on: (_e, l) => emitter.on(name, (...args: unknown[]) => l(args)),
        off: () => undefined,
      };
      let done = false;
      return waitFor(source, name, (args) => !done && match(...(args as NpcVoiceEventMap[typeof name])), timeoutMs).then((args) => {
        done = true;
        return args as NpcVoiceEventMap[typeof name];
      });
    },
    of(name) {
      return events.filter((e) => e[0] === name).map((e) => e.slice(1) as NpcVoiceEventMap[typeof name]);
    },
    voiceOf(binding) {
      const voice = audio.voices.get(binding.id);
      if (!voice) throw new Error(`no voice for ${binding.id}`);
      return voice;
    },
    dispose() {
      clearInterval(loop);
      controller.destroy();
    },
  };
  current = harness;
  return harness;
}

function bindSmith(h: Harness): NpcBinding {
  return h.controller.bind(createFakeSprite(PLAYER.x + 20, PLAYER.y), 'blacksmith');
}

/** The ERROR events so far, as `code: message`. */
function errorsOf(h: Harness): string[] {
  return h.of(NpcVoiceEvents.ERROR).map(([e]: readonly [NpcVoiceError, unknown]) => `${e.code}: ${e.message}`);
}

/** Says `text` and resolves with the NPC's full line once it is complete. */
async function ask(h: Harness, npc: NpcBinding, text: string, expected?: string): Promise<string> {
  const line = h.next(NpcVoiceEvents.NPC_TRANSCRIPT, (b, t) => b === npc && (expected === undefined || t === expected));
  npc.say(text);
  const [, said] = await line;
  return said;
}

describe('the plugin session layer against the real server and emulator', () => {
  it('says hello and gets the persona greeting as subtitles and as ≥ 1 s of PCM in the NPC voice, via a real mint', async () => {
    const h = setup();
    const keysBefore = server.server.keyStore.size;
    const smith = bindSmith(h);
    const done = h.next(NpcVoiceEvents.USAGE, (b) => b === smith);
    const said = await ask(h, smith, 'hello');
    expect(said).toBe(BLACKSMITH_GREETING);
    const deltas = h.of(NpcVoiceEvents.NPC_TRANSCRIPT_DELTA).filter(([b]) => b === smith).map(([, d]) => d);
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.join('')).toBe(BLACKSMITH_GREETING);
    // One key minted through POST /api/npc-voice/session for this connection.
    expect(server.server.keyStore.size).toBe(keysBefore + 1);
    const voice = h.voiceOf(smith);
    // audio_stopped comes before the transcript's done; the PCM of the whole line has arrived by now.
    expect(voice.samples() / 24_000).toBeGreaterThanOrEqual(1);
    expect(voice.pushOrder).toHaveLength(1);
    expect(smith.history).toEqual([
      { role: 'player', text: 'hello' },
      { role: 'npc', text: BLACKSMITH_GREETING },
    ]);
    // The response is done; then the player drains its queue: the NPC stops speaking and listens again.
    await done;
    const listening = h.next(NpcVoiceEvents.SESSION_STATE, (b, s) => b === smith && s === 'listening' && smith.state === 'listening');
    voice.finishPlayback();
    await listening;
    h.controller.stop();
    const states = h.of(NpcVoiceEvents.SESSION_STATE).filter(([b]) => b === smith).map(([, s]) => s);
    expect(states).toEqual(['connecting', 'listening', 'thinking', 'speaking', 'listening', 'idle']);
    expect(errorsOf(h)).toEqual([]);
  });

  it('runs a tool the NPC calls, applies its mutation on a frame, and speaks the result', async () => {
    const h = setup();
    const smith = bindSmith(h);
    const start = h.next(NpcVoiceEvents.TOOL_CALL_START, (b, name) => b === smith && name === 'give_item');
    const end = h.next(NpcVoiceEvents.TOOL_CALL_END, (b, name) => b === smith && name === 'give_item');
    let framesAtStart = -1;
    void start.then(() => {
      framesAtStart = h.frames();
      // The tool awaits ctx.act(): nothing is mutated until the next frame runs the action.
      expect(h.game.inventory).toEqual([]);
    });
    const said = await ask(h, smith, 'give me a sword', SWORD_LINE);
    const [, , args] = await start;
    const [, , output] = await end;
    expect(args).toEqual({ item: 'sword' });
    expect(JSON.parse(output)).toEqual({ item: 'sword' });
    expect(h.game.inventory).toEqual(['sword']);
    expect(h.frames()).toBeGreaterThan(framesAtStart);
    expect(said).toBe(SWORD_LINE);
    expect(h.of(NpcVoiceEvents.NPC_TRANSCRIPT).map(([, t]) => t)).toEqual(['A traveler should not walk unarmed.', SWORD_LINE]);
    expect(h.of(NpcVoiceEvents.TOOL_ERROR).map(([, , e]) => e.message)).toEqual([]);
  });

  it('sends a throwing tool back to the model as an error output, emits TOOL_ERROR, and keeps the session usable', async () => {
    const h = setup({ giveItemThrows: true });
    const smith = bindSmith(h);
    const toolError = h.next(NpcVoiceEvents.TOOL_ERROR, (b) => b === smith);
    const end = h.next(NpcVoiceEvents.TOOL_CALL_END, (b) => b === smith);
    // The response after the tool output: the NPC says the tool failed rather than its success line.
    const after = h.next(NpcVoiceEvents.NPC_TRANSCRIPT, (b, t) => b === smith && t !== 'A traveler should not walk unarmed.');
    smith.say('give me a sword');
    const [, name, error] = await toolError;
    expect(name).toBe('give_item');
    expect(error.code).toBe('tool_failed');
    expect(error.message).toBe('tool "give_item" failed: the forge is cold');
    const [, , output] = await end;
    expect(JSON.parse(output)).toEqual({ error: 'the forge is cold' });
    const [, failedLine] = await after;
    expect(failedLine).toBe('Hm. That did not work: the forge is cold.');
    expect(h.game.inventory).toEqual([]);
    expect(errorsOf(h)).toEqual(['tool_failed: tool "give_item" failed: the forge is cold']);
    // The conversation goes on over the same connection.
    const keys = server.server.keyStore.size;
    expect(await ask(h, smith, 'hello', BLACKSMITH_GREETING)).toBe(BLACKSMITH_GREETING);
    expect(server.server.keyStore.size).toBe(keys);
  });

  it('reconnects with a freshly minted key after the server drops the socket, and the next say() is answered', async () => {
    const h = setup();
    const smith = bindSmith(h);
    await ask(h, smith, 'hello', BLACKSMITH_GREETING);
    h.voiceOf(smith).finishPlayback();
    const keysBefore = server.server.keyStore.size;
    const lost = h.next(NpcVoiceEvents.ERROR, (e) => e.code === 'connection_lost');
    const reconnecting = h.next(NpcVoiceEvents.SESSION_STATE, (b, s) => b === smith && s === 'connecting');
    const relive = h.next(NpcVoiceEvents.SESSION_STATE, (b, s, prev) => b === smith && s === 'listening' && prev === 'connecting');
    expect(server.server.dropRealtimeConnections()).toBe(1);
    await lost;
    await reconnecting;
    await relive;
    expect(server.server.keyStore.size).toBe(keysBefore + 1);
    // Memory is on for the blacksmith: the new session continues the conversation, and still answers.
    expect(await ask(h, smith, 'tell me about the forge')).toBe('This forge has burned for forty years. My father lit it.');
    expect(smith.history.map((l) => l.text)).toEqual([
      'hello',
      BLACKSMITH_GREETING,
      'tell me about the forge',
      'This forge has burned for forty years. My father lit it.',
    ]);
  });

  it('asks the question again after a drop that cut off its answer, and records it once', async () => {
    const h = setup();
    const smith = bindSmith(h);
    await ask(h, smith, 'hello', BLACKSMITH_GREETING);
    h.voiceOf(smith).finishPlayback();
    // The connection drops after the answer began (its first words arrived) and before it was complete.
    const begun = h.next(NpcVoiceEvents.NPC_TRANSCRIPT_DELTA, (b) => b === smith);
    const answered = h.next(NpcVoiceEvents.NPC_TRANSCRIPT, (b, t) => b === smith && t === 'This forge has burned for forty years. My father lit it.');
    const lost = h.next(NpcVoiceEvents.ERROR, (e) => e.code === 'connection_lost');
    smith.say('tell me about the forge');
    await begun;
    expect(server.server.dropRealtimeConnections()).toBe(1);
    await lost;
    // Nobody says it again: the new connection asks, and the answer arrives.
    await answered;
    expect(smith.history.map((l) => l.text)).toEqual([
      'hello',
      BLACKSMITH_GREETING,
      'tell me about the forge',
      'This forge has burned for forty years. My father lit it.',
    ]);
  });

  it('truncates an interrupted answer at the position the voice output really played', async () => {
    const h = setup();
    const smith = bindSmith(h);
    const live = h.next(NpcVoiceEvents.SESSION_STATE, (b, s) => b === smith && s === 'listening');
    smith.say('tell me about the steel');
    await live;
    const session = smith.session.realtimeSession;
    if (!session) throw new Error('not live');
    const truncated = new Promise<Record<string, unknown>>((resolve) => {
      session.on('transport_event', (event) => {
        if ((event as { type?: unknown }).type === 'conversation.item.truncated') resolve(event as Record<string, unknown>);
      });
    });
    const voice = h.voiceOf(smith);
    voice.reportPlayedMs = 250;
    // More than 250 ms has arrived, so the SDK's clamp to the received length does not apply.
    await voice.whenPushedMs(400);
    const itemId = voice.pushOrder[0];
    const stopsBefore = voice.stops;
    smith.interrupt();
    const event = await truncated;
    expect(event).toMatchObject({ item_id: itemId, content_index: 0, audio_end_ms: 250 });
    expect(voice.stops).toBeGreaterThan(stopsBefore);
    expect(voice.speaking).toBe(false);
  });

  it('applies a hot-reloaded persona to the live session: the next hello gets the new greeting', async () => {
    const h = setup();
    const smith = bindSmith(h);
    await ask(h, smith, 'hello', BLACKSMITH_GREETING);
    h.voiceOf(smith).finishPlayback();
    const keys = server.server.keyStore.size;
    const newGreeting = 'Back again? The forge is hot today.';
    const updated = h.controller.updatePersona('blacksmith', { ...personaJson('blacksmith'), greeting: newGreeting });
    expect(updated.greeting).toBe(newGreeting);
    expect(h.of(NpcVoiceEvents.PERSONA_UPDATED).map(([p, npcs]) => [p.greeting, npcs.map((n) => n.id)])).toEqual([[newGreeting, [smith.id]]]);
    // Said right away: the text must not overtake the session.update carrying the new persona.
    expect(await ask(h, smith, 'hello')).toBe(newGreeting);
    // Same live session (updateAgent), no new key.
    expect(server.server.keyStore.size).toBe(keys);
    expect(errorsOf(h)).toEqual([]);
  });

  it('sends a picture before the connection is up: it waits, goes out once live, and the NPC answers with its image line', async () => {
    const h = setup();
    const smith = bindSmith(h);
    const lines = personaJson('blacksmith').onImage as string[];
    const answered = h.next(NpcVoiceEvents.NPC_TRANSCRIPT, (b, t) => b === smith && t === lines[0]);
    // The session is not open yet: the picture waits for the connection (the SDK's addImage needs one).
    const sent = smith.session.showImage(jpegDataUrl(160, 90), true);
    expect(smith.session.hasPendingInput).toBe(true);
    await sent;
    await answered;
    const usage = await h.next(NpcVoiceEvents.USAGE, (b) => b === smith);
    expect(usage[1].inputTokens).toBeGreaterThanOrEqual(255);
    expect(errorsOf(h)).toEqual([]);
  });

  it('refuses show() with a clear error when the engine cannot capture, and a picture whose NPC is destroyed first', async () => {
    const h = setup();
    const smith = bindSmith(h);
    // The fake host has no snapshot(): no canvas to capture.
    await expect(smith.show()).rejects.toMatchObject({ code: 'snapshot_failed', message: expect.stringContaining('cannot capture the game canvas') });
    await expect(smith.show({ x: 0, y: 0, width: 0, height: 10 })).rejects.toMatchObject({ code: 'invalid_option', field: 'frame.width' });
    const waiting = smith.session.showImage(jpegDataUrl(16, 16), true);
    smith.destroy();
    await expect(waiting).rejects.toMatchObject({ code: 'session_closed' });
    await expect(smith.show()).rejects.toMatchObject({ code: 'session_closed' });
  });
});

describe('the plugin session layer through the relay (relay mode)', () => {
  it("talks through the game's server, which sees the session; a dropped upstream reconnects through it", async () => {
    const relay = await startControlServer();
    try {
      const h = setup({ serverUrl: relay.url });
      const smith = bindSmith(h);
      const controlled = relay.nextSession();
      expect(await ask(h, smith, 'hello')).toBe(BLACKSMITH_GREETING);
      const first = await controlled;
      expect(first).toMatchObject({ channel: 'relay', personaId: 'blacksmith' });
      h.voiceOf(smith).finishPlayback();

      const reconnected = relay.nextSession();
      const relive = h.next(NpcVoiceEvents.SESSION_STATE, (b, s, prev) => b === smith && s === 'listening' && prev === 'connecting');
      // The relay's upstream (this server's emulator) drops: the plugin's socket closes with it, and it reconnects.
      expect(relay.server.dropRealtimeConnections()).toBe(1);
      await relive;
      expect(first.isClosed).toBe(true);
      expect((await reconnected).channel).toBe('relay');
      expect(await ask(h, smith, 'tell me about the forge')).toBe('This forge has burned for forty years. My father lit it.');
    } finally {
      current?.dispose();
      current = null;
      await relay.close();
    }
  });
});
