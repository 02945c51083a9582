// Local grammar-based STT on soundswallower (PocketSphinx in WASM). Every persona gets a JSGF grammar of the phrases it
// understands. A grammar decoder always forces some phrase onto the audio, so a second decoder hears the same audio
// through a free phone loop, and the phrase is rejected when the loop explains the audio much better than the phrase
// does (a likelihood-ratio test; see the STT bench for how its margin was chosen). A speech gate (speechGate.ts) trims
// the microphone's hiss off both ends first, and a result that explains clear speech as silence is rejected too.
// The older rejection, a phone-loop "garbage" alternative inside the grammar (offline-speech reference, §2.3), is kept
// as `rejection: 'garbage-alternative'`: it let 9 % of off-script sentences through as a confident wrong topic.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import createModule, { type Decoder, type DictEntry, type SoundSwallowerModule } from 'soundswallower';
import { pcm16ToFloat } from '../../../plugin/shared/pcm16.js';
import { COMMON_PRONUNCIATIONS, GARBAGE_PHONES, GARBAGE_PREFIX, grammarKey, normalizePhrase, toJsgf, type JsgfOptions } from './grammar.js';
import { SpeechGate } from './speechGate.js';
import { SAMPLE_RATE_HZ, type Grammar, type Recognition, type RecognitionStream, type SpeechToText } from './types.js';

/** Phrases left out of a grammar because some of their words have no pronunciation. */
export interface DroppedPhrases {
  /** Words missing from the dictionary (add them with `pronunciations`). */
  unknownWords: string[];
  /** Phrases removed from the grammar because they contain an unknown word. */
  phrases: string[];
}

/** Options for {@link createSphinxStt}. */
export interface SphinxSttOptions {
  /**
   * Most utterances decoded at once; each needs a grammar decoder and, with `rejection: 'phone-loop'`, a phone-loop
   * decoder, each holding its own ~30 MB model copy. Grammar decoders are reused via `set_grammar`.
   */
  maxDecoders?: number;
  /**
   * Extra ARPAbet pronunciations for words the dictionary lacks, e.g. `['eldoria', 'EH L D AO R IY AH']`, or
   * alternatives of words it has, e.g. `['hi(2)', 'AY']`.
   */
  pronunciations?: readonly DictEntry[];
  /** Adds {@link COMMON_PRONUNCIATIONS} (default true; false reproduces the recognizer before they were added). */
  commonPronunciations?: boolean;
  /** Word-insertion penalty of the grammar decoder; 0.01 makes the many-word garbage alternative expensive enough (reference §2.3). */
  wordInsertionPenalty?: number;
  /**
   * Most speech (ms, by energy) the decoder may explain as silence or noise before the result is rejected (default
   * 100): a short phrase plus "silence" over the rest of a sentence is a sentence outside the grammar.
   */
  maxFillerSpeechMs?: number;
  /** With `rejection: 'garbage-alternative'`: prior of "not understood" against the phrases (see {@link JsgfOptions.garbageWeight}; default 1). */
  garbageWeight?: number;
  /**
   * How out-of-grammar speech is told apart (default `'phone-loop'`): `'phone-loop'` decodes the audio a second time
   * with a free phone loop and applies {@link loopMargin}; `'garbage-alternative'` is the older single decode with
   * the loop as an alternative inside the grammar (cheaper, but about 9 % of off-script sentences got through).
   */
  rejection?: 'phone-loop' | 'garbage-alternative';
  /**
   * With `rejection: 'phone-loop'`: a phrase is rejected when the phone loop's path score beats the phrase's by more
   * than `base + perSpeechFrame × speech frames` (log-score units, 10 ms frames of speech by the gate). Defaults
   * `{ base: 1500, perSpeechFrame: -4 }`, chosen on a dev split of the STT bench: short words are let through on the
   * fixed allowance, and a long sentence must fit the phrase nearly as well as the free loop does.
   */
  loopMargin?: { base: number; perSpeechFrame: number };
  /** Extra soundswallower decoder settings (e.g. `{ remove_noise: false }`), for tuning; they override the defaults. */
  decoderConfig?: Readonly<Record<string, string | number | boolean>>;
  /** Called once per grammar that had phrases with unknown words (they are dropped, never a crash). */
  onDroppedPhrases?: (dropped: DroppedPhrases) => void;
}

/** The sphinx recognizer, with an extra method to inspect what a grammar compiles to. */
export interface SphinxStt extends SpeechToText {
  /** Reports the words and phrases of `grammar` the dictionary cannot handle. */
  check(grammar: Grammar): DroppedPhrases;
  /** Frees all decoders; later `start` calls throw. Safe to call twice. */
  dispose(): void;
}

interface Slot {
  decoder: Decoder;
  /** Free phone-loop decoder fed the same audio, for the likelihood-ratio test (absent with the garbage alternative). */
  loop: Decoder | undefined;
  /** Key of the grammar currently set on the decoder. */
  grammar: string | undefined;
  busy: boolean;
  lastUsed: number;
}

interface Compiled {
  jsgf: string;
  dropped: DroppedPhrases;
}

/** How many compiled JSGF strings to remember (cheap strings, unlike decoders). */
const COMPILED_CACHE_SIZE = 64;

let modulePromise: Promise<SoundSwallowerModule> | undefined;

function loadSoundSwallower(): Promise<SoundSwallowerModule> {
  modulePromise ??= (async () => {
    // In Node the package resolves "model/" against the cwd; point it at its own directory (trailing slash needed).
    const modelBase = join(dirname(createRequire(import.meta.url).resolve('soundswallower')), 'model') + '/';
    // printErr: the C library logs every grammar mismatch; the emulator must stay silent.
    const overrides: Partial<SoundSwallowerModule> & { modelBase: string } = {
      modelBase,
      print: () => {},
      printErr: () => {},
    };
    return createModule(overrides);
  })();
  return modulePromise;
}

/** Word alignment of a decoder result; times in seconds from the first decoded sample. */
interface AlignedWord {
  t: string;
  b: number;
  d: number;
}

/** Fillers the decoder inserts between words: silence `<sil>`, sentence marks `<s>`, noise words like `[NOISE]`. */
const isFiller = (word: string): boolean => word.startsWith('<') || word.startsWith('[');

/** How far below the loudest frame a frame still counts as clearly spoken (not a breath or a fading tail). */
const LOUD_RANGE_DB = 30;

/** 10 ms frames of clear speech (per the gate's flags and levels) that the decoder aligned to silence or noise words. */
function speechInFillers(words: readonly AlignedWord[], gate: SpeechGate): number {
  const flags = gate.releasedSpeechFrames;
  const levels = gate.releasedFrameDb;
  const loud = levels.reduce((a, b) => Math.max(a, b), -Infinity) - LOUD_RANGE_DB;
  let frames = 0;
  for (const w of words) {
    if (!isFiller(w.t)) continue;
    const to = Math.min(flags.length, Math.round((w.b + w.d) * 100));
    for (let k = Math.max(0, Math.round(w.b * 100)); k < to; k++) if (flags[k] && (levels[k] ?? -Infinity) > loud) frames++;
  }
  return frames;
}

/** soundswallower internals the typings leave out: the C decoder handle and `decoder_hyp`, which returns the path score. */
interface ScoreAccess {
  module: { _decoder_hyp(decoder: number, outScore: number): number; _malloc(size: number): number; _free(ptr: number): void; HEAP32: Int32Array };
  handle(decoder: Decoder): number;
}

function scoreAccess(ss: SoundSwallowerModule): ScoreAccess {
  const module = ss as unknown as ScoreAccess['module'];
  if (typeof module._decoder_hyp !== 'function') throw new Error('createSphinxStt: this soundswallower build has no _decoder_hyp');
  return { module, handle: (decoder) => (decoder as unknown as { cdecoder: number }).cdecoder };
}

/** JSGF of the free phone loop: any sequence of phones, the best any speech can score. */
const LOOP_JSGF = `#JSGF V1.0;\ngrammar loop;\npublic <loop> = (${GARBAGE_PHONES.map((p) => GARBAGE_PREFIX + p.toLowerCase()).join(' | ')})+;\n`;

/** Word-insertion penalty of the phone-loop decoder: soundswallower's default, so the loop is a fair "any speech" model. */
const LOOP_WIP = 0.65;

/** Turns a decoder hypothesis into recognised text: alternates "(2)" stripped, garbage means "not understood". */
function cleanHypothesis(raw: string): string | null {
  const words = raw
    .replace(/\(\d+\)/g, '')
    .split(/\s+/)
    .filter((w) => w !== '' && w !== '<s>' && w !== '</s>' && w !== '<sil>');
  if (words.length === 0 || words.some((w) => w.startsWith(GARBAGE_PREFIX))) return null;
  return words.join(' ');
}

/**
 * Creates the grammar-based recognizer; resolves once the first decoder has loaded its model.
 *
 * @example
 * const stt = await createSphinxStt();
 * const stream = stt.start(buildGrammar(['where is the blacksmith']));
 * stream.write(pcm24k);
 * const { text } = stream.end(); // 'where is the blacksmith', or null when out of grammar
 */
export async function createSphinxStt(options: SphinxSttOptions = {}): Promise<SphinxStt> {
  const ss = await loadSoundSwallower();
  const maxDecoders = Math.max(1, options.maxDecoders ?? 4);
  const wip = options.wordInsertionPenalty ?? 0.01;
  const garbageWeight = options.garbageWeight ?? 1;
  const maxFillerFrames = Math.round((options.maxFillerSpeechMs ?? 100) / 10);
  const phoneLoop = (options.rejection ?? 'phone-loop') === 'phone-loop';
  const margin = options.loopMargin ?? { base: 1500, perSpeechFrame: -4 };
  const scores = scoreAccess(ss);
  const scorePtr = scores.module._malloc(4);
  const garbageWords: DictEntry[] = GARBAGE_PHONES.map((p) => [GARBAGE_PREFIX + p.toLowerCase(), p]);
  // "word(2)" adds an alternative pronunciation of a word the dictionary already has.
  const common: readonly (readonly [string, string])[] = options.commonPronunciations === false ? [] : COMMON_PRONUNCIATIONS;
  const extraWords: DictEntry[] = [...common, ...(options.pronunciations ?? [])].map(([w, p]) => [normalizePhrase(w.replace(/\(\d+\)$/, '')) + (/\(\d+\)$/.exec(w)?.[0] ?? ''), p]);
  const slots: Slot[] = [];
  const compiled = new Map<string, Compiled>();
  const reported = new Set<string>();
  let pendingSlot: Promise<void> | undefined;
  let clock = 0;
  let disposed = false;

  const newDecoder = async (insertionPenalty = wip): Promise<Decoder> => {
    const decoder = new ss.Decoder({ samprate: SAMPLE_RATE_HZ, wip: insertionPenalty, loglevel: 'ERROR', ...options.decoderConfig });
    await decoder.initialize();
    decoder.add_words(...garbageWords, ...extraWords);
    return decoder;
  };
  const newLoop = async (): Promise<Decoder | undefined> => {
    if (!phoneLoop) return undefined;
    const loop = await newDecoder(LOOP_WIP);
    loop.set_grammar(LOOP_JSGF);
    return loop;
  };
  /** Path score of the decoder's best hypothesis (after `stop()`). */
  const pathScore = (decoder: Decoder): number => {
    scores.module._decoder_hyp(scores.handle(decoder), scorePtr);
    return scores.module.HEAP32[scorePtr >> 2] ?? 0;
  };

  const first = await newDecoder();
  slots.push({ decoder: first, loop: await newLoop(), grammar: undefined, busy: false, lastUsed: 0 });

  // All decoders share one dictionary setup, so any of them can answer lookups.
  const compile = (grammar: Grammar): Compiled => {
    const key = grammarKey(grammar);
    const hit = compiled.get(key);
    if (hit) {
      compiled.delete(key);
      compiled.set(key, hit); // refresh its LRU position
      return hit;
    }
    const unknown = new Set<string>();
    const kept: string[] = [];
    const dropped: string[] = [];
    for (const phrase of grammar.phrases) {
      const normal = normalizePhrase(phrase);
      if (normal === '') continue;
      const missing = normal.split(' ').filter((w) => first.lookup_word(w) === null);
      if (missing.length === 0) kept.push(normal);
      else {
        dropped.push(normal);
        for (const w of missing) unknown.add(w);
      }
    }
    // With every phrase dropped the garbage loop alone remains, so everything is "not understood" rather than a crash.
    const jsgf =
      kept.length > 0
        ? toJsgf({ phrases: kept }, phoneLoop ? {} : { garbageLoop: true, garbageWeight })
        : toJsgf({ phrases: [garbageWords.map(([w]) => w).join(' ')] }, { garbageLoop: true });
    const result: Compiled = { jsgf, dropped: { unknownWords: [...unknown].sort(), phrases: dropped } };
    compiled.set(key, result);
    if (compiled.size > COMPILED_CACHE_SIZE) {
      const oldest = compiled.keys().next().value;
      if (oldest !== undefined) compiled.delete(oldest);
    }
    if (dropped.length > 0 && !reported.has(key)) {
      reported.add(key);
      options.onDroppedPhrases?.(result.dropped);
    }
    return result;
  };

  const growPool = (): void => {
    if (pendingSlot || slots.length >= maxDecoders || disposed) return;
    pendingSlot = Promise.all([newDecoder(), newLoop()])
      .then(([decoder, loop]) => {
        if (disposed) {
          decoder.delete();
          loop?.delete();
        } else slots.push({ decoder, loop, grammar: undefined, busy: false, lastUsed: clock });
      })
      // A failed extra decoder only limits concurrency; the existing ones keep working.
      .catch(() => {})
      .finally(() => {
        pendingSlot = undefined;
      });
  };

  /** Takes an idle decoder, preferring one that already has this grammar, else the least recently used one. */
  const acquire = (key: string, jsgf: string): Slot | undefined => {
    const idle = slots.filter((s) => !s.busy);
    if (idle.length === 0) return undefined;
    const slot =
      idle.find((s) => s.grammar === key) ?? idle.reduce((a, b) => (a.lastUsed <= b.lastUsed ? a : b));
    if (slot.grammar !== key) {
      slot.decoder.set_grammar(jsgf);
      slot.grammar = key;
    }
    slot.busy = true;
    slot.lastUsed = ++clock;
    slot.decoder.start();
    slot.loop?.start();
    // Keep one spare decoder warming up so a concurrent utterance rarely has to wait.
    if (idle.length === 1) growPool();
    return slot;
  };

  const stt: SphinxStt = {
    check(grammar) {
      return compile(grammar).dropped;
    },
    start(grammar) {
      if (disposed) throw new Error('createSphinxStt: start() called after dispose()');
      const key = grammarKey(grammar);
      const { jsgf } = compile(grammar);
      let slot = acquire(key, jsgf);
      const gate = new SpeechGate();
      // Audio that arrived while every decoder was busy; it is decoded as soon as one frees up.
      let backlog: Float32Array[] = [];
      let partial = '';
      let ended = false;

      const feed = (audio: Float32Array): void => {
        if (!slot) {
          slot = acquire(key, jsgf);
          if (!slot) {
            backlog.push(audio);
            growPool();
            return;
          }
        }
        for (const chunk of [...backlog, audio]) {
          if (chunk.length === 0) continue;
          slot.decoder.process_audio(chunk);
          slot.loop?.process_audio(chunk);
        }
        backlog = [];
        partial = cleanHypothesis(slot.decoder.get_text()) ?? '';
      };

      const stream: RecognitionStream = {
        write(pcm) {
          if (ended) return partial;
          const speech = gate.push(pcm);
          if (speech.length > 0) feed(pcm16ToFloat(speech));
          return partial;
        },
        end(): Recognition {
          if (ended) return { text: null };
          ended = true;
          feed(pcm16ToFloat(gate.end()));
          // Still no free decoder: more simultaneous utterances than maxDecoders. Not understood, rather than block.
          if (!slot) return { text: null };
          try {
            slot.decoder.stop();
            slot.loop?.stop();
            const text = cleanHypothesis(slot.decoder.get_text());
            if (text === null) return { text };
            const words: AlignedWord[] = slot.decoder.get_alignment().w ?? [];
            if (speechInFillers(words, gate) > maxFillerFrames) return { text: null };
            if (slot.loop) {
              // How much better "any phones" explains the audio than the phrase does; both saw exactly the same frames.
              const advantage = pathScore(slot.loop) - pathScore(slot.decoder);
              const speechFrames = gate.releasedSpeechFrames.filter(Boolean).length;
              if (advantage > margin.base + margin.perSpeechFrame * speechFrames) return { text: null };
            }
            return { text };
          } finally {
            slot.busy = false;
          }
        },
      };
      return stream;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const s of slots) {
        s.decoder.delete();
        s.loop?.delete();
      }
      slots.length = 0;
      scores.module._free(scorePtr);
    },
  };

  // Warm-up: the first decodes are slow while V8 tiers the WASM up.
  const warm = stt.start({ phrases: ['hello'] });
  const noise = new Int16Array(SAMPLE_RATE_HZ / 2);
  // Loud enough for the speech gate to pass it to the decoder, which is what needs warming up.
  for (let i = 0; i < noise.length; i++) noise[i] = Math.round(Math.sin(i * 0.3) * 3000);
  warm.write(noise);
  warm.end();
  return stt;
}
