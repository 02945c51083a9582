import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePersona, parsePersonaJson } from '../../../plugin/shared/parsePersona.js';
import { buildInstructions, personaSessionConfig } from '../../../plugin/shared/sessionConfig.js';
import { DEFAULT_PERSONA_DIR, loadPersonas } from '../../../server/personas/loadPersonas.js';
import { PERSONA_JSON_SCHEMA_PATH, personaJsonSchemaText } from '../../../server/personas/personaJsonSchema.js';

async function demoPersona(id: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path.join(DEFAULT_PERSONA_DIR, `${id}.json`), 'utf8')) as Record<string, unknown>;
}

function firstError(value: unknown, file = 'assets/personas/x.json'): string {
  const result = parsePersona(value, file);
  if (result.ok) throw new Error('expected a validation error');
  return result.error.message;
}

describe('persona files', () => {
  it('the three demo personas are valid, distinct characters with distinct voices', async () => {
    const personas = await loadPersonas();
    expect([...personas.keys()]).toEqual(['blacksmith', 'guard', 'herbalist']);
    const all = [...personas.values()];
    expect(new Set(all.map((p) => p.voice)).size).toBe(3);
    expect(new Set(all.map((p) => JSON.stringify(p.localVoice))).size).toBe(3);
    expect(new Set(all.map((p) => p.turnTaking.mode)).size).toBe(3);
    // Each can change the game through a tool of its own.
    expect(all.map((p) => p.tools)).toEqual([['give_item'], ['open_gate'], ['get_inventory']]);
  });

  it('every persona names the generated schema in $schema', async () => {
    for (const name of await readdir(DEFAULT_PERSONA_DIR)) {
      const json = JSON.parse(await readFile(path.join(DEFAULT_PERSONA_DIR, name), 'utf8')) as { $schema?: string };
      expect(json.$schema, name).toBe('../persona.schema.json');
    }
  });

  it('assets/persona.schema.json is up to date with the zod schema (run `npm run schema` if this fails)', async () => {
    expect(await readFile(PERSONA_JSON_SCHEMA_PATH, 'utf8')).toBe(personaJsonSchemaText());
  });

  it('fills defaults designers may leave out', async () => {
    const json = await demoPersona('guard');
    delete json.spatial;
    delete json.guardrails;
    delete json.fallback;
    const result = parsePersona(json, 'guard.json');
    expect(result.ok && result.persona.spatial).toEqual({
      refDistance: 100,
      maxDistance: 600,
      rolloffFactor: 1,
      distanceModel: 'inverse',
      panningModel: 'HRTF',
    });
    expect(result.ok && result.persona.fallback).toBe("Sorry, I didn't catch that.");
  });
});

describe('persona validation errors name the file, the JSON path and what was expected', () => {
  it('missing field', async () => {
    const json = await demoPersona('blacksmith');
    delete json.greeting;
    expect(firstError(json)).toBe('assets/personas/x.json: at "greeting": missing required field (expected string)');
  });

  it('wrong type', async () => {
    const json = await demoPersona('blacksmith');
    json.hearingRadiusPx = 'far';
    expect(firstError(json)).toMatch(/^assets\/personas\/x\.json: at "hearingRadiusPx": .*expected number, received string/);
  });

  it('unknown field, named by its own path', async () => {
    const json = await demoPersona('blacksmith');
    (json.localVoice as Record<string, unknown>).pich = 90;
    expect(firstError(json)).toBe('assets/personas/x.json: at "localVoice.pich": unknown field "pich" (check the spelling against persona.schema.json)');
  });

  it('bad enum value', async () => {
    const json = await demoPersona('blacksmith');
    json.voice = 'gandalf';
    expect(firstError(json)).toMatch(/at "voice": Invalid option: expected one of "alloy"\|"ash"/);
  });

  it('nested paths inside arrays', async () => {
    const json = await demoPersona('blacksmith');
    (json.intents as Record<string, unknown>[])[1]!.phrases = ['give me 2 shields!'];
    expect(firstError(json)).toMatch(/at "intents\[1\]\.phrases\[0\]": letters, spaces and apostrophes only/);
  });

  it('an intent calling a tool the persona may not use', async () => {
    const json = await demoPersona('blacksmith');
    json.tools = [];
    expect(firstError(json)).toMatch(/at "intents\[0\]\.tool\.name": tool "give_item" is not in this persona's `tools`/);
  });

  it('onImage: a line or a non-empty list of lines, errors at the field or the list entry', async () => {
    const json = await demoPersona('blacksmith');
    for (const good of ['A fine map!', ['A fine map!', 'Another one?']]) {
      const result = parsePersona({ ...json, onImage: good }, 'x.json');
      expect(result.ok && result.persona.onImage).toEqual(good);
    }
    expect(firstError({ ...json, onImage: [] })).toMatch(/at "onImage": /);
    expect(firstError({ ...json, onImage: 42 })).toMatch(/at "onImage": /);
    expect(firstError({ ...json, onImage: ['Fine.', '  '] })).toMatch(/at "onImage(\[1\])?": /);
    const without = { ...json };
    delete without.onImage;
    const parsed = parsePersona(without, 'x.json');
    expect(parsed.ok && parsed.persona.onImage).toBeUndefined();
  });

  it('turn-taking mode outside the enum', async () => {
    const json = await demoPersona('guard');
    json.turnTaking = { mode: 'telepathy' };
    expect(firstError(json)).toMatch(/at "turnTaking\.mode": /);
  });

  it('a file that is not JSON', () => {
    const result = parsePersonaJson('{ "id": "x", ', 'assets/personas/broken.json');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toMatch(/^assets\/personas\/broken\.json: not valid JSON: /);
  });

  it('a file that is not JSON says the line and column of the mistake', () => {
    const result = parsePersonaJson('{\n  "id": "x",\n  }', 'broken.json');
    expect(!result.ok && result.error.message).toMatch(/^broken\.json: not valid JSON: .*\(line 3,? column 3\)/);
  });

  it('duplicate ids across files, and an id that does not match its file name', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'personas-'));
    const guard = await demoPersona('guard');
    await writeFile(path.join(dir, 'guard.json'), JSON.stringify(guard));
    await writeFile(path.join(dir, 'guard2.json'), JSON.stringify(guard));
    const error = await loadPersonas(dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AggregateError);
    const messages = (error as AggregateError).errors.map((e: Error) => e.message);
    expect(messages).toEqual([`${path.join(dir, 'guard2.json')}: at "id": duplicate id "guard" (also used by ${path.join(dir, 'guard.json')})`]);
  });

  it('reports every invalid file at once', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'personas-'));
    await writeFile(path.join(dir, 'a.json'), 'not json');
    await writeFile(path.join(dir, 'b.json'), '{}');
    const error = (await loadPersonas(dir).catch((err: unknown) => err)) as AggregateError;
    expect(error.errors).toHaveLength(2);
    expect(error.message).toContain('a.json: not valid JSON');
    expect(error.message).toContain('b.json: at "id": missing required field');
  });
});

describe('persona → session config', () => {
  it('carries instructions, voice, tool names and turn detection', async () => {
    const personas = await loadPersonas();
    const guard = personas.get('guard')!;
    const session = personaSessionConfig(guard, 'gpt-realtime');
    expect(session.instructions.startsWith(guard.instructions)).toBe(true);
    expect(session.instructions).toContain('Never discuss: bribe, the prisoner');
    expect(session.audio.output.voice).toBe('cedar');
    expect(session.tools.map((t) => t.name)).toEqual(['open_gate']);
    expect(session.audio.input.turn_detection).toEqual({
      type: 'server_vad',
      threshold: 0.5,
      prefix_padding_ms: 300,
      silence_duration_ms: 500,
      create_response: true,
      interrupt_response: true,
    });
    expect(personaSessionConfig(personas.get('blacksmith')!).audio.input.turn_detection).toBeNull();
    expect(personaSessionConfig(personas.get('herbalist')!).audio.input.turn_detection).toMatchObject({
      type: 'semantic_vad',
      eagerness: 'high',
    });
    expect(buildInstructions(guard)).toContain('Halt. State your business at the gate.');
  });
});

describe('resultTemplate placeholders', () => {
  it('reports a placeholder that is not {result} or {result.field}, naming the file and the field', async () => {
    const smith = await demoPersona('blacksmith');
    const intents = smith.intents as Record<string, unknown>[];
    const broken = { ...smith, intents: [{ ...intents[0], resultTemplate: 'There. The {item} is yours.' }, ...intents.slice(1)] };
    expect(firstError(broken, 'personas/blacksmith.json')).toMatch(
      /^personas\/blacksmith\.json: at "intents\[0\]\.resultTemplate": unknown placeholder: use \{result\}/,
    );
  });

  it('accepts {result}, nested fields and text without placeholders', async () => {
    const smith = await demoPersona('blacksmith');
    const intents = smith.intents as Record<string, unknown>[];
    for (const template of ['Got {result}.', 'The {result.item.name} is yours.', 'Done.']) {
      const result = parsePersona({ ...smith, intents: [{ ...intents[0], resultTemplate: template }, ...intents.slice(1)] }, 'blacksmith.json');
      expect(result.ok, template).toBe(true);
    }
  });
});
