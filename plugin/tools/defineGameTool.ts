import type { z } from 'zod';

/** The NPC a tool runs for. */
export interface ToolNpcInfo {
  readonly id: string;
  readonly displayName: string;
}

/** What a tool's `execute` receives besides its arguments. */
export interface GameToolContext<G extends object = object> {
  /** The NPC whose model called the tool. */
  readonly npc: ToolNpcInfo;
  /** Read-only view of the game (the plugin's `gameView()` option). */
  readonly game: Readonly<G>;
  /**
   * Mutates the game: `fn` runs at a known point in the frame (the plugin's UPDATE handler) and the promise
   * resolves with its result after it ran. Never mutate the game outside `act`.
   */
  act<T>(fn: () => T): Promise<T>;
}

/** A game action or query the model can call. */
export interface GameTool<P extends z.ZodObject = z.ZodObject, G extends object = object> {
  readonly name: string;
  readonly description: string;
  readonly parameters: P;
  execute(args: z.output<P>, ctx: GameToolContext<G>): unknown;
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Declares a game tool with typed, zod-validated arguments. Its result (string or JSON-serialisable value) goes
 * back to the model; a throw becomes `{"error": "…"}` for the model and a TOOL_ERROR event for the game.
 *
 * @throws TypeError when the name is not 1–64 letters, digits, `_` or `-` (the Realtime API's rule).
 * @example
 * const giveItem = defineGameTool({
 *   name: 'give_item',
 *   description: 'Give the player an item from your stock',
 *   parameters: z.object({ item: z.enum(['sword', 'shield']) }),
 *   execute: ({ item }, ctx) => ctx.act(() => inventory.add(item)).then(() => `gave ${item}`),
 * });
 */
export function defineGameTool<P extends z.ZodObject, G extends object = object>(tool: GameTool<P, G>): GameTool<P, G> {
  if (!TOOL_NAME.test(tool.name)) {
    throw new TypeError(`defineGameTool: name "${tool.name}" must be 1-64 letters, digits, _ or -`);
  }
  return Object.freeze({ ...tool });
}
