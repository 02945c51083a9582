import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleTimeout } from '../../../server/emulator/realtime/IdleTimeout.js';
import { RateLimits } from '../../../server/emulator/realtime/RateLimits.js';

describe('IdleTimeout', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fires after the remaining playback plus the idle time, reporting the silence on the input clock', () => {
    let position = 5000;
    const fired: [number, number][] = [];
    const idle = new IdleTimeout({ inputPositionMs: () => position, fire: (start, end) => fired.push([start, end]) });
    idle.arm(3000, 1200);
    position += 4000;
    vi.advanceTimersByTime(4199);
    expect(fired).toEqual([]);
    position += 200;
    vi.advanceTimersByTime(1);
    // The silence starts where the assistant's audio finished playing (1200 ms after arming) and ends now.
    expect(fired).toEqual([[6200, 9200]]);
    expect(idle.armed).toBe(false);
  });

  it('never reports a start after the end when the client streams no audio, and disarm or re-arm restarts the wait', () => {
    const fired: [number, number][] = [];
    const idle = new IdleTimeout({ inputPositionMs: () => 0, fire: (start, end) => fired.push([start, end]) });
    idle.arm(1000, 500);
    vi.advanceTimersByTime(1000);
    idle.disarm();
    vi.advanceTimersByTime(5000);
    expect(fired).toEqual([]);
    idle.arm(1000, 0);
    vi.advanceTimersByTime(900);
    idle.arm(1000, 0);
    vi.advanceTimersByTime(900);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual([[0, 0]]);
  });
});

describe('RateLimits', () => {
  it('takes each response off the minute window and gives it back when it leaves the window', () => {
    let now = 0;
    const limits = new RateLimits(() => now);
    const first = limits.record(1200);
    expect(first).toEqual({
      type: 'rate_limits.updated',
      rate_limits: [
        { name: 'requests', limit: 5000, remaining: 4999, reset_seconds: 60 },
        { name: 'tokens', limit: 40000, remaining: 38800, reset_seconds: 60 },
      ],
    });
    now = 15_000;
    expect(limits.record(800).rate_limits).toEqual([
      { name: 'requests', limit: 5000, remaining: 4998, reset_seconds: 45 },
      { name: 'tokens', limit: 40000, remaining: 38000, reset_seconds: 45 },
    ]);
    now = 61_000;
    expect(limits.record(100).rate_limits[1]).toEqual({ name: 'tokens', limit: 40000, remaining: 39100, reset_seconds: 14 });
  });
});
