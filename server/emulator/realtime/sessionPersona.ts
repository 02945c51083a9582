import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { buildInstructions } from '../../../plugin/shared/sessionConfig.js';
import type { PersonaMap } from '../../personas/loadPersonas.js';
import { DEFAULT_PERSONA, PersonaBrain } from '../brain/PersonaBrain.js';
import { buildGrammar } from '../speech/grammar.js';
import type { Grammar, TextToSpeech } from '../speech/types.js';

/** A TTS that can synthesize lines ahead of time at low priority (implemented by CachingTts). */
export interface Prefetcher {
  prefetch(text: string, voice: Persona['localVoice']): void;
}

/** The persona a session speaks as, with the brain and recognition grammar built from it. */
export interface ResolvedPersona {
  persona: Persona;
  brain: PersonaBrain;
  grammar: Grammar;
  /** No persona was bound to the session's key (or the registry no longer has it): a generic one is used. */
  generic: boolean;
}

// Private-use code points mark the holes of a template: persona text never contains them.
const HOLE_OPEN = '\u{F0000}';
const HOLE_CLOSE = '\u{F0001}';
const HOLE_RE = /\u{F0000}(\d+)\u{F0001}/u;

type Fill = (persona: Persona, value: string) => Persona;

interface Template {
  /** Literal text before hole i (and, last, after the last hole): `literals.length === holes.length + 1`. */
  literals: string[];
  holes: Fill[];
}

/**
 * The shape of `buildInstructions(base)` with the authored lines left open: built by running `buildInstructions`
 * itself on a persona whose lines are placeholders, so the emulator never restates its wording.
 */
function templateOf(base: Persona): Template {
  const fills: Fill[] = [];
  const hole = (fill: Fill): string => `${HOLE_OPEN}${fills.push(fill) - 1}${HOLE_CLOSE}`;
  const shape: Persona = {
    ...base,
    instructions: hole((p, instructions) => ({ ...p, instructions })),
    greeting: hole((p, greeting) => ({ ...p, greeting })),
    farewell: hole((p, farewell) => ({ ...p, farewell })),
    guardrails: { ...base.guardrails, refusal: hole((p, refusal) => ({ ...p, guardrails: { ...p.guardrails, refusal } })) },
    knowledge: base.knowledge.map((topic, i) => ({
      ...topic,
      answer: hole((p, answer) => ({ ...p, knowledge: p.knowledge.map((k, j) => (j === i ? { ...k, answer } : k)) })),
    })),
  };
  const pieces = buildInstructions(shape).split(HOLE_RE);
  // split() with a capture group alternates literal, hole index, literal, …
  const literals = pieces.filter((_, i) => i % 2 === 0);
  const holes = pieces.filter((_, i) => i % 2 === 1).map((index) => fills[Number(index)] as Fill);
  return { literals, holes };
}

/**
 * The persona `instructions` describe when they have the shape `buildInstructions(base)` writes, with the authored
 * lines they carry; null for instructions of another shape.
 */
function parseAuthoredLines(base: Persona, instructions: string): Persona | null {
  const { literals, holes } = templateOf(base);
  const head = literals[0] as string;
  if (!instructions.startsWith(head)) return null;
  let at = head.length;
  let persona = base;
  for (let i = 0; i < holes.length; i++) {
    const after = literals[i + 1] as string;
    let end: number;
    if (i === holes.length - 1) {
      // The template ends inside a paragraph: the last line runs to the end of that paragraph, minus the closing text.
      const paragraphEnd = instructions.indexOf('\n\n', at) < 0 ? instructions.length : instructions.indexOf('\n\n', at);
      end = paragraphEnd - after.length;
      if (end < at || !instructions.startsWith(after, end)) return null;
    } else {
      end = instructions.indexOf(after, at);
      if (end < 0) return null;
    }
    persona = (holes[i] as Fill)(persona, instructions.slice(at, end));
    at = end + after.length;
  }
  return persona;
}

/**
 * `base` with the authored lines (character prompt, greeting, farewell, refusal, knowledge answers) the session's
 * instructions carry, when they have the shape `buildInstructions(base)` writes: a game that hot-reloads a persona
 * sends its new lines with `session.update`, and the model would follow them. Anything after that shape (the replayed
 * conversation of a persona with memory) is ignored; instructions of another shape leave `base` as it is.
 */
export function withAuthoredLines(base: Persona, instructions: string): Persona {
  const persona = parseAuthoredLines(base, instructions);
  return persona === null || JSON.stringify(persona) === JSON.stringify(base) ? base : persona;
}

/**
 * Whether `instructions` are `persona`'s (the shape `buildInstructions` writes for it, its lines maybe edited): a SIP
 * call accepted with other instructions follows those, not the dialled persona.
 */
export function speaksAsPersona(persona: Persona, instructions: string): boolean {
  return parseAuthoredLines(persona, instructions) !== null;
}

/** "You are a pirate named Bob." → "a pirate named Bob"; undefined when the instructions say no such thing. */
function roleOf(instructions: string): string | undefined {
  const match = /\byou are\s+((?:an?|the)\s+)?([^.!?;:\n]{1,80})/i.exec(instructions);
  if (!match) return undefined;
  const role = `${match[1] ?? ''}${match[2] ?? ''}`.replace(/,\s*(?:and|who|that|which)\b.*$/i, '').replace(/[\s,]+$/, '');
  return role === '' ? undefined : role;
}

/** "… named Bob" / "your name is Bob" / "called Bob" → "Bob". */
function nameOf(instructions: string): string | undefined {
  return /\b(?:named|called|name is)\s+(\p{Lu}[\p{L}'-]*(?:\s+\p{Lu}[\p{L}'-]*)?)/u.exec(instructions)?.[1];
}

/**
 * The persona of a session bound to none: the default lines, with the session's own instructions; when those do not
 * have the shape a persona's instructions have (see {@link withAuthoredLines}), the character they describe ("You are
 * a pirate named Bob") introduces itself: "Hello there, traveler. I am Bob." and "I am a pirate named Bob."
 */
export function genericPersona(instructions: string): Persona {
  const base = { ...DEFAULT_PERSONA, instructions: instructions === '' ? DEFAULT_PERSONA.instructions : instructions };
  const authored = withAuthoredLines(base, instructions);
  if (authored !== base) return authored;
  const role = roleOf(instructions);
  if (role === undefined) return base;
  const name = nameOf(instructions);
  return { ...base, displayName: role, greeting: `${DEFAULT_PERSONA.greeting} I am ${name ?? role}.` };
}

/** Options of {@link SessionPersona}. */
export interface SessionPersonaOptions {
  /** The server's persona registry (read at every call, so reloaded persona files apply). */
  personas: () => PersonaMap;
  /** The persona id the session's key was minted for. */
  personaId?: string;
}

/**
 * Finds a session's persona: the one its key was minted for, from the server's registry, with the lines its current
 * instructions carry ({@link withAuthoredLines}); or, for a key bound to none, a {@link genericPersona}. The brain and
 * grammar are rebuilt only when the persona changes.
 */
export class SessionPersona {
  private resolved: (ResolvedPersona & { base: Persona; instructions: string }) | null = null;

  constructor(private readonly options: SessionPersonaOptions) {}

  /** The persona for the session's current instructions. */
  current(instructions: string): ResolvedPersona {
    const id = this.options.personaId;
    const bound = id === undefined ? undefined : this.options.personas().get(id);
    const cached = this.resolved;
    if (cached && cached.instructions === instructions && (bound ? cached.base === bound : cached.generic)) return cached;
    const persona = bound ? withAuthoredLines(bound, instructions) : genericPersona(instructions);
    if (cached && JSON.stringify(cached.persona) === JSON.stringify(persona)) {
      this.resolved = { ...cached, base: bound ?? persona, instructions };
      return this.resolved;
    }
    // A session that names no persona follows its own tools; a persona's session follows the persona's intents.
    const brain = new PersonaBrain(persona, { followTools: !bound });
    this.resolved = { persona, brain, grammar: buildGrammar(brain.grammarPhrases()), generic: !bound, base: bound ?? persona, instructions };
    return this.resolved;
  }

  /**
   * Queues the first sentence of every line the persona can say with a TTS that can prefetch (see CachingTts), so
   * first audio rarely waits for synthesis. `utterances` splits a line the way responses will.
   */
  warmUp(instructions: string, tts: TextToSpeech & Partial<Prefetcher>, utterances: (line: string) => string[]): void {
    if (typeof tts.prefetch !== 'function') return;
    const { persona, brain } = this.current(instructions);
    for (const line of brain.warmLines()) {
      const first = utterances(line)[0];
      if (first) tts.prefetch(first, persona.localVoice);
    }
  }
}
