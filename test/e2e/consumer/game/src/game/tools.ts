// #region readme:tool
import { defineGameTool } from 'phaser-npc-voice';
import { z } from 'zod';

/** The tickets the player holds (the game's own state). */
export const tickets: string[] = [];

export const sellTicket = defineGameTool({
  name: 'sell_ticket',
  description: 'Sell the player a ferry ticket to a destination',
  parameters: z.object({ destination: z.string() }),
  execute: async ({ destination }, ctx) => {
    await ctx.act(() => tickets.push(destination));
    return { destination, ticketsHeld: tickets.length };
  },
});
// #endregion readme:tool
