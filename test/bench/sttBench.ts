import { loadPersonas } from '../../server/personas/loadPersonas.js';
import { PersonaBrain } from '../../server/emulator/brain/PersonaBrain.js';
import { buildGrammar } from '../../server/emulator/speech/grammar.js';
import { createSphinxStt } from '../../server/emulator/speech/sphinxStt.js';
import type { Grammar } from '../../server/emulator/speech/types.js';
import {
  addDither,
  addWhiteNoise,
  disposePlayerSpeech,
  resampleRoundTrip,
  synthesizePlayerSpeech,
  withNoisePadding,
  withSilence,
  type PlayerVoice,
} from '../support/speechFixtures.js';

/** What players say to each demo NPC (all in its grammar). */
const IN_GRAMMAR: Record<string, string[]> = {
  blacksmith: ['give me a sword', 'i need a shield', 'tell me about the forge', 'what about the iron', 'can i have a sword', 'who are you', 'good morning', 'goodbye', 'hello', 'thank you'],
  guard: ['open the gate', 'please open the gate', 'let me through', 'tell me about the wolves', 'what is your name', 'hello', 'thank you', 'hi', 'yes', 'no'],
  herbalist: ['what do i have', 'check my inventory', 'tell me about the marsh', 'what about the healing', 'potions', 'hello', 'help', 'hi', 'bye', 'goodbye'],
};

/** Off-script speech: in no persona's grammar. Every one is tried against every persona. */
const OFF_SCRIPT = [
  'what is the weather like',
  'what is the weather like today',
  'is it going to rain tomorrow',
  'who won the football match',
  'tell me a joke',
  'one two three four five',
  'seventeen',
  'what is two plus two',
  'my name is peter',
  'where is john',
  'send an email to mary',
  'can you sing me a song',
  'my horse is very tired',
  'i like turtles',
  'the train leaves at seven',
  'please pass the salt',
  'how old are you',
  'what time is it',
  'do you like pizza',
  'i lost my phone',
  'the quick brown fox jumps over the lazy dog',
  'where do you live',
  'what is the capital of france',
  'play some music',
  'turn on the lights',
  'how are you doing',
  'open the door quickly',
  'i want to buy a car',
];

const VOICES: PlayerVoice[] = ['awb', 'slt'];
const RATE = 24_000;

/** How the player's audio reaches the recognizer; `seed` varies the noise between utterances. */
const CONDITIONS: { name: string; offScript: boolean; make: (pcm: Int16Array, seed: number) => Int16Array }[] = [
  { name: 'clean (digital silence)', offScript: true, make: (p) => withSilence(p, 300, 300) },
  { name: '±1 LSB dither', offScript: false, make: (p, s) => addDither(withSilence(p, 300, 300), s) },
  { name: 'white noise -66 dBFS', offScript: false, make: (p, s) => addWhiteNoise(withSilence(p, 300, 300), -66, s) },
  { name: 'white noise -60 dBFS', offScript: true, make: (p, s) => addWhiteNoise(withSilence(p, 300, 300), -60, s) },
  { name: '48 kHz round trip + -66 dBFS', offScript: false, make: (p, s) => addWhiteNoise(resampleRoundTrip(withSilence(p, 300, 300)), -66, s) },
  {
    name: '6 s commit, 2 s noise before, -60 dBFS',
    offScript: false,
    make: (p, s) => withNoisePadding(p, 2000, Math.max(300, 4000 - (p.length * 1000) / RATE), -60, s),
  },
];

interface Tally {
  correct: number;
  wrong: number;
  rejected: number;
  total: number;
  offAccepted: number;
  offTotal: number;
}

const pct = (n: number, d: number): string => (d === 0 ? '—' : `${((100 * n) / d).toFixed(1)} %`);

/**
 * STT accuracy and rejection on synthetic player speech in two voices, against each demo persona's grammar, clean and
 * with the noise a real microphone adds.
 */
export async function runSttBench(): Promise<string> {
  const personas = await loadPersonas();
  const stt = await createSphinxStt();
  const grammars = new Map<string, Grammar>();
  for (const id of Object.keys(IN_GRAMMAR)) grammars.set(id, buildGrammar(new PersonaBrain(personas.get(id)!).grammarPhrases()));
  const speech = new Map<string, Int16Array>();
  const say = async (text: string, voice: PlayerVoice): Promise<Int16Array> => {
    const key = `${voice}:${text}`;
    let pcm = speech.get(key);
    if (!pcm) speech.set(key, (pcm = await synthesizePlayerSpeech(text, voice)));
    return pcm;
  };
  let decodeMs = 0;
  let audioMs = 0;
  const hear = (pcm: Int16Array, grammar: Grammar): string | null => {
    const started = performance.now();
    const stream = stt.start(grammar);
    for (let i = 0; i < pcm.length; i += 2400) stream.write(pcm.subarray(i, i + 2400));
    const { text } = stream.end();
    decodeMs += performance.now() - started;
    audioMs += (pcm.length / RATE) * 1000;
    return text;
  };
  const tallies: { name: string; t: Tally }[] = [];
  const misses: string[] = [];
  const falseAccepts = new Map<string, number>();
  try {
    for (const condition of CONDITIONS) {
      const t: Tally = { correct: 0, wrong: 0, rejected: 0, total: 0, offAccepted: 0, offTotal: 0 };
      let seed = 1;
      for (const voice of VOICES) {
        for (const [id, phrases] of Object.entries(IN_GRAMMAR)) {
          const grammar = grammars.get(id)!;
          for (const text of phrases) {
            const heard = hear(condition.make(await say(text, voice), seed++), grammar);
            t.total++;
            if (heard === text) t.correct++;
            else {
              if (heard === null) t.rejected++;
              else t.wrong++;
              misses.push(`${condition.name}: "${text}" (${voice}, ${id}) → ${heard === null ? 'rejected' : `"${heard}"`}`);
            }
          }
          if (!condition.offScript) continue;
          for (const text of OFF_SCRIPT) {
            const heard = hear(condition.make(await say(text, voice), seed++), grammar);
            t.offTotal++;
            if (heard !== null) {
              t.offAccepted++;
              const line = `"${text}" → "${heard}" (${id})`;
              falseAccepts.set(line, (falseAccepts.get(line) ?? 0) + 1);
            }
          }
        }
      }
      tallies.push({ name: condition.name, t });
    }
  } finally {
    stt.dispose();
    await disposePlayerSpeech();
  }
  const inTotal = tallies.reduce((n, { t }) => n + t.total, 0);
  const noisy = tallies.slice(1);
  const noisyCorrect = noisy.reduce((n, { t }) => n + t.correct, 0);
  const noisyTotal = noisy.reduce((n, { t }) => n + t.total, 0);
  const rows = [
    '## Speech-to-text (soundswallower, per-persona grammar, speech gate, garbage-loop and filler-speech rejection)',
    '',
    `Player speech synthesized with flite \`awb\` and \`slt\` (no NPC uses these voices), fed in 100 ms chunks to each demo persona's grammar: ${inTotal / tallies.length} in-grammar utterances per condition (${Object.values(IN_GRAMMAR).flat().length} phrases × 2 voices) and ${OFF_SCRIPT.length} off-script sentences × 2 voices × 3 personas (${OFF_SCRIPT.length * 6}) in the clean and the -60 dBFS condition. Noise is seeded white noise added to the whole utterance; 300 ms of padding each side unless stated.`,
    '',
    '| condition | in-grammar exact | falsely rejected | misheard | off-script falsely accepted |',
    '|---|---|---|---|---|',
    ...tallies.map(
      ({ name, t }) =>
        `| ${name} | **${t.correct}/${t.total}** (${pct(t.correct, t.total)}) | ${t.rejected} (${pct(t.rejected, t.total)}) | ${t.wrong} (${pct(t.wrong, t.total)}) | ${t.offTotal === 0 ? '—' : `**${t.offAccepted}/${t.offTotal}** (${pct(t.offAccepted, t.offTotal)})`} |`,
    ),
    '',
    `In-grammar recognition over all noisy conditions: **${noisyCorrect}/${noisyTotal}** (${pct(noisyCorrect, noisyTotal)}). Decoding real-time factor ${(decodeMs / audioMs).toFixed(3)}.`,
    '',
    misses.length > 0 ? `In-grammar misses: ${misses.join('; ')}.` : 'No in-grammar misses.',
    '',
    falseAccepts.size > 0
      ? `Off-script false accepts (count over both voices and conditions): ${[...falseAccepts].map(([line, n]) => (n > 1 ? `${line} ×${n}` : line)).join('; ')}.`
      : 'No off-script false accepts.',
  ];
  return rows.join('\n');
}
