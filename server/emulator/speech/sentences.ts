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

/** Flite's cost grows faster than linearly with the length of one utterance: pieces longer than this are split. */
export const DEFAULT_MAX_UTTERANCE_CHARS = 300;

/**
 * Splits text into sentences ({@link splitSentences}) and splits any sentence longer than `maxChars` further: at the
 * last comma, colon or dash that leaves a piece of at least a third of `maxChars`, else at the last space, else
 * (one huge "word") hard at `maxChars`. Every piece is at most `maxChars` long and none is empty.
 */
export function splitUtterances(text: string, maxChars = DEFAULT_MAX_UTTERANCE_CHARS): string[] {
  const limit = Math.max(20, Math.floor(maxChars));
  const pieces: string[] = [];
  for (const sentence of splitSentences(text)) {
    let rest = sentence;
    while (rest.length > limit) {
      const head = rest.slice(0, limit + 1);
      const minCut = Math.floor(limit / 3);
      // After a comma or colon (kept with its clause), before a dash, else at a word boundary.
      let cut = Math.max(Math.max(head.lastIndexOf(', '), head.lastIndexOf(': ')) + 1, head.lastIndexOf(' - '));
      if (cut < minCut) cut = head.lastIndexOf(' ');
      if (cut < minCut) cut = limit;
      const piece = rest.slice(0, cut).trim();
      if (piece !== '') pieces.push(piece);
      rest = rest.slice(cut).trim();
    }
    if (rest !== '') pieces.push(rest);
  }
  return pieces;
}
