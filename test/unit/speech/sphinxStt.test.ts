import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGrammar } from '../../../server/emulator/speech/grammar.js';
import { createSphinxStt, type DroppedPhrases, type SphinxStt } from '../../../server/emulator/speech/sphinxStt.js';
import type { Grammar } from '../../../server/emulator/speech/types.js';
import {
  addDither,
  addWhiteNoise,
  disposePlayerSpeech,
  resampleRoundTrip,
  synthesizePlayerSpeech,
  withNoisePadding,
  withSilence,
  type PlayerVoice,
} from '../../support/speechFixtures.js';

const PERSONA_PHRASES = [
  'where is the blacksmith',
  'what do you sell',
  'tell me about the dragon',
  'give me a sword',
  'how much is the potion',
  'do you have any work for me',
  'take me to the castle',
  'please open the gate',
  'what do i have',
];
const IN_GRAMMAR = [...PERSONA_PHRASES, 'hello', 'goodbye', 'what is your name'];
const OUT_OF_GRAMMAR = [
  'what is the weather like today',
  'can you sing me a song',
  'my horse is very tired',
  'i like turtles',
  'open the door quickly',
];

describe('sphinx STT', () => {
  let stt: SphinxStt;
  let grammar: Grammar;
  const dropped: DroppedPhrases[] = [];

  beforeAll(async () => {
    stt = await createSphinxStt({ onDroppedPhrases: (d) => dropped.push(d) });
    grammar = buildGrammar(PERSONA_PHRASES);
  });
  afterAll(async () => {
    stt.dispose();
    await disposePlayerSpeech();
  });

  /** Streams an utterance in 100 ms chunks, as the emulator does with client audio. */
  async function recognise(text: string, voice: PlayerVoice, g: Grammar = grammar): Promise<{ text: string | null; partials: string[] }> {
    const pcm = withSilence(await synthesizePlayerSpeech(text, voice), 300, 300);
    const stream = stt.start(g);
    const partials: string[] = [];
    for (let i = 0; i < pcm.length; i += 2400) partials.push(stream.write(pcm.subarray(i, i + 2400)));
    return { ...stream.end(), partials };
  }

  it.each<PlayerVoice>(['awb', 'slt'])('recognises at least 9 of 10 in-grammar phrases spoken by %s', async (voice) => {
    const results = [];
    for (const phrase of IN_GRAMMAR) results.push({ phrase, heard: (await recognise(phrase, voice)).text });
    const correct = results.filter((r) => r.heard === r.phrase);
    expect(correct.length, JSON.stringify(results)).toBeGreaterThanOrEqual(9);
  });

  it.each<PlayerVoice>(['awb', 'slt'])('rejects at least 4 of 5 out-of-grammar utterances spoken by %s', async (voice) => {
    const results = [];
    for (const phrase of OUT_OF_GRAMMAR) results.push({ phrase, heard: (await recognise(phrase, voice)).text });
    const rejected = results.filter((r) => r.heard === null);
    expect(rejected.length, JSON.stringify(results)).toBeGreaterThanOrEqual(4);
  });

  /** What a microphone adds to the clean fixture; none of it is audible next to the speech. */
  const NOISY: Record<string, (pcm: Int16Array) => Int16Array> = {
    '±1 LSB dither': (pcm) => addDither(withSilence(pcm, 300, 300)),
    'white noise at -66 dBFS': (pcm) => addWhiteNoise(withSilence(pcm, 300, 300), -66),
    'white noise at -60 dBFS': (pcm) => addWhiteNoise(withSilence(pcm, 300, 300), -60),
    'a 48 kHz round trip and -66 dBFS noise': (pcm) => addWhiteNoise(resampleRoundTrip(withSilence(pcm, 300, 300)), -66),
  };

  it.each(Object.keys(NOISY))('recognises in-grammar phrases with %s', async (condition) => {
    const results = [];
    for (const voice of ['awb', 'slt'] as const) {
      for (const phrase of ['give me a sword', 'please open the gate', 'what do i have', 'hello']) {
        const pcm = NOISY[condition]!(await synthesizePlayerSpeech(phrase, voice));
        const stream = stt.start(grammar);
        for (let i = 0; i < pcm.length; i += 2400) stream.write(pcm.subarray(i, i + 2400));
        results.push({ phrase, voice, heard: stream.end().text });
      }
    }
    expect(results.filter((r) => r.heard !== r.phrase), JSON.stringify(results)).toEqual([]);
  });

  it('recognises a short phrase inside a 6 s noisy commit', async () => {
    for (const voice of ['awb', 'slt'] as const) {
      const phrase = await synthesizePlayerSpeech('hello', voice);
      const before = 2500;
      const pcm = withNoisePadding(phrase, before, 6000 - before - (phrase.length / 24), -60);
      expect(pcm.length).toBe(6 * 24_000);
      const stream = stt.start(grammar);
      stream.write(pcm);
      expect(stream.end().text, voice).toBe('hello');
    }
  });

  it('hears nothing in a noise floor without speech', () => {
    const stream = stt.start(grammar);
    stream.write(addWhiteNoise(new Int16Array(24_000 * 3), -60));
    expect(stream.end().text).toBeNull();
  });

  it('reports growing partial hypotheses while audio is written', async () => {
    const { text, partials } = await recognise('do you have any work for me', 'awb');
    expect(text).toBe('do you have any work for me');
    const nonEmpty = partials.filter((p) => p !== '');
    expect(nonEmpty.length).toBeGreaterThan(3);
    expect(nonEmpty[0]?.split(' ').length ?? 0).toBeLessThan(6);
  });

  it('drops phrases with words missing from the dictionary instead of crashing', async () => {
    const g = buildGrammar(['talk to zorblaxia', 'where is the castle']);
    expect(stt.check(g)).toEqual({ unknownWords: ['zorblaxia'], phrases: ['talk to zorblaxia'] });
    expect((await recognise('where is the castle', 'slt', g)).text).toBe('where is the castle');
    expect(dropped).toContainEqual({ unknownWords: ['zorblaxia'], phrases: ['talk to zorblaxia'] });
  });

  it('accepts extra pronunciations for fantasy names', async () => {
    const custom = await createSphinxStt({ maxDecoders: 1, pronunciations: [['eldoria', 'EH L D AO R IY AH']] });
    try {
      const g = buildGrammar(['take me to eldoria']);
      expect(custom.check(g).unknownWords).toEqual([]);
      const pcm = withSilence(await synthesizePlayerSpeech('take me to eldoria', 'awb'), 300, 300);
      const stream = custom.start(g);
      stream.write(pcm);
      expect(stream.end().text).toBe('take me to eldoria');
    } finally {
      custom.dispose();
    }
  });

  it('runs two utterances with different grammars at the same time', async () => {
    const a = withSilence(await synthesizePlayerSpeech('where is the blacksmith', 'awb'), 300, 300);
    const b = withSilence(await synthesizePlayerSpeech('i want to buy bread', 'slt'), 300, 300);
    const sa = stt.start(grammar);
    const sb = stt.start(buildGrammar(['i want to buy bread']));
    for (let i = 0; i < Math.max(a.length, b.length); i += 2400) {
      sa.write(a.subarray(i, i + 2400));
      sb.write(b.subarray(i, i + 2400));
    }
    expect(sa.end().text).toBe('where is the blacksmith');
    expect(sb.end().text).toBe('i want to buy bread');
  });
});
