import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalVoice } from '../../../plugin/shared/personaSchema.js';
import { rms } from '../../../plugin/shared/pcm16.js';
import { createFliteTts, sanitizeForFlite, type FliteTts } from '../../../server/emulator/speech/fliteTts.js';
import { SAMPLE_RATE_HZ } from '../../../server/emulator/speech/types.js';

const SENTENCE = 'Welcome traveler, the blacksmith lives near the old bridge.';

/** Median F0 (Hz) over voiced 40 ms frames, from the normalised autocorrelation peak between 60 and 400 Hz. */
function medianF0(pcm: Int16Array, rateHz = SAMPLE_RATE_HZ): number {
  const frame = Math.round(rateHz * 0.04);
  const minLag = Math.floor(rateHz / 400);
  const maxLag = Math.ceil(rateHz / 60);
  const peak = rms(pcm);
  const f0s: number[] = [];
  for (let start = 0; start + frame + maxLag < pcm.length; start += frame) {
    if (rms(pcm.subarray(start, start + frame)) < peak * 0.5) continue; // voiced, loud frames only
    let best = 0;
    let bestLag = 0;
    for (let lag = minLag; lag <= maxLag; lag++) {
      let num = 0;
      let e1 = 0;
      let e2 = 0;
      for (let i = start; i < start + frame; i++) {
        const a = pcm[i] ?? 0;
        const b = pcm[i + lag] ?? 0;
        num += a * b;
        e1 += a * a;
        e2 += b * b;
      }
      const r = num / Math.sqrt(e1 * e2 + 1);
      if (r > best) {
        best = r;
        bestLag = lag;
      }
    }
    if (best > 0.6) f0s.push(rateHz / bestLag);
  }
  f0s.sort((a, b) => a - b);
  return f0s[Math.floor(f0s.length / 2)] ?? 0;
}

/** Time (ms) of the first sample above 10 % of the peak. */
function firstLoudMs(pcm: Int16Array): number {
  let peak = 0;
  for (const v of pcm) peak = Math.max(peak, Math.abs(v));
  const i = pcm.findIndex((v) => Math.abs(v) > peak * 0.1);
  return (i / SAMPLE_RATE_HZ) * 1000;
}

const voice = (v: LocalVoice['voice'], extra: Partial<LocalVoice> = {}): LocalVoice => ({ engine: 'flite', voice: v, rate: 1, ...extra });

describe('flite TTS', () => {
  let tts: FliteTts;
  beforeAll(async () => {
    tts = await createFliteTts();
  });
  afterAll(() => tts.dispose());

  it('produces 24 kHz speech that starts within ~30 ms', async () => {
    const pcm = await tts.synthesize(SENTENCE, voice('slt'));
    // ~3.5 s at 24 kHz; a wrong rate (16 kHz left as is) would give two thirds of that.
    expect(pcm.length / SAMPLE_RATE_HZ).toBeGreaterThan(2.5);
    expect(pcm.length / SAMPLE_RATE_HZ).toBeLessThan(5);
    expect(rms(pcm)).toBeGreaterThan(0.02);
    expect(firstLoudMs(pcm)).toBeLessThan(60);
  });

  it.runIf(existsSync('/proc/self/fd'))('holds no host file descriptor across utterances (the server speaks thousands)', async () => {
    const voice: LocalVoice = { engine: 'flite', voice: 'rms', rate: 1 };
    await tts.synthesize('Warm up.', voice);
    const before = readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 30; i++) await tts.synthesize(`Line number ${i}.`, voice);
    expect(readdirSync('/proc/self/fd').length).toBeLessThanOrEqual(before);
  });

  it('is deterministic', async () => {
    const a = await tts.synthesize(SENTENCE, voice('awb', { pitchHz: 140, rate: 1.2 }));
    const b = await tts.synthesize(SENTENCE, voice('awb', { pitchHz: 140, rate: 1.2 }));
    expect(b.length).toBe(a.length);
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
  });

  it('gives different voices and pitch settings a different median pitch', async () => {
    const slt = medianF0(await tts.synthesize(SENTENCE, voice('slt')));
    const sltLow = medianF0(await tts.synthesize(SENTENCE, voice('slt', { pitchHz: 110 })));
    const rmsVoice = medianF0(await tts.synthesize(SENTENCE, voice('rms')));
    expect(slt).toBeGreaterThan(140);
    expect(slt - sltLow).toBeGreaterThan(30);
    expect(Math.abs(sltLow - 110)).toBeLessThan(25);
    expect(slt - rmsVoice).toBeGreaterThan(30);
  });

  it('speaks faster at a higher rate', async () => {
    const normal = await tts.synthesize(SENTENCE, voice('kal16'));
    const fast = await tts.synthesize(SENTENCE, voice('kal16', { rate: 1.5 }));
    expect(fast.length / normal.length).toBeGreaterThan(0.55);
    expect(fast.length / normal.length).toBeLessThan(0.8);
  });

  it('handles one word, the 8 kHz voice, odd characters and text with nothing to say', async () => {
    expect((await tts.synthesize('goodbye', voice('slt'))).length).toBeGreaterThan(SAMPLE_RATE_HZ * 0.2);
    expect((await tts.synthesize('Hello there.', voice('kal'))).length).toBeGreaterThan(SAMPLE_RATE_HZ * 0.3);
    expect((await tts.synthesize('Café «naïve» 😀 <b>bold</b> & -t co', voice('rms'))).length).toBeGreaterThan(0);
    expect((await tts.synthesize(' ... ', voice('slt'))).length).toBe(0);
    expect(sanitizeForFlite('-o x.wav “hi” — <b>🙂')).toBe('o x.wav "hi" , b');
  });
});
