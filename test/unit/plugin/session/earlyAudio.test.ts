import { describe, expect, it } from 'vitest';
import { EarlyAudio } from '../../../../plugin/session/earlyAudio.js';

describe('EarlyAudio', () => {
  it('hands over copies of what was said, oldest first, and whether its turn ended', () => {
    const early = new EarlyAudio(1000);
    const chunk = new Int16Array(240).fill(5);
    early.keep(chunk);
    chunk.fill(0); // the microphone reuses its buffer
    early.keep(new Int16Array(480).fill(6));
    early.release();
    expect(early.releasedTurn).toBe(true);
    const kept = early.take();
    expect(kept?.released).toBe(true);
    expect(kept?.chunks.map((c) => [c.length, c[0]])).toEqual([
      [240, 5],
      [480, 6],
    ]);
    expect(early.take()).toBeNull();
    expect(early.releasedTurn).toBe(false);
  });

  it('keeps only the most recent maxMs, dropping whole chunks', () => {
    const early = new EarlyAudio(100); // 2400 samples
    for (let i = 0; i < 5; i++) early.keep(new Int16Array(1000).fill(i));
    expect(early.take()?.chunks.map((c) => c[0])).toEqual([3, 4]);
  });

  it('has no turn to commit when nothing was said, and forgets everything on drop', () => {
    const early = new EarlyAudio(1000);
    early.release();
    expect(early.releasedTurn).toBe(false);
    early.keep(new Int16Array(10));
    early.release();
    early.drop();
    expect([early.releasedTurn, early.take()]).toEqual([false, null]);
  });
});
