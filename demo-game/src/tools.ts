import { z } from 'zod';
import { defineGameTool, type GameTool } from '../../plugin/index.js';
import { ITEMS, summarizeItems, type Item } from './inventory.js';

/** The read-only view of the village that tools see as `ctx.game`. */
export interface VillageView {
  readonly inventory: readonly Item[];
  readonly gateOpen: boolean;
}

/** The mutations tools may ask for; each runs inside `ctx.act`, i.e. at the plugin's point in the frame. */
export interface VillageActions {
  giveItem(item: Item): boolean;
  openGate(): void;
}

/** The three tools the personas list: give_item (smith), open_gate (guard), get_inventory (herbalist). */
export function villageTools(actions: VillageActions): GameTool[] {
  const giveItem = defineGameTool({
    name: 'give_item',
    description: 'Give the player an item. Each item can be given once.',
    parameters: z.object({ item: z.enum(ITEMS).describe('The item to hand over') }),
    execute: async ({ item }, ctx) => {
      const given = await ctx.act(() => actions.giveItem(item));
      // `ok: false` with a message: the NPC says that, not its success line (the emulator's brain and the model both read it).
      return given ? { item, given: true } : { item, given: false, ok: false, message: `You already have the ${item}. One is all I can spare.` };
    },
  });
  const openGate = defineGameTool({
    name: 'open_gate',
    description: 'Open a village gate so the player can pass.',
    parameters: z.object({ gate: z.enum(['north']).describe('Which gate') }),
    execute: async ({ gate }, ctx) => {
      const view = ctx.game as VillageView;
      const wasOpen = view.gateOpen;
      if (!wasOpen) await ctx.act(() => actions.openGate());
      return { gate, open: true, wasOpen };
    },
  });
  const getInventory = defineGameTool({
    name: 'get_inventory',
    description: 'List what the player is carrying.',
    parameters: z.object({}),
    execute: (_args, ctx) => {
      const items = [...(ctx.game as VillageView).inventory];
      return { items, summary: summarizeItems(items) };
    },
  });
  return [giveItem, openGate, getInventory] as GameTool[];
}
