// Sentence splitting for sentence-by-sentence TTS: the first sentence can play while the rest is synthesized.

// Abbreviations whose trailing dot does not end a sentence. Kept short on purpose: NPC lines are simple prose.
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'st', 'sr', 'jr', 'prof', 'capt', 'sgt', 'lt', 'col', 'gen', 'mt', 'vs', 'etc', 'no',
]);

/** Splits text into sentences at `.`, `!`, `?` and `;` (punctuation kept), never splitting after "Mr." and similar; never returns empty strings. */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  // A sentence is a run up to a group of terminators (e.g. "?!" or "..."), plus closing quotes/brackets after it.
  const re = /[^.!?;]*(?:[.!?;]+["'”’)\]]*|$)/g;
  let pending = '';
  for (const match of text.matchAll(re)) {
    const piece = match[0];
    if (piece === '') continue;
    pending += piece;
    const trimmed = pending.trim();
    if (trimmed === '') continue;
    const lastWord = /([A-Za-z]+)\.$/.exec(trimmed)?.[1]?.toLowerCase();
    // "Mr. Smith" or "3.5": the dot is not a sentence end, keep accumulating.
    const next = text.slice((match.index ?? 0) + piece.length);
    const isAbbreviation = lastWord !== undefined && ABBREVIATIONS.has(lastWord) && /^\s+\S/.test(next);
    const isDecimal = /\d\.$/.test(trimmed) && /^\d/.test(next);
    if (isAbbreviation || isDecimal) continue;
    // Bare punctuation (e.g. "...") has nothing to say on its own; attach it to the previous sentence.
    if (!/[\p{L}\p{N}]/u.test(trimmed) && sentences.length > 0) {
      sentences[sentences.length - 1] += trimmed;
    } else {
      sentences.push(trimmed);
    }
    pending = '';
  }
  const rest = pending.trim();
  if (rest !== '') sentences.push(rest);
  return sentences;
}
