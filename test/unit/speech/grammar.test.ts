import { describe, expect, it } from 'vitest';
import { buildGrammar, COMMON_PHRASES, grammarKey, normalizePhrase, toJsgf } from '../../../server/emulator/speech/grammar.js';

describe('grammar', () => {
  it('normalises phrases to lowercase dictionary words', () => {
    expect(normalizePhrase('  Where is the Blacksmith?! ')).toBe('where is the blacksmith');
    expect(normalizePhrase("What’s in the Café")).toBe("what's in the cafe");
  });

  it('adds the common phrases and removes duplicates', () => {
    const g = buildGrammar(['Hello!', 'Where is the smithy?', 'where is the SMITHY']);
    expect(g.phrases.filter((p) => p === 'hello')).toHaveLength(1);
    expect(g.phrases.filter((p) => p === 'where is the smithy')).toHaveLength(1);
    for (const p of COMMON_PHRASES) expect(g.phrases).toContain(p);
  });

  it('keys grammars independently of phrase order', () => {
    expect(grammarKey(buildGrammar(['a b', 'c']))).toBe(grammarKey(buildGrammar(['c', 'a b'])));
  });

  it('renders JSGF with an optional garbage loop', () => {
    const plain = toJsgf({ phrases: ['hello', 'where is the smithy'] });
    expect(plain).toContain('public <utterance> = <phrase>;');
    expect(plain).toContain('<phrase> = hello | where is the smithy;');
    const withLoop = toJsgf({ phrases: ['hello'] }, { garbageLoop: true });
    expect(withLoop).toContain('public <utterance> = <phrase> | <garbage>;');
    expect(withLoop).toMatch(/<garbage> = \(gph_aa \| .* \| gph_zh\)\+;/);
    expect(() => toJsgf({ phrases: ['?!'] })).toThrow(/no phrases/);
    const weighted = toJsgf({ phrases: ['hello'] }, { garbageLoop: true, garbageWeight: 1e-10 });
    expect(weighted).toContain('public <utterance> = /1/ <phrase> | /1e-10/ <garbage>;');
  });
});
