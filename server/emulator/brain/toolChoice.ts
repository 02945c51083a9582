import type { Persona } from '../../../plugin/shared/personaSchema.js';
import type { ToolChoice } from '../../../plugin/shared/protocol/clientEvents.js';
import type { BrainDecision } from './PersonaBrain.js';
import { matchTool, toolArguments, type FunctionToolSpec } from './toolMatcher.js';

/** A response's `tool_choice`, resolved: `auto` also stands for the hosted (MCP) choices the emulator does not run. */
export type ResolvedToolChoice = { mode: 'auto' | 'none' | 'required' } | { mode: 'function'; name: string };

/** Resolves the wire `tool_choice` (absent: `auto`). */
export function resolveToolChoice(choice: ToolChoice | undefined): ResolvedToolChoice {
  if (choice === undefined || choice === 'auto') return { mode: 'auto' };
  if (choice === 'none' || choice === 'required') return { mode: choice };
  if (choice.type === 'function') return { mode: 'function', name: choice.name };
  return { mode: 'auto' };
}

/** The tools the brain may choose from under `choice`: none for `none`, only the named one for a named function. */
export function toolsAllowed(choice: ResolvedToolChoice, tools: readonly FunctionToolSpec[]): readonly FunctionToolSpec[] {
  if (choice.mode === 'none') return [];
  if (choice.mode === 'function') return tools.filter((tool) => tool.name === choice.name);
  return tools;
}

/**
 * Makes a brain decision obey `required` or a named function, as the model must: when the brain chose no call (or
 * another one), the response calls the required tool instead of speaking. `required` picks the first declared tool a
 * persona intent uses, else the tool the player's words match best (`matchTool`), else the first declared. The
 * arguments are the persona intent's for that tool, else those the player's words give (`toolArguments`), else `{}`.
 * `heard`: what the player said last, if anything.
 */
export function enforceToolChoice(decision: BrainDecision, choice: ResolvedToolChoice, tools: readonly FunctionToolSpec[], persona: Persona, heard?: string): BrainDecision {
  if (choice.mode === 'auto' || choice.mode === 'none') return decision;
  const wanted = choice.mode === 'function' ? choice.name : undefined;
  if (decision.toolCall && (wanted === undefined || decision.toolCall.name === wanted)) return decision;
  const byIntent = tools.find((tool) => persona.intents.some((intent) => intent.tool?.name === tool.name));
  const tool =
    wanted !== undefined ? tools.find((t) => t.name === wanted) : (byIntent ?? (heard === undefined ? undefined : matchTool(heard, tools)?.tool) ?? tools[0]);
  if (tool === undefined) return decision;
  const intent = persona.intents.find((i) => i.tool?.name === tool.name);
  const args = intent?.tool?.arguments ?? (heard === undefined ? {} : toolArguments(heard, tool));
  return { reason: 'intent', say: null, toolCall: { name: tool.name, arguments: JSON.stringify(args), intent } };
}
