// How the emulator's brain picks a session's own function tool from the player's words, for sessions that name no
// persona (the SDK with its own agent, a raw key): deterministic keyword overlap, no model.
import { z } from 'zod';

/** A function tool as a session or response declares it (the parts the matcher reads). */
export interface FunctionToolSpec {
  name: string;
  description: string;
  /** The JSON schema of its arguments, as declared. */
  parameters: unknown;
}

/** A tool chosen for what the player said, with the arguments taken from their words. */
export interface ToolMatch {
  tool: FunctionToolSpec;
  arguments: Record<string, unknown>;
  /** How strongly the words matched (for tests and logs): 3 per word of the name or an enum value, 1 of the description. */
  score: number;
}

/**
 * Words that say nothing about which tool is meant: function words, and the vocabulary tool names and descriptions
 * share ("get", "handoff", "agent", "request").
 */
const IGNORED = new Set(
  (
    'a an the to of in on at for from with by and or but not no is are was were be been am do does did done can could would ' +
    'should will shall may might must i me my we us our you your it its this that these those there here what whats which who ' +
    'whom whose when where why how please tell say ask asks asked let lets like just some any all each every about into over ' +
    'get gets set sets fetch fetches find finds look looks lookup use uses call calls tool tools function functions agent agents ' +
    'handoff transfer transfers handle handles request requests question questions user users player players current ' +
    'given specific information info data want need know hi hello hey thanks thank yes yeah okay ok'
  ).split(' '),
);

/** Words that introduce an argument in speech ("the weather in Paris", "a room for two", "a sword called Dawn"). */
const INTRODUCERS = new Set(['in', 'for', 'at', 'to', 'of', 'about', 'from', 'near', 'named', 'called', 'on', 'with']);

const NUMBER_WORDS: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
  twenty: 20, thirty: 30, forty: 40, fifty: 50, hundred: 100,
};

/** A word reduced for comparison: lowercase, no possessive, a plain plural made singular. */
function stem(word: string): string {
  let w = word.toLowerCase().replace(/['’]s$/, '').replace(/['’]/g, '');
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) w = w.slice(0, -1);
  return w;
}

/** The words of `text` in order (letters, digits, inner apostrophes), with their original case. */
function wordsOf(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu) ?? [];
}

/** A snake_case, kebab-case or camelCase identifier as words: `getWeather_now` → get, weather, now. */
function identifierWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '');
}

const PropertySchema = z.looseObject({
  type: z.union([z.string(), z.array(z.string())]).optional().catch(undefined),
  enum: z.array(z.unknown()).optional().catch(undefined),
  description: z.string().optional().catch(undefined),
});
type Property = z.output<typeof PropertySchema>;
const ParametersSchema = z.looseObject({
  properties: z.record(z.string(), z.unknown()).optional().catch(undefined),
  required: z.array(z.string()).optional().catch(undefined),
});

/** The declared properties of a tool's parameters schema, in order (none when it is not an object schema). */
function propertiesOf(parameters: unknown): [string, Property][] {
  const parsed = ParametersSchema.safeParse(parameters);
  if (!parsed.success || parsed.data.properties === undefined) return [];
  return Object.entries(parsed.data.properties).map(([name, schema]) => {
    const property = PropertySchema.safeParse(schema);
    return [name, property.success ? property.data : {}];
  });
}

/** The JSON type a property takes (the first non-null one of a union). */
function typeOf(property: Property): string | undefined {
  const type = property.type;
  if (Array.isArray(type)) return type.find((t) => t !== 'null');
  return type;
}

/** Whether `phrase` occurs in `words` (both stemmed) as consecutive whole words. */
function containsWords(words: readonly string[], phrase: readonly string[]): boolean {
  if (phrase.length === 0) return false;
  for (let i = 0; i + phrase.length <= words.length; i++) {
    if (phrase.every((p, j) => words[i + j] === p)) return true;
  }
  return false;
}

/** The keywords of a tool and their weight: its name's words and enum values weigh 3, description and parameter names 1. */
function keywordsOf(tool: FunctionToolSpec): Map<string, number> {
  const weights = new Map<string, number>();
  const add = (words: readonly string[], weight: number): void => {
    for (const word of words) {
      const w = stem(word);
      if (w.length < 2 || IGNORED.has(w) || IGNORED.has(word.toLowerCase())) continue;
      weights.set(w, Math.max(weights.get(w) ?? 0, weight));
    }
  };
  add(identifierWords(tool.name), 3);
  add(wordsOf(tool.description), 1);
  for (const [name, property] of propertiesOf(tool.parameters)) {
    add(identifierWords(name), 1);
    for (const value of property.enum ?? []) if (typeof value === 'string') add(wordsOf(value), 3);
  }
  return weights;
}

/** How well `words` (stemmed) match a tool: the sum of the weights of the distinct words it has as keywords. */
function scoreOf(words: ReadonlySet<string>, keywords: ReadonlyMap<string, number>): number {
  let score = 0;
  for (const word of words) score += keywords.get(word) ?? 0;
  return score;
}

/** Candidates for string arguments, in the order the player said them: quoted text, Capitalised Names, words after "in/for/…". */
function stringCandidates(text: string, keywords: ReadonlyMap<string, number>): string[] {
  const found: { at: number; value: string }[] = [];
  const taken = new Set<number>();
  const push = (at: number, value: string): void => {
    if (value.trim() === '' || found.some((f) => f.value.toLowerCase() === value.toLowerCase())) return;
    found.push({ at, value: value.trim() });
  };
  for (const quoted of text.matchAll(/["“]([^"”]+)["”]/g)) push(quoted.index, quoted[1] ?? '');
  const words = [...text.matchAll(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu)];
  const isName = (i: number): boolean => {
    const word = words[i]?.[0] ?? '';
    if (!/^\p{Lu}/u.test(word) || word === 'I' || keywords.has(stem(word))) return false;
    // A capital that starts a sentence names nothing when the word is a common one ("What", "Please").
    const before = text.slice(0, words[i]?.index ?? 0).trimEnd();
    const sentenceStart = before === '' || /[.!?]$/.test(before);
    return !(sentenceStart && (IGNORED.has(stem(word)) || IGNORED.has(word.toLowerCase())));
  };
  for (let i = 0; i < words.length; i++) {
    if (!isName(i)) continue;
    let j = i;
    while (j + 1 < words.length && isName(j + 1) && /^\s+$/.test(text.slice((words[j]?.index ?? 0) + (words[j]?.[0].length ?? 0), words[j + 1]?.index))) j++;
    push(words[i]?.index ?? 0, words.slice(i, j + 1).map((w) => w[0]).join(' '));
    for (let k = i; k <= j; k++) taken.add(k);
    i = j;
  }
  // Speech comes recognised in lowercase: "the weather in paris" names its argument after the introducing word.
  for (let i = 0; i + 1 < words.length; i++) {
    if (!INTRODUCERS.has((words[i]?.[0] ?? '').toLowerCase())) continue;
    const picked: string[] = [];
    for (let j = i + 1; j < words.length && picked.length < 3; j++) {
      const word = words[j]?.[0] ?? '';
      const w = stem(word);
      if (taken.has(j) || NUMBER_WORDS[word.toLowerCase()] !== undefined || /^\d/.test(word)) break;
      if (IGNORED.has(w) || IGNORED.has(word.toLowerCase()) || keywords.has(w)) {
        if (picked.length > 0) break;
        // "in the north": skip the article, keep looking.
        if (['the', 'a', 'an', 'my', 'your'].includes(word.toLowerCase())) continue;
        break;
      }
      picked.push(word);
    }
    if (picked.length > 0) push(words[i + 1]?.index ?? 0, picked.join(' '));
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.value);
}

/** The last word of `text` that is neither common nor a keyword of the tool: the thing asked for ("give me a sword"). */
function lastContentWord(text: string, keywords: ReadonlyMap<string, number>): string | undefined {
  return wordsOf(text)
    .filter((word) => !IGNORED.has(stem(word)) && !IGNORED.has(word.toLowerCase()) && !keywords.has(stem(word)) && NUMBER_WORDS[word.toLowerCase()] === undefined)
    .pop();
}

/** Numbers the player said, in order: digits ("2", "3.5", "-4") or number words up to "hundred". */
function numberCandidates(text: string): number[] {
  const numbers: number[] = [];
  for (const match of text.matchAll(/-?\d+(?:\.\d+)?|[\p{L}]+/gu)) {
    const token = match[0];
    if (/^-?\d/.test(token)) numbers.push(Number(token));
    else if (NUMBER_WORDS[token.toLowerCase()] !== undefined) numbers.push(NUMBER_WORDS[token.toLowerCase()] as number);
  }
  return numbers;
}

/**
 * The arguments of a call to `tool` taken from the player's words, property by property in declaration order: an
 * enum property gets the enum value said; a number or integer the next number said; a string the next of the quoted
 * text, Capitalised Names ("New York") and words after "in/for/at/to/of/about/named/called" the player said, and
 * a required one with none of those the last uncommon word said. A property with nothing to take is left out (the
 * tool's own validation then reports it to the model).
 */
export function toolArguments(text: string, tool: FunctionToolSpec): Record<string, unknown> {
  const said = wordsOf(text).map(stem);
  const keywords = keywordsOf(tool);
  const strings = stringCandidates(text, keywords);
  const numbers = numberCandidates(text);
  const required = new Set(ParametersSchema.safeParse(tool.parameters).data?.required ?? []);
  const args: Record<string, unknown> = {};
  for (const [name, property] of propertiesOf(tool.parameters)) {
    const type = typeOf(property);
    if (property.enum) {
      const value = property.enum.find((v) => (typeof v === 'string' || typeof v === 'number') && containsWords(said, wordsOf(String(v)).map(stem)));
      if (value !== undefined) args[name] = value;
    } else if (type === 'number' || type === 'integer') {
      const value = numbers.shift();
      if (value !== undefined) args[name] = type === 'integer' ? Math.round(value) : value;
    } else if (type === 'string' || type === undefined) {
      // A required string nothing else fills takes the thing asked for, so "give me a sword" calls give_item("sword").
      const value = strings.shift() ?? (required.has(name) ? lastContentWord(text, keywords) : undefined);
      if (value !== undefined) args[name] = value;
    }
  }
  return args;
}

/**
 * The tool the player's words ask for: the declared function whose name, description, parameter names or enum values
 * share the most words with `text` (name words and enum values weigh 3, the rest 1; ties go to the tool declared
 * first), with its {@link toolArguments}; null when no tool shares a word. Deterministic, no model.
 * @example
 * matchTool("what's the weather in Paris?", [{ name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } }]);
 * // → { tool: get_weather, arguments: { city: 'Paris' }, score: 3 }
 */
export function matchTool(text: string, tools: readonly FunctionToolSpec[]): ToolMatch | null {
  const said = new Set(wordsOf(text).map(stem).filter((w) => !IGNORED.has(w)));
  let best: { tool: FunctionToolSpec; score: number } | null = null;
  for (const tool of tools) {
    const score = scoreOf(said, keywordsOf(tool));
    if (score > 0 && (best === null || score > best.score)) best = { tool, score };
  }
  if (best === null) return null;
  return { tool: best.tool, arguments: toolArguments(text, best.tool), score: best.score };
}
