import { z } from 'zod';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NpcVoiceEvents } from '../../../plugin/core/events.js';
import type { NpcVoiceError } from '../../../plugin/errors.js';
import { createFakeNpcVoice, createFakeSprite, type ScriptedRealtimeTransport } from '../../../plugin/testing/index.js';
import { defineGameTool } from '../../../plugin/tools/defineGameTool.js';
import { deferredMint, personaJson } from './fixtures.js';

interface Game {
  inventory: string[];
}

type Recorded = { method: string } & Record<string, unknown>;

/** The transport calls of one method, with their data (the SDK's snapshots carry it beyond the typed fields). */
function callsOf(t: ScriptedRealtimeTransport, method: string): Recorded[] {
  return t.calls.filter((c) => c.method === method).map((c): Recorded => ({ ...c }));
}

function setup(options: { failingTool?: boolean } = {}) {
  const game: Game = { inventory: [] };
  const giveItem = defineGameTool({
    name: 'give_item',
    description: 'Give the player an item',
    parameters: z.object({ item: z.enum(['sword', 'shield']) }),
    execute: async ({ item }, ctx) => {
      if (options.failingTool) throw new Error('the forge is cold');
      await ctx.act(() => game.inventory.push(item));
      return `gave ${item}`;
    },
  });
  const fake = createFakeNpcVoice<Game>({
    personas: { blacksmith: personaJson('blacksmith') },
    tools: [giveItem],
    gameView: () => game,
  });
  const events: Array<[string, ...unknown[]]> = [];
  for (const name of Object.values(NpcVoiceEvents)) {
    fake.controller.events.on(name, (...args: readonly unknown[]) => events.push([name, ...args]));
  }
  fake.controller.start();
  return { game, fake, events, controller: fake.controller };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('an NPC conversation over a scripted transport', () => {
  it('connects on say(), mints with the persona id, and sends the text once connected', async () => {
    const { controller, fake } = setup();
    const sprite = createFakeSprite(100, 100);
    const smith = controller.bind(sprite, 'blacksmith');
    expect(smith.state).toBe('idle');
    smith.say('Hello there');
    expect(smith.state).toBe('connecting');
    await vi.waitFor(() => expect(smith.state).toBe('thinking'));
    const t = fake.transportOf(smith);
    if (!t) throw new Error('no transport');
    const connect = callsOf(t, 'connect')[0];
    expect(connect?.options).toMatchObject({ model: 'gpt-realtime', url: 'ws://fake.invalid/v1/realtime', apiKeyProvided: true });
    expect(callsOf(t, 'sendMessage').map((c) => c.message)).toEqual(['Hello there']);
    expect(smith.history).toEqual([{ role: 'player', text: 'Hello there' }]);
    controller.destroy();
  });

  it('emits subtitles and player transcripts from transport events and records them in history', async () => {
    const { controller, fake, events } = setup();
    const smith = controller.bind(createFakeSprite(), 'blacksmith');
    smith.say('hi');
    await vi.waitFor(() => expect(smith.state).toBe('thinking'));
    const t = fake.transportOf(smith);
    if (!t) throw new Error('no transport');
    t.emit('*', { type: 'response.output_audio_transcript.delta', event_id: 'e1', delta: 'Welcome ' } as never);
    t.emit('*', { type: 'response.output_audio_transcript.delta', event_id: 'e2', delta: 'traveler.' } as never);
    t.emit('*', { type: 'response.output_audio_transcript.done', event_id: 'e3', transcript: 'Welcome traveler.' } as never);
    t.emit('*', { type: 'conversation.item.input_audio_transcription.delta', event_id: 'e4', item_id: 'i1', delta: 'a sw' } as never);
    t.emit('*', { type: 'conversation.item.input_audio_transcription.delta', event_id: 'e5', item_id: 'i1', delta: 'ord' } as never);
    t.emit('*', { type: 'conversation.item.input_audio_transcription.completed', event_id: 'e6', item_id: 'i1', transcript: 'a sword' } as never);
    t.emit('*', { type: 'response.done', event_id: 'e7', response: { usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } } } as never);
    const seen = events.filter(([name]) => name !== 'session-state').map(([name, , ...rest]) => [name, ...rest]);
    expect(seen).toEqual([
      ['npc-transcript-delta', 'Welcome '],
      ['npc-transcript-delta', 'traveler.'],
      ['npc-transcript', 'Welcome traveler.'],
      ['player-transcript', 'a sw', false],
      ['player-transcript', 'a sword', false],
      ['player-transcript', 'a sword', true],
      ['usage', { inputTokens: 10, outputTokens: 5, totalTokens: 15 }],
    ]);
    expect(smith.history.map((l) => `${l.role}: ${l.text}`)).toEqual(['player: hi', 'npc: Welcome traveler.', 'player: a sword']);
    controller.destroy();
  });

  it('runs a tool call, applies its mutation at the frame flush and returns the output to the model', async () => {
    const { controller, fake, game, events } = setup();
    const smith = controller.bind(createFakeSprite(), 'blacksmith');
    smith.say('a sword please');
    await vi.waitFor(() => expect(smith.state).toBe('thinking'));
    const t = fake.transportOf(smith);
    if (!t) throw new Error('no transport');
    t.emit('function_call', { type: 'function_call', name: 'give_item', callId: 'call_1', arguments: '{"item":"sword"}', responseId: 'r1' });
    await vi.waitFor(() => expect(events.some(([n]) => n === 'tool-call-start')).toBe(true));
    // The mutation waits for the frame: nothing changed until the plugin's update runs.
    expect(game.inventory).toEqual([]);
    controller.update(Date.now(), { x: 0, y: 0 });
    expect(game.inventory).toEqual(['sword']);
    await vi.waitFor(() => expect(callsOf(t, 'sendFunctionCallOutput')).toHaveLength(1));
    expect(callsOf(t, 'sendFunctionCallOutput')[0]).toMatchObject({ output: 'gave sword', startResponse: true });
    expect(events.find(([n]) => n === 'tool-call-end')?.slice(2)).toEqual(['give_item', 'gave sword']);
    controller.destroy();
  });

  it('sends a throwing tool’s error to the model as JSON and emits TOOL_ERROR and ERROR', async () => {
    const { controller, fake, events } = setup({ failingTool: true });
    const smith = controller.bind(createFakeSprite(), 'blacksmith');
    smith.say('a sword please');
    await vi.waitFor(() => expect(smith.state).toBe('thinking'));
    const t = fake.transportOf(smith);
    if (!t) throw new Error('no transport');
    t.emit('function_call', { type: 'function_call', name: 'give_item', callId: 'call_1', arguments: '{"item":"sword"}', responseId: 'r1' });
    await vi.waitFor(() => expect(callsOf(t, 'sendFunctionCallOutput')).toHaveLength(1));
    expect(callsOf(t, 'sendFunctionCallOutput')[0]?.output).toBe('{"error":"the forge is cold"}');
    const toolError = events.find(([n]) => n === 'tool-error');
    expect(toolError?.[2]).toBe('give_item');
    const error = events.find(([n]) => n === 'error')?.[1] as NpcVoiceError | undefined;
    expect(error?.code).toBe('tool_failed');
    controller.destroy();
  });

  it('reconnects with backoff after an unexpected drop, minting a fresh key, and asks the unanswered words again', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { controller, fake, events } = setup();
    const smith = controller.bind(createFakeSprite(), 'blacksmith');
    smith.say('hi');
    await vi.waitFor(() => expect(smith.state).toBe('thinking'));
    const first = fake.transportOf(smith);
    if (!first) throw new Error('no transport');
    first.disconnect();
    expect(smith.state).toBe('connecting');
    expect(events.some(([n, e]) => n === 'error' && (e as NpcVoiceError).code === 'connection_lost')).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    // 'hi' had no answer yet: the new connection asks it (and the history keeps it once).
    await vi.waitFor(() => expect(smith.state).toBe('thinking'));
    const second = fake.transportOf(smith);
    expect(second).not.toBe(first);
    const connect = second ? callsOf(second, 'connect')[0] : undefined;
    expect(connect?.options).toMatchObject({ apiKeyProvided: true });
    expect(second ? callsOf(second, 'sendMessage').map((c) => c.message) : []).toEqual(['hi']);
    expect(smith.history.map((l) => l.text)).toEqual(['hi']);
    controller.destroy();
  });

  it('closes the session when the sprite is destroyed and ignores later calls', async () => {
    const { controller, fake, events } = setup();
    const sprite = createFakeSprite();
    const smith = controller.bind(sprite, 'blacksmith');
    smith.say('hi');
    await vi.waitFor(() => expect(smith.state).toBe('thinking'));
    sprite.destroy();
    expect(smith.state).toBe('closed');
    expect(smith.destroyed).toBe(true);
    expect(fake.transportOf(smith)?.status).toBe('disconnected');
    expect(controller.npcs).toEqual([]);
    smith.say('still there?');
    smith.destroy();
    expect(events.filter(([n, , s]) => n === 'session-state' && s === 'closed')).toHaveLength(1);
    controller.destroy();
  });

  it('applies a hot-reloaded persona to the live session and keeps the old one when the new one is invalid', async () => {
    const { controller, fake, events } = setup();
    const smith = controller.bind(createFakeSprite(), 'blacksmith');
    smith.say('hi');
    await vi.waitFor(() => expect(smith.state).toBe('thinking'));
    const t = fake.transportOf(smith);
    if (!t) throw new Error('no transport');
    expect(() => controller.updatePersona('blacksmith', { ...personaJson('blacksmith'), hearingRadiusPx: -5 })).toThrow(/hearingRadiusPx/);
    expect(smith.persona.hearingRadiusPx).toBe(160);
    const before = callsOf(t, 'updateSessionConfig').length;
    controller.updatePersona('blacksmith', { ...personaJson('blacksmith'), instructions: 'You are Brom, now very cheerful.' });
    expect(smith.persona.instructions).toBe('You are Brom, now very cheerful.');
    await vi.waitFor(() => expect(callsOf(t, 'updateSessionConfig').length).toBe(before + 1));
    const config = callsOf(t, 'updateSessionConfig').at(-1)?.config as { instructions?: string } | undefined;
    expect(config?.instructions).toMatch(/^You are Brom, now very cheerful\./);
    expect(events.some(([n]) => n === 'persona-updated')).toBe(true);
    controller.destroy();
  });

  it('warns (not throws) when a persona lists a tool the game did not register', () => {
    const fake = createFakeNpcVoice({ personas: { blacksmith: personaJson('blacksmith') } });
    const warnings: string[] = [];
    fake.controller.events.on(NpcVoiceEvents.WARNING, (code) => warnings.push(code));
    fake.controller.bind(createFakeSprite(), 'blacksmith');
    expect(warnings).toEqual(['unknown_tool']);
    fake.controller.destroy();
  });

  it('names the fix when bind() gets an unknown persona id', () => {
    const fake = createFakeNpcVoice({ personas: { blacksmith: personaJson('blacksmith') } });
    expect(() => fake.controller.bind(createFakeSprite(), 'wizard')).toThrow(/no persona "wizard" \(registered: blacksmith\)/);
    fake.controller.destroy();
  });

  it('keeps a typed line to an NPC out of hearing range while its connection opens, and sends it', async () => {
    const mint = deferredMint();
    const fake = createFakeNpcVoice({ personas: { blacksmith: personaJson('blacksmith') }, fetch: mint.fetch });
    const controller = fake.controller;
    controller.start();
    const smith = controller.bind(createFakeSprite(100, 100), 'blacksmith');
    const farAway = { x: 5000, y: 5000 };
    smith.say('hello from afar');
    // Frames run while the key is being minted: the live-session policy must not close this connection.
    for (let t = 0; t < 5; t++) controller.update(t * 16, farAway);
    mint.release();
    await vi.waitFor(() => expect(smith.state).toBe('thinking'));
    const t = fake.transportOf(smith);
    if (!t) throw new Error('no transport');
    expect(callsOf(t, 'sendMessage').map((c) => c.message)).toEqual(['hello from afar']);
    controller.update(100, farAway);
    expect(smith.state).toBe('thinking');
    controller.destroy();
  });
});
