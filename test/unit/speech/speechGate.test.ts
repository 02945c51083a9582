import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rms } from '../../../plugin/shared/pcm16.js';
import { SpeechGate } from '../../../server/emulator/speech/speechGate.js';
import { SAMPLE_RATE_HZ } from '../../../server/emulator/speech/types.js';
import { addWhiteNoise, disposePlayerSpeech, synthesizePlayerSpeech, withNoisePadding, withSilence } from '../../support/speechFixtures.js';

const ms = (samples: number): number => (samples / SAMPLE_RATE_HZ) * 1000;

/** Pushes audio in 100 ms chunks and returns everything the gate released, in order. */
function gateAll(gate: SpeechGate, pcm: Int16Array): Int16Array {
  const out: number[] = [];
  for (let i = 0; i < pcm.length; i += 2400) out.push(...gate.push(pcm.subarray(i, i + 2400)));
  out.push(...gate.end());
  return Int16Array.from(out);
}

describe('SpeechGate', () => {
  let speech: Int16Array;
  beforeAll(async () => {
    speech = await synthesizePlayerSpeech('give me a sword', 'awb');
  });
  afterAll(disposePlayerSpeech);

  it.each([-66, -60, -50])('releases nothing for a noise floor of %d dBFS alone', (dbfs) => {
    const gate = new SpeechGate();
    expect(gateAll(gate, addWhiteNoise(new Int16Array(SAMPLE_RATE_HZ * 6), dbfs)).length).toBe(0);
    expect(gate.heardSpeech).toBe(false);
  });

  it('cuts seconds of noise around a short phrase down to the phrase and about 300 ms each side, with the hiss silenced', () => {
    const gate = new SpeechGate();
    const released = gateAll(gate, withNoisePadding(speech, 2500, 3000, -60));
    const leadMs = gate.releasedSpeechFrames.indexOf(true) * 10;
    expect(leadMs).toBeGreaterThanOrEqual(250);
    expect(leadMs).toBeLessThanOrEqual(350);
    expect(ms(released.length)).toBeGreaterThan(ms(speech.length));
    expect(ms(released.length - speech.length)).toBeLessThan(900);
    // -60 dBFS is 33 in PCM16 units; the lead before the speech is hiss only.
    expect(rms(released.subarray(0, 2400)) * 32768).toBeLessThan(3);
    expect(rms(released) * 32768).toBeGreaterThan(1000);
  });

  it('keeps a pause between words and flags every released 10 ms frame', () => {
    const twoParts = new Int16Array([...withSilence(speech, 500, 700), ...withSilence(speech, 0, 1500)]);
    const gate = new SpeechGate({ leadMs: 100, tailMs: 100 });
    const released = gateAll(gate, addWhiteNoise(twoParts, -66));
    expect(ms(released.length)).toBeGreaterThan(ms(2 * speech.length) + 600);
    expect(gate.releasedSpeechFrames.length).toBe(Math.floor(released.length / 240));
    expect(gate.releasedSpeechFrames[0]).toBe(false);
    expect(gate.releasedSpeechFrames.filter(Boolean).length).toBeGreaterThan(ms(speech.length) / 10);
  });

  it('rejects negative margins', () => {
    expect(() => new SpeechGate({ leadMs: -1 })).toThrow(RangeError);
  });
});
