import { describe, expect, it } from 'vitest';
import { LIVE_MAX_BUFFERED_MS, LIVE_START_MS, LiveLane } from '../../../plugin/audio/LiveLane.js';
import { rms } from '../../../plugin/shared/pcm16.js';

const QUANTUM = 128;

/** One 10 ms WebRTC frame of a sine at `rateHz`, as a remote track delivers it. */
function frame(rateHz = 48_000, hz = 300, amplitude = 0.5, startSample = 0): Float32Array {
  const n = rateHz / 100;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin((2 * Math.PI * hz * (startSample + i)) / rateHz) * amplitude;
  return out;
}

/** Mixes `quanta` render quanta of the lane onto `base` (zeros by default) and returns them. */
function mix(lane: LiveLane, quanta: number, base = 0): Float32Array {
  const all = new Float32Array(quanta * QUANTUM);
  const buf = new Float32Array(QUANTUM);
  for (let k = 0; k < quanta; k++) {
    buf.fill(base);
    lane.mixInto(buf);
    all.set(buf, k * QUANTUM);
  }
  return all;
}

describe('LiveLane (the stream player lane for a WebRTC remote track)', () => {
  it('plays nothing before LIVE_START_MS of frames are buffered, then the frames at the output rate', () => {
    const lane = new LiveLane(48_000);
    lane.push(frame(), 48_000); // 10 ms: below the start threshold
    expect(rms(mix(lane, 2))).toBe(0);
    lane.push(frame(48_000, 300, 0.5, 480), 48_000);
    expect(LIVE_START_MS).toBe(20);
    const out = mix(lane, 8); // 1024 frames: the 20 ms buffered then silence
    expect(rms(out.subarray(0, 700))).toBeGreaterThan(0.3);
    expect(rms(out.subarray(960))).toBe(0);
  });

  it('adds onto what the PCM lane already wrote instead of replacing it', () => {
    const lane = new LiveLane(48_000);
    const dc = new Float32Array(960).fill(0.25);
    lane.push(dc, 48_000);
    const out = mix(lane, 2, 0.5);
    expect(out[0]).toBeCloseTo(0.75, 5);
  });

  it('resamples a 48 kHz track to a 44.1 kHz context and keeps the duration', () => {
    const lane = new LiveLane(44_100);
    for (let i = 0; i < 10; i++) lane.push(frame(48_000, 300, 0.5, i * 480), 48_000);
    const out = mix(lane, 40);
    let audible = 0;
    for (const v of out) if (v !== 0) audible++;
    // 100 ms at 44.1 kHz (the resampler holds back at most a few samples until more arrives).
    expect(audible).toBeGreaterThan(4_380);
    expect(audible).toBeLessThanOrEqual(4_410);
  });

  it('drops a backlog beyond LIVE_MAX_BUFFERED_MS so the voice stays in step with the call', () => {
    const lane = new LiveLane(48_000);
    const frames = LIVE_MAX_BUFFERED_MS / 10 + 5;
    for (let i = 0; i < frames; i++) lane.push(frame(), 48_000);
    expect(lane.dropped).toBe(1);
    expect(lane.bufferedFrames).toBeLessThanOrEqual((LIVE_MAX_BUFFERED_MS * 48_000) / 1000);
  });

  it('clear() silences the lane at once', () => {
    const lane = new LiveLane(48_000);
    for (let i = 0; i < 5; i++) lane.push(frame(), 48_000);
    expect(rms(mix(lane, 1))).toBeGreaterThan(0);
    lane.clear();
    expect(rms(mix(lane, 4))).toBe(0);
  });
});
