import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePersona } from '../../../plugin/shared/parsePersona.js';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { fakeMintFetch } from '../../../plugin/testing/index.js';

/** Reads a persona from assets/personas as raw JSON (what a game passes to the plugin). */
export function personaJson(id: string): Record<string, unknown> {
  const path = fileURLToPath(new URL(`../../../assets/personas/${id}.json`, import.meta.url));
  const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${id}.json is not an object`);
  return { ...value };
}

/** A validated persona with optional overrides. */
export function persona(id: string, overrides: Record<string, unknown> = {}): Persona {
  const result = parsePersona({ ...personaJson(id), ...overrides }, `${id}.json`);
  if (!result.ok) throw result.error;
  return result.persona;
}

/** A mint `fetch` that holds every key until `release()`: the session stays `connecting` meanwhile. */
export function deferredMint(): { fetch: (input: string, init: RequestInit) => Promise<Response>; release: () => void } {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const mint = fakeMintFetch();
  return {
    fetch: async (input, init) => {
      await released;
      return mint(input, init);
    },
    release: () => release(),
  };
}
