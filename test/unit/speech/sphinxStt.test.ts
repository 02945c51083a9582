import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGrammar } from '../../../server/emulator/speech/grammar.js';
import { createSphinxStt, type DroppedPhrases, type SphinxStt } from '../../../server/emulator/speech/sphinxStt.js';
import type { Grammar } from '../../../server/emulator/speech/types.js';
import { disposePlayerSpeech, synthesizePlayerSpeech, withSilence, type PlayerVoice } from '../../support/speechFixtures.js';

const PERSONA_PHRASES = [
  'where is the blacksmith',
  'what do you sell',
  'tell me about the dragon',
  'give me a sword',
  'how much is the potion',
  'do you have any work for me',
  'take me to the castle',
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
