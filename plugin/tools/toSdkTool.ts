import { tool } from '@openai/agents-realtime';
import type { GameTool, GameToolContext } from './defineGameTool.js';
import { runGameTool, type ToolRunResult } from './runGameTool.js';

/** Hooks called around each tool run (the plugin turns them into TOOL_CALL_* / TOOL_ERROR events). */
export interface ToolRunHooks {
  onStart?(toolName: string, args: unknown): void;
  onEnd?(toolName: string, result: ToolRunResult): void;
}

/**
 * Wraps a game tool as an SDK function tool. The SDK validates arguments with the same zod schema (sent as JSON
 * Schema to the model); errors never reach the SDK's own error path, so the model always gets a JSON string.
 */
export function toSdkTool<G extends object>(gameTool: GameTool, ctx: GameToolContext<G>, hooks: ToolRunHooks = {}) {
  return tool({
    name: gameTool.name,
    description: gameTool.description,
    parameters: gameTool.parameters,
    execute: async (args: unknown) => {
      hooks.onStart?.(gameTool.name, args);
      const result = await runGameTool(gameTool, args, ctx);
      hooks.onEnd?.(gameTool.name, result);
      return result.output;
    },
  });
}

/** An SDK function tool built by `toSdkTool`. */
export type SdkGameTool = ReturnType<typeof toSdkTool>;
