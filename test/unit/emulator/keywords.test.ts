import { beforeAll, describe, expect, it } from 'vitest';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { PersonaBrain } from '../../../server/emulator/brain/PersonaBrain.js';
import { bestTopic, mentionsKeyword, stemWord } from '../../../server/emulator/brain/keywords.js';
import { loadPersonas } from '../../../server/personas/loadPersonas.js';

let guard: Persona;
let herbalist: Persona;

beforeAll(async () => {
  const personas = await loadPersonas();
  guard = personas.get('guard') as Persona;
  herbalist = personas.get('herbalist') as Persona;
});

describe('stemWord', () => {
  it('gives both numbers of a noun the same form', () => {
    for (const [a, b] of [
      ['wolves', 'wolf'],
      ['knives', 'knife'],
      ['berries', 'berry'],
      ['boxes', 'box'],
      ['potions', 'potion'],
      ['herbs', 'herb'],
      ["smith's", 'smith'],
    ]) {
      expect(stemWord(a as string)).toBe(stemWord(b as string));
    }
  });

  it('leaves words that only look plural alone', () => {
    expect(stemWord('grass')).toBe('grass');
    expect(stemWord('this')).toBe('this');
    expect(stemWord('bus')).toBe('bus');
    expect(stemWord('gas')).toBe('gas');
  });
});

describe('mentionsKeyword', () => {
  it('matches whole words in either number, and multi-word keywords in order', () => {
    expect(mentionsKeyword('is there a wolf near the road', 'wolves')).toBe(true);
    expect(mentionsKeyword('do you sell potions', 'potion')).toBe(true);
    expect(mentionsKeyword('where is the old mill', 'old mill')).toBe(true);
    expect(mentionsKeyword('the mill is old', 'old mill')).toBe(false);
    // Whole words only: "forge" is not in "forget".
    expect(mentionsKeyword('i forget your name', 'forge')).toBe(false);
    expect(mentionsKeyword('anything', '')).toBe(false);
  });
});

describe('bestTopic', () => {
  it('picks the topic with the most keywords mentioned, the first on a tie, none without a keyword', () => {
    const topics = [
      { topic: 'gate', keywords: ['gate', 'forest'], answer: 'A' },
      { topic: 'wolves', keywords: ['wolves', 'forest'], answer: 'B' },
    ];
    expect(bestTopic('are there any wolves in the forest', topics)?.topic).toBe('wolves');
    expect(bestTopic('what about the forest', topics)?.topic).toBe('gate');
    expect(bestTopic('what is the weather like today', topics)).toBeUndefined();
  });
});

describe('PersonaBrain on off-script sentences', () => {
  it('answers from the knowledge topic whose keywords the player used, in their own words', () => {
    const brain = new PersonaBrain(guard);
    const wolves = guard.knowledge.find((k) => k.topic === 'wolves');
    const decision = brain.decide({ kind: 'text', text: 'I saw a wolf in the forest last night' }, []);
    expect(decision).toMatchObject({ reason: 'knowledge', say: wolves?.answer });
  });

  it('still says its fallback line when nothing it knows was mentioned', () => {
    const brain = new PersonaBrain(herbalist);
    expect(brain.decide({ kind: 'text', text: 'what is the weather like today' }, [])).toMatchObject({ reason: 'fallback', say: herbalist.fallback });
  });
});
