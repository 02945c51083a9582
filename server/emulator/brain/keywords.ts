// Keyword matching for what the player said in their own words (the open-vocabulary recognizer, or typed text): a
// knowledge keyword counts in any number ("a wolf" finds the topic keyed "wolves") and the topic mentioned most wins.
import type { KnowledgeTopic } from '../../../plugin/shared/personaSchema.js';
import { normalizePhrase } from '../speech/grammar.js';

/**
 * Reduces an English word to a singular, possessive-free form, the same for both numbers of common nouns: "wolves" and
 * "wolf" → "wolf", "berries" → "berry", "boxes" → "box", "potions" → "potion", "smith's" → "smith", "knives" and
 * "knife" → "knif". Not a full stemmer: verbs and adjectives keep their endings.
 */
export function stemWord(word: string): string {
  const w = word.toLowerCase().replace(/'s$|'$/, '');
  if (w.length <= 3) return w;
  if (w.endsWith('ves')) return w.slice(0, -3) + 'f';
  if (w.endsWith('fe')) return w.slice(0, -1);
  if (w.endsWith('ies')) return w.slice(0, -3) + 'y';
  if (/(?:s|x|z|ch|sh)es$/.test(w)) return w.slice(0, -2);
  if (/[^su]s$/.test(w) && !w.endsWith('is')) return w.slice(0, -1);
  return w;
}

/** The words of a phrase, normalised and stemmed, joined by single spaces. */
function stemmed(text: string): string {
  return normalizePhrase(text).split(' ').filter(Boolean).map(stemWord).join(' ');
}

/** Whether `text` mentions `keyword` (one word or several) as whole words, in either number. */
export function mentionsKeyword(text: string, keyword: string): boolean {
  const k = stemmed(keyword);
  return k !== '' && ` ${stemmed(text)} `.includes(` ${k} `);
}

/**
 * The knowledge topic `text` mentions the most keywords of (the first such topic on a tie), or undefined when it
 * mentions none: "are there wolves in the forest" picks the topic keyed `wolves, forest` over one keyed `forest`.
 */
export function bestTopic(text: string, topics: readonly KnowledgeTopic[]): KnowledgeTopic | undefined {
  let best: KnowledgeTopic | undefined;
  let bestHits = 0;
  for (const topic of topics) {
    const hits = topic.keywords.filter((k) => mentionsKeyword(text, k)).length;
    if (hits > bestHits) {
      best = topic;
      bestHits = hits;
    }
  }
  return best;
}
