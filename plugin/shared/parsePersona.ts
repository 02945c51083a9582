import type * as z from 'zod/mini';
import { PersonaSchema, type Persona } from './personaSchema.js';
import { zodEnglish } from './zodLocale.js';

/** One problem found in a persona: where (JSON path like `localVoice.voice` or `intents[2].phrases`) and what. */
export interface PersonaIssue {
  path: string;
  message: string;
}

/** One problem as a designer reads it: `at "localVoice.voice": …`, or the message alone when it has no path. */
export function formatPersonaIssue(issue: PersonaIssue): string {
  return issue.path ? `at "${issue.path}": ${issue.message}` : issue.message;
}

/**
 * A persona that failed validation. The message names the file, each JSON path and what was expected, so a
 * designer can fix it without reading code.
 */
export class PersonaError extends Error {
  readonly code = 'invalid_persona';
  override readonly name = 'PersonaError';
  constructor(
    readonly file: string,
    readonly issues: readonly PersonaIssue[],
  ) {
    super(`${file}: ${issues.map(formatPersonaIssue).join('; ')}`);
  }
}

/** Result of parsing: never throws. */
export type PersonaParseResult = { ok: true; persona: Persona } | { ok: false; error: PersonaError };

/** Formats a zod path (`['intents', 2, 'phrases']`) as `intents[2].phrases`. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

function issuesOf(issues: readonly z.core.$ZodIssue[]): PersonaIssue[] {
  return issues.flatMap((issue): PersonaIssue[] => {
    // An unknown field is reported on its parent object; name the field itself.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: formatJsonPath([...issue.path, key]),
        message: `unknown field "${key}" (check the spelling against persona.schema.json)`,
      }));
    }
    if (issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined) {
      return [{ path: formatJsonPath(issue.path), message: `missing required field (expected ${issue.expected})` }];
    }
    return [{ path: formatJsonPath(issue.path), message: issue.message }];
  });
}

/** Validates an already-parsed JSON value as a persona. `file` names the source in errors. */
export function parsePersona(value: unknown, file: string): PersonaParseResult {
  const result = PersonaSchema.safeParse(value, { reportInput: true, error: zodEnglish });
  if (result.success) return { ok: true, persona: result.data };
  return { ok: false, error: new PersonaError(file, issuesOf(result.error.issues)) };
}

/**
 * Adds `(line L, column C)` to a JSON.parse message that gives only `at position N` (Node 20 does; later versions
 * add the line themselves), so a designer can find the spot in an editor.
 */
function withLineAndColumn(message: string, text: string): string {
  const match = /at position (\d+)/.exec(message);
  if (!match || /\bline \d+/.test(message)) return message;
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${message} (line ${line}, column ${column})`;
}

/** Parses persona JSON text. A file that is not JSON gets an error naming the file and the parser's complaint. */
export function parsePersonaJson(text: string, file: string): PersonaParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const detail = withLineAndColumn(err instanceof Error ? err.message : String(err), text);
    return { ok: false, error: new PersonaError(file, [{ path: '', message: `not valid JSON: ${detail}` }]) };
  }
  return parsePersona(value, file);
}
