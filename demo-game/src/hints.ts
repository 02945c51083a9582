import type { Persona } from '../../plugin/index.js';

/** How the player would call a villager: "Brom the Blacksmith" → "Brom"; "Captain Hale" stays whole. */
export function shortName(displayName: string): string {
  const cut = displayName.indexOf(' the ');
  return cut > 0 ? displayName.slice(0, cut) : displayName;
}

/**
 * What a villager can be asked, from their persona, for the hint under their feet: the first phrase of their first
 * tool intent and their knowledge topics, e.g. `Ask Brom: "give me a sword" · the forge, steel, the road`.
 */
export function askHint(persona: Persona): string {
  const name = shortName(persona.displayName);
  const act = persona.intents.find((i) => i.tool)?.phrases[0];
  const topics = persona.knowledge.map((k) => k.topic);
  const parts = [act ? `"${act}"` : '', topics.length ? `about ${topics.join(', ')}` : ''].filter((p) => p !== '');
  return parts.length ? `Ask ${name}: ${parts.join(' · ')}` : `Say hello to ${name}`;
}
