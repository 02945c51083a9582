import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersonaBrain } from '../../../server/emulator/brain/PersonaBrain.js';
import { buildGrammar } from '../../../server/emulator/speech/grammar.js';
import { createSphinxStt, type SphinxStt } from '../../../server/emulator/speech/sphinxStt.js';
import type { Grammar } from '../../../server/emulator/speech/types.js';
import { loadPersonas } from '../../../server/personas/loadPersonas.js';
import { addWhiteNoise, disposePlayerSpeech, synthesizePlayerSpeech, withSilence, type PlayerVoice } from '../../support/speechFixtures.js';

// Off-script sentences that the older garbage-alternative rejection accepted as a confident wrong topic for these
// demo personas (issue 15 item 3: "what is the weather like" heard by Brom as "what about the fire/iron").
const OFF_SCRIPT: { persona: string; text: string; voice: PlayerVoice; wasHeardAs: string }[] = [
  { persona: 'blacksmith', text: 'what is the weather like', voice: 'awb', wasHeardAs: 'what about the fire' },
  { persona: 'herbalist', text: 'what is the weather like', voice: 'awb', wasHeardAs: 'what about the plants' },
  { persona: 'guard', text: 'what time is it', voice: 'slt', wasHeardAs: 'what about the gate' },
  { persona: 'blacksmith', text: 'tell me a joke', voice: 'awb', wasHeardAs: 'tell me about the road' },
  { persona: 'blacksmith', text: 'i want to buy a car', voice: 'slt', wasHeardAs: 'i want a sword' },
  { persona: 'guard', text: 'one two three four five', voice: 'awb', wasHeardAs: 'what is your name' },
  { persona: 'herbalist', text: 'my horse is very tired', voice: 'awb', wasHeardAs: 'what about the plants' },
  { persona: 'guard', text: 'can you recommend a good book', voice: 'slt', wasHeardAs: 'can you open the gate' },
];

// In-grammar phrases, with the short words the margin test is hardest on.
const IN_GRAMMAR: { persona: string; text: string; voice: PlayerVoice }[] = [
  { persona: 'blacksmith', text: 'what about the iron', voice: 'slt' },
  { persona: 'herbalist', text: 'what about the healing', voice: 'awb' },
  { persona: 'guard', text: 'please open the gate', voice: 'slt' },
  { persona: 'blacksmith', text: 'give me a sword', voice: 'awb' },
  { persona: 'herbalist', text: 'check my inventory', voice: 'slt' },
  { persona: 'guard', text: 'hello', voice: 'awb' },
  { persona: 'guard', text: 'yes', voice: 'awb' },
  { persona: 'herbalist', text: 'bye', voice: 'slt' },
  { persona: 'guard', text: 'hi', voice: 'slt' }, // was heard as "bye" before "hi" had the pronunciation AY
  { persona: 'blacksmith', text: 'thank you', voice: 'awb' },
  { persona: 'blacksmith', text: 'who are you', voice: 'awb' },
];

describe('off-script rejection (phone-loop margin)', () => {
  let stt: SphinxStt;
  const grammars = new Map<string, Grammar>();

  beforeAll(async () => {
    stt = await createSphinxStt({ maxDecoders: 1 });
    const personas = await loadPersonas();
    for (const id of ['blacksmith', 'guard', 'herbalist']) {
      const persona = personas.get(id);
      if (!persona) throw new Error(`demo persona ${id} is missing`);
      grammars.set(id, buildGrammar(new PersonaBrain(persona).grammarPhrases()));
    }
  });
  afterAll(async () => {
    stt.dispose();
    await disposePlayerSpeech();
  });

  async function hear(text: string, voice: PlayerVoice, persona: string, noiseDbfs?: number): Promise<string | null> {
    let pcm = withSilence(await synthesizePlayerSpeech(text, voice), 300, 300);
    if (noiseDbfs !== undefined) pcm = addWhiteNoise(pcm, noiseDbfs, 7);
    const stream = stt.start(grammars.get(persona)!);
    for (let i = 0; i < pcm.length; i += 2400) stream.write(pcm.subarray(i, i + 2400));
    return stream.end().text;
  }

  it.each([undefined, -60])('rejects off-script sentences the garbage alternative answered as a wrong topic (noise %s dBFS)', async (noise) => {
    const heard = [];
    for (const { persona, text, voice } of OFF_SCRIPT) heard.push({ persona, text, heard: await hear(text, voice, persona, noise) });
    expect(heard.filter((h) => h.heard !== null)).toEqual([]);
  });

  it.each([undefined, -60])('still accepts in-grammar phrases, short words included (noise %s dBFS)', async (noise) => {
    const heard = [];
    for (const { persona, text, voice } of IN_GRAMMAR) heard.push({ persona, text, heard: await hear(text, voice, persona, noise) });
    expect(heard.filter((h) => h.heard !== h.text)).toEqual([]);
  });

  it('the garbage alternative alone lets the issue example through, so the test above can fail', async () => {
    const old = await createSphinxStt({ maxDecoders: 1, rejection: 'garbage-alternative' });
    try {
      const pcm = withSilence(await synthesizePlayerSpeech('what is the weather like', 'awb'), 300, 300);
      const stream = old.start(grammars.get('blacksmith')!);
      for (let i = 0; i < pcm.length; i += 2400) stream.write(pcm.subarray(i, i + 2400));
      // Some blacksmith phrase ("what about the fire" in the bench), never a rejection.
      expect(stream.end().text).toMatch(/^what /);
    } finally {
      old.dispose();
    }
  });
});
