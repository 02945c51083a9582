import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { PersonaError, parsePersonaJson } from '../../plugin/shared/parsePersona.js';
import type { Persona } from '../../plugin/shared/personaSchema.js';
import { packagePath } from '../packageRoot.js';

/** Where the demo personas live. */
export const DEFAULT_PERSONA_DIR = `${packagePath('assets', 'personas')}/`;

/** Loaded personas by id. */
export type PersonaMap = ReadonlyMap<string, Persona>;

/** What {@link checkPersonaFiles} found: the valid personas by id, and every problem. */
export interface PersonaCheck {
  personas: PersonaMap;
  errors: PersonaError[];
}

/**
 * Validates persona files without throwing: each against the schema, each id against its file name, and ids
 * against each other. `files` name the sources in errors as given.
 */
export async function checkPersonaFiles(files: readonly string[]): Promise<PersonaCheck> {
  const personas = new Map<string, Persona>();
  const fileOf = new Map<string, string>();
  const errors: PersonaError[] = [];
  for (const file of files) {
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
    if (`${persona.id}.json` !== path.basename(file)) {
      errors.push(new PersonaError(file, [{ path: 'id', message: `id "${persona.id}" must match the file name (${persona.id}.json)` }]));
      continue;
    }
    personas.set(persona.id, persona);
    fileOf.set(persona.id, file);
  }
  return { personas, errors };
}

/** The `*.json` files in `dir`, sorted, joined onto `dir` as given. */
export async function personaFilesIn(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => path.join(dir, name));
}

/**
 * Loads and validates every `*.json` in `dir`. Collects every problem before failing so a designer sees them all.
 * @throws AggregateError of {@link PersonaError}s when any file is invalid, duplicates another's id, or its id does
 *   not match its file name.
 */
export async function loadPersonas(dir: string = DEFAULT_PERSONA_DIR): Promise<PersonaMap> {
  const { personas, errors } = await checkPersonaFiles(await personaFilesIn(dir));
  if (errors.length > 0) {
    throw new AggregateError(errors, `invalid personas:\n${errors.map((e) => `  ${e.message}`).join('\n')}`);
  }
  return personas;
}
