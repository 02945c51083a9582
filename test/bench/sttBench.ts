import { loadPersonas } from '../../server/personas/loadPersonas.js';
import { PersonaBrain } from '../../server/emulator/brain/PersonaBrain.js';
import { buildGrammar } from '../../server/emulator/speech/grammar.js';
import { createSphinxStt } from '../../server/emulator/speech/sphinxStt.js';
import { disposePlayerSpeech, synthesizePlayerSpeech, withSilence, type PlayerVoice } from '../support/speechFixtures.js';

/** What players say to each demo NPC (all in its grammar). */
const IN_GRAMMAR: Record<string, string[]> = {
  blacksmith: ['give me a sword', 'i need a shield', 'tell me about the forge', 'who are you', 'good morning', 'goodbye'],
  guard: ['open the gate', 'let me through', 'tell me about the wolves', 'what is your name', 'hello', 'thank you'],
  herbalist: ['what do i have', 'check my inventory', 'tell me about the marsh', 'potions', 'hi', 'bye'],
};

/** Things no persona listens for: the recognizer must reject them rather than force a match. */
const OUT_OF_GRAMMAR = [
  'what is the weather like today',
  'can you sing me a song',
  'my horse is very tired',
  'i like turtles',
  'the train leaves at seven',
  'please pass the salt',
];

const VOICES: PlayerVoice[] = ['awb', 'slt'];

/** STT accuracy on synthetic player speech in two voices, against each persona's grammar. */
export async function runSttBench(): Promise<string> {
  const personas = await loadPersonas();
  const stt = await createSphinxStt();
  const rows: string[] = [];
  let exact = 0;
  let total = 0;
  let rejected = 0;
  let oogTotal = 0;
  const misses: string[] = [];
  let decodeMs = 0;
  let audioMs = 0;
  try {
    for (const [id, phrases] of Object.entries(IN_GRAMMAR)) {
      const grammar = buildGrammar(new PersonaBrain(personas.get(id)!).grammarPhrases());
      const cases = [...phrases.map((text) => ({ text, oog: false })), ...OUT_OF_GRAMMAR.slice(0, 2).map((text) => ({ text, oog: true }))];
      for (const voice of VOICES) {
        for (const { text, oog } of cases) {
          const pcm = withSilence(await synthesizePlayerSpeech(text, voice), 300, 300);
          const started = performance.now();
          const stream = stt.start(grammar);
          for (let i = 0; i < pcm.length; i += 2400) stream.write(pcm.subarray(i, i + 2400));
          const result = stream.end();
          decodeMs += performance.now() - started;
          audioMs += (pcm.length / 24_000) * 1000;
          if (oog) {
            oogTotal++;
            if (result.text === null) rejected++;
            else misses.push(`OOG "${text}" (${voice}) → "${result.text}"`);
          } else {
            total++;
            if (result.text === text) exact++;
            else misses.push(`"${text}" (${voice}, ${id}) → ${result.text === null ? 'rejected' : `"${result.text}"`}`);
          }
        }
      }
    }
    // The remaining out-of-grammar sentences against the blacksmith's grammar, both voices.
    const grammar = buildGrammar(new PersonaBrain(personas.get('blacksmith')!).grammarPhrases());
    for (const voice of VOICES) {
      for (const text of OUT_OF_GRAMMAR.slice(2)) {
        const stream = stt.start(grammar);
        stream.write(withSilence(await synthesizePlayerSpeech(text, voice), 300, 300));
        const result = stream.end();
        oogTotal++;
        if (result.text === null) rejected++;
        else misses.push(`OOG "${text}" (${voice}) → "${result.text}"`);
      }
    }
  } finally {
    stt.dispose();
    await disposePlayerSpeech();
  }
  rows.push(
    '## Speech-to-text (soundswallower, per-persona grammar with garbage-loop rejection)',
    '',
    'Player speech synthesized with flite `awb` and `slt` (no NPC uses these voices), 300 ms of silence each side, fed in 100 ms chunks.',
    '',
    '| measure | result | goal |',
    '|---|---|---|',
    `| exact-phrase accuracy, in-grammar | **${exact}/${total}** (${((100 * exact) / total).toFixed(1)} %) | ≥ 90 % over ≥ 30 |`,
    `| out-of-grammar utterances rejected | **${rejected}/${oogTotal}** | ≥ 10 rejected |`,
    `| decoding real-time factor | ${(decodeMs / audioMs).toFixed(3)} | — |`,
    '',
    misses.length > 0 ? `Misses: ${misses.join('; ')}.` : 'No misses.',
  );
  return rows.join('\n');
}
