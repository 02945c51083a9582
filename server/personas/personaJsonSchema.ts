import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as z from 'zod/mini';
import { PersonaSchema } from '../../plugin/shared/personaSchema.js';
import { packagePath } from '../packageRoot.js';

/** Where the generated JSON Schema lives; every persona names it in `$schema`. */
export const PERSONA_JSON_SCHEMA_PATH = packagePath('assets', 'persona.schema.json');

/** The persona JSON Schema text, generated from the zod schema (input side: defaults are optional for designers). */
export function personaJsonSchemaText(): string {
  const schema = z.toJSONSchema(PersonaSchema, { io: 'input', target: 'draft-07', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'phaser-npc-voice persona' }, null, 2)}\n`;
}

// `npm run schema` regenerates the file; a unit test fails when it is stale.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(PERSONA_JSON_SCHEMA_PATH, personaJsonSchemaText());
  process.stdout.write(`wrote ${PERSONA_JSON_SCHEMA_PATH}\n`);
}
