import { ToolError, messageOf } from '../errors.js';
import type { GameTool, GameToolContext } from './defineGameTool.js';

/** Outcome of one tool call: the string the model receives and, on failure, the error. */
export type ToolRunResult = { ok: true; output: string } | { ok: false; output: string; error: ToolError };

/** Serialises a tool result for the model: strings as they are, everything else as JSON. */
export function toolOutputString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return 'ok';
  return JSON.stringify(value) ?? 'ok';
}

/**
 * Validates `args` against the tool's schema, runs it and turns every failure (bad arguments, a throw, a rejected
 * promise, an unserialisable result) into `{"error": "…"}` for the model. Never throws.
 */
export async function runGameTool<G extends object>(tool: GameTool, rawArgs: unknown, ctx: GameToolContext<G>): Promise<ToolRunResult> {
  const parsed = tool.parameters.safeParse(rawArgs);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return fail(tool.name, `invalid arguments: ${detail}`, parsed.error);
  }
  try {
    const value: unknown = await tool.execute(parsed.data, ctx as GameToolContext);
    return { ok: true, output: toolOutputString(value) };
  } catch (err) {
    return fail(tool.name, messageOf(err), err);
  }
}

function fail(toolName: string, message: string, cause: unknown): ToolRunResult {
  const error = new ToolError(toolName, `tool "${toolName}" failed: ${message}`, { cause });
  return { ok: false, output: JSON.stringify({ error: message }), error };
}
