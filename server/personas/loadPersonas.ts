import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PersonaError, parsePersonaJson } from '../../plugin/shared/parsePersona.js';
import type { Persona } from '../../plugin/shared/personaSchema.js';

/** Where the demo personas live. */
export const DEFAULT_PERSONA_DIR = fileURLToPath(new URL('../../assets/personas/', import.meta.url));

/** Loaded personas by id. */
export type PersonaMap = ReadonlyMap<string, Persona>;

/**
 * Loads and validates every `*.json` in `dir`. Collects every problem before failing so a designer sees them all.
 * @throws AggregateError of {@link PersonaError}s when any file is invalid, duplicates another's id, or its id does
 *   not match its file name.
 */
export async function loadPersonas(dir: string = DEFAULT_PERSONA_DIR): Promise<PersonaMap> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  const personas = new Map<string, Persona>();
  const fileOf = new Map<string, string>();
  const errors: PersonaError[] = [];
  for (const name of files) {
    const file = path.join(dir, name);
    const result = parsePersonaJson(await readFile(file, 'utf8'), file);
    if (!result.ok) {
      errors.push(result.error);
      continue;
    }
    const { persona } = result;
    const previous = fileOf.get(persona.id);
    if (previous !== undefined) {
      errors.push(new PersonaError(file, [{ path: 'id', message: `duplicate id "${persona.id}" (also used by ${previous})` }]));
      continue;
    }
    if (`${persona.id}.json` !== name) {
      errors.push(new PersonaError(file, [{ path: 'id', message: `id "${persona.id}" must match the file name (${persona.id}.json)` }]));
      continue;
    }
    personas.set(persona.id, persona);
    fileOf.set(persona.id, file);
  }
  if (errors.length > 0) {
    throw new AggregateError(errors, `invalid personas:\n${errors.map((e) => `  ${e.message}`).join('\n')}`);
  }
  return personas;
}
