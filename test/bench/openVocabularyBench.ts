import { PersonaBrain } from '../../server/emulator/brain/PersonaBrain.js';
import { buildGrammar, normalizePhrase } from '../../server/emulator/speech/grammar.js';
import { createOpenVocabularyStt, OPEN_VOCABULARY_DECODER_FLAGS, type OpenVocabularyStt } from '../../server/emulator/speech/openVocabularyStt.js';
import { createSphinxStt } from '../../server/emulator/speech/sphinxStt.js';
import type { Grammar } from '../../server/emulator/speech/types.js';
import { loadPersonas } from '../../server/personas/loadPersonas.js';
import { addWhiteNoise, disposePlayerSpeech, synthesizePlayerSpeech, withSilence, type PlayerVoice } from '../support/speechFixtures.js';
import { IN_GRAMMAR } from './sttBench.js';

/** Off-script sentences that name no knowledge keyword: small talk, weather, errands. Tried against every persona. */
export const OFF_SCRIPT_GENERAL = [
  'hello good morning',
  'what is the weather like today',
  'is it going to rain tomorrow',
  'i lost my phone',
  'my horse is very tired',
  'can you recommend a good book',
  'how much does a ticket cost',
  'nice to meet you',
  'where do you live',
  'what time is it',
  'the coffee here is great',
  'i had a long day at work',
  'my sister is coming to visit',
  'did you watch the game last night',
  'the sun is shining today',
];

/** Off-script sentences that contain one of a persona's knowledge keywords, with the topic the NPC should answer. */
export const OFF_SCRIPT_KEYWORDS: { persona: string; text: string; topic: string }[] = [
  { persona: 'guard', text: 'are there any wolves in the forest', topic: 'wolves' },
  { persona: 'guard', text: 'is it dangerous to walk in the forest at night', topic: 'wolves' },
  { persona: 'guard', text: 'who is your captain', topic: 'watch' },
  { persona: 'blacksmith', text: 'how hot is the fire in your forge', topic: 'forge' },
  { persona: 'blacksmith', text: 'do you work with iron or steel', topic: 'steel' },
  { persona: 'blacksmith', text: 'which road goes north', topic: 'road' },
  { persona: 'herbalist', text: 'do you grow any flowers', topic: 'herbs' },
  { persona: 'herbalist', text: 'i need some healing for my arm', topic: 'potions' },
  { persona: 'herbalist', text: 'is the swamp far from here', topic: 'marsh' },
];

const VOICES: PlayerVoice[] = ['awb', 'slt'];

/** Word-level Levenshtein distance: substitutions + deletions + insertions turning `ref` into `hyp`. */
export function wordErrors(ref: readonly string[], hyp: readonly string[]): number {
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const row = [i];
    for (let j = 1; j <= hyp.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[hyp.length] ?? 0;
}

const words = (text: string | null): string[] => (text === null ? [] : normalizePhrase(text).split(' ').filter(Boolean));
const pct = (n: number, d: number): string => (d === 0 ? '—' : `${((100 * n) / d).toFixed(1)} %`);
const frac = (n: number, d: number): string => `${n}/${d} (${pct(n, d)})`;
const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

/** Accumulated word errors over a set of utterances. */
class Wer {
  errors = 0;
  refWords = 0;
  add(ref: string, hyp: string | null): void {
    const r = words(ref);
    this.errors += wordErrors(r, words(hyp));
    this.refWords += r.length;
  }
  toString(): string {
    return `${pct(this.errors, this.refWords)} (${this.errors}/${this.refWords} words)`;
  }
}

/**
 * The open-vocabulary fallback: word error rate on off-script player speech, in-grammar accuracy of the grammar pass
 * alone and with the fallback behind it (same audio, same run), what the NPC answers, and the latency the second
 * pass adds to a rejected turn.
 */
export async function runOpenVocabularyBench(): Promise<string> {
  const personas = await loadPersonas();
  const grammar = new Map<string, Grammar>();
  const brains = new Map<string, PersonaBrain>();
  for (const id of Object.keys(IN_GRAMMAR)) {
    const brain = new PersonaBrain(personas.get(id)!);
    brains.set(id, brain);
    grammar.set(id, buildGrammar(brain.grammarPhrases()));
  }
  const sphinx = await createSphinxStt();
  const tuned = await createOpenVocabularyStt();
  // Debian's pocketsphinx_batch defaults, for the speed/accuracy trade of the tuned beams.
  const stock = await createOpenVocabularyStt({ decoderFlags: { '-beam': '1e-48', '-pbeam': '1e-48', '-wbeam': '7e-29', '-maxhmmpf': '30000' } });
  const player = (pcm: Int16Array, seed: number): Int16Array => addWhiteNoise(withSilence(pcm, 300, 300), -66, seed);
  const grammarPass = (pcm: Int16Array, id: string): string | null => {
    const stream = sphinx.start(grammar.get(id)!);
    for (let i = 0; i < pcm.length; i += 2400) stream.write(pcm.subarray(i, i + 2400));
    return stream.end().text;
  };
  const timed = async (open: OpenVocabularyStt, pcm: Int16Array): Promise<{ text: string | null; ms: number }> => {
    const started = performance.now();
    const text = await open.transcribe(pcm);
    return { text, ms: performance.now() - started };
  };

  const inGrammar = { total: 0, before: 0, after: 0, rescued: 0 };
  const inMisses: string[] = [];
  const before = new Wer();
  const after = new Wer();
  const fallbackAlone = { tuned: new Wer(), stock: new Wer() };
  const latency = { tuned: [] as number[], stock: [] as number[] };
  const answers = { general: 0, generalFallbackLine: 0, generalBefore: 0, keyword: 0, keywordRight: 0, keywordBefore: 0 };
  const samples: string[] = [];
  const transcribedWith = new Map<string, string>();
  let seed = 1;
  try {
    for (const voice of VOICES) {
      for (const [id, phrases] of Object.entries(IN_GRAMMAR)) {
        for (const text of phrases) {
          const pcm = player(await synthesizePlayerSpeech(text, voice), seed++);
          const heard = grammarPass(pcm, id);
          const final = heard ?? (await tuned.transcribe(pcm));
          inGrammar.total++;
          if (heard === text) inGrammar.before++;
          if (final !== null && normalizePhrase(final) === text) inGrammar.after++;
          if (heard === null && final !== null && normalizePhrase(final) === text) inGrammar.rescued++;
          if (final !== text) inMisses.push(`"${text}" (${voice}, ${id}) → ${heard === null ? `rejected, fallback "${final ?? ''}"` : `"${heard}"`}`);
        }
      }
      const cases = [
        ...OFF_SCRIPT_GENERAL.flatMap((text) => Object.keys(IN_GRAMMAR).map((persona) => ({ persona, text, topic: undefined as string | undefined }))),
        ...OFF_SCRIPT_KEYWORDS,
      ];
      for (const { persona, text, topic } of cases) {
        const pcm = player(await synthesizePlayerSpeech(text, voice), seed++);
        const heard = grammarPass(pcm, persona);
        let final = heard;
        if (heard === null) {
          const fast = await timed(tuned, pcm);
          const slow = await timed(stock, pcm);
          latency.tuned.push(fast.ms);
          latency.stock.push(slow.ms);
          fallbackAlone.tuned.add(text, fast.text);
          fallbackAlone.stock.add(text, slow.text);
          final = fast.text;
        }
        before.add(text, heard);
        after.add(text, final);
        const key = `${voice}|${text}`;
        if (!transcribedWith.has(key)) {
          transcribedWith.set(key, final ?? '(nothing)');
          if (final !== text) samples.push(`"${text}" (${voice}) → "${final ?? ''}"`);
        }
        const brain = brains.get(persona)!;
        const decide = (t: string | null) => brain.decide(t === null ? { kind: 'unintelligible' } : { kind: 'text', text: t }, []);
        const now = decide(final);
        const then = decide(heard);
        if (topic === undefined) {
          answers.general++;
          if (now.reason === 'fallback') answers.generalFallbackLine++;
          if (then.reason !== 'fallback') answers.generalBefore++;
        } else {
          answers.keyword++;
          const want = personas.get(persona)!.knowledge.find((k) => k.topic === topic)?.answer;
          if (now.reason === 'knowledge' && now.say === want) answers.keywordRight++;
          if (then.reason === 'knowledge' && then.say === want) answers.keywordBefore++;
        }
      }
    }
  } finally {
    sphinx.dispose();
    await Promise.all([tuned.close(), stock.close()]);
    await disposePlayerSpeech();
  }
  const offCount = (OFF_SCRIPT_GENERAL.length + OFF_SCRIPT_KEYWORDS.length) * VOICES.length;
  return [
    '## Open-vocabulary fallback (Debian PocketSphinx behind the persona grammar)',
    '',
    `Player speech synthesized with flite \`awb\` and \`slt\`, 300 ms padding, white noise at -66 dBFS. Off-script: ${OFF_SCRIPT_GENERAL.length} everyday sentences (each tried against all 3 demo personas) and ${OFF_SCRIPT_KEYWORDS.length} that contain one of the persona's knowledge keywords (${offCount} distinct recordings, ${(OFF_SCRIPT_GENERAL.length * 3 + OFF_SCRIPT_KEYWORDS.length) * VOICES.length} turns). In-grammar: the ${Object.values(IN_GRAMMAR).flat().length} phrases of the STT bench × 2 voices. "Grammar only" is the recognizer before the fallback; "with fallback" hands every rejected turn to \`pocketsphinx_batch\` (\`pocketsphinx-en-us\`: trigram LM + CMUdict, 16 kHz) — same audio, same run.`,
    '',
    '| measure | grammar only | with fallback |',
    '|---|---|---|',
    `| off-script word error rate | ${before} | **${after}** |`,
    `| in-grammar exact (must stay ≥ 90 %) | ${frac(inGrammar.before, inGrammar.total)} | **${frac(inGrammar.after, inGrammar.total)}** (rejected phrases the fallback recovered: ${inGrammar.rescued}) |`,
    `| everyday off-script turns answered with the "didn't catch that" line | ${frac(answers.general - answers.generalBefore, answers.general)} | ${frac(answers.generalFallbackLine, answers.general)} |`,
    `| keyword sentences answered from the right knowledge topic | ${frac(answers.keywordBefore, answers.keyword)} | **${frac(answers.keywordRight, answers.keyword)}** |`,
    '',
    '| fallback decoder (rejected turns only) | WER of its transcripts | added latency p50 | p95 | max |',
    '|---|---|---|---|---|',
    `| tuned beams (the default: ${Object.entries(OPEN_VOCABULARY_DECODER_FLAGS).map(([k, v]) => `\`${k} ${v}\``).join(' ')}) | ${fallbackAlone.tuned} | **${quantile(latency.tuned, 0.5).toFixed(0)} ms** | **${quantile(latency.tuned, 0.95).toFixed(0)} ms** | ${Math.max(...latency.tuned).toFixed(0)} ms |`,
    `| pocketsphinx_batch defaults | ${fallbackAlone.stock} | ${quantile(latency.stock, 0.5).toFixed(0)} ms | ${quantile(latency.stock, 0.95).toFixed(0)} ms | ${Math.max(...latency.stock).toFixed(0)} ms |`,
    '',
    `Latency is from the grammar's rejection to the transcript (resample to 16 kHz, a temp file, the decode in the long-lived child process), over ${latency.tuned.length} rejected turns; the grammar pass itself is unchanged (see the STT section). The 2 cores were shared with other jobs.`,
    '',
    `In-grammar misses with the fallback: ${inMisses.join('; ') || 'none'}.`,
    '',
    `Off-script transcripts that were not exact (first persona tried): ${samples.join('; ') || 'none'}.`,
  ].join('\n');
}
