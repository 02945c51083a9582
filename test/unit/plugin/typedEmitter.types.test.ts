// Type tests: `npm run typecheck` compiles this file, so each `@ts-expect-error` below fails the typecheck the day
// the mistake it marks compiles again (an unknown event name, listener arguments that do not match the event).
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { NpcVoiceError } from '../../../plugin/errors.js';
import { NpcVoiceEvents, type NpcVoiceEventMap, type NpcVoiceEventName } from '../../../plugin/core/events.js';
import type { NpcBinding } from '../../../plugin/core/NpcBinding.js';
import type { NpcVoicePlugin } from '../../../plugin/adapters/phaser/NpcVoicePlugin.js';
import { TypedEmitter } from '../../../plugin/typedEmitter.js';
import type { NpcState } from '../../../plugin/types.js';

/** The mistakes a game developer can make on the plugin itself (`scene.npcVoice`); compiled, never run. */
function listenOnThePlugin(npcVoice: NpcVoicePlugin): void {
  npcVoice.on(NpcVoiceEvents.NPC_TRANSCRIPT, (npc, text) => {
    expectTypeOf(npc).toEqualTypeOf<NpcBinding>();
    expectTypeOf(text).toEqualTypeOf<string>();
  });
  // @ts-expect-error a misspelt event name is not an event
  npcVoice.on('npc-transcrpit', () => {});
  // @ts-expect-error the text of a transcript is a string
  npcVoice.on('npc-transcript', (_npc: NpcBinding, _text: number) => {});
  // @ts-expect-error a misspelt event name cannot be removed either
  npcVoice.off('sesion-state');
}

describe('the typed event emitter', () => {
  it('types each listener with its event’s labeled tuple', () => {
    const events = new TypedEmitter<NpcVoiceEventMap>();
    events.on(NpcVoiceEvents.SESSION_STATE, (npc, state, previous) => {
      expectTypeOf(npc).toEqualTypeOf<NpcBinding>();
      expectTypeOf(state).toEqualTypeOf<NpcState>();
      expectTypeOf(previous).toEqualTypeOf<NpcState>();
    });
    events.on(NpcVoiceEvents.ERROR, (error, npc) => {
      expectTypeOf(error).toEqualTypeOf<NpcVoiceError>();
      expectTypeOf(npc).toEqualTypeOf<NpcBinding | null>();
    });
    expectTypeOf<Parameters<typeof events.emit<'usage'>>>().toEqualTypeOf<['usage', ...NpcVoiceEventMap['usage']]>();
    expectTypeOf<NpcVoiceEventName>().toEqualTypeOf<keyof NpcVoiceEventMap>();
    expectTypeOf(listenOnThePlugin).toBeFunction();
  });

  it('rejects unknown event names and wrong listener or emit arguments at compile time', () => {
    const events = new TypedEmitter<NpcVoiceEventMap>();
    const seen: string[] = [];
    // @ts-expect-error a misspelt event name is not an event
    events.on('npc-transcrpit', () => {});
    // @ts-expect-error `final` is a boolean, not a string
    events.on(NpcVoiceEvents.PLAYER_TRANSCRIPT, (_npc: NpcBinding, _text: string, _final: string) => {});
    // @ts-expect-error a warning has a code, a message and the NPC (or null)
    events.emit(NpcVoiceEvents.WARNING, 'unknown_tool');
    events.on(NpcVoiceEvents.WARNING, (code, message) => seen.push(`${code}: ${message}`));
    // @ts-expect-error an event the map does not list cannot be emitted
    events.emit('npc-transcrpit', 'hello');
    events.emit(NpcVoiceEvents.WARNING, 'unknown_tool', 'persona lists a tool the game did not register', null);
    // The misspelt listener is registered under its own name and never hears the real event.
    expect(seen).toEqual(['unknown_tool: persona lists a tool the game did not register']);
    expect(events.listenerCount(NpcVoiceEvents.NPC_TRANSCRIPT)).toBe(0);
  });
});
