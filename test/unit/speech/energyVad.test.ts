import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { semanticEagernessToSilenceMs, ServerVad, type VadEvent } from '../../../server/emulator/speech/energyVad.js';
import { SAMPLE_RATE_HZ } from '../../../server/emulator/speech/types.js';
import { addWhiteNoise, disposePlayerSpeech, synthesizePlayerSpeech, withNoisePadding, withSilence } from '../../support/speechFixtures.js';

const msToSamples = (ms: number): number => Math.round((ms * SAMPLE_RATE_HZ) / 1000);

/** First and last sample (in ms) louder than 2 % of the peak: the ground truth of where the speech is. */
function speechBounds(pcm: Int16Array): { startMs: number; endMs: number } {
  let peak = 0;
  for (const v of pcm) peak = Math.max(peak, Math.abs(v));
  let first = 0;
  while (first < pcm.length && Math.abs(pcm[first] ?? 0) <= peak * 0.02) first++;
  let last = pcm.length - 1;
  while (last > first && Math.abs(pcm[last] ?? 0) <= peak * 0.02) last--;
  return { startMs: (first / SAMPLE_RATE_HZ) * 1000, endMs: ((last + 1) / SAMPLE_RATE_HZ) * 1000 };
}

/** Feeds audio in 100 ms chunks; records each event with the stream time at which push() returned it. */
function run(vad: ServerVad, pcm: Int16Array): Array<VadEvent & { atMs: number }> {
  const out: Array<VadEvent & { atMs: number }> = [];
  const chunk = msToSamples(100);
  for (let i = 0; i < pcm.length; i += chunk) {
    const end = Math.min(pcm.length, i + chunk);
    for (const e of vad.push(pcm.subarray(i, end))) out.push({ ...e, atMs: (end / SAMPLE_RATE_HZ) * 1000 });
  }
  return out;
}

function startMs(e: VadEvent | undefined): number {
  if (e?.type !== 'speech_started') throw new Error(`expected speech_started, got ${JSON.stringify(e)}`);
  return e.audioStartMs;
}

function endMs(e: VadEvent | undefined): number {
  if (e?.type !== 'speech_stopped') throw new Error(`expected speech_stopped, got ${JSON.stringify(e)}`);
  return e.audioEndMs;
}

function expectWithin(actual: number, expected: number, toleranceMs: number): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(toleranceMs);
}

describe('ServerVad', () => {
  let speech: Int16Array;
  let bounds: { startMs: number; endMs: number };
  beforeAll(async () => {
    speech = await synthesizePlayerSpeech('Hello there, what do you sell today?', 'awb');
    bounds = speechBounds(speech);
  });
  afterAll(disposePlayerSpeech);

  it('finds speech_started and speech_stopped within 100 ms of the truth', () => {
    const audio = withSilence(speech, 1000, 1500);
    const events = run(new ServerVad({ prefixPaddingMs: 0, silenceDurationMs: 500 }), audio);
    expect(events.map((e) => e.type)).toEqual(['speech_started', 'speech_stopped']);
    expectWithin(startMs(events[0]), 1000 + bounds.startMs, 100);
    expectWithin(endMs(events[1]), 1000 + bounds.endMs, 100);
  });

  it('still finds the speech under white noise 30 dB below it', () => {
    const audio = addWhiteNoise(withSilence(speech, 1000, 1500), -50);
    const events = run(new ServerVad({ prefixPaddingMs: 0, silenceDurationMs: 500 }), audio);
    expect(events.map((e) => e.type)).toEqual(['speech_started', 'speech_stopped']);
    expectWithin(startMs(events[0]), 1000 + bounds.startMs, 100);
    expectWithin(endMs(events[1]), 1000 + bounds.endMs, 100);
  });

  it('finds start and end of speech in a -60 dBFS noise floor after seconds of noise', () => {
    const audio = withNoisePadding(speech, 3000, 2000, -60);
    const events = run(new ServerVad({ prefixPaddingMs: 0, silenceDurationMs: 500 }), audio);
    expect(events.map((e) => e.type)).toEqual(['speech_started', 'speech_stopped']);
    expectWithin(startMs(events[0]), 3000 + bounds.startMs, 100);
    expectWithin(endMs(events[1]), 3000 + bounds.endMs, 100);
  });

  it.each([-66, -60, -50, -40])('does not trigger on a %d dBFS noise floor alone', (dbfs) => {
    expect(run(new ServerVad(), addWhiteNoise(new Int16Array(msToSamples(8000)), dbfs))).toEqual([]);
  });

  it('moves audio_start_ms back by the prefix padding, floored at 0', () => {
    const late = run(new ServerVad({ prefixPaddingMs: 300 }), withSilence(speech, 1000, 1000));
    expectWithin(startMs(late[0]), 700 + bounds.startMs, 100);
    const early = run(new ServerVad({ prefixPaddingMs: 300 }), withSilence(speech, 100, 1000));
    expect(early[0]).toEqual({ type: 'speech_started', audioStartMs: 0, atMs: expect.any(Number) });
  });

  it('waits silenceDurationMs before speech_stopped and bridges shorter pauses', () => {
    const twoPhrases = new Int16Array([...withSilence(speech, 500, 400), ...withSilence(speech, 0, 2000)]);
    const patient = run(new ServerVad({ silenceDurationMs: 600 }), twoPhrases);
    expect(patient.map((e) => e.type)).toEqual(['speech_started', 'speech_stopped']);
    const stop = patient[1];
    if (stop?.type !== 'speech_stopped') throw new Error('expected speech_stopped');
    // Emitted once 600 ms of silence has passed (events surface at the 100 ms chunk boundary).
    expect(stop.atMs - stop.audioEndMs).toBeGreaterThanOrEqual(600);
    expect(stop.atMs - stop.audioEndMs).toBeLessThan(720);

    const eager = run(new ServerVad({ silenceDurationMs: 200 }), twoPhrases);
    expect(eager.map((e) => e.type)).toEqual(['speech_started', 'speech_stopped', 'speech_started', 'speech_stopped']);
  });

  it('ignores clicks shorter than 60 ms and restarts cleanly after reset()', () => {
    const click = new Int16Array(msToSamples(1000));
    click.fill(20000, msToSamples(500), msToSamples(540));
    const vad = new ServerVad();
    expect(run(vad, click)).toEqual([]);
    vad.push(speech.subarray(0, msToSamples(300)));
    expect(vad.speaking).toBe(true);
    vad.reset();
    expect(vad.speaking).toBe(false);
    const events = run(vad, withSilence(speech, 200, 800));
    expect(events[0]).toMatchObject({ type: 'speech_started' });
  });

  it('maps semantic_vad eagerness to a silence duration', () => {
    expect(semanticEagernessToSilenceMs('low')).toBe(1500);
    expect(semanticEagernessToSilenceMs('medium')).toBe(800);
    expect(semanticEagernessToSilenceMs('auto')).toBe(800);
    expect(semanticEagernessToSilenceMs('high')).toBe(300);
    expect(() => new ServerVad({ threshold: 2 })).toThrow(RangeError);
  });
});
