import { describe, expect, it } from 'vitest';
import { splitSentences, splitUtterances } from '../../../server/emulator/speech/sentences.js';

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

describe('splitUtterances', () => {
  it('keeps short sentences as they are', () => {
    expect(splitUtterances('Hello there! Where to?', 300)).toEqual(['Hello there!', 'Where to?']);
  });

  it('splits a long sentence at clause and word boundaries into pieces no longer than the cap, losing no word', () => {
    const words = Array.from({ length: 1000 }, (_, i) => `word${i}`);
    const text = `${words.slice(0, 40).join(' ')}, ${words.slice(40).join(' ')}.`;
    const pieces = splitUtterances(text, 300);
    expect(pieces.length).toBeGreaterThan(25);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(300);
    expect(pieces[0]?.endsWith('word39,')).toBe(true);
    expect(pieces.join(' ').replace(/[,.]/g, '').split(' ')).toEqual(words);
  });

  it('cuts a single word longer than the cap hard at the cap', () => {
    const pieces = splitUtterances('x'.repeat(650), 300);
    expect(pieces.map((p) => p.length)).toEqual([300, 300, 50]);
  });
});
