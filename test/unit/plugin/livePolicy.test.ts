import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LivePolicy, type LiveCandidate } from '../../../plugin/core/LivePolicy.js';

const c = (id: string, distancePx: number, live: boolean, engaged = false): LiveCandidate => ({
  id,
  distancePx,
  hearingRadiusPx: 150,
  live,
  engaged,
});

describe('LivePolicy', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens a session when the player walks into hearing range and not before', () => {
    const policy = new LivePolicy({ maxLive: 3, idleTimeoutMs: 60_000 });
    expect(policy.decide([c('smith', 400, false)], Date.now())).toEqual({ open: [], close: [] });
    expect(policy.decide([c('smith', 100, false)], Date.now())).toEqual({ open: ['smith'], close: [] });
  });

  it('closes a session when the player walks out of range', () => {
    const policy = new LivePolicy({ maxLive: 3, idleTimeoutMs: 60_000 });
    policy.decide([c('smith', 100, false)], Date.now());
    expect(policy.decide([c('smith', 400, true)], Date.now())).toEqual({ open: [], close: ['smith'] });
  });

  it('opens an out-of-range NPC the game named (talked to) and keeps it open', () => {
    const policy = new LivePolicy({ maxLive: 3, idleTimeoutMs: 1_000 });
    expect(policy.decide([c('guard', 900, false, true)], Date.now()).open).toEqual(['guard']);
    vi.advanceTimersByTime(5_000);
    expect(policy.decide([c('guard', 900, true, true)], Date.now()).close).toEqual([]);
  });

  it('closes an in-range session after idleTimeoutMs without conversation', () => {
    const policy = new LivePolicy({ maxLive: 3, idleTimeoutMs: 60_000 });
    policy.decide([c('smith', 100, false)], Date.now());
    vi.advanceTimersByTime(59_999);
    expect(policy.decide([c('smith', 100, true)], Date.now()).close).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(policy.decide([c('smith', 100, true)], Date.now()).close).toEqual(['smith']);
    // Still idle: standing there does not reopen it.
    expect(policy.decide([c('smith', 100, false)], Date.now()).open).toEqual([]);
  });

  it('postpones the idle close while the conversation goes on', () => {
    const policy = new LivePolicy({ maxLive: 3, idleTimeoutMs: 60_000 });
    policy.decide([c('smith', 100, false)], Date.now());
    vi.advanceTimersByTime(50_000);
    policy.touch('smith', Date.now());
    vi.advanceTimersByTime(50_000);
    expect(policy.decide([c('smith', 100, true)], Date.now()).close).toEqual([]);
  });

  it('keeps at most maxLive sessions, closing the least recently used first', () => {
    const policy = new LivePolicy({ maxLive: 2, idleTimeoutMs: 60_000 });
    policy.decide([c('a', 100, false)], Date.now());
    vi.advanceTimersByTime(1_000);
    policy.decide([c('a', 100, true), c('b', 100, false)], Date.now());
    vi.advanceTimersByTime(1_000);
    policy.touch('a', Date.now());
    vi.advanceTimersByTime(1_000);
    const decision = policy.decide([c('a', 100, true), c('b', 100, true), c('c', 100, false)], Date.now());
    // c just arrived (most recent), a was talked to after b arrived: b is least recently used.
    expect(decision).toEqual({ open: ['c'], close: ['b'] });
  });

  it('never closes an engaged NPC to make room', () => {
    const policy = new LivePolicy({ maxLive: 1, idleTimeoutMs: 60_000 });
    policy.decide([c('talking', 100, false, true)], Date.now());
    vi.advanceTimersByTime(1_000);
    const decision = policy.decide([c('talking', 100, true, true), c('newcomer', 50, false)], Date.now());
    expect(decision).toEqual({ open: [], close: [] });
  });
});
