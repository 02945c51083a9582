// Grammars for the grammar-only recognizer: the phrases one persona understands, as JSGF.
import type { Grammar } from './types.js';

/** Phrases every persona understands, whatever its own phrase list says. */
export const COMMON_PHRASES: readonly string[] = [
  'hello',
  'hi',
  'good morning',
  'goodbye',
  'bye',
  'thank you',
  'thanks',
  'yes',
  'no',
  'who are you',
  'what is your name',
  'help',
];

/**
 * Extra pronunciations of common-phrase words, as `word(n)` alternatives: "hi" with a weak /h/ (flite slt) was heard
 * as "bye" (B AY) in every condition of the STT bench, and the alternative without the /h/ fixes it.
 */
export const COMMON_PRONUNCIATIONS: readonly (readonly [string, string])[] = [['hi(2)', 'AY']];

/** ARPAbet phones of the en-us model; one "word" per phone forms the garbage loop that absorbs out-of-grammar speech. */
export const GARBAGE_PHONES: readonly string[] =
  'AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH'.split(' ');

/** Prefix of garbage-loop words; a hypothesis containing it means "not understood". */
export const GARBAGE_PREFIX = 'gph_';

/** Lowercases a phrase and reduces it to dictionary-style words (letters, digits, inner apostrophes) separated by single spaces. */
export function normalizePhrase(phrase: string): string {
  return phrase
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // strip accents: "café" is "cafe" in the dictionary
    .toLowerCase()
    .replace(/[’‘`]/g, "'")
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(' ')
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w !== '')
    .join(' ');
}

/** Builds a grammar from a persona's phrases: normalised, deduplicated, plus {@link COMMON_PHRASES}. */
export function buildGrammar(phrases: readonly string[]): Grammar {
  const seen = new Set<string>();
  for (const p of [...phrases, ...COMMON_PHRASES]) {
    const n = normalizePhrase(p);
    if (n !== '') seen.add(n);
  }
  return { phrases: [...seen] };
}

/** Cache key identifying a grammar regardless of phrase order. */
export function grammarKey(grammar: Grammar): string {
  return [...grammar.phrases].sort().join('|');
}

/** Options for {@link toJsgf}. */
export interface JsgfOptions {
  /** Adds the phone-loop alternative so out-of-grammar speech matches garbage instead of a phrase (the words `gph_*` must be in the dictionary). */
  garbageLoop?: boolean;
  /**
   * Prior of the garbage alternative against the phrases (default 1). Below 1 it takes more evidence to call speech
   * "not understood": a short word in mic noise ("hello", 4 phones) otherwise loses to 4 garbage phones.
   */
  garbageWeight?: number;
}

/** Renders a grammar as JSGF with a public `<utterance>` rule. @throws Error when the grammar has no phrases. */
export function toJsgf(grammar: Grammar, options: JsgfOptions = {}): string {
  const phrases = grammar.phrases.map(normalizePhrase).filter((p) => p !== '');
  if (phrases.length === 0) throw new Error('toJsgf: the grammar has no phrases; build it with buildGrammar()');
  const lines = ['#JSGF V1.0;', 'grammar npc;'];
  if (options.garbageLoop) {
    const loop = GARBAGE_PHONES.map((p) => GARBAGE_PREFIX + p.toLowerCase()).join(' | ');
    const weight = options.garbageWeight ?? 1;
    // JSGF weights are plain probabilities (not scaled by the language weight), so only extreme ones matter.
    const top = weight === 1 ? '<phrase> | <garbage>' : `/1/ <phrase> | /${weight.toExponential()}/ <garbage>`;
    lines.push(`public <utterance> = ${top};`, `<garbage> = (${loop})+;`);
  } else {
    lines.push('public <utterance> = <phrase>;');
  }
  lines.push(`<phrase> = ${phrases.join(' | ')};`);
  return lines.join('\n') + '\n';
}
