import { describe, expect, it } from 'vitest';
import { splitSentences } from '../../../server/emulator/speech/sentences.js';

describe('splitSentences', () => {
  it('splits at . ! ? ; and keeps the punctuation', () => {
    expect(splitSentences('Hello there! Where to? The bridge is north; mind the trolls. Bye')).toEqual([
      'Hello there!',
      'Where to?',
      'The bridge is north;',
      'mind the trolls.',
      'Bye',
    ]);
  });

  it('does not split after titles like Mr. or inside numbers', () => {
    expect(splitSentences('Ask Mr. Smith and Dr. Jones. It costs 3.5 gold.')).toEqual([
      'Ask Mr. Smith and Dr. Jones.',
      'It costs 3.5 gold.',
    ]);
  });

  it('keeps grouped terminators and closing quotes with their sentence', () => {
    expect(splitSentences('Really?! He said "run." Then... silence.')).toEqual([
      'Really?!',
      'He said "run."',
      'Then...',
      'silence.',
    ]);
  });

  it('never returns empty strings', () => {
    expect(splitSentences('')).toEqual([]);
    expect(splitSentences('   ')).toEqual([]);
    expect(splitSentences('Hi. ... ')).toEqual(['Hi....']);
    expect(splitSentences('goodbye')).toEqual(['goodbye']);
    for (const s of splitSentences('a. . ! ? ; b')) expect(s.trim()).not.toBe('');
  });
});
