import type { Persona } from '../../../plugin/shared/personaSchema.js';
import type { ToolChoice } from '../../../plugin/shared/protocol/clientEvents.js';
import type { BrainDecision } from './PersonaBrain.js';

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
export function toolsAllowed(choice: ResolvedToolChoice, tools: ReadonlySet<string>): ReadonlySet<string> {
  if (choice.mode === 'none') return new Set();
  if (choice.mode === 'function') return new Set(tools.has(choice.name) ? [choice.name] : []);
  return tools;
}

/**
 * Makes a brain decision obey `required` or a named function, as the model must: when the brain chose no call (or
 * another one), the response calls the required tool instead of speaking, with the arguments of the persona intent
 * that uses that tool (or `{}`). `required` picks the first declared tool an intent uses, else the first declared.
 */
export function enforceToolChoice(decision: BrainDecision, choice: ResolvedToolChoice, tools: readonly string[], persona: Persona): BrainDecision {
  if (choice.mode === 'auto' || choice.mode === 'none') return decision;
  const wanted = choice.mode === 'function' ? choice.name : undefined;
  if (decision.toolCall && (wanted === undefined || decision.toolCall.name === wanted)) return decision;
  const name = wanted ?? tools.find((tool) => persona.intents.some((intent) => intent.tool?.name === tool)) ?? tools[0];
  if (name === undefined) return decision;
  const intent = persona.intents.find((i) => i.tool?.name === name);
  return {
    reason: 'intent',
    say: null,
    toolCall: { name, arguments: JSON.stringify(intent?.tool?.arguments ?? {}), intent },
  };
}
