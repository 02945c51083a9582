import { describe, expect, it } from 'vitest';
import { PcmQueue, type PcmQueueEvent } from '../../../plugin/audio/PcmQueue.js';

const QUANTUM = 128;

/** A PCM16 24 kHz sine of `ms` milliseconds. */
function tone(ms: number, hz = 440, rateHz = 24_000, amplitude = 0.5): Int16Array {
  const n = Math.round((ms * rateHz) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(Math.sin((2 * Math.PI * hz * i) / rateHz) * amplitude * 32767);
  return out;
}

/** Pulls `quanta` render quanta and returns everything rendered. */
function render(q: PcmQueue, quanta: number): Float32Array {
  const all = new Float32Array(quanta * QUANTUM);
  const buf = new Float32Array(QUANTUM);
  for (let k = 0; k < quanta; k++) {
    q.pull(buf);
    all.set(buf, k * QUANTUM);
  }
  return all;
}

function recorder(): { events: PcmQueueEvent[]; onEvent: (e: PcmQueueEvent) => void } {
  const events: PcmQueueEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

function zeroCrossingsHz(samples: Float32Array, rateHz: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if ((samples[i - 1] as number) < 0 && (samples[i] as number) >= 0) crossings++;
  return crossings / (samples.length / rateHz);
}

describe('PcmQueue', () => {
  it('counts exactly the frames rendered per item, across items and partial quanta', () => {
    const q = new PcmQueue({ outputRateHz: 24_000, startThresholdMs: 0 });
    q.push(tone(10), 'a'); // 240 samples
    q.push(tone(5), 'b'); // 120 samples
    render(q, 1);
    expect(q.playedFrames('a')).toBe(128);
    expect(q.playedFrames('b')).toBe(0);
    render(q, 2);
    expect(q.playedFrames('a')).toBe(240);
    expect(q.playedFrames('b')).toBe(120);
    expect(q.playedMs('a')).toBe(10);
    expect(q.playedFrames('unknown')).toBe(0);
  });

  it('resamples 24 kHz to 48 kHz and 44.1 kHz with exactly ceil(n × ratio) frames and the same pitch', () => {
    for (const outputRateHz of [48_000, 44_100]) {
      const q = new PcmQueue({ outputRateHz, startThresholdMs: 0 });
      // Many odd-sized chunks: the resampler's state must carry across them.
      const input = tone(1000, 440);
      for (let i = 0; i < input.length; i += 337) q.push(input.subarray(i, i + 337), 'item');
      q.push(tone(10, 440), 'next'); // switching items releases the first item's last fraction of a sample
      const out = render(q, Math.ceil((outputRateHz * 1.2) / QUANTUM));
      expect(q.playedFrames('item')).toBe(Math.ceil((input.length * outputRateHz) / 24_000));
      expect(q.playedMs('item')).toBeCloseTo(1000, 1);
      const firstSecond = out.subarray(0, outputRateHz);
      expect(zeroCrossingsHz(firstSecond, outputRateHz)).toBeCloseTo(440, -1);
      // Linear interpolation of a 440 Hz tone keeps its amplitude: peak close to 0.5.
      expect(Math.max(...firstSecond)).toBeGreaterThan(0.49);
    }
  });

  it('waits for the start threshold before playing a new item', () => {
    const { events, onEvent } = recorder();
    const q = new PcmQueue({ outputRateHz: 24_000, startThresholdMs: 60, maxStartWaitMs: 1000, onEvent });
    q.push(tone(40), 'a');
    const silent = render(q, 3);
    expect(silent.every((v) => v === 0)).toBe(true);
    expect(q.playedFrames('a')).toBe(0);
    expect(q.playing).toBe(false);
    q.push(tone(40), 'a'); // 80 ms buffered ≥ 60 ms
    render(q, 1);
    expect(q.playing).toBe(true);
    expect(q.playedFrames('a')).toBe(128);
    expect(events).toEqual([{ type: 'started', itemId: 'a' }]);
  });

  it('plays an answer shorter than the threshold after the maximum wait', () => {
    const q = new PcmQueue({ outputRateHz: 24_000, startThresholdMs: 60, maxStartWaitMs: 100 });
    q.push(tone(20), 'short'); // 480 samples, never reaches 60 ms
    render(q, 18); // 96 ms of waiting: still buffering
    expect(q.playedFrames('short')).toBe(0);
    render(q, 10);
    expect(q.playedFrames('short')).toBe(480);
  });

  it('reports an underrun when an item runs dry and more of it arrives, then re-buffers', () => {
    const { events, onEvent } = recorder();
    const q = new PcmQueue({ outputRateHz: 24_000, startThresholdMs: 20, onEvent });
    q.push(tone(20), 'a'); // 480 samples
    render(q, 4); // 512 frames: runs dry in the 4th quantum
    expect(q.playedFrames('a')).toBe(480);
    expect(events.map((e) => e.type)).toEqual(['started', 'drained']);
    expect(q.underruns).toBe(0);
    q.push(tone(10), 'a'); // late chunk of the same item: the listener heard a gap
    expect(q.underruns).toBe(1);
    expect(events.at(-1)).toEqual({ type: 'underrun', itemId: 'a' });
    render(q, 1); // 10 ms < 20 ms threshold: re-buffering, not playing
    expect(q.playedFrames('a')).toBe(480);
    q.push(tone(10), 'a');
    render(q, 1);
    expect(q.playedFrames('a')).toBe(480 + 128);
  });

  it('does not count the start of the next answer as an underrun', () => {
    const q = new PcmQueue({ outputRateHz: 24_000, startThresholdMs: 0 });
    q.push(tone(10), 'a');
    render(q, 3);
    q.push(tone(10), 'b');
    render(q, 3);
    expect(q.underruns).toBe(0);
    expect(q.playedFrames('b')).toBe(240);
  });

  it('clear() drops everything at once and keeps the played counts', () => {
    const { events, onEvent } = recorder();
    const q = new PcmQueue({ outputRateHz: 48_000, startThresholdMs: 0, onEvent });
    q.push(tone(500), 'a');
    render(q, 10);
    const played = q.playedFrames('a');
    expect(played).toBe(1280);
    q.clear();
    expect(q.bufferedFrames).toBe(0);
    const after = render(q, 5);
    expect(after.every((v) => v === 0)).toBe(true);
    expect(q.playedFrames('a')).toBe(played);
    expect(q.currentItemId).toBeNull();
    // Audio of a new item after a clear starts normally and is not an underrun.
    q.push(tone(10), 'b');
    render(q, 1);
    expect(q.underruns).toBe(0);
    expect(events.filter((e) => e.type === 'started').map((e) => e.itemId)).toEqual(['a', 'b']);
  });

  it('forgets the played counts of old items beyond maxTrackedItems', () => {
    const q = new PcmQueue({ outputRateHz: 24_000, startThresholdMs: 0, maxTrackedItems: 3 });
    for (const id of ['a', 'b', 'c', 'd']) {
      q.push(tone(5), id);
      render(q, 1);
    }
    expect(q.trackedItems()).toEqual(['b', 'c', 'd']);
  });

  it('rejects a non-integer sample rate', () => {
    expect(() => new PcmQueue({ outputRateHz: 44_100.5 })).toThrow(RangeError);
  });
});
