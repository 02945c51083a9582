import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness, type HarnessPage } from './browser.js';
import type { MicResult, ToneResult, ToneScenario } from './page/main.js';

let harness: HarnessPage;

beforeAll(async () => {
  harness = await openHarness();
  await harness.page.evaluate(() => window.harness.warmUp());
});

afterAll(async () => {
  await harness?.close();
});

function tone(s: ToneScenario): Promise<ToneResult> {
  return harness.page.evaluate((scenario) => window.harness.tone(scenario), s);
}

describe('VoiceMixer in Chromium', () => {
  it('plays an NPC standing 200 px left of the player louder in the left ear, and the mirror', async () => {
    const left = await tone({ dxPx: -200, toneMs: 600, chunkMs: 40, jitterMs: 0 });
    const right = await tone({ dxPx: 200, toneMs: 600, chunkMs: 40, jitterMs: 0 });
    expect(left.left).toBeGreaterThan(0);
    expect(left.left / left.right).toBeGreaterThanOrEqual(1.5);
    expect(right.right / right.left).toBeGreaterThanOrEqual(1.5);
  });

  it('reports a growing played position and goes silent within 50 ms of audio time after stop()', async () => {
    const r = await tone({ dxPx: -100, toneMs: 3000, chunkMs: 40, jitterMs: 0, stopAfterMs: 800 });
    const positive = r.playedMs.filter((ms) => ms > 0);
    expect(positive.length).toBeGreaterThan(10);
    // Monotonic and really growing while the tone played.
    for (let i = 1; i < positive.length; i++) expect(positive[i]).toBeGreaterThanOrEqual(positive[i - 1] as number);
    expect((positive.at(-1) as number) - (positive[0] as number)).toBeGreaterThan(300);
    expect(r.stopTime).not.toBeNull();
    expect(r.lastLoudTime).not.toBeNull();
    expect((r.lastLoudTime as number) - (r.stopTime as number)).toBeLessThan(0.05);
    // The truncation point: what playedMs said at stop() matches the audio that was really heard (±50 ms), and
    // the worklet's final exact count agrees with the estimate.
    const heardMs = ((r.lastLoudTime as number) - (r.firstLoudTime as number)) * 1000;
    expect(Math.abs((r.playedAtStopMs as number) - heardMs)).toBeLessThan(50);
    expect(Math.abs((r.playedAfterStopMs as number) - (r.playedAtStopMs as number))).toBeLessThan(30);
    expect(r.pushedMs).toBeLessThan(3000);
    expect(r.speakingSeen).toEqual([true, false]);
    expect(Math.max(...r.levelsSeen)).toBeGreaterThan(0.5);
  });

  it('plays chunks arriving with 30 ms random jitter without an underrun or a gap', async () => {
    const r = await tone({ dxPx: 150, toneMs: 3000, chunkMs: 40, jitterMs: 30 });
    expect(r.underruns).toBe(0);
    expect(r.gapQuanta).toBe(0);
    expect(r.playedMs.at(-1)).toBeCloseTo(r.pushedMs, 0);
    expect(r.speakingSeen).toEqual([true, false]);
  });
});

describe('MicCapture in Chromium', () => {
  it('delivers 40 ms PCM16 24 kHz chunks from the microphone, stops the track on close and types a refusal', async () => {
    const r: MicResult = await harness.page.evaluate(() => window.harness.mic(1500));
    // 1.5 s of capture: about 37 chunks of 960 samples (40 ms at 24 kHz), every one complete.
    expect(r.chunkLengths.length).toBeGreaterThanOrEqual(30);
    expect(r.chunkLengths.length).toBeLessThanOrEqual(40);
    expect(new Set(r.chunkLengths)).toEqual(new Set([960]));
    expect(r.maxLevel).toBeGreaterThan(0.2);
    expect(r.trackKind).toBe('audio');
    expect(r.trackEndedAfterClose).toBe('ended');
    expect(r.denied).toBe('denied');
  });
});

describe('AudioWorklet loading when the worklet file is missing', () => {
  it('loads the inlined worklet code from a blob: URL and captures', async () => {
    const r = await harness.page.evaluate(() => window.harness.micWithoutWorkletFile());
    expect(r).toEqual({ chunks: expect.any(Number) });
  });

  it("reports a Content-Security-Policy that forbids blob: scripts as reason 'blocked', naming the policy", async () => {
    const strict = await openHarness({ csp: "script-src 'self' 'unsafe-eval'; worker-src 'self'" });
    try {
      const r = await strict.page.evaluate(() => window.harness.micWithoutWorkletFile());
      expect(r).toMatchObject({ reason: 'blocked' });
      expect((r as { message: string }).message).toMatch(/Content-Security-Policy blocked the audio worklet \(script-src(-elem)? refused blob/);
    } finally {
      await strict.close();
    }
  });
});
