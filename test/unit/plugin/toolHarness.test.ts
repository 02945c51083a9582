import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { NpcVoiceConfigError } from '../../../plugin/errors.js';
import { createToolHarness } from '../../../plugin/testing/index.js';
import { defineGameTool } from '../../../plugin/tools/defineGameTool.js';
import { personaJson } from './fixtures.js';

interface Game {
  inventory: string[];
}

function setup() {
  const game: Game = { inventory: [] };
  const giveItem = defineGameTool<z.ZodObject<{ item: z.ZodEnum<{ sword: 'sword'; shield: 'shield' }> }>, Game>({
    name: 'give_item',
    description: 'Give the player an item',
    parameters: z.object({ item: z.enum(['sword', 'shield']) }),
    execute: async ({ item }, ctx) => {
      if (ctx.game.inventory.includes(item)) throw new Error(`the player already has a ${item}`);
      await ctx.act(() => game.inventory.push(item));
      return { item, from: ctx.npc.displayName };
    },
  });
  const openGate = defineGameTool({ name: 'open_gate', description: 'Open the gate', parameters: z.object({}), execute: () => 'opened' });
  const harness = createToolHarness({ tools: [giveItem, openGate], gameView: () => game, persona: personaJson('blacksmith') });
  return { game, harness };
}

describe('createToolHarness', () => {
  it('returns what the model would receive and applies the tool’s mutations', async () => {
    const { game, harness } = setup();
    const result = await harness.call('give_item', { item: 'sword' });
    expect(result).toEqual({ ok: true, output: '{"item":"sword","from":"Brom the Blacksmith"}', actionsApplied: 1 });
    expect(game.inventory).toEqual(['sword']);
  });

  it('returns a thrown error to the model as {"error": …} without applying anything', async () => {
    const { game, harness } = setup();
    await harness.call('give_item', { item: 'sword' });
    const result = await harness.call('give_item', { item: 'sword' });
    expect(result).toEqual({ ok: false, output: '{"error":"the player already has a sword"}', actionsApplied: 0 });
    expect(game.inventory).toEqual(['sword']);
  });

  it('rejects arguments that do not match the schema', async () => {
    const { harness } = setup();
    const result = await harness.call('give_item', { item: 'dragon' });
    expect(result.ok).toBe(false);
    expect(JSON.parse(result.output)).toEqual({ error: expect.stringContaining('invalid arguments: item') });
  });

  it('only offers the tools the persona allows', async () => {
    const { harness } = setup();
    expect(harness.allowed).toEqual(['give_item']);
    expect((await harness.call('open_gate', {})).output).toBe('{"error":"tool \\"open_gate\\" is not available to this NPC"}');
  });

  it('refuses an invalid persona with a config error naming the field', () => {
    expect(() => createToolHarness({ tools: [], persona: { ...personaJson('blacksmith'), voice: 'robot' } })).toThrow(NpcVoiceConfigError);
    try {
      createToolHarness({ tools: [], persona: { ...personaJson('blacksmith'), voice: 'robot' } });
    } catch (err) {
      expect(err instanceof NpcVoiceConfigError && err.field).toBe('persona.voice');
    }
  });
});

describe('defineGameTool', () => {
  it('rejects a name the Realtime API would refuse', () => {
    expect(() => defineGameTool({ name: 'give item!', description: '', parameters: z.object({}), execute: () => '' })).toThrow(/letters, digits/);
  });
});
