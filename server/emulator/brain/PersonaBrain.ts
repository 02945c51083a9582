import type { Intent, Persona } from '../../../plugin/shared/personaSchema.js';
import { parsePersona } from '../../../plugin/shared/parsePersona.js';
import { normalizePhrase } from '../speech/grammar.js';
import { bestTopic } from './keywords.js';
import { matchTool, type FunctionToolSpec } from './toolMatcher.js';
import { summarizeToolOutput } from './toolOutputSummary.js';

/** What the brain is asked to answer. */
export type BrainInput =
  /** No new player input since the last response (e.g. the game asks the NPC to greet). */
  | { kind: 'none' }
  /** The player's words (typed, or recognised from speech). */
  | { kind: 'text'; text: string }
  /** The player spoke but nothing in the grammar was recognised. */
  | { kind: 'unintelligible' }
  /** The player stayed silent for the server VAD's `idle_timeout_ms` after the NPC spoke. */
  | { kind: 'idle' }
  /**
   * The player (or the game) showed a picture, maybe with words (`text`, '' without); `answered` counts the pictures
   * answered with an image line earlier in the session, so a list of `onImage` lines is taken in turn.
   */
  | { kind: 'image'; text: string; answered: number }
  /** The game returned the output of a tool call the brain made (`name`: the function, when known). */
  | { kind: 'tool_result'; intent: Intent | undefined; output: string; name?: string };

/** Why the brain said what it said (for logs and tests). */
export type BrainReason =
  | 'greeting'
  | 'idle'
  | 'farewell'
  | 'courtesy'
  | 'help'
  | 'refusal'
  | 'intent'
  | 'tool'
  | 'tool_result'
  | 'knowledge'
  | 'identity'
  | 'image'
  | 'fallback';

/** The brain's answer: a line to speak (maybe none) and maybe a tool call. */
export interface BrainDecision {
  reason: BrainReason;
  say: string | null;
  /** `intent`: the persona intent behind the call, whose result template speaks the output (none for a forced call). */
  toolCall: { name: string; arguments: string; intent: Intent | undefined } | null;
}

const GREETINGS = ['hello', 'hi', 'hey', 'greetings', 'good morning', 'good afternoon', 'good evening', 'good day', 'howdy', 'hail'];
const FAREWELLS = ['goodbye', 'good bye', 'bye', 'farewell', 'see you', 'good night', 'take care'];
const IDENTITY = ['who are you', 'what is your name', "what's your name"];
const THANKS = ['thanks', 'thank you', 'cheers', 'much obliged'];
/** Whole answers (not phrases inside a sentence): "yes" in "yes, give me a sword" is the intent's business. */
const YES = ['yes', 'yeah', 'yes please', 'sure', 'okay', 'ok', 'alright'];
const NO = ['no', 'nope', 'no thanks', 'no thank you', 'not now'];
const HELP = ['help', 'what can i ask', 'what can you do', 'what can i say'];
/** Replies to the common phrases the recognizer always knows (grammar.ts COMMON_PHRASES); personas have no field for them. */
const COURTESY = { thanks: 'You are welcome.', yes: 'Good.', no: 'As you wish.' } as const;
/** The name prefix of the function tools the Agents SDK declares for handoffs (`transfer_to_weather_agent`). */
const HANDOFF_PREFIX = 'transfer_to_';
/** What an NPC says when the player has said nothing for the idle timeout (personas have no field for it). */
export const IDLE_PROMPT = 'Are you still there?';
/** What an NPC whose persona has no `onImage` says when shown a picture. */
export const DEFAULT_IMAGE_LINE = 'Let me take a look. Thank you for showing me.';

/** The persona's `onImage` lines (the default line when it has none). */
export function imageLines(persona: Persona): string[] {
  const lines = persona.onImage;
  if (lines === undefined) return [DEFAULT_IMAGE_LINE];
  return typeof lines === 'string' ? [lines] : lines;
}

/** Whether `phrase` occurs in `text` as whole words (both already normalised). */
function containsPhrase(text: string, phrase: string): boolean {
  return phrase !== '' && ` ${text} `.includes(` ${phrase} `);
}

function lookup(value: unknown, path: readonly string[]): unknown {
  let node = value;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function show(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A tool output parsed as JSON, or undefined when it is not JSON (tools may return plain strings). */
function parseOutput(output: string): unknown {
  try {
    return JSON.parse(output) as unknown;
  } catch {
    return undefined;
  }
}

/** The message of a tool output shaped `{"error": "…"}`, or null when the tool succeeded. */
export function toolError(output: string): string | null {
  const parsed = parseOutput(output);
  const error = lookup(parsed, ['error']);
  if (error === undefined || error === null || error === false) return null;
  const message = show(typeof error === 'object' ? (lookup(error, ['message']) ?? error) : error).replace(/[.!?\s]+$/, '');
  return message === '' ? 'unknown error' : message;
}

/**
 * What a tool that did nothing wants said: an output object with `"ok": false` (the action was declined, e.g. the
 * player already has the item) gives its `message`, or a plain "that did not work". Null when the tool did its job.
 */
export function toolDeclined(output: string): string | null {
  const parsed = parseOutput(output);
  if (lookup(parsed, ['ok']) !== false) return null;
  const message = lookup(parsed, ['message']);
  return typeof message === 'string' && message.trim() !== '' ? message.trim() : 'Hm. That did not work.';
}

/**
 * What an intent with a tool but neither `say` nor `resultTemplate` says after the tool ran: a text result as it is
 * (a JSON string unquoted), never a JSON object read out loud.
 */
function spokenResult(output: string): string {
  const parsed = parseOutput(output);
  if (parsed === undefined) return output.slice(0, 300);
  if (typeof parsed === 'string') return parsed.slice(0, 300);
  if (typeof parsed === 'number' || typeof parsed === 'boolean') return String(parsed);
  return 'Done.';
}

/**
 * Fills a persona `resultTemplate`: `{result}` is the raw tool output, `{result.a.b}` a field of the output parsed as
 * JSON. A field the output lacks falls back to the intent's own tool argument of that name, so a tool that returns a
 * plain string ("ok") still reads naturally ("The sword is yours").
 */
export function fillResultTemplate(template: string, output: string, toolArguments: Record<string, unknown> = {}): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    parsed = undefined;
  }
  return template.replace(/\{result((?:\.[A-Za-z0-9_]+)*)\}/g, (_match, fields: string) => {
    if (fields === '') return typeof parsed === 'string' ? parsed : output;
    const path = fields.slice(1).split('.');
    const fromOutput = lookup(parsed, path);
    if (fromOutput !== undefined) return show(fromOutput);
    return show(lookup(toolArguments, path));
  });
}

/** Options of {@link PersonaBrain}. */
export interface PersonaBrainOptions {
  /**
   * Follow the session's own tools (a session that names no persona): the player's words call the declared function
   * they match (see `matchTool`) before any persona line, and a tool's output is spoken as a sentence.
   */
  followTools?: boolean;
}

/**
 * The emulator's deterministic stand-in for the model: maps what the player said to the persona's lines, intents and
 * tool calls, in a fixed priority (guardrail, intent, the session's own tools when it follows them, farewell,
 * greeting, identity, knowledge, fallback).
 */
export class PersonaBrain {
  private readonly intents: { intent: Intent; phrases: string[] }[];
  private readonly refuse: string[];
  private readonly followTools: boolean;

  constructor(
    readonly persona: Persona,
    options: PersonaBrainOptions = {},
  ) {
    this.followTools = options.followTools === true;
    this.intents = persona.intents.map((intent) => ({ intent, phrases: intent.phrases.map(normalizePhrase) }));
    this.refuse = persona.guardrails.refuseTopics.map(normalizePhrase);
  }

  /** The phrases the recognizer should listen for with this persona (common phrases are added by the grammar). */
  grammarPhrases(): string[] {
    const phrases = new Set<string>([...GREETINGS, ...FAREWELLS, ...IDENTITY.filter((p) => !p.includes("'"))]);
    for (const { phrases: list } of this.intents) for (const p of list) phrases.add(p);
    for (const topic of this.persona.knowledge) {
      for (const keyword of topic.keywords) {
        const k = normalizePhrase(keyword);
        phrases.add(k);
        phrases.add(`tell me about the ${k}`);
        phrases.add(`what about the ${k}`);
      }
    }
    for (const topic of this.refuse) {
      phrases.add(topic);
      phrases.add(`tell me about ${topic}`);
    }
    return [...phrases].filter((p) => p !== '');
  }

  /**
   * Every line this persona can say, most likely first, for synthesis ahead of time. Result templates are filled with
   * the intent's own arguments, which is what most game tools echo back.
   */
  warmLines(): string[] {
    const p = this.persona;
    const lines = [p.greeting, p.fallback, p.farewell, p.guardrails.refusal, IDLE_PROMPT, ...imageLines(p), `I am ${p.displayName}.`, ...Object.values(COURTESY), this.helpLine()];
    for (const intent of p.intents) {
      if (intent.say) lines.push(intent.say);
      if (intent.resultTemplate) lines.push(fillResultTemplate(intent.resultTemplate, '', intent.tool?.arguments ?? {}));
    }
    for (const topic of p.knowledge) lines.push(topic.answer);
    return lines;
  }

  /** Decides the answer; `tools` are the functions the response may call (a call needs its tool). */
  decide(input: BrainInput, tools: readonly FunctionToolSpec[]): BrainDecision {
    const p = this.persona;
    switch (input.kind) {
      case 'none':
        return { reason: 'greeting', say: p.greeting, toolCall: null };
      case 'unintelligible':
        return { reason: 'fallback', say: p.fallback, toolCall: null };
      case 'idle':
        return { reason: 'idle', say: IDLE_PROMPT, toolCall: null };
      case 'tool_result': {
        // A failed tool reports `{"error": "…"}` (the plugin's tool-error format): say so rather than the success line.
        const failure = toolError(input.output);
        if (failure !== null) return { reason: 'tool_result', say: `Hm. That did not work: ${failure}.`, toolCall: null };
        // A declined action must not be announced with the success line ("the sword is yours" for a second sword).
        const declined = toolDeclined(input.output);
        if (declined !== null) return { reason: 'tool_result', say: declined, toolCall: null };
        // The Agents SDK hands off with a `transfer_to_<agent>` call and then the new agent's instructions: it greets.
        if (input.intent === undefined && input.name?.startsWith(HANDOFF_PREFIX)) return { reason: 'greeting', say: p.greeting, toolCall: null };
        // A call no persona intent made (the session's own tool, or one tool_choice forced): say what it returned.
        if (input.intent === undefined) return { reason: 'tool_result', say: summarizeToolOutput(input.output), toolCall: null };
        const template = input.intent.resultTemplate;
        const say = template
          ? fillResultTemplate(template, input.output, input.intent.tool?.arguments ?? {})
          : input.intent.say
            ? null
            : spokenResult(input.output);
        return { reason: 'tool_result', say: say === null || say.trim() === '' ? null : say, toolCall: null };
      }
      case 'text':
        return this.decideText(input.text, tools);
      case 'image': {
        // Words shown with the picture that the brain understands are answered; otherwise the picture is.
        const answer = input.text.trim() === '' ? null : this.decideText(input.text, tools);
        if (answer && answer.reason !== 'fallback') return answer;
        const lines = imageLines(p);
        return { reason: 'image', say: lines[input.answered % lines.length] ?? DEFAULT_IMAGE_LINE, toolCall: null };
      }
    }
  }

  private decideText(said: string, functions: readonly FunctionToolSpec[]): BrainDecision {
    const p = this.persona;
    const text = normalizePhrase(said);
    const tools = new Set(functions.map((tool) => tool.name));
    if (text === '') return { reason: 'fallback', say: p.fallback, toolCall: null };
    if (this.refuse.some((topic) => containsPhrase(text, topic))) {
      return { reason: 'refusal', say: p.guardrails.refusal, toolCall: null };
    }
    // Exact phrase first, then the longest phrase contained in what was said ("hello, give me a sword please").
    const exact = this.intents.find(({ phrases }) => phrases.includes(text));
    let chosen = exact?.intent;
    if (!chosen) {
      let best = 0;
      for (const { intent, phrases } of this.intents) {
        for (const phrase of phrases) {
          if (phrase.length > best && containsPhrase(text, phrase)) {
            best = phrase.length;
            chosen = intent;
          }
        }
      }
    }
    if (chosen) return this.intentDecision(chosen, tools);
    if (this.followTools) {
      const match = matchTool(said, functions);
      if (match) return { reason: 'tool', say: null, toolCall: { name: match.tool.name, arguments: JSON.stringify(match.arguments), intent: undefined } };
    }
    if (YES.includes(text)) return { reason: 'courtesy', say: COURTESY.yes, toolCall: null };
    if (NO.includes(text)) return { reason: 'courtesy', say: COURTESY.no, toolCall: null };
    if (HELP.some((h) => containsPhrase(text, h))) return { reason: 'help', say: this.helpLine(), toolCall: null };
    if (FAREWELLS.some((f) => containsPhrase(text, f))) return { reason: 'farewell', say: p.farewell, toolCall: null };
    if (GREETINGS.some((g) => containsPhrase(text, g))) return { reason: 'greeting', say: p.greeting, toolCall: null };
    if (IDENTITY.some((q) => containsPhrase(text, normalizePhrase(q)))) {
      return { reason: 'identity', say: `I am ${p.displayName}.`, toolCall: null };
    }
    // Before knowledge: "thanks for opening the gate" is thanks, not a question about the gate.
    if (THANKS.some((t) => containsPhrase(text, t))) return { reason: 'courtesy', say: COURTESY.thanks, toolCall: null };
    // Keywords in either number, most mentioned topic first: off-script speech arrives in the player's own words.
    const topic = bestTopic(text, p.knowledge);
    if (topic) return { reason: 'knowledge', say: topic.answer, toolCall: null };
    return { reason: 'fallback', say: p.fallback, toolCall: null };
  }

  /** "You can ask me to give me a sword, or about the forge, steel or the road." — from the persona's intents and topics. */
  private helpLine(): string {
    const p = this.persona;
    const asks = p.intents.filter((i) => i.tool).map((i) => `"${i.phrases[0] ?? i.id}"`);
    const topics = p.knowledge.map((k) => k.topic);
    const about = topics.length > 1 ? `${topics.slice(0, -1).join(', ')} or ${topics[topics.length - 1] ?? ''}` : (topics[0] ?? '');
    const parts = [asks.length ? `say ${asks.join(' or ')}` : '', about ? `ask me about the ${about}` : ''].filter((x) => x !== '');
    return parts.length ? `You can ${parts.join(', or ')}.` : p.greeting;
  }

  private intentDecision(intent: Intent, tools: ReadonlySet<string>): BrainDecision {
    const tool = intent.tool;
    if (tool && tools.has(tool.name)) {
      return {
        reason: 'intent',
        say: intent.say ?? null,
        toolCall: { name: tool.name, arguments: JSON.stringify(tool.arguments), intent },
      };
    }
    // The game did not declare the tool for this session: say the line, never call an unknown function.
    return { reason: 'intent', say: intent.say ?? this.persona.fallback, toolCall: null };
  }
}

/** The lines of a session bound to no persona (see `genericPersona`). */
export const DEFAULT_PERSONA: Persona = schemaPersona({
  id: 'default',
  displayName: 'a villager',
  voice: 'marin',
  localVoice: { engine: 'flite', voice: 'slt' },
  instructions: 'You are a helpful, friendly character in a game.',
  greeting: 'Hello there, traveler.',
  farewell: 'Goodbye, and good luck.',
  hearingRadiusPx: 150,
  turnTaking: { mode: 'push_to_talk' },
});

/** A persona with the schema's own defaults for what `input` leaves out (fallback, guardrails, spatial, memory…). */
function schemaPersona(input: Record<string, unknown>): Persona {
  const result = parsePersona(input, 'emulator default persona');
  if (!result.ok) throw result.error;
  return result.persona;
}
